//! A company's development need on a page: written (`/needs/new`) and changed
//! (`/needs/{id}/edit`) with one form — skills suggested from the vocabulary in the reader's
//! language, languages with their minimum CEFR level, the municipality by name, whether the
//! need is KTP-target. Saved through the API's own validation; what was typed is kept when a
//! field is refused.

use super::error::AppError;
use super::forms::{
    municipality_key, number, place_label, place_labels, skill_terms, LanguageRow, LANGUAGES,
};
use super::AppState;
use super::SignedIn;
use super::{
    checked_post, create_record, error_page, field_messages, respond, see_other, to_sign_in, Ctx,
    Nav,
};
use crate::db::Record;
use crate::i18n::Tr;
use crate::policy::Viewer;
use crate::records::check::MunicipalityInput;
use crate::records::need::{Need, NeedInput};
use crate::records::RecordType;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::{json, Value};

const SKILL_ROWS: usize = 6;
const LANGUAGE_ROWS: usize = 2;
/// A need asks for a minimum level; "native" is not one.
const MIN_LEVELS: [&str; 6] = ["A1", "A2", "B1", "B2", "C1", "C2"];
const KINDS: [&str; 5] = ["digitalisation", "product", "process", "market", "other"];

/// What the form shows: the saved need, or what was just posted.
pub struct NeedForm {
    pub title: String,
    pub description: String,
    pub kind: String,
    pub skills: Vec<String>,
    pub languages: Vec<LanguageRow>,
    pub duration_months: String,
    pub start_date: String,
    pub municipality: String,
    pub remote_ok: bool,
    pub cross_border_ok: bool,
    pub ktp_target: bool,
    /// Who the company asks for: a graduate (KTP), a coach, or both.
    pub wants_graduate: bool,
    pub wants_coach: bool,
    /// The saved need's status (`draft`, `open`, …); empty for a new one.
    pub status: String,
    /// `publish`, `draft` (kept as a draft, matched by no one) or `save` (the status as it is).
    pub action: String,
}

impl Default for NeedForm {
    fn default() -> NeedForm {
        NeedForm {
            title: String::new(),
            description: String::new(),
            kind: "digitalisation".into(),
            skills: Vec::new(),
            languages: Vec::new(),
            duration_months: "12".into(),
            start_date: String::new(),
            municipality: String::new(),
            remote_ok: false,
            cross_border_ok: true,
            ktp_target: false,
            wants_graduate: true,
            wants_coach: false,
            status: String::new(),
            action: String::new(),
        }
    }
}

impl NeedForm {
    fn padded(mut self) -> NeedForm {
        let skills = self.skills.len().max(SKILL_ROWS);
        self.skills.resize(skills, String::new());
        while self.languages.len() < LANGUAGE_ROWS {
            self.languages.push(LanguageRow {
                code: String::new(),
                level: "B2".into(),
            });
        }
        self
    }

    fn from_saved(d: &NeedInput) -> NeedForm {
        NeedForm {
            title: d.title.clone(),
            description: d.description.clone(),
            kind: d.kind.clone(),
            skills: d.skills.clone(),
            languages: d
                .languages
                .iter()
                .map(|l| LanguageRow {
                    code: l.code.clone(),
                    level: l.min_level.clone(),
                })
                .collect(),
            duration_months: d.duration_months.to_string(),
            start_date: d.start_date.clone(),
            municipality: match &d.municipality {
                MunicipalityInput::Key(key) => place_label(key),
                MunicipalityInput::Parts(_) => String::new(),
            },
            remote_ok: d.remote_ok,
            cross_border_ok: d.cross_border_ok,
            ktp_target: d.ktp_target,
            wants_graduate: d
                .wants
                .as_ref()
                .is_none_or(|w| w.iter().any(|x| x == "graduate")),
            wants_coach: d
                .wants
                .as_ref()
                .is_some_and(|w| w.iter().any(|x| x == "coach")),
            status: d.status.clone().unwrap_or_default(),
            action: String::new(),
        }
    }

    /// Reads the posted form; rows repeat their names (`skill`, `lang`, `level`).
    fn from_post(body: &[u8]) -> (NeedForm, String) {
        let mut f = NeedForm {
            kind: String::new(),
            duration_months: String::new(),
            cross_border_ok: false,
            wants_graduate: false,
            ..NeedForm::default()
        };
        let mut csrf = String::new();
        let (mut langs, mut levels) = (Vec::new(), Vec::new());
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf_token" => csrf = v,
                "title" => f.title = v,
                "description" => f.description = v,
                "kind" => f.kind = v,
                "skill" => f.skills.push(v),
                "lang" => langs.push(v),
                "level" => levels.push(v),
                "duration_months" => f.duration_months = v,
                "start_date" => f.start_date = v,
                "municipality" => f.municipality = v,
                "remote_ok" => f.remote_ok = true,
                "cross_border_ok" => f.cross_border_ok = true,
                "ktp_target" => f.ktp_target = true,
                "wants_graduate" => f.wants_graduate = true,
                "wants_coach" => f.wants_coach = true,
                "status" => f.status = v,
                "action" => f.action = v,
                _ => {}
            }
        }
        f.languages = LanguageRow::zipped(langs, levels);
        (f, csrf)
    }

    /// The API's fields (without the organisation): the same validation as
    /// `POST /api/v1/needs`. An empty municipality is the organisation's.
    fn body(&self) -> Value {
        let trimmed = |s: &str| s.trim().to_string();
        let wants: Vec<&str> = [
            ("graduate", self.wants_graduate),
            ("coach", self.wants_coach),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(w, _)| *w)
        .collect();
        let mut body = json!({
            "title": trimmed(&self.title),
            "description": trimmed(&self.description),
            "kind": self.kind,
            "skills": self.skills.iter().map(|s| trimmed(s)).filter(|s| !s.is_empty()).collect::<Vec<_>>(),
            "languages": self.languages.iter()
                .filter(|l| !l.code.trim().is_empty())
                .map(|l| json!({"code": trimmed(&l.code), "min_level": trimmed(&l.level)}))
                .collect::<Vec<_>>(),
            "duration_months": number(&self.duration_months),
            "start_date": trimmed(&self.start_date),
            "remote_ok": self.remote_ok,
            "cross_border_ok": self.cross_border_ok,
            "ktp_target": self.ktp_target,
            "wants": wants,
        });
        match self.action.as_str() {
            "publish" => body["status"] = json!("open"),
            "draft" => body["status"] = json!("draft"),
            _ => {}
        }
        if !self.municipality.trim().is_empty() {
            body["municipality"] = json!(municipality_key(&self.municipality));
        }
        body
    }
}

#[derive(Template)]
#[template(path = "pages/need_form.html")]
struct NeedFormPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    /// Where the form posts, and whether it changes a need that exists.
    action: String,
    editing: bool,
    form: NeedForm,
    kinds: [&'static str; 5],
    languages: [&'static str; 16],
    levels: [&'static str; 6],
    skill_terms: &'static [String],
    places: &'static [String],
    errors: Vec<String>,
}

impl NeedFormPage<'_> {
    fn word(&self, group: &str, key: &str) -> String {
        self.tr.t(&format!("{group}.{key}")).to_string()
    }
}

fn form_page(
    c: &Ctx,
    action: String,
    editing: bool,
    form: NeedForm,
    errors: Vec<String>,
) -> HttpResponse {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = NeedFormPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        action,
        editing,
        form: form.padded(),
        kinds: KINDS,
        languages: LANGUAGES,
        levels: MIN_LEVELS,
        skill_terms: skill_terms(c.tr.locale),
        places: place_labels(),
        errors,
    };
    respond(c, status, page.render())
}

/// `GET /needs/new`.
pub async fn new_page(_state: web::Data<AppState>, req: HttpRequest, c: Ctx) -> HttpResponse {
    if c.viewer.is_none() {
        return to_sign_in(&req);
    }
    form_page(
        &c,
        "/needs/new".into(),
        false,
        NeedForm::default(),
        Vec::new(),
    )
}

/// `POST /needs/new`: publishes the need for the company's organisation.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let (form, token) = NeedForm::from_post(&body);
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/needs/new"),
    };
    let Some(org) = viewer.organisations.first().cloned() else {
        return see_other("/company");
    };
    let mut body = form.body();
    body["organisation_id"] = json!(org);
    if body.get("municipality").is_none() {
        let o = org.clone();
        let place = state
            .db
            .read(move |conn| Record::Organisation.find(conn, &o).map_err(AppError::from))
            .await;
        match place {
            Ok(Some(row)) => body["municipality"] = json!(row.municipality),
            Ok(None) => {}
            Err(e) => return error_page(&c, e, "/company"),
        }
    }
    match create_record::<Need>(&state, &viewer, body).await {
        Ok(id) => see_other(&format!("/needs/{id}")),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => form_page(
            &c,
            "/needs/new".into(),
            false,
            form,
            field_messages(c.tr, &e),
        ),
        Err(e) => error_page(&c, e, "/company"),
    }
}

/// The need, if the viewer may change it.
async fn changeable(
    state: &web::Data<AppState>,
    viewer: Viewer,
    id: String,
) -> Result<NeedInput, AppError> {
    state
        .db
        .read(move |conn| -> Result<NeedInput, AppError> {
            let row = Record::Need.find(conn, &id)?.ok_or(AppError::NotFound)?;
            viewer
                .view_of(Record::Need, &row)
                .ok_or(AppError::NotFound)?;
            if !viewer.may_change(Record::Need, &row) {
                return Err(AppError::forbidden("you may not change this need"));
            }
            Need::stored(&row).ok_or_else(|| anyhow::anyhow!("an unreadable need").into())
        })
        .await
}

/// `GET /needs/{id}/edit`: the need's form, filled in.
pub async fn edit_page(
    state: web::Data<AppState>,
    _req: HttpRequest,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let id = id.into_inner();
    match changeable(&state, viewer, id.clone()).await {
        Ok(data) => form_page(
            &c,
            format!("/needs/{id}/edit"),
            true,
            NeedForm::from_saved(&data),
            Vec::new(),
        ),
        Err(e) => error_page(&c, e, &format!("/needs/{id}")),
    }
}

/// `POST /needs/{id}/edit`: the change, merged into the need and checked as the API checks it.
pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/needs/{id}");
    let (form, token) = NeedForm::from_post(&body);
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let patch = form.body();
    let target = id.clone();
    let done = state
        .write(move |conn| {
            crate::records::store::change::<Need>(conn, &viewer, &target, patch, false)
        })
        .await;
    match done {
        Ok(_) => see_other(&back),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => form_page(
            &c,
            format!("/needs/{id}/edit"),
            true,
            form,
            field_messages(c.tr, &e),
        ),
        Err(e) => error_page(&c, e, &back),
    }
}

//! `/profile`: a graduate's or newcomer's own profile (education, skills suggested from the
//! vocabulary in their language as they type, languages with CEFR levels, where they can work,
//! when, what they seek) and the development needs that match it. No script: skills and
//! languages are rows of fields, suggestions are the browser's own `<datalist>`.

use super::error::AppError;
use super::forms::*;
use super::AppState;
use super::{
    checked_post, error_page, field_messages, match_lines, respond, see_other, IntroLine,
    MatchLine, Nav,
};
use super::{Ctx, SignedIn};
use crate::db::Record;
use crate::i18n::Tr;
use crate::policy::{Role, Viewer};
use crate::records::candidate::Candidate;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use heartland_index::Kind;
use serde::Deserialize;
use serde_json::{json, Value};

/// Skill rows and language rows the form offers.
const SKILL_ROWS: usize = 8;
const LANGUAGE_ROWS: usize = 4;
/// What the form shows: the saved profile, or what was just posted.
#[derive(Default)]
pub struct ProfileForm {
    pub headline: String,
    pub summary: String,
    pub degree: String,
    pub field: String,
    pub institution: String,
    pub year: String,
    pub skills: Vec<String>,
    pub languages: Vec<LanguageRow>,
    pub municipality: String,
    pub max_distance_km: String,
    pub cross_border_ok: bool,
    pub available_from: String,
    pub seeking: Vec<String>,
    /// The business idea, for a mentor: stage, sector, what it is, what help is wanted.
    pub stage: String,
    pub sector: String,
    pub business: String,
    pub support: Vec<String>,
    /// Private and optional: `woman`, `man`, `non_binary`, `undisclosed` or empty.
    pub gender: String,
    /// Private and optional: `yes`, `no` or empty.
    pub foreign_background: String,
}

/// The stages of a business and the help a newcomer may ask for, as the API names them.
pub const STAGES: [&str; 3] = ["idea", "started", "established"];
pub const SUPPORT: [&str; 6] = ["tax", "rules", "financing", "market", "language", "network"];
pub const GENDERS: [&str; 4] = ["woman", "man", "non_binary", "undisclosed"];

impl ProfileForm {
    fn padded(mut self) -> ProfileForm {
        while self.skills.len() < SKILL_ROWS {
            self.skills.push(String::new());
        }
        while self.languages.len() < LANGUAGE_ROWS {
            self.languages.push(LanguageRow {
                code: String::new(),
                level: String::new(),
            });
        }
        self
    }

    fn from_saved(data: &Value) -> ProfileForm {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let (gender, foreign_background) = private_from_saved(data);
        let edu = &data["education"][0];
        let municipality = data["municipality"].as_str().map(place_label);
        ProfileForm {
            headline: s(&data["headline"]),
            summary: s(&data["summary"]),
            degree: s(&edu["degree"]),
            field: s(&edu["field"]),
            institution: s(&edu["institution"]),
            year: edu["year"]
                .as_i64()
                .map(|y| y.to_string())
                .unwrap_or_default(),
            skills: list(&data["skills"]).iter().map(s).collect(),
            languages: list(&data["languages"])
                .iter()
                .map(|l| LanguageRow {
                    code: s(&l["code"]),
                    level: s(&l["level"]),
                })
                .collect(),
            municipality: municipality.unwrap_or_default(),
            max_distance_km: data["max_distance_km"]
                .as_i64()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            cross_border_ok: data["cross_border_ok"].as_bool().unwrap_or(false),
            available_from: s(&data["available_from"]),
            seeking: list(&data["seeking"]).iter().map(s).collect(),
            stage: s(&data["business"]["stage"]),
            sector: s(&data["business"]["sector"]),
            business: s(&data["business"]["description"]),
            support: list(&data["business"]["support_needs"])
                .iter()
                .map(s)
                .collect(),
            gender,
            foreign_background,
        }
    }

    /// Reads the posted form; rows repeat their names (`skill`, `lang`, `level`).
    fn from_post(body: &[u8]) -> (ProfileForm, String) {
        let mut f = ProfileForm::default();
        let mut csrf = String::new();
        let mut langs = Vec::new();
        let mut levels = Vec::new();
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf_token" => csrf = v,
                "headline" => f.headline = v,
                "summary" => f.summary = v,
                "degree" => f.degree = v,
                "field" => f.field = v,
                "institution" => f.institution = v,
                "year" => f.year = v,
                "skill" => f.skills.push(v),
                "lang" => langs.push(v),
                "level" => levels.push(v),
                "municipality" => f.municipality = v,
                "max_distance_km" => f.max_distance_km = v,
                "cross_border_ok" => f.cross_border_ok = true,
                "available_from" => f.available_from = v,
                "seeking" => f.seeking.push(v),
                "stage" => f.stage = v,
                "sector" => f.sector = v,
                "business" => f.business = v,
                "support" => f.support.push(v),
                "gender" => f.gender = v,
                "foreign_background" => f.foreign_background = v,
                _ => {}
            }
        }
        f.languages = LanguageRow::zipped(langs, levels);
        (f, csrf)
    }

    /// The API's body: the same validation as `POST /api/v1/candidates`.
    fn body(&self) -> Value {
        let trimmed = |s: &str| s.trim().to_string();
        let mut body = json!({
            "headline": trimmed(&self.headline),
            "summary": trimmed(&self.summary),
            "skills": self.skills.iter().map(|s| trimmed(s)).filter(|s| !s.is_empty()).collect::<Vec<_>>(),
            "languages": self.languages.iter()
                .filter(|l| !l.code.trim().is_empty())
                .map(|l| json!({"code": trimmed(&l.code), "level": trimmed(&l.level)}))
                .collect::<Vec<_>>(),
            "municipality": municipality_key(&self.municipality),
            "max_distance_km": number(&self.max_distance_km),
            "cross_border_ok": self.cross_border_ok,
            "available_from": trimmed(&self.available_from),
            "seeking": self.seeking,
        });
        // A newcomer who seeks a mentor describes the business: sent whenever asked for, so
        // that a missing stage is named by the validation.
        let business = [&self.stage, &self.sector, &self.business];
        if self.seeking.iter().any(|s| s == "mentoring")
            || business.iter().any(|s| !s.trim().is_empty())
        {
            body["business"] = json!({
                "stage": trimmed(&self.stage), "sector": trimmed(&self.sector),
                "description": trimmed(&self.business), "support_needs": self.support,
            });
        } else {
            body["business"] = Value::Null;
        }
        (body["gender"], body["foreign_background"]) =
            private_body(&self.gender, &self.foreign_background);
        let education = [&self.degree, &self.field, &self.institution, &self.year];
        if education.iter().any(|s| !s.trim().is_empty()) {
            body["education"] = json!([{
                "degree": trimmed(&self.degree), "field": trimmed(&self.field),
                "institution": trimmed(&self.institution), "year": number(&self.year),
            }]);
        } else {
            body["education"] = json!([]);
        }
        body
    }
}

#[derive(Template)]
#[template(path = "pages/profile.html")]
struct ProfilePage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    saved: bool,
    exists: bool,
    errors: Vec<String>,
    form: ProfileForm,
    languages: &'a [&'a str],
    levels: &'a [&'a str],
    skill_terms: &'static [String],
    places: &'static [String],
    matches: Vec<MatchLine>,
    /// Each matching need's company, place and description (its id → them).
    need_info: std::collections::HashMap<String, (String, String, String)>,
    /// Introductions still under way: an answer may be waiting for her.
    waiting: Vec<IntroLine>,
    stages: &'a [&'a str],
    support: &'a [&'a str],
    genders: &'a [&'a str],
    /// A newcomer's mentors who fit (pseudonymous), when the profile is open to mentoring.
    mentors: Vec<MatchLine>,
    mentee: Option<Mentee>,
}

/// Where a newcomer stands with asking for a mentor.
pub struct Mentee {
    /// The day the request still open was made.
    pub asked_on: Option<String>,
    /// An introduction to a mentor is under way.
    pub under_way: bool,
}

impl ProfilePage<'_> {
    fn seeks(&self, what: &str) -> bool {
        self.form.seeking.iter().any(|s| s == what)
    }

    /// Development needs are shown unless the person seeks only a mentor.
    fn wants_needs(&self) -> bool {
        self.seeks("ktp") || self.seeks("job") || !self.seeks("mentoring")
    }

    /// Every section open: a new profile, or one just refused.
    fn unfolded(&self) -> bool {
        !self.exists || !self.errors.is_empty()
    }

    fn need_of(&self, id: &str) -> Option<&(String, String, String)> {
        self.need_info.get(id)
    }

    fn supports(&self, what: &str) -> bool {
        self.form.support.iter().any(|s| s == what)
    }

    /// The name of a language or level offered (`lang.ar`, `level.B2`).
    fn word(&self, group: &str, value: &str) -> String {
        self.tr.t(&format!("{group}.{value}")).to_string()
    }
}

async fn show(
    state: &web::Data<AppState>,
    c: &super::Ctx,
    viewer: Viewer,
    posted: Option<(ProfileForm, Vec<String>)>,
    saved: bool,
) -> HttpResponse {
    let what = (Record::Candidate, Kind::Need, c.tr.locale);
    let own = match own_page(state, viewer, what, posted, ProfileForm::from_saved).await {
        Ok(own) => own,
        Err(e) => return error_page(c, e, "/"),
    };
    let (mentors, mentee) = match mentee_of(state, &own.entity, c.tr.locale).await {
        Ok(m) => m,
        Err(e) => return error_page(c, e, "/"),
    };
    let ids: Vec<String> = own.matches.iter().map(|m| m.id.clone()).collect();
    let need_info = match state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let mut out = std::collections::HashMap::new();
            for row in Record::Need.find_many(conn, &ids)? {
                let (_, place, org) = crate::introductions::describe(conn, "need", &row.id)?;
                let d: serde_json::Value = serde_json::from_str(&row.data).unwrap_or_default();
                let text = d["description"].as_str().unwrap_or_default();
                let short: String = text.chars().take(280).collect();
                let short = if short.len() < text.len() {
                    format!("{short} …")
                } else {
                    short
                };
                out.insert(row.id.clone(), (org, place, short));
            }
            Ok(out)
        })
        .await
    {
        Ok(m) => m,
        Err(e) => return error_page(c, e, "/"),
    };
    let page = ProfilePage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        saved,
        exists: own.exists,
        errors: own.errors,
        form: own.form.padded(),
        languages: &LANGUAGES,
        levels: &LEVELS,
        skill_terms: skill_terms(c.tr.locale),
        places: place_labels(),
        matches: own.matches,
        need_info,
        waiting: own.waiting,
        stages: &STAGES,
        support: &SUPPORT,
        genders: &GENDERS,
        mentors,
        mentee,
    };
    respond(c, own.status, page.render())
}

/// The mentors who fit a newcomer's saved profile, and whether they have asked for one.
async fn mentee_of(
    state: &web::Data<AppState>,
    entity: &Option<heartland_index::Entity>,
    locale: &'static str,
) -> Result<(Vec<MatchLine>, Option<Mentee>), AppError> {
    let Some(e) = entity
        .as_ref()
        .filter(|e| e.open_to(heartland_index::Track::Mentoring).is_ok())
    else {
        return Ok((Vec::new(), None));
    };
    let id = e.id.clone();
    let mentee = state
        .db
        .read(move |conn| -> Result<Mentee, AppError> {
            let asked = crate::mentoring::open_request_of(conn, &id)?;
            let busy = crate::mentoring::under_way(conn, std::slice::from_ref(&id))?;
            Ok(Mentee {
                under_way: busy.contains(&id),
                asked_on: asked.map(|r| r.created_at.date().to_string()),
            })
        })
        .await?;
    let hits = crate::matching::top(state, Some(e.clone()), Kind::Mentor, 5).await?;
    Ok((match_lines(hits, locale), Some(mentee)))
}

#[derive(Deserialize)]
pub struct AskForm {
    pub csrf_token: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /profile/mentor`: the newcomer asks the officers for an introduction to a mentor.
pub async fn ask_for_mentor(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<AskForm>,
    c: Ctx,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/profile"),
    };
    let note = form.into_inner().note;
    let done = state
        .write(move |conn| -> Result<(), AppError> {
            let row = own_profile(conn, &viewer, Record::Candidate)?
                .ok_or_else(|| AppError::invalid("candidate_id", "save your profile first"))?;
            crate::mentoring::ask(conn, &viewer, &row.id, &note).map(|_| ())
        })
        .await;
    match done {
        Ok(()) => see_other("/profile?asked=1#mentors-h"),
        Err(e) => error_page(&c, e, "/profile"),
    }
}

/// `GET /profile`.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let saved = req.query_string().contains("saved=1");
    match viewer.role {
        Role::Candidate => show(&state, &c, viewer, None, saved).await,
        Role::Mentor => super::mentor::show(&state, &c, viewer, None, saved).await,
        _ => see_other("/dashboard"),
    }
}

/// `POST /profile`: creates the profile, or changes it, through the API's own validation.
pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let (form, token) = ProfileForm::from_post(&body);
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/profile"),
    };
    if viewer.role == Role::Mentor {
        return super::mentor::save(&state, &c, viewer, &body).await;
    }
    if viewer.role != Role::Candidate {
        return error_page(&c, AppError::forbidden("not a candidate"), "/dashboard");
    }
    if form.seeking.iter().any(|s| s == "mentoring") && form.stage.trim().is_empty() {
        let errors = vec![c.tr.t("profile.stage_needed").to_string()];
        return show(&state, &c, viewer, Some((form, errors)), false).await;
    }
    let body = form.body();
    let v = viewer.clone();
    let st = state.clone();
    let result = state
        .write(move |conn| -> Result<(), AppError> {
            match own_profile(conn, &v, Record::Candidate)? {
                Some(row) => {
                    crate::records::store::change::<Candidate>(conn, &v, &row.id, body, false)?;
                }
                None => {
                    let input = super::body::from_value(body)?;
                    let valid = <Candidate as crate::records::RecordType>::validate(input)
                        .map_err(AppError::Validation)?;
                    crate::records::store::create::<Candidate>(conn, &v, valid, &st.settings)?;
                }
            }
            Ok(())
        })
        .await;
    match result {
        Ok(()) => see_other("/profile?saved=1"),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => {
            let errors = field_messages(c.tr, &e);
            show(&state, &c, viewer, Some((form, errors)), false).await
        }
        Err(e) => error_page(&c, e, "/profile"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_municipality_is_found_by_its_label_key_or_unique_name() {
        assert_eq!(municipality_key("Mora (SE-2062)"), "SE-2062");
        assert_eq!(municipality_key(" SE-2062 "), "SE-2062");
        assert_eq!(municipality_key("ludvika"), "SE-2085");
        assert_eq!(place_label("NO-5025"), "Røros (NO-5025)");
        assert_eq!(municipality_key(&place_label("NO-5025")), "NO-5025");
        // Not a municipality: passed on for the validation to name the field.
        assert_eq!(municipality_key("Atlantis"), "Atlantis");
    }

    #[test]
    fn every_language_level_and_need_status_shown_has_its_words() {
        for locale in crate::i18n::LOCALES {
            let tr = Tr::new(locale);
            let statuses = <crate::records::need::Need as crate::records::RecordType>::STATUSES;
            for key in LANGUAGES
                .iter()
                .map(|c| format!("lang.{c}"))
                .chain(LEVELS.iter().map(|l| format!("level.{l}")))
                .chain(statuses.iter().map(|s| format!("need.status.{s}")))
            {
                assert_ne!(tr.t(&key), key, "{locale}");
            }
        }
    }

    #[test]
    fn skills_are_suggested_in_the_readers_language() {
        assert!(skill_terms("sv").iter().any(|t| t == "svetsning"));
        assert!(skill_terms("nb").iter().any(|t| t == "sveising"));
        assert!(skill_terms("en").iter().any(|t| t == "welding"));
    }

    #[test]
    fn a_posted_form_becomes_the_apis_body() {
        let body = b"csrf_token=t&headline=CAD-ingenj%C3%B6r&skill=CAD&skill=&skill=svetsning\
&lang=ar&level=native&lang=sv&level=B1&lang=&level=A1&municipality=Ludvika+%28SE-2085%29\
&max_distance_km=80&available_from=2027-01-10&seeking=ktp&seeking=job&cross_border_ok=on";
        let (form, csrf) = ProfileForm::from_post(body);
        assert_eq!(csrf, "t");
        let b = form.body();
        assert_eq!(b["headline"], "CAD-ingenjör");
        assert_eq!(b["skills"], json!(["CAD", "svetsning"]));
        assert_eq!(
            b["languages"],
            json!([{"code": "ar", "level": "native"}, {"code": "sv", "level": "B1"}])
        );
        assert_eq!(b["municipality"], "SE-2085");
        assert_eq!(b["max_distance_km"], 80);
        assert_eq!(b["cross_border_ok"], true);
        assert_eq!(b["seeking"], json!(["ktp", "job"]));
        assert_eq!(b["education"], json!([]));
    }
}

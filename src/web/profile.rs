//! `/profile`: a graduate's or newcomer's own profile (education, skills suggested from the
//! vocabulary in their language as they type, languages with CEFR levels, where they can work,
//! when, what they seek) and the development needs that match it. No script: skills and
//! languages are rows of fields, suggestions are the browser's own `<datalist>`.

use super::error::AppError;
use super::pages::{
    checked_post, context, error_page, fallback, field_messages, intro_line, match_lines, respond,
    see_other, to_sign_in, IntroLine, MatchLine, Nav,
};
use super::AppState;
use crate::db::{Record, RecordRow};
use crate::i18n::Tr;
use crate::policy::{Role, Viewer};
use crate::records::candidate::Candidate;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use heartland_index::{Gazetteer, Kind, Vocabulary};
use serde_json::{json, Value};

/// Skill rows and language rows the form offers.
const SKILL_ROWS: usize = 8;
const LANGUAGE_ROWS: usize = 4;
/// Languages offered in the form: the region's, and those its newcomers most often speak.
pub(crate) const LANGUAGES: [&str; 16] = [
    "sv", "nb", "en", "ar", "fa", "prs", "ti", "so", "uk", "ru", "pl", "de", "fr", "es", "tr", "ku",
];
pub const LEVELS: [&str; 7] = ["A1", "A2", "B1", "B2", "C1", "C2", "native"];

pub struct LanguageRow {
    pub code: String,
    pub level: String,
}

impl LanguageRow {
    /// The rows of a posted form, which repeats `lang` and `level` once a row.
    pub fn zipped(codes: Vec<String>, levels: Vec<String>) -> Vec<LanguageRow> {
        codes
            .into_iter()
            .zip(levels)
            .map(|(code, level)| LanguageRow { code, level })
            .collect()
    }
}

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
}

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

pub(crate) fn list(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// A number typed in a field; anything else becomes a value the validation names.
pub(crate) fn number(s: &str) -> Value {
    s.trim()
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(-1))
}

/// `Mora (SE-2062)`: how the form shows and suggests a municipality.
pub fn place_label(key: &str) -> String {
    Gazetteer::get()
        .lookup_key(key)
        .map(|p| format!("{} ({key})", p.name))
        .unwrap_or_else(|| key.to_string())
}

/// The key of what was typed: `Mora (SE-2062)`, `SE-2062`, or a name only one municipality
/// has (`Röros` and `Røros` alike are not guessed: the list suggests the exact names).
pub fn municipality_key(typed: &str) -> String {
    let t = typed.trim();
    if let Some(inner) = t
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
    {
        return inner.trim().to_string();
    }
    let named: Vec<_> = Gazetteer::get()
        .all()
        .iter()
        .filter(|p| p.name.eq_ignore_ascii_case(t) || p.name.to_lowercase() == t.to_lowercase())
        .collect();
    match named.as_slice() {
        [one] => one.key(),
        _ => t.to_string(),
    }
}

/// Every municipality, as the form suggests them (built once).
pub fn place_labels() -> &'static [String] {
    static LABELS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LABELS.get_or_init(|| {
        let mut all: Vec<String> = Gazetteer::get()
            .all()
            .iter()
            .map(|p| format!("{} ({})", p.name, p.key()))
            .collect();
        all.sort();
        all
    })
}

/// The vocabulary's terms in the reader's language, for suggestions as they type.
pub fn skill_terms(locale: &str) -> &'static [String] {
    static TERMS: std::sync::OnceLock<[Vec<String>; 3]> = std::sync::OnceLock::new();
    let all = TERMS.get_or_init(|| {
        [0, 1, 2].map(|i| {
            let mut terms: Vec<String> = Vocabulary::get()
                .concepts()
                .iter()
                .flat_map(|c| c.terms[i].iter().cloned())
                .collect();
            terms.sort_by_key(|t| t.to_lowercase());
            terms.dedup();
            terms
        })
    });
    match locale {
        "sv" => &all[0],
        "nb" => &all[1],
        _ => &all[2],
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
    /// Introductions still under way: an answer may be waiting for her.
    waiting: Vec<IntroLine>,
}

impl ProfilePage<'_> {
    fn seeks(&self, what: &str) -> bool {
        self.form.seeking.iter().any(|s| s == what)
    }

    /// The name of a language or level offered (`lang.ar`, `level.B2`).
    fn word(&self, group: &str, value: &str) -> String {
        self.tr.t(&format!("{group}.{value}")).to_string()
    }
}

/// The introductions of the viewer still under way (an answer may be waiting for them).
pub(crate) fn under_way(
    conn: &mut crate::db::DbConn,
    viewer: &Viewer,
) -> Result<Vec<IntroLine>, AppError> {
    let mut out = Vec::new();
    for status in ["proposed", "accepted"] {
        for i in crate::introductions::list(conn, viewer, Some(status), None, 10)? {
            out.push(intro_line(conn, &i)?);
        }
    }
    Ok(out)
}

/// The signed-in person's own profile of a kind, if they have one.
pub(crate) fn own_profile(
    conn: &mut crate::db::DbConn,
    viewer: &Viewer,
    record: Record,
) -> Result<Option<RecordRow>, AppError> {
    Ok(record.owned_by(conn, &viewer.user_id)?.into_iter().next())
}

/// What a profile page shows besides its form: the reader's own profile of `record` (its saved
/// fields), its best ten matches among `target`, and the introductions under way.
pub(crate) async fn own_page_data(
    state: &web::Data<AppState>,
    viewer: Viewer,
    record: Record,
    target: Kind,
    locale: &'static str,
) -> Result<(Option<Value>, Vec<MatchLine>, Vec<IntroLine>), AppError> {
    let st = state.clone();
    state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let waiting = under_way(conn, &viewer)?;
            let Some(row) = own_profile(conn, &viewer, record)? else {
                return Ok((None, Vec::new(), waiting));
            };
            let data: Value = serde_json::from_str(&row.data).unwrap_or_default();
            let hits = match crate::search::load(conn, record, &row.id)? {
                Some(q) => super::matches::ranked_page(&st, conn, &q, target, 10, 0)?.0,
                None => Vec::new(),
            };
            Ok((Some(data), match_lines(hits, locale), waiting))
        })
        .await
}

async fn show(
    state: &web::Data<AppState>,
    c: &super::pages::Ctx,
    viewer: Viewer,
    posted: Option<(ProfileForm, Vec<String>)>,
    saved: bool,
) -> HttpResponse {
    let data = own_page_data(state, viewer, Record::Candidate, Kind::Need, c.tr.locale).await;
    let (saved_data, matches, waiting) = match data {
        Ok(d) => d,
        Err(e) => return error_page(c, e, "/"),
    };
    let exists = saved_data.is_some();
    let (form, errors, status) = match posted {
        Some((form, errors)) => (form, errors, StatusCode::UNPROCESSABLE_ENTITY),
        None => (
            saved_data
                .as_ref()
                .map(ProfileForm::from_saved)
                .unwrap_or_default(),
            Vec::new(),
            StatusCode::OK,
        ),
    };
    let page = ProfilePage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        saved,
        exists,
        errors,
        form: form.padded(),
        languages: &LANGUAGES,
        levels: &LEVELS,
        skill_terms: skill_terms(c.tr.locale),
        places: place_labels(),
        matches,
        waiting,
    };
    respond(c, status, page.render())
}

/// `GET /profile`.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let Some(viewer) = c.viewer.clone() else {
        return to_sign_in(&req);
    };
    let saved = req.query_string().contains("saved=1");
    match viewer.role {
        Role::Candidate => show(&state, &c, viewer, None, saved).await,
        Role::Mentor => super::mentor_page::show(&state, &c, viewer, None, saved).await,
        _ => see_other("/dashboard"),
    }
}

/// `POST /profile`: creates the profile, or changes it, through the API's own validation.
pub async fn save(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let (form, token) = ProfileForm::from_post(&body);
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/profile"),
    };
    if viewer.role == Role::Mentor {
        return super::mentor_page::save(&state, &c, viewer, &body).await;
    }
    if viewer.role != Role::Candidate {
        return error_page(&c, AppError::forbidden("not a candidate"), "/dashboard");
    }
    let body = form.body();
    let v = viewer.clone();
    let st = state.clone();
    let result = state
        .db
        .write(move |conn| -> Result<(), AppError> {
            match own_profile(conn, &v, Record::Candidate)? {
                Some(row) => {
                    super::records::change::<Candidate>(conn, &v, &row.id, body, false)?;
                }
                None => {
                    let input = super::body::from_value(body)?;
                    let valid = <Candidate as crate::records::RecordType>::validate(input)
                        .map_err(AppError::Validation)?;
                    super::records::insert::<Candidate>(conn, &v, valid, &st.settings)?;
                }
            }
            Ok(())
        })
        .await;
    match result {
        Ok(()) => {
            state.search.wake();
            see_other("/profile?saved=1")
        }
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

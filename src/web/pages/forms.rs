//! What the pages' forms share: the language and level lists, municipality labels and keys,
//! the vocabulary's terms, numbers typed in fields, and the data of a person's own profile
//! page (its saved fields, matches and introductions under way).

use super::error::AppError;
use super::{intro_line, match_lines, AppState, IntroLine, MatchLine};
use crate::db::{Record, RecordRow};
use crate::policy::Viewer;
use actix_web::http::StatusCode;
use actix_web::web;
use heartland_index::{Gazetteer, Kind, Vocabulary};
use serde_json::Value;

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

pub use crate::records::check::municipality_key;

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

/// An own-profile page's content: the form (as just posted, or from what is saved), its
/// messages and status, whether the profile exists, its matches, the introductions under way.
pub(crate) struct OwnPage<F> {
    pub form: F,
    pub errors: Vec<String>,
    pub status: StatusCode,
    pub exists: bool,
    pub matches: Vec<MatchLine>,
    pub waiting: Vec<IntroLine>,
    /// The saved profile as the ranking reads it, for matches in another track.
    pub entity: Option<heartland_index::Entity>,
}

/// [`OwnPage`] of the viewer's profile of `record`, with its matches among `target`.
pub(crate) async fn own_page<F: Default>(
    state: &web::Data<AppState>,
    viewer: Viewer,
    (record, target, locale): (Record, Kind, &'static str),
    posted: Option<(F, Vec<String>)>,
    from_saved: fn(&Value) -> F,
) -> Result<OwnPage<F>, AppError> {
    let (own, waiting) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let waiting = under_way(conn, &viewer)?;
            let Some(row) = own_profile(conn, &viewer, record)? else {
                return Ok((None, waiting));
            };
            let saved: Value = serde_json::from_str(&row.data).unwrap_or_default();
            Ok((
                Some((saved, crate::search::load_row(conn, record, &row)?)),
                waiting,
            ))
        })
        .await?;
    let (saved, query) = own.unzip();
    let entity = query.flatten();
    let hits = crate::matching::top(state, entity.clone(), target, 10).await?;
    let matches = match_lines(hits, locale);
    let exists = saved.is_some();
    let (form, errors, status) = match posted {
        Some((form, errors)) => (form, errors, StatusCode::UNPROCESSABLE_ENTITY),
        None => (
            saved.as_ref().map(from_saved).unwrap_or_default(),
            Vec::new(),
            StatusCode::OK,
        ),
    };
    Ok(OwnPage {
        form,
        errors,
        status,
        exists,
        matches,
        waiting,
        entity,
    })
}

/// The private, optional gender and foreign background as a form shows them (`""`, `yes`, `no`).
pub(crate) fn private_from_saved(data: &Value) -> (String, String) {
    let background = match data["foreign_background"].as_bool() {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    (
        data["gender"].as_str().unwrap_or_default().to_string(),
        background.to_string(),
    )
}

/// The same two fields as the API's body: `null` when not given.
pub(crate) fn private_body(gender: &str, background: &str) -> (Value, Value) {
    let gender = match gender.trim() {
        "" => Value::Null,
        g => Value::from(g),
    };
    let background = match background {
        "yes" => Value::Bool(true),
        "no" => Value::Bool(false),
        _ => Value::Null,
    };
    (gender, background)
}

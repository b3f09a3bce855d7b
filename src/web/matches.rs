//! The API of ranked, explained matches and of free-text search: the query's parameters and
//! the JSON of a hit. The use case is `crate::matching`.

use super::error::AppError;
use super::session::Caller;
use super::{body, AppState};
use crate::db::{DbConn, Record};
use crate::domain::FieldErrors;
use crate::matching;
use crate::policy::Viewer;
use crate::records::RecordType;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use heartland_index::{Hit, Kind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// For a candidate: `ktp` (needs, the default) or `mentoring` (mentors).
    pub track: Option<String>,
    /// For a need: `graduate` (candidates, the default) or `coach` (mentors who coach
    /// companies); for a mentor: `mentee` (the default) or `coach` (needs asking for a coach).
    pub route: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;
/// Limit and offset from a query, or the fields that are wrong.
fn page(limit: Option<usize>, cursor: Option<&str>, errors: &mut FieldErrors) -> (usize, usize) {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
    }
    let offset = match cursor {
        None => 0,
        Some(c) => {
            let parsed = URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse::<usize>().ok()));
            errors
                .take(
                    "cursor",
                    parsed.ok_or_else(|| "is not a cursor this service gave".to_string()),
                )
                .unwrap_or(0)
        }
    };
    (limit, offset)
}

/// A hit as the API shows it, written straight from the hit (no JSON tree in between: this is
/// on the path of every matches request). Fields in the order a JSON object of `serde_json`
/// would sort them, as the API has always written them.
#[derive(Serialize)]
struct Shown<'a> {
    explanation: Explanation<'a>,
    id: &'a str,
    kind: &'static str,
    related_trade: bool,
    score: f64,
    title: &'a str,
}

#[derive(Serialize)]
struct Explanation<'a> {
    factors: Vec<ShownFactor<'a>>,
}

#[derive(Serialize)]
struct ShownFactor<'a> {
    detail: &'a str,
    name: &'static str,
    score: f64,
}

/// A score as the API shows it: three decimals.
fn rounded(score: f64) -> f64 {
    (score * 1000.0).round() / 1000.0
}

fn render(hit: &Hit) -> Shown<'_> {
    Shown {
        explanation: Explanation {
            factors: hit
                .factors
                .iter()
                .map(|f| ShownFactor {
                    detail: &f.detail,
                    name: f.name,
                    score: rounded(f.score),
                })
                .collect(),
        },
        id: &hit.id,
        kind: hit.kind.as_str(),
        related_trade: hit.related,
        score: rounded(hit.score),
        title: &hit.title,
    }
}

#[derive(Serialize)]
struct Answer<'a> {
    items: Vec<Shown<'a>>,
    next_cursor: Option<String>,
}

fn answer(items: Vec<Shown<'_>>, more: bool, offset: usize, limit: usize) -> HttpResponse {
    let next_cursor = more.then(|| URL_SAFE_NO_PAD.encode(format!("o:{}", offset + limit)));
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Answer { items, next_cursor })
}

/// Who may ask for a record's matches: officers, and whoever may change the record itself (the
/// company of a need, the person of a profile, the supplier of an offer) unless `officers_only`.
///
/// The caller is looked up on the connection that reads the record (one trip to the blocking
/// pool for a page whose ranking the index keeps); a wrong query is answered after that, so that
/// an unknown token is told 401 whatever else it sent.
async fn matches(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    record: Record,
    id: String,
    officers_only: bool,
) -> Result<HttpResponse, AppError> {
    let (limit, offset, target, wrong) = match match_query(&req, record) {
        Ok((limit, offset, target)) => (limit, offset, target, None),
        Err(e) => (DEFAULT_LIMIT, 0, Kind::Need, Some(e)),
    };
    let who = move |conn: &mut DbConn| -> Result<Viewer, AppError> {
        let viewer = caller.viewer(conn)?;
        wrong.map_or(Ok(viewer), Err)
    };
    let (hits, more) = matching::of_record(
        &state,
        who,
        record,
        id,
        target,
        officers_only,
        limit,
        offset,
    )
    .await?;
    Ok(answer(
        hits.iter().map(render).collect(),
        more,
        offset,
        limit,
    ))
}

/// The page and the kind of matches a query asks for, or what is wrong with it.
fn match_query(req: &HttpRequest, record: Record) -> Result<(usize, usize, Kind), AppError> {
    let q: MatchQuery = body::query(req)?;
    let mut errors = FieldErrors::new();
    let (limit, offset) = page(q.limit, q.cursor.as_deref(), &mut errors);
    let route = match (record, q.route.as_deref()) {
        (Record::Need, Some("coach")) => Some(Kind::Mentor),
        (Record::Mentor, Some("coach")) => Some(Kind::Need),
        (Record::Need, Some("graduate")) | (Record::Mentor, Some("mentee")) | (_, None) => None,
        (Record::Need, Some(_)) => {
            errors.add("route", "must be graduate or coach");
            None
        }
        (Record::Mentor, Some(_)) => {
            errors.add("route", "must be mentee or coach");
            None
        }
        (_, Some(_)) => {
            errors.add("route", "is given only for a need's or a mentor's matches");
            None
        }
    };
    let target = match (record, q.track.as_deref()) {
        (_, None) if route.is_some() => route.unwrap_or(Kind::Candidate),
        (Record::Need, None) => Kind::Candidate,
        (Record::Candidate, None | Some("ktp")) => Kind::Need,
        (Record::Candidate, Some("mentoring")) => Kind::Mentor,
        (Record::Mentor, None) => Kind::Candidate,
        (Record::Procurement, None) => Kind::Offer,
        (Record::Offer, None) => Kind::Procurement,
        (Record::Candidate, Some(_)) => {
            errors.add("track", "must be ktp or mentoring");
            Kind::Need
        }
        _ => {
            errors.add("track", "is given only for a candidate's matches");
            Kind::Need
        }
    };
    errors.into_result().map_err(AppError::Validation)?;
    Ok((limit, offset, target))
}

/// `GET /api/v1/{records}/{id}/matches`. A planned procurement's matches are for officers only
/// (equal information to all suppliers); the others are also shown to the record's owner.
pub async fn of<R: RecordType>(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let officers_only = R::RECORD == Record::Procurement;
    matches(
        state,
        caller,
        req,
        R::RECORD,
        id.into_inner(),
        officers_only,
    )
    .await
}

/// Free-text search over what the viewer may see.
pub async fn search(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q: SearchQuery = body::query(&req)?;
    let mut errors = FieldErrors::new();
    let (limit, offset) = page(q.limit, q.cursor.as_deref(), &mut errors);
    let text = q.q.unwrap_or_default();
    if text.trim().is_empty() || text.chars().count() > 500 {
        errors.add("q", "give 1 to 500 characters to search for");
    }
    let kinds: Vec<Kind> = match q.kind.as_deref() {
        None => Kind::ALL.to_vec(),
        Some(k) => match Kind::parse(k) {
            Some(kind) => vec![kind],
            None => {
                errors.add(
                    "kind",
                    "must be need, candidate, mentor, procurement or offer",
                );
                Vec::new()
            }
        },
    };
    errors.into_result().map_err(AppError::Validation)?;
    let (hits, more) = matching::search_visible(&state, viewer, text, kinds, offset, limit).await?;
    let items = hits.iter().map(render).collect();
    Ok(answer(items, more, offset, limit))
}

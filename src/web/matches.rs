//! Ranked, explained matches for each track, in both directions, and free-text search. The
//! index ranks; the database has the last word: every hit is read back before it is shown, so
//! a withdrawn, deleted or erased record never appears even while the index lags.

use super::error::AppError;
use super::{body, AppState};
use crate::db::{DbConn, Record, RecordRow};
use crate::domain::FieldErrors;
use crate::policy::Viewer;
use crate::records::RecordType;
use crate::search::{
    self,
    entity::{entity_of, record_of},
};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use heartland_index::rank::{day_number, track_of};
use heartland_index::{Entity, Hit, Kind, Track};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashSet;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// For a candidate: `ktp` (needs, the default) or `mentoring` (mentors).
    pub track: Option<String>,
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
/// Hits asked of the index at most for one page, however many the database turns away. It
/// also bounds how deep a list can be paged: a cursor past it is an empty last page, so no
/// allocation is ever sized by what a client sends.
const MAX_FETCH: usize = 5000;

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

fn today() -> i64 {
    day_number(&time::OffsetDateTime::now_utc().date().to_string()).unwrap_or(0)
}

/// The hits that are still what the index thought: present, active, consenting, with room.
/// Read in two queries, however many hits.
fn still_valid(conn: &mut DbConn, hits: &[Hit], track: Track) -> Result<HashSet<String>, AppError> {
    let Some(kind) = hits.first().map(|h| h.kind) else {
        return Ok(HashSet::new());
    };
    let record = record_of(kind);
    let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
    let rows = record.find_many(conn, &ids)?;
    let person = matches!(kind, Kind::Candidate | Kind::Mentor);
    let consents = if person {
        let owners: Vec<String> = rows.iter().map(|r| r.owner_id.clone()).collect();
        crate::db::active_consents_of(conn, &owners)?
    } else {
        Default::default()
    };
    Ok(rows
        .iter()
        .filter_map(|row| {
            entity_of(
                record,
                row,
                consents.get(&row.owner_id).cloned().unwrap_or_default(),
            )
        })
        .filter(|e| {
            e.active
                && (!person || e.consented(track))
                && (kind != Kind::Mentor || e.capacity_left.unwrap_or(0) > 0)
        })
        .map(|e| e.id)
        .collect())
}

/// Ranks until `offset + limit` valid hits are found (or there are no more), then pages.
pub(crate) fn ranked_page(
    state: &AppState,
    conn: &mut DbConn,
    query: &Entity,
    target: Kind,
    limit: usize,
    offset: usize,
) -> Result<(Vec<Hit>, bool), AppError> {
    let track = track_of(query.kind(), target)
        .ok_or_else(|| anyhow::anyhow!("no track between these kinds"))?;
    if offset >= MAX_FETCH {
        return Ok((Vec::new(), false));
    }
    let want = offset + limit + 1;
    let mut fetch = (want + 10).min(MAX_FETCH);
    loop {
        let hits = state
            .search
            .index
            .matches(query, target, fetch, today())
            .map_err(|e| anyhow::anyhow!(e))?;
        let exhausted = hits.len() < fetch;
        let ok = still_valid(conn, &hits, track)?;
        let valid: Vec<Hit> = hits
            .into_iter()
            .filter(|h| ok.contains(&h.id))
            .take(want)
            .collect();
        if valid.len() >= want || exhausted || fetch >= MAX_FETCH {
            let more = valid.len() > offset + limit;
            return Ok((valid.into_iter().skip(offset).take(limit).collect(), more));
        }
        fetch = (fetch * 2).min(MAX_FETCH);
    }
}

fn render(hit: &Hit) -> Value {
    json!({
        "kind": hit.kind.as_str(),
        "id": hit.id,
        "score": (hit.score * 1000.0).round() / 1000.0,
        "title": hit.title,
        "explanation": {"factors": hit.factors.iter().map(|f| json!({
            "name": f.name, "score": (f.score * 1000.0).round() / 1000.0, "detail": f.detail,
        })).collect::<Vec<_>>()},
    })
}

fn answer(items: Vec<Value>, more: bool, offset: usize, limit: usize) -> HttpResponse {
    let next = more.then(|| URL_SAFE_NO_PAD.encode(format!("o:{}", offset + limit)));
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"items": items, "next_cursor": next}))
}

/// Who may ask for a record's matches: officers, and whoever may change the record itself (the
/// company of a need, the person of a profile, the supplier of an offer) unless `officers_only`.
async fn matches(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    record: Record,
    id: String,
    officers_only: bool,
) -> Result<HttpResponse, AppError> {
    let q: MatchQuery = body::query(&req)?;
    let mut errors = FieldErrors::new();
    let (limit, offset) = page(q.limit, q.cursor.as_deref(), &mut errors);
    let target = match (record, q.track.as_deref()) {
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
    let st = state.clone();
    let items = state
        .db
        .read(move |conn| -> Result<(Vec<Value>, bool), AppError> {
            let row: RecordRow = record.find(conn, &id)?.ok_or(AppError::NotFound)?;
            viewer.view_of(record, &row).ok_or(AppError::NotFound)?;
            if !(viewer.is_officer() || (!officers_only && viewer.may_change(record, &row))) {
                return Err(AppError::forbidden(
                    "only officers and the record's owner see its matches",
                ));
            }
            let query = search::load(conn, record, &id)?.ok_or(AppError::NotFound)?;
            let (hits, more) = ranked_page(&st, conn, &query, target, limit, offset)?;
            Ok((hits.iter().map(render).collect(), more))
        })
        .await?;
    Ok(answer(items.0, items.1, offset, limit))
}

/// `GET /api/v1/{records}/{id}/matches`. A planned procurement's matches are for officers only
/// (equal information to all suppliers); the others are also shown to the record's owner.
pub async fn of<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let officers_only = R::RECORD == Record::Procurement;
    matches(
        state,
        viewer,
        req,
        R::RECORD,
        id.into_inner(),
        officers_only,
    )
    .await
}

/// Search hits read back from the database per round.
const SEARCH_CHECK_CHUNK: usize = 200;

/// The hits of a free-text search that still exist and that the viewer may see, from `offset`,
/// at most `limit`; and whether there are more.
pub(crate) async fn search_visible(
    state: &web::Data<AppState>,
    viewer: Viewer,
    text: String,
    kinds: Vec<Kind>,
    offset: usize,
    limit: usize,
) -> Result<(Vec<Hit>, bool), AppError> {
    let st = state.clone();
    state
        .db
        .read(move |conn| -> Result<(Vec<Hit>, bool), AppError> {
            if offset >= MAX_FETCH {
                return Ok((Vec::new(), false));
            }
            let want = offset + limit + 1;
            let hits = st
                .search
                .index
                .search(&text, &kinds, MAX_FETCH)
                .map_err(|e| anyhow::anyhow!(e))?;
            let mut shown = Vec::new();
            // In chunks, one query per kind each, stopping once the page is full.
            for chunk in hits.chunks(SEARCH_CHECK_CHUNK) {
                let visible = visible_hits(conn, &viewer, chunk)?;
                shown.extend(
                    chunk
                        .iter()
                        .filter(|h| visible.contains(&(h.kind, h.id.clone())))
                        .cloned(),
                );
                if shown.len() >= want {
                    shown.truncate(want);
                    break;
                }
            }
            let more = shown.len() > offset + limit;
            Ok((shown.into_iter().skip(offset).take(limit).collect(), more))
        })
        .await
}

/// Which of `hits` still exist and may be seen by the viewer, read kind by kind.
fn visible_hits(
    conn: &mut DbConn,
    viewer: &Viewer,
    hits: &[Hit],
) -> Result<HashSet<(Kind, String)>, AppError> {
    let mut out = HashSet::new();
    for kind in Kind::ALL {
        let ids: Vec<String> = hits
            .iter()
            .filter(|h| h.kind == kind)
            .map(|h| h.id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let record = record_of(kind);
        for row in record.find_many(conn, &ids)? {
            if viewer.view_of(record, &row).is_some() {
                out.insert((kind, row.id));
            }
        }
    }
    Ok(out)
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
    let (hits, more) = search_visible(&state, viewer, text, kinds, offset, limit).await?;
    let items = hits.iter().map(render).collect();
    Ok(answer(items, more, offset, limit))
}

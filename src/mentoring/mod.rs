//! The mentoring track as a workflow: a newcomer asks for a mentor (a request the officers of
//! their municipality see), the mentees waiting for a mentor, and cohort matching of a whole
//! intake at once ([`cohort`]). Introductions themselves are [`crate::introductions`]'s.

pub mod check_ins;
pub mod cohort;
pub mod relationships;

use crate::db::schema::{introductions as it, mentoring_requests as rq};
use crate::db::{self, DbConn, Record, RecordRow};
use crate::error::AppError;
use crate::policy::Viewer;
use diesel::prelude::*;
use heartland_index::{Closed, Kind, Track};
use serde_json::json;
use std::collections::HashSet;
use time::PrimitiveDateTime;

/// Introductions that still hold a mentee: asked, accepted by one side, or made.
const UNDER_WAY: &[&str] = &["proposed", "accepted", "introduced"];
/// A request's note, at most.
pub const NOTE_MAX: usize = 1000;
/// Mentees a waiting list shows at most.
pub const WAITING_MAX: i64 = 500;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rq)]
pub struct Request {
    pub id: String,
    pub candidate_id: String,
    pub user_id: String,
    pub note: String,
    pub created_at: PrimitiveDateTime,
    pub handled_at: Option<PrimitiveDateTime>,
}

/// Which of `candidates` have a mentoring introduction under way.
pub fn under_way(conn: &mut DbConn, candidates: &[String]) -> QueryResult<HashSet<String>> {
    let candidates = db::plausible_ids(candidates);
    if candidates.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<(String, String, String, String)> = it::table
        .filter(it::track.eq("mentoring"))
        .filter(it::status.eq_any(UNDER_WAY))
        .filter(
            it::a_id
                .eq_any(&candidates)
                .or(it::b_id.eq_any(&candidates)),
        )
        .select((it::a_kind, it::a_id, it::b_kind, it::b_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .flat_map(|(ak, a, bk, b)| [(ak, a), (bk, b)])
        .filter(|(k, _)| k == "candidate")
        .map(|(_, id)| id)
        .collect())
}

/// Why a profile cannot ask for a mentor, in the words the newcomer reads.
fn not_open(why: Closed) -> AppError {
    let message = match why {
        Closed::NoConsent => {
            "you have not agreed to be matched for mentoring: turn it on under your account"
        }
        Closed::NotSeeking | Closed::OtherTrack => {
            "the profile does not seek mentoring: tick mentoring and describe your business idea"
        }
        Closed::Inactive => "the profile is not active",
        Closed::NoPlaces => "no mentor has a place",
    };
    AppError::invalid("candidate_id", message)
}

/// A newcomer asks the officers for an introduction to a mentor. Asking again while a request
/// is open returns that request (`false`: not made now).
pub fn ask(
    conn: &mut DbConn,
    viewer: &Viewer,
    candidate_id: &str,
    note: &str,
) -> Result<(Request, bool), AppError> {
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(AppError::invalid(
            "note",
            format!("must be at most {NOTE_MAX} characters"),
        ));
    }
    let row = Record::Candidate
        .find(conn, candidate_id)?
        .filter(|r| r.owner_id == viewer.user_id)
        .ok_or_else(|| AppError::invalid("candidate_id", "is not a profile of yours"))?;
    let entity = crate::search::load_row(conn, Record::Candidate, &row)?
        .ok_or_else(|| anyhow::anyhow!("an unreadable profile"))?;
    entity.open_to(Track::Mentoring).map_err(not_open)?;
    if under_way(conn, std::slice::from_ref(&row.id))?.contains(&row.id) {
        return Err(AppError::Conflict(
            "an introduction to a mentor is already under way: answer it from your email or \
             your introductions"
                .into(),
        ));
    }
    if let Some(open) = open_request_of(conn, &row.id)? {
        return Ok((open, false));
    }
    let request = Request {
        id: db::new_id(),
        candidate_id: row.id.clone(),
        user_id: viewer.user_id.clone(),
        note: note.to_string(),
        created_at: db::now(),
        handled_at: None,
    };
    diesel::insert_into(rq::table)
        .values((
            rq::id.eq(&request.id),
            rq::candidate_id.eq(&request.candidate_id),
            rq::user_id.eq(&request.user_id),
            rq::note.eq(&request.note),
            rq::created_at.eq(request.created_at),
        ))
        .execute(conn)?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "mentoring_requested",
        "candidate",
        Some(&row.id),
        json!({"request": request.id}),
    )?;
    Ok((request, true))
}

/// The profile's request still waiting, if any: one not handled, made after the last
/// mentoring introduction that ended.
pub fn open_request_of(conn: &mut DbConn, candidate_id: &str) -> QueryResult<Option<Request>> {
    if !db::plausible_id(candidate_id) {
        return Ok(None);
    }
    rq::table
        .filter(rq::candidate_id.eq(candidate_id))
        .filter(rq::handled_at.is_null())
        .order(rq::created_at.desc())
        .select(Request::as_select())
        .first(conn)
        .optional()
}

/// Marks the profile's open requests handled: an introduction to a mentor was proposed.
pub fn handled(conn: &mut DbConn, candidate_id: &str) -> QueryResult<usize> {
    diesel::update(
        rq::table
            .filter(rq::candidate_id.eq(candidate_id))
            .filter(rq::handled_at.is_null()),
    )
    .set(rq::handled_at.eq(db::now()))
    .execute(conn)
}

/// The requests waiting for an officer in the viewer's municipalities, oldest first, each with
/// the profile asking.
pub fn open_requests(
    conn: &mut DbConn,
    viewer: &Viewer,
    limit: i64,
) -> Result<Vec<(Request, RecordRow)>, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden(
            "only officers see requests for a mentor",
        ));
    }
    let requests: Vec<Request> = rq::table
        .filter(rq::handled_at.is_null())
        .order(rq::created_at.asc())
        .limit(WAITING_MAX)
        .select(Request::as_select())
        .load(conn)?;
    let ids: Vec<String> = requests.iter().map(|r| r.candidate_id.clone()).collect();
    let busy = under_way(conn, &ids)?;
    let rows = Record::Candidate.find_many(conn, &ids)?;
    let mut out = Vec::new();
    for r in requests {
        if busy.contains(&r.candidate_id) {
            continue;
        }
        let Some(row) = rows.iter().find(|c| c.id == r.candidate_id) else {
            continue;
        };
        if viewer.in_scope(&row.municipality) && viewer.view_of(Record::Candidate, row).is_some() {
            out.push((r, row.clone()));
        }
        if out.len() as i64 >= limit {
            break;
        }
    }
    Ok(out)
}

/// The mentees in the viewer's municipalities waiting for a mentor: newcomers open to the
/// mentoring track with no mentoring introduction under way; those who asked first, then the
/// longest waiting.
pub fn waiting(conn: &mut DbConn, viewer: &Viewer) -> Result<Vec<RecordRow>, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only officers see the mentees waiting"));
    }
    let filter = db::ListFilter {
        status: Some("active".into()),
        kind: Some("newcomer".into()),
        limit: WAITING_MAX,
        ..Default::default()
    };
    let rows: Vec<RecordRow> = Record::Candidate
        .list(conn, &viewer.visible(Record::Candidate), &filter)?
        .into_iter()
        .filter(|r| viewer.in_scope(&r.municipality))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let open = crate::matching::still_open(conn, Kind::Candidate, &ids, Track::Mentoring)?;
    let busy = under_way(conn, &ids)?;
    let asked: HashSet<String> = rq::table
        .filter(rq::handled_at.is_null())
        .filter(rq::candidate_id.eq_any(&ids))
        .select(rq::candidate_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut rows: Vec<RecordRow> = rows
        .into_iter()
        .filter(|r| open.contains(&r.id) && !busy.contains(&r.id))
        .collect();
    rows.sort_by_key(|r| (!asked.contains(&r.id), r.created_at));
    Ok(rows)
}

/// A person's requests, for their export.
pub fn requests_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Request>> {
    rq::table
        .filter(rq::user_id.eq(user_id))
        .order(rq::created_at.asc())
        .select(Request::as_select())
        .load(conn)
}

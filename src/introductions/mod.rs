//! Introductions: the officer proposes, each side's person answers, and only when both have
//! said yes does each receive the other's contact details. Every state change writes its
//! emails to the outbox in the same transaction; the mailer sends them.
//!
//! Parties answer signed in, or through the signed links of their email: an HMAC over the
//! introduction, the party, the action and the expiry, so a link works for one party and one
//! answer only, and cannot be made up.

mod answer;
mod due;
pub mod follow_ups;
pub mod links;
mod propose;
mod withdraw;

use answer::ask;
pub use answer::{answer, give_place_back};
pub use due::run_due;
pub use propose::{propose, request_hash, Proposed};
pub use withdraw::withdraw_held;

use crate::config::Settings;
use crate::db::schema::introductions as t;
use crate::db::{self, DbConn, Record, RecordRow, User};
use crate::error::AppError;
use crate::policy::Viewer;
use crate::search::entity::entity_of;
use diesel::prelude::*;
use heartland_index::{Closed, Entity, Gazetteer, Hit, SearchIndex};
use serde_json::{json, Value};
use time::PrimitiveDateTime;

pub const TRACKS: &[&str] = &["ktp", "mentoring", "coaching", "procurement"];
pub const OUTCOMES: &[&str] = &[
    "placement",
    "mentoring_started",
    "coaching_started",
    "meeting_held",
    "no_result",
];
/// Statuses in which the parties are still asked.
pub const OPEN: &[&str] = &["proposed", "accepted"];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t)]
pub struct Introduction {
    pub id: String,
    pub track: String,
    pub a_kind: String,
    pub a_id: String,
    pub a_user_id: Option<String>,
    pub b_kind: String,
    pub b_id: String,
    pub b_user_id: Option<String>,
    pub note: String,
    pub status: String,
    pub a_answer: Option<String>,
    pub b_answer: Option<String>,
    pub a_answered_at: Option<PrimitiveDateTime>,
    pub b_answered_at: Option<PrimitiveDateTime>,
    pub a_reminders: i32,
    pub b_reminders: i32,
    pub outcome: Option<String>,
    pub proposed_by: Option<String>,
    pub municipality: String,
    pub cross_border: bool,
    pub explanation: String,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub expires_at: PrimitiveDateTime,
    pub introduced_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    /// When the outcome happened (the officer's date, or the day it was recorded).
    pub outcome_on: Option<time::Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    A,
    B,
}

impl Party {
    pub fn parse(s: &str) -> Option<Party> {
        match s {
            "a" => Some(Party::A),
            "b" => Some(Party::B),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Party::A => "a",
            Party::B => "b",
        }
    }
    pub fn other(self) -> Party {
        match self {
            Party::A => Party::B,
            Party::B => Party::A,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Decline,
    Withdraw,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "accept" => Some(Action::Accept),
            "decline" => Some(Action::Decline),
            "withdraw" => Some(Action::Withdraw),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Withdraw => "withdraw",
        }
    }
    fn answer(self) -> &'static str {
        match self {
            Action::Accept => "accepted",
            Action::Decline => "declined",
            Action::Withdraw => "withdrawn",
        }
    }
}

impl Introduction {
    pub fn side(&self, p: Party) -> (&str, &str, Option<&str>, Option<&str>) {
        match p {
            Party::A => (
                &self.a_kind,
                &self.a_id,
                self.a_user_id.as_deref(),
                self.a_answer.as_deref(),
            ),
            Party::B => (
                &self.b_kind,
                &self.b_id,
                self.b_user_id.as_deref(),
                self.b_answer.as_deref(),
            ),
        }
    }

    /// Which party `user` is, if any.
    pub fn party_of(&self, user: &str) -> Option<Party> {
        if self.a_user_id.as_deref() == Some(user) {
            Some(Party::A)
        } else if self.b_user_id.as_deref() == Some(user) {
            Some(Party::B)
        } else {
            None
        }
    }

    pub fn factors(&self) -> Value {
        serde_json::from_str(&self.explanation).unwrap_or(Value::Null)
    }
}

/// The two kinds a track joins.
fn kinds_of(track: &str) -> Option<[Record; 2]> {
    Some(match track {
        "ktp" => [Record::Need, Record::Candidate],
        "mentoring" => [Record::Candidate, Record::Mentor],
        "coaching" => [Record::Need, Record::Mentor],
        "procurement" => [Record::Procurement, Record::Offer],
        _ => return None,
    })
}

fn record_named(kind: &str) -> Option<Record> {
    Some(match kind {
        "need" => Record::Need,
        "candidate" => Record::Candidate,
        "mentor" => Record::Mentor,
        "procurement" => Record::Procurement,
        "offer" => Record::Offer,
        _ => return None,
    })
}

/// `kind/id` of one side, as the request gives it.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SideRef {
    /// need, candidate, mentor, procurement or offer.
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeRequest {
    /// ktp, mentoring, coaching (a need and a mentor who coaches companies) or procurement.
    pub track: String,
    pub a: SideRef,
    pub b: SideRef,
    /// A word from the officer to both parties (at most 2,000 characters).
    #[serde(default)]
    pub note: String,
}

fn consents_of(conn: &mut DbConn, user: &str) -> Result<Vec<String>, AppError> {
    Ok(db::active_consents(conn, user)?)
}

/// The person who answers for a record: the profile's person, else the first member of the
/// record's organisation, else whoever created it.
fn contact_user(conn: &mut DbConn, record: Record, row: &RecordRow) -> Result<User, AppError> {
    let mut id = row.owner_id.clone();
    if !matches!(record, Record::Candidate | Record::Mentor) {
        if let Some(org) = &row.organisation_id {
            if let Some(member) = User::first_member(conn, org)? {
                id = member;
            }
        }
    }
    User::by_id(conn, &id)?.ok_or(AppError::NotFound)
}

fn place_name(municipality: &str) -> String {
    Gazetteer::get()
        .lookup_key(municipality)
        .map(|p| p.name.clone())
        .unwrap_or_default()
}

/// Unanswered introductions of `user`.
pub fn pending_of(conn: &mut DbConn, user: &str) -> QueryResult<i64> {
    t::table
        .filter(t::status.eq_any(OPEN))
        .filter(
            t::a_user_id
                .eq(user)
                .and(t::a_answer.is_null())
                .or(t::b_user_id.eq(user).and(t::b_answer.is_null())),
        )
        .count()
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Introduction>> {
    if !db::plausible_id(id) {
        return Ok(None);
    }
    t::table
        .find(id)
        .select(Introduction::as_select())
        .first(conn)
        .optional()
}

/// The introduction, locked against a concurrent answer until the transaction ends.
fn find_for_update(conn: &mut DbConn, id: &str) -> QueryResult<Option<Introduction>> {
    if !db::plausible_id(id) {
        return Ok(None);
    }
    match conn {
        DbConn::Pg(c) => t::table
            .find(id)
            .select(Introduction::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(c) => t::table
            .find(id)
            .select(Introduction::as_select())
            .first(c)
            .optional(),
    }
}

/// What one side's email says of a record: its title, place and organisation. A person is
/// described by their headline and municipality only: no name, no contact details.
pub fn describe(
    conn: &mut DbConn,
    kind: &str,
    id: &str,
) -> Result<(String, String, String), AppError> {
    let record = record_named(kind).ok_or_else(|| anyhow::anyhow!("unknown kind {kind}"))?;
    let Some(row) = record.find(conn, id)? else {
        return Ok((String::new(), String::new(), String::new()));
    };
    let title = entity_of(record, &row, Vec::new())
        .map(|e| e.title)
        .unwrap_or_default();
    let org = crate::records::store::organisation_name(conn, &row)?.unwrap_or_default();
    Ok((title, place_name(&row.municipality), org))
}

fn expire(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::update(t::table.find(id).filter(t::status.eq_any(OPEN)))
        .set((t::status.eq("expired"), t::updated_at.eq(db::now())))
        .execute(conn)
}

fn out_of_scope() -> AppError {
    AppError::forbidden("neither side lies in the municipalities you act for")
}

/// The scope rule of every officer action on an introduction, the same as for proposing one:
/// an officer acts on it when either side lies in a municipality they act for (a side since
/// erased counts by the municipality recorded with the introduction).
pub fn officer_may_act(
    conn: &mut DbConn,
    viewer: &Viewer,
    intro: &Introduction,
) -> Result<bool, AppError> {
    if !viewer.is_officer() {
        return Ok(false);
    }
    if viewer.in_scope(&intro.municipality) {
        return Ok(true);
    }
    for (kind, id) in [(&intro.a_kind, &intro.a_id), (&intro.b_kind, &intro.b_id)] {
        let Some(record) = Record::parse(kind) else {
            continue;
        };
        if let Some(row) = record.find(conn, id)? {
            if viewer.in_scope(&row.municipality) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The officer records what came of an introduction.
pub fn record_outcome(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    outcome: &str,
    outcome_on: Option<time::Date>,
) -> Result<Introduction, AppError> {
    let mut intro = find(conn, id)?.ok_or(AppError::NotFound)?;
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only officers record outcomes"));
    }
    if !officer_may_act(conn, viewer, &intro)? {
        return Err(out_of_scope());
    }
    if !OUTCOMES.contains(&outcome) {
        return Err(AppError::invalid(
            "outcome",
            format!("must be one of: {}", OUTCOMES.join(", ")),
        ));
    }
    if !matches!(intro.status.as_str(), "introduced" | "withdrawn") {
        return Err(AppError::Conflict(format!(
            "this introduction is {}: an outcome is recorded once both have said yes",
            intro.status
        )));
    }
    let now = db::now();
    let on = outcome_on.unwrap_or(now.date());
    if on > now.date() {
        return Err(AppError::invalid("outcome_on", "must not be in the future"));
    }
    diesel::update(t::table.find(id))
        .set((
            t::outcome.eq(outcome),
            t::outcome_on.eq(Some(on)),
            t::updated_at.eq(now),
        ))
        .execute(conn)?;
    follow_ups::plan(conn, &intro, outcome, on)?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "introduction_outcome",
        "introduction",
        Some(id),
        json!({"outcome": outcome}),
    )?;
    intro.outcome = Some(outcome.to_string());
    intro.outcome_on = Some(on);
    intro.updated_at = now;
    Ok(intro)
}

/// Introductions a viewer may see: officers all of them, a party their own.
pub fn list(
    conn: &mut DbConn,
    viewer: &Viewer,
    status: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Introduction>> {
    let mut q = t::table.select(Introduction::as_select()).into_boxed();
    if !viewer.is_officer() {
        let me = viewer.user_id.clone();
        q = q.filter(t::a_user_id.eq(me.clone()).or(t::b_user_id.eq(me)));
    }
    if let Some(s) = status {
        q = q.filter(t::status.eq(s.to_string()));
    }
    if let Some(a) = after {
        q = q.filter(t::id.lt(a.to_string()));
    }
    q.order(t::id.desc()).limit(limit).load(conn)
}

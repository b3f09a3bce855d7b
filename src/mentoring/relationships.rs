//! A mentoring relationship: a mentoring introduction both sides accepted. The pair records
//! when it started; check-in emails go to both at 1, 3 and 6 months ("still meeting? about
//! how often?"), answered by a signed one-click link without signing in; it ends with an
//! outcome — a business registered (with its organisation number), a job, continuing on their
//! own, or ended — and the mentor's place comes back. Officers see those that went quiet.
//! The check-ins themselves are [`super::check_ins`]'s.

pub use super::check_ins::{answer, check_in_link, party_locale, run_due, verify_link};

use crate::db::schema::{
    introductions as it, mentoring_check_ins as ck, mentoring_relationships as rl,
};
use crate::db::{self, DbConn};
use crate::domain::{Country, OrgNumber};
use crate::error::AppError;
use crate::introductions::{self as intro, Introduction};
use crate::policy::Viewer;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::{Date, PrimitiveDateTime};
use utoipa::ToSchema;

/// The months after the start at which both are asked how it goes.
pub const CHECK_IN_MONTHS: [i32; 3] = [1, 3, 6];
/// The answers a check-in link may carry.
pub const ANSWERS: [&str; 4] = ["weekly", "monthly", "rarely", "stopped"];
pub const OUTCOMES: [&str; 4] = ["business_registered", "job", "continuing", "ended"];
/// A check-in neither side answered in this many days makes the relationship quiet.
pub const QUIET_DAYS: i64 = 21;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ck)]
pub struct CheckIn {
    pub id: String,
    pub introduction_id: String,
    pub months: i32,
    pub due_on: String,
    pub created_at: PrimitiveDateTime,
    pub emailed: bool,
    pub a_answer: Option<String>,
    pub a_answered_at: Option<PrimitiveDateTime>,
    pub b_answer: Option<String>,
    pub b_answered_at: Option<PrimitiveDateTime>,
}

/// What was recorded of a relationship (nothing yet: all `None`).
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub started_on: Option<String>,
    pub outcome: Option<String>,
    pub org_number: Option<String>,
    pub ended_on: Option<String>,
}

/// One relationship as it is shown.
#[derive(Debug, Clone)]
pub struct Relationship {
    pub introduction: Introduction,
    pub recorded: Recorded,
    pub check_ins: Vec<CheckIn>,
    /// `active`, `quiet` or `ended`.
    pub status: &'static str,
}

impl Relationship {
    /// The day it counts from: the start the pair recorded, else the day both said yes.
    pub fn start(&self) -> Option<Date> {
        self.recorded
            .started_on
            .as_deref()
            .and_then(|d| Date::parse(d, &time::format_description::well_known::Iso8601::DATE).ok())
            .or(self.introduction.introduced_at.map(|t| t.date()))
    }

    pub fn to_json(&self) -> Value {
        let i = &self.introduction;
        let side = |kind: &str, id: &str| json!({"kind": kind, "id": id});
        let check_ins: Vec<Value> = self
            .check_ins
            .iter()
            .map(|c| {
                json!({"months": c.months, "due_on": c.due_on,
                       "answers": {"a": c.a_answer, "b": c.b_answer}})
            })
            .collect();
        json!({
            "id": i.id, "introduction_id": i.id, "a": side(&i.a_kind, &i.a_id),
            "b": side(&i.b_kind, &i.b_id),
            "introduced_on": i.introduced_at.map(|t| t.date().to_string()),
            "started_on": self.recorded.started_on, "check_ins": check_ins,
            "status": self.status, "outcome": self.recorded.outcome,
            "org_number": self.recorded.org_number, "ended_on": self.recorded.ended_on,
        })
    }
}

fn recorded(conn: &mut DbConn, id: &str) -> QueryResult<Recorded> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = rl::table
        .find(id)
        .select((rl::started_on, rl::outcome, rl::org_number, rl::ended_on))
        .first(conn)
        .optional()?;
    Ok(row
        .map(|(started_on, outcome, org_number, ended_on)| Recorded {
            started_on,
            outcome,
            org_number,
            ended_on,
        })
        .unwrap_or_default())
}

fn check_ins(conn: &mut DbConn, id: &str) -> QueryResult<Vec<CheckIn>> {
    ck::table
        .filter(ck::introduction_id.eq(id))
        .order(ck::months.asc())
        .select(CheckIn::as_select())
        .load(conn)
}

/// Quiet: the last check-in emailed went unanswered by both for [`QUIET_DAYS`], or one of
/// them answered that they stopped meeting.
fn status_of(recorded: &Recorded, check_ins: &[CheckIn], now: PrimitiveDateTime) -> &'static str {
    if recorded.outcome.is_some() {
        return "ended";
    }
    let Some(last) = check_ins.iter().rev().find(|c| c.emailed) else {
        return "active";
    };
    let stopped = [&last.a_answer, &last.b_answer]
        .iter()
        .any(|a| a.as_deref() == Some("stopped"));
    let silent = last.a_answer.is_none()
        && last.b_answer.is_none()
        && last.created_at + time::Duration::days(QUIET_DAYS) <= now;
    if stopped || silent {
        "quiet"
    } else {
        "active"
    }
}

pub(super) fn load(conn: &mut DbConn, i: Introduction) -> QueryResult<Relationship> {
    let recorded = recorded(conn, &i.id)?;
    let check_ins = check_ins(conn, &i.id)?;
    let status = status_of(&recorded, &check_ins, db::now());
    Ok(Relationship {
        introduction: i,
        recorded,
        check_ins,
        status,
    })
}

/// The relationship of a mentoring introduction both accepted, as the indicators count it.
pub fn of_introduction(conn: &mut DbConn, i: Introduction) -> QueryResult<Relationship> {
    load(conn, i)
}

/// Whether the viewer may see and change it: one of the two people, or an officer for either
/// side's municipality.
fn may_see(conn: &mut DbConn, viewer: &Viewer, i: &Introduction) -> Result<bool, AppError> {
    Ok(i.party_of(&viewer.user_id).is_some() || intro::officer_may_act(conn, viewer, i)?)
}

/// The relationship of a mentoring introduction both accepted.
pub fn find(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<Relationship, AppError> {
    let i = intro::find(conn, id)?
        .filter(|i| i.track == "mentoring" && i.status == "introduced")
        .ok_or(AppError::NotFound)?;
    if !may_see(conn, viewer, &i)? {
        return Err(AppError::NotFound);
    }
    Ok(load(conn, i)?)
}

/// The viewer's relationships (officers: those in their municipalities), newest first;
/// only those of `status` when given.
pub fn list(
    conn: &mut DbConn,
    viewer: &Viewer,
    status: Option<&str>,
    limit: usize,
) -> Result<Vec<Relationship>, AppError> {
    let mut q = it::table
        .filter(it::track.eq("mentoring"))
        .filter(it::status.eq("introduced"))
        .select(Introduction::as_select())
        .into_boxed();
    if !viewer.is_officer() {
        let me = viewer.user_id.clone();
        q = q.filter(it::a_user_id.eq(me.clone()).or(it::b_user_id.eq(me)));
    }
    let mut out = Vec::new();
    for i in q.order(it::id.desc()).limit(2000).load(conn)? {
        if !may_see(conn, viewer, &i)? {
            continue;
        }
        let r = load(conn, i)?;
        if status.is_none_or(|s| s == r.status) {
            out.push(r);
        }
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationshipChange {
    /// `YYYY-MM-DD`: the day the pair first met; not in the future.
    pub started_on: Option<String>,
    /// `business_registered`, `job`, `continuing` or `ended`: ends the relationship, and the
    /// mentor's place comes back.
    pub outcome: Option<String>,
    /// With `business_registered`: the new firm's organisation number (Swedish or Norwegian).
    pub org_number: Option<String>,
}

fn country_of(municipality: &str) -> Country {
    if municipality.starts_with("NO") {
        Country::No
    } else {
        Country::Se
    }
}

/// Records the start or the outcome. Checked as a whole; nothing is written when a field is
/// wrong.
pub fn change(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    c: RelationshipChange,
) -> Result<Relationship, AppError> {
    let before = find(conn, viewer, id)?;
    let mut errors = crate::domain::FieldErrors::new();
    let today = db::now().date();
    let started_on = c.started_on.as_deref().map(str::trim).and_then(|s| {
        match Date::parse(s, &time::format_description::well_known::Iso8601::DATE) {
            Ok(d) if d > today => {
                errors.add("started_on", "must not be in the future");
                None
            }
            Ok(d) => Some(d.to_string()),
            Err(_) => {
                errors.add("started_on", "is not a date of the form YYYY-MM-DD");
                None
            }
        }
    });
    let outcome = c.outcome.as_deref().and_then(|o| {
        if OUTCOMES.contains(&o) {
            Some(o.to_string())
        } else {
            errors.add(
                "outcome",
                format!("must be one of: {}", OUTCOMES.join(", ")),
            );
            None
        }
    });
    let given_number = c
        .org_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let org_number = match (outcome.as_deref(), given_number) {
        (Some("business_registered"), None) => {
            errors.add(
                "org_number",
                "is needed when a business was registered: the new firm's organisation number",
            );
            None
        }
        (_, Some(n)) => {
            let municipality = before.introduction.municipality.clone();
            let parsed = OrgNumber::parse(country_of(&municipality), n).or_else(|_| {
                let other = match country_of(&municipality) {
                    Country::Se => Country::No,
                    Country::No => Country::Se,
                };
                OrgNumber::parse(other, n)
            });
            match parsed {
                Ok(o) => Some(o.formatted()),
                Err(e) => {
                    errors.add("org_number", e);
                    None
                }
            }
        }
        (_, None) => None,
    };
    if started_on.is_none() && outcome.is_none() && errors.is_empty() {
        errors.add("started_on", "give started_on or outcome");
    }
    errors.into_result().map_err(AppError::Validation)?;
    let now = db::now();
    let mut next = before.recorded.clone();
    if let Some(s) = started_on {
        next.started_on = Some(s);
    }
    let ending = outcome.is_some() && before.recorded.outcome.is_none();
    if let Some(o) = outcome {
        next.org_number = if o == "business_registered" {
            org_number
        } else {
            None
        };
        next.outcome = Some(o);
        if ending {
            next.ended_on = Some(today.to_string());
        }
    }
    let values = (
        rl::started_on.eq(&next.started_on),
        rl::outcome.eq(&next.outcome),
        rl::org_number.eq(&next.org_number),
        rl::ended_on.eq(&next.ended_on),
        rl::updated_at.eq(now),
    );
    let exists = rl::table.find(id).count().get_result::<i64>(conn)? > 0;
    if exists {
        diesel::update(rl::table.find(id))
            .set(values)
            .execute(conn)?;
    } else {
        diesel::insert_into(rl::table)
            .values((rl::introduction_id.eq(id), values))
            .execute(conn)?;
    }
    // The programme's own outcome of the introduction: the mentoring started.
    if before.introduction.outcome.is_none() {
        diesel::update(it::table.find(id))
            .set((it::outcome.eq("mentoring_started"), it::updated_at.eq(now)))
            .execute(conn)?;
    }
    if ending {
        intro::give_place_back(conn, &before.introduction)?;
    }
    db::audit(
        conn,
        Some(&viewer.user_id),
        "mentoring_recorded",
        "introduction",
        Some(id),
        json!({"started_on": next.started_on, "outcome": next.outcome}),
    )?;
    find(conn, viewer, id)
}

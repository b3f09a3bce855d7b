//! Profiles, needs and offers stay current: every `freshness_days` (90) an active one nobody
//! has touched gets a "still current?" email with signed one-click links (keep, update, close);
//! without an answer in `freshness_answer_days` (30) it goes `stale` — out of matching — and
//! its owner is told how to bring it back (the same keep link). Officers see what went stale.
//!
//! The job is conditional updates in one transaction with the emails it queues: run twice, or
//! on two nodes, or after a crash, each record is asked once per round and goes stale once.

use crate::config::Settings;
use crate::db::schema::freshness as f;
use crate::db::{self, DbConn, Record, RecordRow, User};
use crate::error::AppError;
use crate::policy::Viewer;
use crate::records::store::{journal, Op};
use diesel::prelude::*;
use serde_json::{json, Value};
use time::PrimitiveDateTime;

/// The kinds asked, each with the status that is matched and the one "close" sets.
pub const KINDS: [(Record, &str, &str); 4] = [
    (Record::Need, "open", "closed"),
    (Record::Candidate, "active", "inactive"),
    (Record::Mentor, "active", "inactive"),
    (Record::Offer, "active", "inactive"),
];

pub const ANSWERS: [&str; 3] = ["keep", "update", "close"];

/// A link works this long after it is sent.
const LINK_DAYS: i64 = 60;

fn kind_of(name: &str) -> Option<(Record, &'static str, &'static str)> {
    KINDS.into_iter().find(|(r, _, _)| r.name() == name)
}

pub fn link(
    settings: &Settings,
    record: Record,
    id: &str,
    answer: &str,
    expires: i64,
) -> Result<String, AppError> {
    let key = settings.link_key().map_err(AppError::Internal)?;
    let sig = crate::auth::link_signature(&key, &["freshness", record.name(), id, answer], expires);
    Ok(format!(
        "{}/still-current/{}/{id}/{answer}?expires={expires}&sig={sig}",
        settings.base_url().trim_end_matches('/'),
        record.name()
    ))
}

/// Whether a link is genuine and in force.
pub fn verify(
    settings: &Settings,
    kind: &str,
    id: &str,
    answer: &str,
    expires: i64,
    sig: &str,
) -> bool {
    let Ok(key) = settings.link_key() else {
        return false;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    crate::auth::link_signature_ok(&key, &["freshness", kind, id, answer], expires, sig, now)
}

/// Who is asked: the record's owner, or for an organisation's record whose owner is gone,
/// its longest-standing member.
fn owner(conn: &mut DbConn, row: &RecordRow) -> Result<Option<User>, AppError> {
    if let Some(u) = User::by_id(conn, &row.owner_id)? {
        return Ok(Some(u));
    }
    match &row.organisation_id {
        Some(org) => match User::first_member(conn, org)? {
            Some(m) => Ok(User::by_id(conn, &m)?),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

fn title(row: &RecordRow) -> String {
    crate::records::store::title_of(&serde_json::from_str(&row.data).unwrap_or_default())
}

fn email(
    conn: &mut DbConn,
    settings: &Settings,
    record: Record,
    row: &RecordRow,
    template: &str,
) -> Result<(), AppError> {
    let Some(u) = owner(conn, row)? else {
        return Ok(());
    };
    let expires =
        (time::OffsetDateTime::now_utc() + time::Duration::days(LINK_DAYS)).unix_timestamp();
    let mut params = json!({"recipient_name": u.display_name, "record_title": title(row),
                            "answer_days": settings.freshness_answer_days});
    for a in ANSWERS {
        params[format!("{a}_link")] = json!(link(settings, record, &row.id, a, expires)?);
    }
    db::enqueue_email(
        conn,
        db::NewEmail {
            recipient_user_id: Some(&u.id),
            to_address: &u.email,
            template,
            locale: &u.locale,
            params,
            introduction_id: None,
        },
        &settings.mail_domain(),
    )?;
    Ok(())
}

/// Sets a record's status (row and data), with its index event.
fn set_status(
    conn: &mut DbConn,
    record: Record,
    row: &RecordRow,
    status: &str,
) -> Result<(), AppError> {
    let mut row = row.clone();
    let mut d: Value = serde_json::from_str(&row.data).unwrap_or_default();
    d["status"] = json!(status);
    row.status = status.to_string();
    row.data = d.to_string();
    row.updated_at = db::now();
    record.update(conn, &row)?;
    journal(conn, record, &row.id, Op::Upsert)?;
    Ok(())
}

/// One pass: asks what is due, and turns stale what went unanswered. Returns (asked, stale).
pub fn run_due(conn: &mut DbConn, settings: &Settings) -> Result<(usize, usize), AppError> {
    let now = db::now();
    let due = now - time::Duration::days(settings.freshness_days.max(1));
    let (mut asked, mut stale) = (0, 0);
    for (record, active, _) in KINDS {
        // Answering (keep, update, close) changes the record, so what is untouched since `due`
        // and not waiting for an answer is due a question.
        for row in record.untouched(conn, active, due, 5000)? {
            diesel::delete(f::table.find((record.name(), &row.id))).execute(conn)?;
            diesel::insert_into(f::table)
                .values((
                    f::record_kind.eq(record.name()),
                    f::record_id.eq(&row.id),
                    f::asked_at.eq(now),
                ))
                .execute(conn)?;
            email(conn, settings, record, &row, "still_current")?;
            asked += 1;
        }
    }
    let cutoff = now - time::Duration::days(settings.freshness_answer_days.max(1));
    let unanswered: Vec<(String, String)> = f::table
        .filter(f::answered_at.is_null())
        .filter(f::stale_at.is_null())
        .filter(f::asked_at.le(cutoff))
        .select((f::record_kind, f::record_id))
        .load(conn)?;
    for (kind, id) in unanswered {
        let n = diesel::update(
            f::table
                .find((&kind, &id))
                .filter(f::answered_at.is_null())
                .filter(f::stale_at.is_null()),
        )
        .set(f::stale_at.eq(Some(now)))
        .execute(conn)?;
        let Some((record, active, _)) = kind_of(&kind) else {
            continue;
        };
        let Some(row) = record.find(conn, &id)? else {
            continue;
        };
        if n == 0 || row.status != active {
            continue;
        }
        set_status(conn, record, &row, "stale")?;
        email(conn, settings, record, &row, "went_stale")?;
        db::audit(
            conn,
            None,
            "went_stale",
            record.name(),
            Some(&id),
            json!({}),
        )?;
        stale += 1;
    }
    Ok((asked, stale))
}

/// Where the owner changes the record.
pub fn edit_path(record: Record, id: &str) -> String {
    match record {
        Record::Need => format!("/needs/{id}/edit"),
        Record::Offer => format!("/offers/{id}"),
        _ => "/profile".to_string(),
    }
}

/// The owner answers through a signed link: `keep` (it is current: a stale one comes back),
/// `update` (the same, and the owner goes to change it), `close`. Returns where to go next.
pub fn answer(conn: &mut DbConn, kind: &str, id: &str, answer: &str) -> Result<String, AppError> {
    let (record, active, closed) = kind_of(kind).ok_or(AppError::NotFound)?;
    if !ANSWERS.contains(&answer) {
        return Err(AppError::NotFound);
    }
    let row = record.find(conn, id)?.ok_or(AppError::NotFound)?;
    let now = db::now();
    diesel::update(f::table.find((kind, id)))
        .set((
            f::answered_at.eq(Some(now)),
            f::stale_at.eq(None::<PrimitiveDateTime>),
        ))
        .execute(conn)?;
    match answer {
        "close" if row.status == active || row.status == "stale" => {
            set_status(conn, record, &row, closed)?
        }
        "keep" | "update" if row.status == "stale" => set_status(conn, record, &row, active)?,
        // Confirmed as it is: counted from today.
        "keep" | "update" => set_status(conn, record, &row, &row.status.clone())?,
        _ => {}
    }
    db::audit(
        conn,
        Some(&row.owner_id),
        "freshness_answered",
        kind,
        Some(id),
        json!({"answer": answer}),
    )?;
    Ok(edit_path(record, id))
}

/// The language of the person a link was sent to.
pub fn owner_locale(conn: &mut DbConn, kind: &str, id: &str) -> Result<Option<String>, AppError> {
    let Some((record, _, _)) = kind_of(kind) else {
        return Ok(None);
    };
    let Some(row) = record.find(conn, id)? else {
        return Ok(None);
    };
    Ok(owner(conn, &row)?.map(|u| u.locale))
}

/// What went stale in the officer's municipalities, for the moderation queue.
pub fn stale_in_scope(conn: &mut DbConn, viewer: &Viewer) -> Result<Vec<Value>, AppError> {
    let mut out = Vec::new();
    for (record, _, _) in KINDS {
        let filter = db::ListFilter {
            status: Some("stale".into()),
            limit: 500,
            ..db::ListFilter::default()
        };
        for row in record.list(conn, &db::Visible::All, &filter)? {
            if viewer.in_scope(&row.municipality) {
                out.push(
                    json!({"kind": record.name(), "id": row.id, "title": title(&row),
                                "municipality": row.municipality}),
                );
            }
        }
    }
    Ok(out)
}

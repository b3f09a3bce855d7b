//! The outbox's life: due emails are leased (one sender at a time per email, across nodes),
//! sent, then marked sent, retried later or failed. A sender that dies holding a lease loses
//! it when the lease runs out, and the email is sent again: at least once, never lost.

use super::schema::outbox;
use super::{now, DbConn};
use diesel::prelude::*;
use time::Duration;

/// One email to send.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub recipient_user_id: Option<String>,
    pub to_address: String,
    pub template: String,
    pub locale: String,
    pub params: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: time::PrimitiveDateTime,
    pub last_error: Option<String>,
    pub created_at: time::PrimitiveDateTime,
    pub sent_at: Option<time::PrimitiveDateTime>,
    pub introduction_id: Option<String>,
    pub purged_at: Option<time::PrimitiveDateTime>,
}

/// Takes up to `limit` due emails (pending and due, or held by a sender whose lease ran out)
/// and holds them for `lease`. PostgreSQL skips rows another node holds; SQLite has one
/// writer at a time.
pub fn lease(conn: &mut DbConn, limit: i64, lease: Duration) -> QueryResult<Vec<OutboxRow>> {
    let at = now();
    let due = outbox::table
        .filter(outbox::status.eq_any(["pending", "sending"]))
        .filter(outbox::next_attempt_at.le(at))
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id);
    let ids: Vec<String> = match conn {
        DbConn::Pg(c) => due.for_update().skip_locked().load(c)?,
        DbConn::Sqlite(c) => due.load(c)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((
            outbox::status.eq("sending"),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(at + lease),
        ))
        .execute(conn)?;
    outbox::table
        .filter(outbox::id.eq_any(&ids))
        .order(outbox::created_at.asc())
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Sent: done, whatever happens next.
pub fn mark_sent(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq("sending")))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(now()),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(drop)
}

/// Not sent: tried again after `retry_in`, or failed for good when `retry_in` is `None`.
pub fn mark_unsent(
    conn: &mut DbConn,
    id: &str,
    error: &str,
    retry_in: Option<Duration>,
) -> QueryResult<()> {
    let error: String = error.chars().take(1000).collect();
    let target = outbox::table.find(id).filter(outbox::status.eq("sending"));
    match retry_in {
        Some(wait) => diesel::update(target)
            .set((
                outbox::status.eq("pending"),
                outbox::next_attempt_at.eq(now() + wait),
                outbox::last_error.eq(error),
            ))
            .execute(conn),
        None => diesel::update(target)
            .set((outbox::status.eq("failed"), outbox::last_error.eq(error)))
            .execute(conn),
    }
    .map(drop)
}

/// Empties the content of emails sent more than `days` ago; what was sent, when and to whom
/// stays for the officer. Returns how many were purged.
pub fn purge_sent(conn: &mut DbConn, days: i64) -> QueryResult<usize> {
    let before = now() - Duration::days(days);
    diesel::update(
        outbox::table
            .filter(outbox::status.eq("sent"))
            .filter(outbox::sent_at.le(before))
            .filter(outbox::purged_at.is_null()),
    )
    .set((outbox::params.eq("{}"), outbox::purged_at.eq(now())))
    .execute(conn)
}

/// The emails of an introduction, oldest first.
pub fn of_introduction(conn: &mut DbConn, id: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::introduction_id.eq(id))
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Emails by status (for the officer: what failed), newest first.
pub fn by_status(conn: &mut DbConn, status: &str, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::status.eq(status))
        .order(outbox::created_at.desc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
}

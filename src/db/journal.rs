//! The rows a change writes beside itself, in the same transaction: the search index's change
//! feed, the email outbox, consents and the append-only audit log.

use super::schema::{audit_log, consents, index_events, outbox};
use super::{new_id, now, DbConn, Native};
use diesel::prelude::*;

diesel::define_sql_function! {
    /// PostgreSQL's id of the current transaction, assigned by the call if it had none (its
    /// type is `xid8`; only whether it is null is ever asked).
    fn pg_current_xact_id() -> diesel::sql_types::BigInt;
}

thread_local! {
    /// What the transaction running on this thread wrote for the workers: (a change for the
    /// indexer, an email for the mailer). `Services::write` reads it to wake only who has work.
    static WROTE: std::cell::Cell<(bool, bool)> = const { std::cell::Cell::new((false, false)) };
}

/// What this thread's writes since the last call queued for the indexer and the mailer (and
/// forgets it).
pub fn take_wrote() -> (bool, bool) {
    WROTE.with(|w| w.replace((false, false)))
}

/// Records that `kind`/`id` changed (`upsert`) or went away (`delete`), for the indexer.
///
/// On PostgreSQL the transaction takes its id before its change number: whoever reads a gap in
/// the numbers can then tell from a snapshot whether the transaction holding it may still
/// commit (see [`feed_horizon`]).
pub fn index_event(conn: &mut DbConn, kind: &str, id: &str, op: &str) -> QueryResult<()> {
    WROTE.with(|w| w.set((true, w.get().1)));
    if let DbConn::Pg(c) = conn {
        // One statement (prepared once): its condition is evaluated before the row it filters
        // is formed, so the transaction id is taken before the default draws the change number.
        use diesel::sql_types::{Text, Timestamp};
        let row = diesel::select((
            kind.into_sql::<Text>(),
            id.into_sql::<Text>(),
            op.into_sql::<Text>(),
            now().into_sql::<Timestamp>(),
        ))
        .filter(pg_current_xact_id().is_not_null());
        return diesel::insert_into(index_events::table)
            .values(row)
            .into_columns((
                index_events::entity_kind,
                index_events::entity_id,
                index_events::op,
                index_events::created_at,
            ))
            .execute(c)
            .map(drop);
    }
    diesel::insert_into(index_events::table)
        .values((
            index_events::entity_kind.eq(kind),
            index_events::entity_id.eq(id),
            index_events::op.eq(op),
            index_events::created_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

pub struct NewEmail<'a> {
    pub recipient_user_id: Option<&'a str>,
    pub to_address: &'a str,
    pub template: &'a str,
    pub locale: &'a str,
    pub params: serde_json::Value,
    /// The introduction the email belongs to, if any.
    pub introduction_id: Option<&'a str>,
}

/// Queues an email; the mailer renders and sends it. The Message-ID is fixed now so that every
/// retry sends the same message.
pub fn enqueue_email(
    conn: &mut DbConn,
    email: NewEmail<'_>,
    mail_domain: &str,
) -> QueryResult<String> {
    enqueue_email_after(conn, email, mail_domain, time::Duration::ZERO)
}

/// [`enqueue_email`], not sent before `after` from now (newsletters leave at a set rate).
pub fn enqueue_email_after(
    conn: &mut DbConn,
    email: NewEmail<'_>,
    mail_domain: &str,
    after: time::Duration,
) -> QueryResult<String> {
    WROTE.with(|w| w.set((w.get().0, true)));
    let id = new_id();
    let at = now();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            outbox::recipient_user_id.eq(email.recipient_user_id),
            outbox::to_address.eq(email.to_address),
            outbox::template.eq(email.template),
            outbox::locale.eq(email.locale),
            outbox::params.eq(email.params.to_string()),
            outbox::message_id.eq(format!("<{id}@{mail_domain}>")),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(at + after),
            outbox::created_at.eq(at),
            outbox::introduction_id.eq(email.introduction_id),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Records the given consents of `user`, with the text version and who recorded them.
pub fn record_consents(
    conn: &mut DbConn,
    user: &str,
    purposes: &[&str],
    text_version: &str,
    recorded_by: Option<&str>,
) -> QueryResult<()> {
    let at = now();
    for purpose in purposes {
        diesel::insert_into(consents::table)
            .values((
                consents::id.eq(new_id()),
                consents::user_id.eq(user),
                consents::purpose.eq(*purpose),
                consents::text_version.eq(text_version),
                consents::given_at.eq(at),
                consents::recorded_by.eq(recorded_by),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Makes `wanted` the person's active consents: records those not yet given, withdraws the
/// others. Returns (given, withdrawn).
pub fn set_consents(
    conn: &mut DbConn,
    user: &str,
    wanted: &[String],
    text_version: &str,
) -> QueryResult<(Vec<String>, Vec<String>)> {
    let active = active_consents(conn, user)?;
    let given: Vec<String> = wanted
        .iter()
        .filter(|w| !active.contains(w))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let withdrawn: Vec<String> = active
        .iter()
        .filter(|a| !wanted.contains(a))
        .cloned()
        .collect();
    let refs: Vec<&str> = given.iter().map(String::as_str).collect();
    record_consents(conn, user, &refs, text_version, None)?;
    if !withdrawn.is_empty() {
        diesel::update(
            consents::table
                .filter(consents::user_id.eq(user))
                .filter(consents::purpose.eq_any(&withdrawn))
                .filter(consents::withdrawn_at.is_null()),
        )
        .set(consents::withdrawn_at.eq(now()))
        .execute(conn)?;
    }
    Ok((given, withdrawn))
}

/// Appends to the audit log. `detail` must name no person: ids, never names or addresses.
pub fn audit(
    conn: &mut DbConn,
    actor: Option<&str>,
    action: &str,
    subject_kind: &str,
    subject_id: Option<&str>,
    detail: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now()),
            audit_log::actor_id.eq(actor),
            audit_log::action.eq(action),
            audit_log::subject_kind.eq(subject_kind),
            audit_log::subject_id.eq(subject_id),
            audit_log::detail.eq(detail.to_string()),
        ))
        .execute(conn)
        .map(drop)
}

/// One row of the change feed.
#[derive(Debug, Clone, Queryable)]
pub struct IndexEvent {
    pub seq: i64,
    pub entity_kind: String,
    pub entity_id: String,
    pub op: String,
}

/// The columns of an [`IndexEvent`].
const EVENT_COLUMNS: (
    index_events::seq,
    index_events::entity_kind,
    index_events::entity_id,
    index_events::op,
) = (
    index_events::seq,
    index_events::entity_kind,
    index_events::entity_id,
    index_events::op,
);

/// Changes after `seq`, in order.
pub fn events_after(conn: &mut DbConn, seq: i64, limit: i64) -> QueryResult<Vec<IndexEvent>> {
    index_events::table
        .filter(index_events::seq.gt(seq))
        .order(index_events::seq.asc())
        .limit(limit)
        .select(EVENT_COLUMNS)
        .load(conn)
}

#[derive(QueryableByName)]
struct Horizon {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    xmin: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    xmax: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    top: i64,
}

/// What the change feed looks like from here: its newest number, and on PostgreSQL the
/// snapshot's bounds (`xmin`: every transaction below it has ended; `xmax`: every transaction
/// that had started has an id below it — the snapshot's own `xmax`, or past the highest id in
/// progress when that is higher). A number missing below `top` belongs to a transaction
/// that had started when this was read; once a later reading's `xmin` reaches this `xmax`, that
/// transaction has ended, and a number still missing never comes. SQLite has one writer, and
/// numbers are taken and committed in order: `None`, a gap there is never waited for.
pub struct FeedHorizon {
    pub top: i64,
    pub xmin: Option<i64>,
    pub xmax: Option<i64>,
}

pub fn feed_horizon(conn: &mut DbConn) -> QueryResult<FeedHorizon> {
    match conn {
        DbConn::Pg(c) => {
            // The snapshot's `xmax` is one past the highest *completed* transaction, not the
            // next id to be given: a transaction still running may have an id at or above it
            // (it took its id before a writer that then took a later number and committed).
            // The bound is therefore also past every id in progress, as the server's
            // activity view shows them (32-bit ids, placed in the epoch of `xmax`; where that
            // view hides them from this role, the snapshot's `xmax` alone).
            let h: Horizon = diesel::sql_query(
                "SELECT pg_snapshot_xmin(s)::text::bigint AS xmin, \
                        greatest(pg_snapshot_xmax(s)::text::bigint, \
                          coalesce((SELECT max(pg_snapshot_xmax(s)::text::bigint \
                                + (((a.backend_xid::text::bigint \
                                     - pg_snapshot_xmax(s)::text::bigint % 4294967296 \
                                     + 2147483648) % 4294967296 + 4294967296) % 4294967296 \
                                   - 2147483648) + 1) \
                                    FROM pg_stat_activity AS a \
                                    WHERE a.backend_xid IS NOT NULL), 0)) AS xmax, \
                        (SELECT coalesce(max(seq), 0) FROM index_events) AS top \
                 FROM pg_current_snapshot() AS s",
            )
            .get_result(c)?;
            Ok(FeedHorizon {
                top: h.top,
                xmin: Some(h.xmin),
                xmax: Some(h.xmax),
            })
        }
        DbConn::Sqlite(_) => Ok(FeedHorizon {
            top: last_event_seq(conn)?,
            xmin: None,
            xmax: None,
        }),
    }
}

/// The changes with these numbers that exist (numbers once passed over as gaps).
pub fn events_among(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<Vec<IndexEvent>> {
    index_events::table
        .filter(index_events::seq.eq_any(seqs))
        .order(index_events::seq.asc())
        .select(EVENT_COLUMNS)
        .load(conn)
}

/// How far the index is behind: the changes after `seq`, and when the oldest was written.
pub fn feed_lag(
    conn: &mut DbConn,
    seq: i64,
) -> QueryResult<(i64, Option<time::PrimitiveDateTime>)> {
    index_events::table
        .filter(index_events::seq.gt(seq))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(index_events::created_at),
        ))
        .first(conn)
}

/// The newest change's sequence number (0 when there is none).
pub fn last_event_seq(conn: &mut DbConn) -> QueryResult<i64> {
    index_events::table
        .select(diesel::dsl::max(index_events::seq))
        .first_native::<Option<i64>>(conn)
        .map(|s| s.unwrap_or(0))
}

/// The purposes a person has consented to and not withdrawn.
pub fn active_consents(conn: &mut DbConn, user: &str) -> QueryResult<Vec<String>> {
    consents::table
        .filter(consents::user_id.eq(user))
        .filter(consents::withdrawn_at.is_null())
        .select(consents::purpose)
        .distinct()
        .load(conn)
}

/// Every person's active consents, for a rebuild.
pub fn all_active_consents(conn: &mut DbConn) -> QueryResult<ConsentMap> {
    let rows: Vec<(String, String)> = consents::table
        .filter(consents::withdrawn_at.is_null())
        .select((consents::user_id, consents::purpose))
        .load(conn)?;
    Ok(consent_map(rows))
}

/// These people's active consents.
pub fn active_consents_of(conn: &mut DbConn, users: &[String]) -> QueryResult<ConsentMap> {
    let rows: Vec<(String, String)> = consents::table
        .filter(consents::withdrawn_at.is_null())
        .filter(consents::user_id.eq_any(users))
        .select((consents::user_id, consents::purpose))
        .load(conn)?;
    Ok(consent_map(rows))
}

/// Purposes by person.
pub type ConsentMap = std::collections::HashMap<String, Vec<String>>;

fn consent_map(rows: Vec<(String, String)>) -> ConsentMap {
    let mut map: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (user, purpose) in rows {
        let slot = map.entry(user).or_default();
        if !slot.contains(&purpose) {
            slot.push(purpose);
        }
    }
    map
}

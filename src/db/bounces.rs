//! Addresses a mail server refused for good (a 5xx reply): no digest or newsletter goes to
//! them until the person corrects the address or says it is right. A bounce counts only while
//! the account still has the address that bounced.

use super::schema::{bounces as b, users as u};
use super::{audit, now, DbConn};
use diesel::prelude::*;
use serde_json::json;
use time::PrimitiveDateTime;

/// A refused address as the person and the officers see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bounce {
    pub user_id: String,
    pub address: String,
    pub reason: String,
    pub bounced_at: PrimitiveDateTime,
}

/// Marks `address` undeliverable for the user it belongs to (a 5xx reply to an email sent to
/// it). The reply is kept, without the address it may quote, for the person and the officers.
pub fn mark(conn: &mut DbConn, address: &str, reply: &str) -> QueryResult<bool> {
    let Some(user) = u::table
        .filter(u::email.eq(address))
        .select(u::id)
        .first::<String>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    let reason: String = reply.replace(address, "…").chars().take(300).collect();
    diesel::delete(b::table.find(&user)).execute(conn)?;
    diesel::insert_into(b::table)
        .values((
            b::user_id.eq(&user),
            b::address.eq(address),
            b::reason.eq(&reason),
            b::bounced_at.eq(now()),
        ))
        .execute(conn)?;
    audit(
        conn,
        None,
        "address_bounced",
        "user",
        Some(&user),
        json!({}),
    )?;
    Ok(true)
}

/// The bounce of the user's present address, if it bounced (one that bounced before the
/// address was changed no longer counts).
pub fn of(conn: &mut DbConn, user: &str) -> QueryResult<Option<Bounce>> {
    let row = b::table
        .inner_join(u::table.on(u::id.eq(b::user_id).and(u::email.eq(b::address))))
        .filter(b::user_id.eq(user))
        .select((b::user_id, b::address, b::reason, b::bounced_at))
        .first::<(String, String, String, PrimitiveDateTime)>(conn)
        .optional()?;
    Ok(row.map(|(user_id, address, reason, bounced_at)| Bounce {
        user_id,
        address,
        reason,
        bounced_at,
    }))
}

/// The users among `users` whose present address bounced.
pub fn among(
    conn: &mut DbConn,
    users: &[String],
) -> QueryResult<std::collections::HashSet<String>> {
    Ok(b::table
        .inner_join(u::table.on(u::id.eq(b::user_id).and(u::email.eq(b::address))))
        .filter(b::user_id.eq_any(users))
        .select(b::user_id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Every present bounce, newest first (for the officers' queue), at most `limit`.
pub fn all(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Bounce>> {
    let rows = b::table
        .inner_join(u::table.on(u::id.eq(b::user_id).and(u::email.eq(b::address))))
        .order(b::bounced_at.desc())
        .limit(limit)
        .select((b::user_id, b::address, b::reason, b::bounced_at))
        .load::<(String, String, String, PrimitiveDateTime)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, address, reason, bounced_at)| Bounce {
            user_id,
            address,
            reason,
            bounced_at,
        })
        .collect())
}

/// The person says the address is right after all (or it was fixed at their mail provider):
/// digests and newsletters go to it again.
pub fn clear(conn: &mut DbConn, user: &str) -> QueryResult<bool> {
    let n = diesel::delete(b::table.find(user)).execute(conn)?;
    if n > 0 {
        audit(
            conn,
            Some(user),
            "address_confirmed",
            "user",
            Some(user),
            json!({}),
        )?;
    }
    Ok(n > 0)
}

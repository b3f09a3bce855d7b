//! Browser sessions and single-use emailed tokens. Only hashes of the secrets are stored.

use super::schema::{api_tokens, sessions, user_tokens, users};
use super::{now, DbConn};
use diesel::prelude::*;
use time::{Duration, PrimitiveDateTime};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: PrimitiveDateTime,
    pub last_seen_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub revoked_at: Option<PrimitiveDateTime>,
    /// An enrolled staff member's session waits for the second factor before it counts.
    pub factor_pending: bool,
    /// Signed in through an identity provider that asked a second factor.
    pub sso_mfa: bool,
}

pub fn create_session(
    conn: &mut DbConn,
    id_hash: &str,
    user: &str,
    csrf: &str,
    absolute: Duration,
    factor_pending: bool,
    sso_mfa: bool,
) -> QueryResult<PrimitiveDateTime> {
    let at = now();
    let expires = at + absolute;
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::user_id.eq(user),
            sessions::csrf_token.eq(csrf),
            sessions::created_at.eq(at),
            sessions::last_seen_at.eq(at),
            sessions::expires_at.eq(expires),
            sessions::factor_pending.eq(factor_pending),
            sessions::sso_mfa.eq(sso_mfa),
        ))
        .execute(conn)?;
    Ok(expires)
}

/// The session, if it is live: not revoked, not past its absolute end, not idle too long.
pub fn live_session(
    conn: &mut DbConn,
    id_hash: &str,
    idle: Duration,
) -> QueryResult<Option<Session>> {
    let at = now();
    sessions::table
        .find(id_hash)
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(at))
        .filter(sessions::last_seen_at.gt(at - idle))
        .select(Session::as_select())
        .first(conn)
        .optional()
}

/// Marks the session as used now (at most once a minute, to spare the database).
pub fn touch_session(conn: &mut DbConn, s: &Session) -> QueryResult<()> {
    let at = now();
    if at - s.last_seen_at > Duration::minutes(1) {
        diesel::update(sessions::table.find(&s.id_hash))
            .set(sessions::last_seen_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}

pub fn revoke_session(conn: &mut DbConn, id_hash: &str) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(id_hash)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now()))
    .execute(conn)
}

/// Ends every session and API token of a user (a password change or reset).
pub fn revoke_all(conn: &mut DbConn, user: &str) -> QueryResult<()> {
    let at = now();
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(at))
    .execute(conn)?;
    diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(at))
    .execute(conn)?;
    Ok(())
}

pub fn insert_user_token(
    conn: &mut DbConn,
    token_hash: &str,
    user: &str,
    purpose: &str,
    ttl: Duration,
) -> QueryResult<()> {
    let at = now();
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::token_hash.eq(token_hash),
            user_tokens::user_id.eq(user),
            user_tokens::purpose.eq(purpose),
            user_tokens::created_at.eq(at),
            user_tokens::expires_at.eq(at + ttl),
        ))
        .execute(conn)
        .map(drop)
}

/// Uses a single-use token: the user it was for, if it is live; it cannot be used again.
pub fn use_user_token(
    conn: &mut DbConn,
    token_hash: &str,
    purpose: &str,
) -> QueryResult<Option<String>> {
    let at = now();
    let user: Option<String> = user_tokens::table
        .find(token_hash)
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(at))
        .select(user_tokens::user_id)
        .first(conn)
        .optional()?;
    if user.is_some() {
        let took = diesel::update(
            user_tokens::table
                .find(token_hash)
                .filter(user_tokens::used_at.is_null()),
        )
        .set(user_tokens::used_at.eq(at))
        .execute(conn)?;
        if took != 1 {
            return Ok(None);
        }
    }
    Ok(user)
}

pub fn mark_verified(conn: &mut DbConn, user: &str) -> QueryResult<()> {
    diesel::update(
        users::table
            .find(user)
            .filter(users::email_verified_at.is_null()),
    )
    .set(users::email_verified_at.eq(now()))
    .execute(conn)
    .map(drop)
}

/// How often a person's activity is written at most.
const TOUCH_EVERY: time::Duration = time::Duration::hours(1);

/// Whether [`touch_user`] would write nothing for `user` as read now: their activity was
/// written within the hour and they were not warned since.
pub fn touched_recently(user: &super::User) -> bool {
    user.retention_warned_at.is_none()
        && user
            .last_active_at
            .is_some_and(|t| t >= now() - TOUCH_EVERY)
}

/// The person did something: the retention clock starts again. Counted to the hour (retention
/// is counted in months): within an hour of the last touch nothing is written, so a stream of
/// writes does not rewrite the person's row each time.
pub fn touch_user(conn: &mut DbConn, user: &str) -> QueryResult<()> {
    let hour_ago = now() - TOUCH_EVERY;
    diesel::update(
        users::table.find(user).filter(
            users::last_active_at
                .is_null()
                .or(users::last_active_at.lt(hour_ago))
                .or(users::retention_warned_at.is_not_null()),
        ),
    )
    .set((
        users::last_active_at.eq(now()),
        users::retention_warned_at.eq(None::<PrimitiveDateTime>),
    ))
    .execute(conn)
    .map(drop)
}

/// The second factor was given: the session counts from now on.
pub fn pass_factor(conn: &mut DbConn, id_hash: &str) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id_hash))
        .set(sessions::factor_pending.eq(false))
        .execute(conn)
}

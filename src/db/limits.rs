//! Rate-limit counts shared by every node on one database: one fixed window per key, counted
//! by a single upsert (so two nodes counting at once both count), swept once a day old.

use super::schema::rate_limits;
use super::DbConn;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

#[derive(QueryableByName)]
struct Window {
    #[diesel(sql_type = BigInt)]
    window_start: i64,
    #[diesel(sql_type = Integer)]
    hits: i32,
}

/// Counts one hit of `key` at `now` (Unix seconds) in a window of `window_secs` that starts
/// with the first hit after the last window ended. `None` while within `max`; the seconds
/// until the window ends once over it.
pub fn hit(
    c: &mut DbConn,
    key: &str,
    max: u32,
    window_secs: i64,
    now: i64,
) -> QueryResult<Option<u64>> {
    // One statement: PostgreSQL and SQLite (3.35+) both upsert and return the row.
    const SQL: &str = "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
         hits = CASE WHEN rate_limits.window_start <= $2 - $3 THEN 1 ELSE rate_limits.hits + 1 END, \
         window_start = CASE WHEN rate_limits.window_start <= $2 - $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING window_start, hits";
    let window: Window = match c {
        DbConn::Pg(_) => diesel::sql_query(SQL)
            .bind::<Text, _>(key)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(window_secs)
            .get_result(c)?,
        DbConn::Sqlite(_) => diesel::sql_query(SQL.replace('$', "?"))
            .bind::<Text, _>(key)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(window_secs)
            .get_result(c)?,
    };
    if i64::from(window.hits) > i64::from(max) {
        let left = (window.window_start + window_secs - now).max(1);
        return Ok(Some(u64::try_from(left).unwrap_or(1)));
    }
    Ok(None)
}

/// Deletes the windows that ended more than a day before `now`.
pub fn sweep(c: &mut DbConn, now: i64) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(now - 86_400))).execute(c)
}

//! Statements run on the backend's own connection, for the reads every request makes.
//!
//! A statement run through the `MultiConnection` (`DbConn`) is wrapped so that either backend
//! can run it, and the wrapper writes the statement's whole SQL text each time it is walked:
//! once to ask whether it may be kept prepared, once more to collect its parameters. For a
//! read of one row by key that cost more than SQLite spent running it (a profile of the
//! matches request under load gave it a sixth of the request). The same statement run on the `SqliteConnection` or
//! `PgConnection` inside is found in that connection's cache by its type, and only its
//! parameters are walked. Same statement, same rows, same transaction: only who writes the SQL
//! differs.

use super::DbConn;
use diesel::dsl::Limit;
use diesel::prelude::*;
use diesel::query_dsl::methods::LimitDsl;
use diesel::query_dsl::LoadQuery;

/// [`RunQueryDsl::load`] and [`RunQueryDsl::first`] on the backend's own connection (see the
/// module).
pub trait Native: RunQueryDsl<SqliteConnection> + RunQueryDsl<PgConnection> + Sized {
    /// Every row.
    fn load_native<'q, U>(self, conn: &mut DbConn) -> QueryResult<Vec<U>>
    where
        Self: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
    {
        match conn {
            DbConn::Sqlite(c) => RunQueryDsl::<SqliteConnection>::load(self, c),
            DbConn::Pg(c) => RunQueryDsl::<PgConnection>::load(self, c),
        }
    }

    /// The first row (`NotFound` when there is none).
    fn first_native<'q, U>(self, conn: &mut DbConn) -> QueryResult<U>
    where
        Self: LimitDsl,
        Limit<Self>: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
    {
        match conn {
            DbConn::Sqlite(c) => RunQueryDsl::<SqliteConnection>::first(self, c),
            DbConn::Pg(c) => RunQueryDsl::<PgConnection>::first(self, c),
        }
    }
}

impl<T> Native for T where T: RunQueryDsl<SqliteConnection> + RunQueryDsl<PgConnection> {}

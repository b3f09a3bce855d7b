//! Storage: one diesel code path over SQLite (default, embedded) and PostgreSQL (for scale).
//! Every call runs on the blocking pool; writes run in one transaction each.

pub mod accounts;
pub mod bounces;
pub mod holds;
mod journal;
pub mod limits;
mod native;
pub mod outbox;
pub mod reads;
mod records;
pub mod schema;
mod users;

pub use journal::{
    active_consents, active_consents_of, all_active_consents, audit, enqueue_email,
    enqueue_email_after, events_after, events_among, feed_horizon, feed_lag, index_event,
    last_event_seq, record_consents, set_consents, take_wrote, ConsentMap, FeedHorizon, IndexEvent,
    NewEmail,
};
pub use native::Native;
pub use records::{ListFilter, Record, RecordRow, Visible};
pub use users::{NewUser, User, UserFilter, ERASED_USER};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, ManageConnection, Pool};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// PostgreSQL is listed first: a `MultiConnection` tries its variants in order.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("the blocking task failed: {0}")]
    Join(String),
}

/// Process-wide SQLite settings, made once before the first connection opens:
///
/// - SQLite counts its memory by default, under one mutex for the whole process that every
///   allocation of every connection takes; nothing reads the counts, and under load much of the
///   wait between our threads was there. Turned off.
/// - Every connection opens with the query planner's stability guarantee
///   ([`stable_plans`]).
fn sqlite_settings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: both are called with the arguments SQLite documents for them (the option and
        // one int; an entry point of the auto-extension signature), once, before this process
        // opens a connection. A refusal (SQLite already started) only leaves the defaults.
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0);
            libsqlite3_sys::sqlite3_auto_extension(Some(stable_plans));
        }
    });
}

/// Runs as each SQLite connection opens (an auto-extension): turns on
/// `SQLITE_DBCONFIG_ENABLE_QPSG`. Without it SQLite plans a statement with `LIMIT ?` for the
/// value bound (since 3.47), so diesel's `LIMIT ?` — every `.first()` — made SQLite parse and
/// plan the statement again at each run, however long it sat in diesel's cache: a fifth of the
/// CPU of a matches request. Our queries' plans never depend on a bound value (no statistics
/// tables, no partial indexes, no `LIKE ?` on an index), so nothing else changes.
unsafe extern "C" fn stable_plans(
    db: *mut libsqlite3_sys::sqlite3,
    _error: *mut *mut std::os::raw::c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::os::raw::c_int {
    // SAFETY: `db` is the connection SQLite is opening; ENABLE_QPSG takes an int and an
    // optional int pointer for the setting's new value.
    unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::os::raw::c_int,
            std::ptr::null_mut::<std::os::raw::c_int>(),
        );
    }
    libsqlite3_sys::SQLITE_OK
}

/// A pooled connection, with when it was last found alive.
pub struct Conn {
    conn: DbConn,
    checked: Instant,
}

impl std::ops::Deref for Conn {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// A connection taken from the pool (back to it when dropped).
pub struct Pooled(diesel::r2d2::PooledConnection<Manager>);

impl std::ops::Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.0.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.0.conn
    }
}

/// How long a PostgreSQL connection that answered its check is taken as alive without asking
/// again.
const CHECKED_FOR: Duration = Duration::from_secs(1);

/// diesel's connection manager, but a PostgreSQL connection is checked (`SELECT 1`) at most
/// once a second: one round trip of every request had been that check. A connection cut by a
/// restart or a failover is found out within a second of its last check; a request that gets it
/// before then fails as it would have had the cut come just after the check.
pub struct Manager(ConnectionManager<DbConn>);

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        Ok(Conn {
            conn: self.0.connect()?,
            checked: Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        if conn.checked.elapsed() < CHECKED_FOR {
            return Ok(());
        }
        self.0.is_valid(&mut conn.conn)?;
        conn.checked = Instant::now();
        Ok(())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        self.0.has_broken(&mut conn.conn)
    }
}

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<Conn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = &mut conn.conn {
            // WAL lets readers run beside the one writer; the busy timeout makes a second
            // process (the CLI next to a running server) wait instead of failing; secure_delete
            // overwrites what is deleted, so an erased person's data does not linger in free
            // pages of the file. Reads go through a memory map of the file (shared by every
            // connection, the operating system's page cache) instead of each connection copying
            // pages into a 2 MB cache of its own: at 100,000 profiles the matches request's
            // re-check spent most of its time missing that cache.
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                 PRAGMA secure_delete = ON; PRAGMA mmap_size = 1073741824;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// The pool, and for SQLite the lock that keeps this process to one writer at a time, so that
/// concurrent requests queue for the write lock instead of failing with "database is locked".
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    write_lock: Option<Arc<Mutex<()>>>,
}

impl Db {
    /// Connects to `url`: `postgres://…` or a SQLite file path (optionally `sqlite://path`).
    pub fn connect(url: &str, max_size: u32) -> anyhow::Result<Db> {
        let is_pg = url.starts_with("postgres://") || url.starts_with("postgresql://");
        let url = url.strip_prefix("sqlite://").unwrap_or(url).to_string();
        if is_pg {
            // A MultiConnection hides why a connect failed; one direct attempt surfaces it.
            PgConnection::establish(&url)
                .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL: {e}"))?;
        } else {
            sqlite_settings();
            if let Some(dir) = std::path::Path::new(&url).parent() {
                if !dir.as_os_str().is_empty() {
                    crate::private_files::create_dir(dir)?;
                }
            }
            if url != ":memory:" && !url.starts_with("file:") {
                crate::private_files::touch(std::path::Path::new(&url))?;
            }
            // WAL is a property of the file: set it once, before the pool opens connections
            // that would race for it.
            let mut c = SqliteConnection::establish(&url)
                .map_err(|e| anyhow::anyhow!("cannot open the SQLite database {url}: {e}"))?;
            c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        }
        let pool = Pool::builder()
            .max_size(if is_pg { max_size } else { max_size.min(8) })
            // A SQLite file does not go away under its connections: no "SELECT 1" before each
            // use. A PostgreSQL connection may have been cut (a restart, a failover): checked.
            .test_on_check_out(is_pg)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(Manager(ConnectionManager::<DbConn>::new(url)))?;
        let write_lock = (!is_pg).then(|| Arc::new(Mutex::new(())));
        Ok(Db { pool, write_lock })
    }

    pub fn backend_name(&self) -> &'static str {
        if self.write_lock.is_some() {
            "sqlite"
        } else {
            "postgres"
        }
    }

    /// Applies the embedded migrations of this backend that are not yet applied.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get()?;
        let applied = match &mut **conn {
            DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.len())
    }

    /// Ready: the database answers and every embedded migration is applied.
    pub fn ready(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        let pending = match &mut **conn {
            DbConn::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
            DbConn::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        }
        .map_err(|e| anyhow::anyhow!("cannot read the migrations table: {e}"))?;
        anyhow::ensure!(!pending, "migrations are pending");
        Ok(())
    }

    /// Runs `f` with a connection, off the async executor.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            match &mut **conn {
                // One read transaction for the whole hop: its queries see one snapshot, and
                // SQLite takes its WAL read lock once instead of once per statement.
                DbConn::Sqlite(_) => {
                    let conn: &mut DbConn = &mut conn;
                    conn.transaction::<_, DbError, _>(|c| Ok(f(c)))?
                }
                DbConn::Pg(_) => f(&mut conn),
            }
        })
        .await
        .map_err(|e| DbError::Join(e.to_string()))?
    }

    /// [`Db::read`] for a read of a few rows by key, which on SQLite runs where the caller is
    /// when a connection is free at once: such a read is a few memory look-ups in the mapped
    /// file (tens of microseconds, less than the hop to the blocking pool and back costs in
    /// thread switches), and a SQLite reader never waits for a writer. On PostgreSQL (a round
    /// trip over the network), or with every connection in use, it goes to the blocking pool
    /// as any read. Not for a read whose size the caller does not bound.
    pub async fn read_short<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        if self.write_lock.is_some() {
            if let Some(mut conn) = self.pool.try_get() {
                // A panic is an error of this request, as it is on the blocking pool (where it
                // ends that task), not of the worker thread that serves other requests too. The
                // connection is dropped while unwinding, which the pool takes as broken: its
                // unfinished transaction is never handed to another read.
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                    let conn: &mut DbConn = &mut conn;
                    conn.transaction::<_, DbError, _>(|c| Ok(f(c)))
                }));
                return match ran {
                    Ok(result) => result?,
                    Err(_) => Err(DbError::Join("the read panicked".to_string()).into()),
                };
            }
        }
        self.read(f).await
    }

    /// Runs `f` in one transaction, off the async executor: all of it is written or none.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| DbError::Join(e.to_string()))?
    }

    /// The same as [`Db::write`], for callers already off the executor (the CLI).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<DbError> + From<diesel::result::Error>,
        F: FnOnce(&mut DbConn) -> Result<T, E>,
    {
        let mut conn = self.pool.get().map_err(DbError::from)?;
        let _guard = self
            .write_lock
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let conn: &mut DbConn = &mut conn;
        conn.transaction(f)
    }

    /// A connection of the pool, outside any transaction.
    pub fn conn(&self) -> Result<Pooled, DbError> {
        Ok(Pooled(self.pool.get()?))
    }
}

/// Now, in UTC, to the microsecond (what both backends store).
pub fn now() -> time::PrimitiveDateTime {
    let t = time::OffsetDateTime::now_utc();
    let t = t.replace_nanosecond(t.microsecond() * 1000).unwrap_or(t);
    time::PrimitiveDateTime::new(t.date(), t.time())
}

/// Whether `id` could be an id of ours: 1–100 characters, none of them a control character.
/// Anything else names no row, and is never sent to the database (PostgreSQL refuses a NUL in
/// text with an error, which would be a 500 for what is only a wrong id).
pub fn plausible_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && !id.chars().any(char::is_control)
}

/// The ids of `ids` that could be ours ([`plausible_id`]).
pub fn plausible_ids(ids: &[String]) -> Vec<&str> {
    ids.iter()
        .map(String::as_str)
        .filter(|i| plausible_id(i))
        .collect()
}

/// A new time-ordered id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(dir: &tempfile::TempDir, size: u32) -> Db {
        let url = dir
            .path()
            .join("heartland.db")
            .to_string_lossy()
            .to_string();
        let db = Db::connect(&url, size).expect("a SQLite database in a fresh directory");
        db.migrate().expect("migrations");
        db
    }

    fn count_users(c: &mut DbConn) -> Result<i64, DbError> {
        Ok(schema::users::table.count().get_result(c)?)
    }

    #[tokio::test]
    async fn a_short_read_answers_here_from_the_pool_or_after_the_hop_and_survives_a_panic() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = sqlite(&dir, 2);
        let users = db.read_short(count_users).await.ok();
        let in_place = db.conn().and_then(|mut c| count_users(&mut c)).ok();
        assert!(
            users.is_some() && users == in_place,
            "{users:?} {in_place:?}"
        );
        // A panic in the read is this read's error; the database and its pool go on serving.
        let panicked: Result<i64, DbError> = db
            .read_short(|_| -> Result<i64, DbError> { panic!("a bug in a read") })
            .await;
        assert!(matches!(panicked, Err(DbError::Join(_))), "{panicked:?}");
        assert_eq!(db.read_short(count_users).await.ok(), users);
        // Every connection taken: the read waits for one on the blocking pool instead.
        let (a, b) = (db.conn().expect("one"), db.conn().expect("two"));
        let db2 = db.clone();
        let waiting = tokio::spawn(async move { db2.read_short(count_users).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "no connection was free");
        drop((a, b));
        assert_eq!(waiting.await.ok().and_then(|r| r.ok()), users);
    }
}

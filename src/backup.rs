//! Backups and restores (`heartland backup FILE`, `heartland restore FILE [--force]`).
//!
//! SQLite: `VACUUM INTO` writes a consistent copy while the service serves (one read
//! transaction; writers go on), into a temporary file renamed into place, readable by the
//! service's user only. A restore checks the file (SQLite, integrity, this service's schema),
//! refuses to replace a database that holds data unless forced, replaces the file (and its
//! stale WAL), applies any newer migrations and rebuilds the search index.
//!
//! PostgreSQL: the same two commands run `pg_dump --format=custom` and `pg_restore --clean`
//! (the PostgreSQL client tools must be installed), then the index is rebuilt.

use crate::config::Settings;
use crate::db::{Db, DbConn};
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::path::Path;

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    value: String,
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Writes a backup of the database to `file` (which must not exist).
pub fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        anyhow::bail!("{} exists already: name a new file", file.display());
    }
    let url = settings.database_url();
    if is_postgres(&url) {
        let status = std::process::Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file"])
            .arg(file)
            .arg(&url)
            .status()
            .map_err(|e| {
                anyhow::anyhow!("pg_dump cannot run (install the PostgreSQL client tools): {e}")
            })?;
        if !status.success() {
            anyhow::bail!("pg_dump failed ({status})");
        }
        return Ok(());
    }
    let tmp = file.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    let db = Db::connect(&url, 1)?;
    let target = tmp.to_string_lossy().into_owned();
    // Outside a transaction, as VACUUM must be: it takes its own read snapshot.
    let mut c = db.conn()?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(&target)
        .execute(&mut *c)?;
    drop(c);
    crate::private_files::tighten(&tmp)?;
    std::fs::rename(&tmp, file)?;
    Ok(())
}

/// What a restore did.
pub struct Restored {
    pub migrations: usize,
    pub documents: usize,
}

/// Restores the database from `file`, then rebuilds the index under `<data_dir>/index`.
/// Refuses a database that holds accounts unless `force`.
pub fn restore(settings: &Settings, file: &Path, force: bool) -> anyhow::Result<Restored> {
    if !file.is_file() {
        anyhow::bail!("{} is not a file", file.display());
    }
    let url = settings.database_url();
    let holds_data = |url: &str| -> bool {
        Db::connect(url, 1)
            .ok()
            .and_then(|db| {
                db.write_blocking(|c| -> anyhow::Result<One> {
                    Ok(
                        diesel::sql_query("SELECT CAST(COUNT(*) AS TEXT) AS value FROM users")
                            .get_result::<One>(c)?,
                    )
                })
                .ok()
            })
            .is_some_and(|n| n.value != "0")
    };
    if !force && holds_data(&url) {
        anyhow::bail!(
            "the database holds data: stop `heartland serve` and give --force to replace it"
        );
    }
    if is_postgres(&url) {
        let status = std::process::Command::new("pg_restore")
            .args([
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
            ])
            .arg(&url)
            .arg(file)
            .status()
            .map_err(|e| {
                anyhow::anyhow!("pg_restore cannot run (install the PostgreSQL client tools): {e}")
            })?;
        if !status.success() {
            anyhow::bail!("pg_restore failed ({status})");
        }
    } else {
        // The file must be a sound database of this service before anything is replaced.
        let checked = Db::connect(&file.to_string_lossy(), 1)?;
        let ok = checked.write_blocking(|c| -> anyhow::Result<String> {
            let integrity = integrity(c)?;
            diesel::sql_query(
                "SELECT CAST(COUNT(*) AS TEXT) AS value FROM __diesel_schema_migrations",
            )
            .get_result::<One>(c)?;
            Ok(integrity)
        });
        drop(checked);
        match ok {
            Ok(i) if i == "ok" => {}
            Ok(i) => anyhow::bail!("{} is damaged: {i}", file.display()),
            Err(e) => anyhow::bail!("{} is not a backup of this service: {e}", file.display()),
        }
        let target = std::path::PathBuf::from(&url);
        let tmp = target.with_extension("restoring");
        std::fs::copy(file, &tmp)?;
        crate::private_files::tighten(&tmp)?;
        for stale in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{stale}", target.display()));
        }
        std::fs::rename(&tmp, &target)?;
    }
    let db = Db::connect(&url, 2)?;
    let migrations = db.migrate()?;
    let dir = settings.data_dir.join("index");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    crate::private_files::create_dir(&dir)?;
    let (index, _) = heartland_index::SearchIndex::open(&dir)
        .map_err(|e| anyhow::anyhow!("cannot make the search index in {}: {e}", dir.display()))?;
    let documents = crate::search::rebuild(&db, &index, |_, _| {})? as usize;
    Ok(Restored {
        migrations,
        documents,
    })
}

/// SQLite's own check of a database file: "ok", or what is damaged.
pub fn integrity(c: &mut DbConn) -> diesel::QueryResult<String> {
    Ok(diesel::sql_query("PRAGMA integrity_check")
        .load::<IntegrityRow>(c)?
        .into_iter()
        .map(|r| r.integrity_check)
        .collect::<Vec<_>>()
        .join("; "))
}

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

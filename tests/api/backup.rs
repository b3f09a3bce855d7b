//! `heartland backup` while the service takes writes, and `heartland restore` into a fresh
//! database: the restored database holds exactly what the backup holds (SQLite: table by
//! table; PostgreSQL: every restored need was acknowledged, none is invented, and all those
//! written before the backup are there), the index is rebuilt, and a database holding data is
//! replaced only with --force.

use crate::helpers::{bodies, pg_url, spawn_app, Backend};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use serde_json::Value;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn heartland(args: &[&str], database_url: Option<&str>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_heartland"));
    c.args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        c.env("DATABASE_URL", url);
    }
    c.output().expect("run heartland")
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// The ids of the needs in the database at `url` (either backend), sorted.
pub(crate) fn need_ids(url: &str) -> Vec<String> {
    let db = heartland::db::Db::connect(url, 1).expect("open");
    let mut c = db.conn().expect("conn");
    let mut ids: Vec<String> = diesel::sql_query("SELECT id FROM needs")
        .load::<Id>(&mut *c)
        .expect("needs")
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

fn table_rows_sqlite(path: &str, table: &str, key: &str) -> Vec<String> {
    let mut c = SqliteConnection::establish(path).expect("open");
    let mut rows: Vec<String> = diesel::sql_query(format!(
        "SELECT CAST(rowid AS TEXT) || ':' || CAST({key} AS TEXT) AS id FROM {table}"
    ))
    .load::<Id>(&mut c)
    .expect("rows")
    .into_iter()
    .map(|r| r.id)
    .collect();
    rows.sort();
    rows
}

async fn backup_under_load_and_restore(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let officer = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Sågen i Mora AB", "SE-2062"),
        )
        .await;
    for _ in 0..10 {
        app.create("needs", &officer, bodies::need(&org, "SE-2062"))
            .await;
    }
    // Writes go on while the backup is taken; each acknowledged need is kept.
    let stop = Arc::new(AtomicBool::new(false));
    let (client, address, token, o) = (
        app.client.clone(),
        app.address.clone(),
        officer.clone(),
        org.clone(),
    );
    let flag = stop.clone();
    let load = tokio::spawn(async move {
        let mut acknowledged = Vec::new();
        while !flag.load(Ordering::SeqCst) {
            let r = client
                .post(format!("{address}/api/v1/needs"))
                .bearer_auth(&token)
                .json(&bodies::need(&o, "SE-2062"))
                .send()
                .await
                .expect("post");
            if r.status().is_success() {
                let v: Value = r.json().await.expect("json");
                acknowledged.push(v["id"].as_str().unwrap_or_default().to_string());
            }
        }
        acknowledged
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("heartland.backup");
    let file_s = file.to_string_lossy().into_owned();
    let live = app.database_url.clone();
    let (f, l) = (file_s.clone(), live.clone());
    let out = tokio::task::spawn_blocking(move || heartland(&["backup", &f], Some(&l)))
        .await
        .expect("backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let acknowledged = load.await.expect("load");
    assert!(
        acknowledged.len() > 3,
        "the load wrote while the backup ran"
    );

    // A fresh place to restore into.
    let target = tempfile::tempdir().expect("target");
    let (restored_url, pg) = match backend {
        Backend::Sqlite => (
            target
                .path()
                .join("heartland.db")
                .to_string_lossy()
                .into_owned(),
            None,
        ),
        Backend::Postgres => {
            let server = std::env::var(crate::helpers::POSTGRES_ENV).expect("server");
            let name = format!("heartland_restore_{}", uuid::Uuid::new_v4().simple());
            let (s, n) = (server.clone(), name.clone());
            tokio::task::spawn_blocking(move || {
                let mut c = diesel::PgConnection::establish(&pg_url(&s, "postgres")).expect("pg");
                diesel::sql_query(format!("CREATE DATABASE {n}"))
                    .execute(&mut c)
                    .expect("create");
            })
            .await
            .expect("create");
            (pg_url(&server, &name), Some((server, name)))
        }
    };
    let data = target.path().to_string_lossy().into_owned();
    let (f, r, d) = (file_s.clone(), restored_url.clone(), data.clone());
    let out = tokio::task::spawn_blocking(move || {
        heartland(&["--data-dir", &d, "restore", &f], Some(&r))
    })
    .await
    .expect("restore");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        target
            .path()
            .join("index")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some()),
        "index rebuilt"
    );

    // What the restore holds.
    let restored_needs: Vec<String> = match backend {
        Backend::Sqlite => {
            // Table by table, the restored database is the backup.
            for (table, key) in [
                ("users", "id"),
                ("organisations", "id"),
                ("needs", "id"),
                ("consents", "id"),
                ("outbox", "id"),
                ("index_events", "seq"),
                ("audit_log", "seq"),
            ] {
                assert_eq!(
                    table_rows_sqlite(&restored_url, table, key),
                    table_rows_sqlite(&file_s, table, key),
                    "{table}"
                );
            }
            need_ids(&restored_url)
        }
        Backend::Postgres => {
            let u = restored_url.clone();
            tokio::task::spawn_blocking(move || need_ids(&u))
                .await
                .expect("read")
        }
    };
    let live_count = app.count("needs").await as usize;
    assert!(restored_needs.len() >= 10, "all written before the backup");
    assert!(restored_needs.len() <= live_count, "nothing invented");
    let known = live_count;
    assert_eq!(
        known,
        10 + acknowledged.len(),
        "every acknowledged write is in the live database"
    );

    // A database with data is replaced only with --force.
    let (f, r, d) = (file_s.clone(), restored_url.clone(), data.clone());
    let refused = tokio::task::spawn_blocking(move || {
        heartland(&["--data-dir", &d, "restore", &f], Some(&r))
    })
    .await
    .expect("again");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let (f, r, d) = (file_s.clone(), restored_url.clone(), data);
    let forced = tokio::task::spawn_blocking(move || {
        heartland(&["--data-dir", &d, "restore", &f, "--force"], Some(&r))
    })
    .await
    .expect("forced");
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    // A backup over an existing file is refused.
    let (f, l) = (file_s, live);
    let over = tokio::task::spawn_blocking(move || heartland(&["backup", &f], Some(&l)))
        .await
        .expect("over");
    assert!(!over.status.success());
    if let Some((server, name)) = pg {
        tokio::task::spawn_blocking(move || {
            if let Ok(mut c) = diesel::PgConnection::establish(&pg_url(&server, "postgres")) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        })
        .await
        .expect("drop");
    }
}

#[tokio::test]
async fn sqlite_a_backup_under_load_restores_an_identical_database() {
    backup_under_load_and_restore(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_backup_under_load_restores_an_identical_database() {
    backup_under_load_and_restore(Backend::Postgres).await;
}

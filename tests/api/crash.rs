//! `kill -9` at any moment loses nothing: the server is killed again and again while records
//! are written and deleted, and after a restart the index holds exactly the database's records.

use crate::helpers::{bodies, spawn_app, Backend, TestApp, PASSWORD};
use heartland::db::{ListFilter, Record, Visible};
use heartland_index::index::Opened;
use heartland_index::{Kind, SearchIndex};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

pub(crate) struct Server {
    child: Child,
    pub base: String,
}

async fn start(database_url: &str, data_dir: &Path) -> Server {
    start_with(database_url, data_dir, &[]).await
}

pub(crate) async fn start_with(
    database_url: &str,
    data_dir: &Path,
    env: &[(&str, String)],
) -> Server {
    start_logging(database_url, data_dir, env, None).await
}

/// [`start_with`], its log (standard error) written to `log` when given.
pub(crate) async fn start_logging(
    database_url: &str,
    data_dir: &Path,
    env: &[(&str, String)],
    log: Option<&Path>,
) -> Server {
    let port = free_port();
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
        None => Stdio::null(),
    };
    // Started by a shell with a loose umask: what the service writes must be private anyway.
    let child = Command::new("sh")
        .args([
            "-c",
            "umask 022; exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_heartland"),
        ])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args([
            "--data-dir",
            &data_dir.to_string_lossy(),
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        // As the acceptance checks run it (the second factor's own tests ask for it).
        .env("HEARTLAND_STAFF_SECOND_FACTOR", "optional")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start heartland serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Server { child, base }
}

/// Waits until the server at `base` has applied the change feed up to `last_seq` with no
/// gap left to watch for a late commit (its `/readyz` says so), at most `bound`.
pub(crate) async fn caught_up(base: &str, last_seq: i64, bound: Duration) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready: serde_json::Value = client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("readyz")
            .json()
            .await
            .expect("json");
        if ready["index"]["applied_seq"].as_i64() == Some(last_seq)
            && ready["index"]["watched_gaps"] == 0
        {
            return;
        }
        assert!(
            started.elapsed() < bound,
            "{base} did not catch up with change {last_seq}: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Makes an officer of Mora with the test password through `heartland user create`.
pub(crate) fn create_officer(database_url: &str, email: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_heartland"))
        .args([
            "user",
            "create",
            "--email",
            email,
            "--role",
            "officer",
            "--municipality",
            "SE-2062",
        ])
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .expect("stdin")
                .write_all(format!("{PASSWORD}\n").as_bytes())?;
            c.wait_with_output()
        })
        .expect("user create");
    assert!(out.status.success());
}

impl Server {
    /// The process id (to send it a signal).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end by itself, at most `limit`; its exit status.
    pub(crate) fn wait_at_most(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub(crate) fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

/// Writes needs (and deletes every third one) until the server stops answering.
async fn write_until_killed(base: String, token: String, org: String, round: usize) -> usize {
    let client = reqwest::Client::new();
    let mut created: Vec<String> = Vec::new();
    for i in 0.. {
        let mut body = bodies::need(&org, "SE-2062");
        body["title"] = serde_json::json!(format!("Behov {round}-{i}"));
        let Ok(res) = client
            .post(format!("{base}/api/v1/needs"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
        else {
            break;
        };
        let Ok(v) = res.json::<serde_json::Value>().await else {
            break;
        };
        if let Some(id) = v["id"].as_str() {
            created.push(id.to_string());
        }
        // (A create the server refused under load, a 503, leaves nothing to delete.)
        if i % 3 == 2 && !created.is_empty() {
            let id = created.remove(0);
            if client
                .delete(format!("{base}/api/v1/needs/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .is_err()
            {
                break;
            }
        }
    }
    created.len()
}

pub(crate) async fn token(base: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "ola@mora.se", "password": PASSWORD}))
        .send()
        .await
        .expect("token");
    res.json::<serde_json::Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string()
}

pub(crate) async fn database_state(app: &TestApp) -> (Vec<String>, i64) {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = db.conn().expect("conn");
        let filter = ListFilter {
            limit: 100_000,
            ..ListFilter::default()
        };
        let mut ids: Vec<String> = Record::Need
            .list(&mut c, &Visible::All, &filter)
            .expect("needs")
            .into_iter()
            .map(|r| r.id)
            .collect();
        ids.sort();
        (ids, heartland::db::last_event_seq(&mut c).expect("seq"))
    })
    .await
    .expect("db")
}

async fn kill_9_mid_stream_loses_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let url = app.database_url.clone();
    create_officer(&url, "ola@mora.se");

    let server = start(&url, dir.path()).await;
    let token = token(&server.base).await;
    let org = reqwest::Client::new()
        .post(format!("{}/api/v1/organisations", server.base))
        .bearer_auth(&token)
        .json(&bodies::company("Sågen AB", "SE-2062"))
        .send()
        .await
        .expect("org")
        .json::<serde_json::Value>()
        .await
        .expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut server = Some(server);
    for round in 0..4 {
        let s = match server.take() {
            Some(s) => s,
            None => start(&url, dir.path()).await,
        };
        let writer = tokio::spawn(write_until_killed(
            s.base.clone(),
            token.clone(),
            org.clone(),
            round,
        ));
        tokio::time::sleep(Duration::from_millis(300 + 170 * round as u64)).await;
        s.kill_9();
        writer.await.expect("writer");
    }

    // Restart; once the index has caught up with the feed, stop and compare.
    let s = start(&url, dir.path()).await;
    let (db_ids, last_seq) = database_state(&app).await;
    assert!(
        db_ids.len() > 10,
        "too few writes to mean anything: {}",
        db_ids.len()
    );
    caught_up(&s.base, last_seq, Duration::from_secs(20)).await;
    s.kill_9();
    let (index, opened) = SearchIndex::open(&dir.path().join("index")).expect("open the index");
    assert_eq!(
        opened,
        Opened::Resumed(last_seq),
        "the index resumed rather than being rebuilt"
    );
    assert_eq!(index.ids(Kind::Need), db_ids);
}

#[tokio::test]
async fn sqlite_kill_9_mid_stream_loses_nothing() {
    kill_9_mid_stream_loses_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_kill_9_mid_stream_loses_nothing() {
    kill_9_mid_stream_loses_nothing(Backend::Postgres).await;
}

/// An email queued by a state change and not yet sent when the server is killed goes out,
/// once, after the restart.
async fn an_email_queued_before_a_kill_goes_out_once_after_restart(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // The in-process app only serves the set-up; its mailer must not send for the binary.
    app.mailer.stop();
    let w = crate::introductions::world(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let url = app.database_url.clone();
    // First life: no SMTP server answers, so the emails wait in the outbox.
    let dead = format!("smtp://127.0.0.1:{}", free_port());
    let env = |smtp: String| {
        vec![
            ("HEARTLAND_SMTP_URL", smtp),
            ("HEARTLAND_MAIL_RETRY_BASE_SECONDS", "1".to_string()),
            ("HEARTLAND_MAIL_POLL_SECONDS", "1".to_string()),
        ]
    };
    let server = start_with(&url, dir.path(), &env(dead)).await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/introductions", server.base))
        .bearer_auth(&w.officer)
        .json(&crate::introductions::proposal(&w))
        .send()
        .await
        .expect("propose");
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    // Wait until the mailer has tried (and failed) at least once, then kill it.
    let db = app.db.clone();
    let started = Instant::now();
    loop {
        let db = db.clone();
        let tried = tokio::task::spawn_blocking(move || {
            let mut c = db.conn().expect("conn");
            heartland::db::outbox::by_status(&mut c, "pending", 10)
                .expect("outbox")
                .iter()
                .filter(|r| r.template == "introduction_request")
                .filter(|r| r.attempts >= 1 && r.last_error.is_some())
                .count()
        })
        .await
        .expect("outbox");
        if tried == 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the mailer never tried"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill_9();

    let smtp = crate::smtp::SmtpServer::start("none");
    let server = start_with(&url, dir.path(), &env(smtp.url())).await;
    smtp.wait_for(2).await;
    let got = smtp.settle_outbox(&app).await;
    assert_eq!(got.len(), 2, "each party's request exactly once");
    assert_eq!(
        crate::introductions::to(&got, crate::introductions::COMPANY).len(),
        1
    );
    assert_eq!(
        crate::introductions::to(&got, crate::introductions::CANDIDATE).len(),
        1
    );
    server.kill_9();
}

#[tokio::test]
async fn sqlite_an_email_queued_before_a_kill_goes_out_once_after_restart() {
    an_email_queued_before_a_kill_goes_out_once_after_restart(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_an_email_queued_before_a_kill_goes_out_once_after_restart() {
    an_email_queued_before_a_kill_goes_out_once_after_restart(Backend::Postgres).await;
}

/// A word no analyser changes and no other record holds, naming one need (the search finds it).
fn tag(round: usize, i: usize) -> String {
    let letters = |mut n: usize| {
        let mut s = String::new();
        for _ in 0..3 {
            s.push((b'a' + (n % 26) as u8) as char);
            n /= 26;
        }
        s
    };
    format!("zqx{}{}", letters(round), letters(i))
}

/// Writes needs until the server stops answering; returns the last acknowledged (id, tag).
async fn write_tagged_until_killed(
    base: String,
    token: String,
    org: String,
    round: usize,
    acknowledged: Arc<AtomicUsize>,
) -> Option<(String, String)> {
    let client = reqwest::Client::new();
    let mut last = None;
    for i in 0.. {
        let mut body = bodies::need(&org, "SE-2062");
        let word = tag(round, i);
        body["title"] = serde_json::json!(format!("Behov {word}"));
        let Ok(res) = client
            .post(format!("{base}/api/v1/needs"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
        else {
            break;
        };
        if res.status() != reqwest::StatusCode::CREATED {
            eprintln!("writer {round}: {} before the kill", res.status());
            break;
        }
        let Ok(v) = res.json::<serde_json::Value>().await else {
            break;
        };
        if let Some(id) = v["id"].as_str() {
            last = Some((id.to_string(), word));
            acknowledged.fetch_add(1, Ordering::SeqCst);
        }
    }
    last
}

/// A transaction of another process: it copies a need under a new id and takes a change
/// number, holds, then commits, or dies with its connection (as a process killed inside its
/// transaction does). Returns the new id when it committed.
fn rogue_transaction(
    url: String,
    template: String,
    hold: Duration,
    commit: bool,
) -> Option<String> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let mut c = diesel::PgConnection::establish(&url).expect("connect");
    let id = uuid::Uuid::new_v4().to_string();
    c.batch_execute(&format!(
        "BEGIN; SELECT pg_current_xact_id(); \
         INSERT INTO needs (id, owner_id, organisation_id, municipality, county, kind, status, data, created_at, updated_at) \
           SELECT '{id}', owner_id, organisation_id, municipality, county, kind, status, data, created_at, updated_at \
           FROM needs WHERE id = '{template}'; \
         INSERT INTO index_events (entity_kind, entity_id, op, created_at) VALUES ('need', '{id}', 'upsert', now() AT TIME ZONE 'utc');"
    ))
    .expect("rogue transaction");
    std::thread::sleep(hold);
    if commit {
        c.batch_execute("COMMIT").expect("commit");
        Some(id)
    } else {
        drop(c);
        None
    }
}

/// 30 rounds of `kill -9` on PostgreSQL while writers write, some of them killed inside their
/// transaction (the server's own, and transactions of another process that die with their
/// connection or commit late, across the kill and the restart). Every round ends with the
/// last acknowledged need searchable within 5 s of `/readyz` answering 200; at the end the
/// index holds exactly the database's needs, resumed, not rebuilt.
#[tokio::test]
async fn postgres_the_index_keeps_up_through_30_kill_9_rounds() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    app.mailer.stop();
    let dir = tempfile::tempdir().expect("dir");
    let url = app.database_url.clone();
    app.staff("ola@mora.se", "officer", &["SE-2062"]).await;
    let s = start(&url, dir.path()).await;
    let token = token(&s.base).await;
    let client = reqwest::Client::new();
    let org = client
        .post(format!("{}/api/v1/organisations", s.base))
        .bearer_auth(&token)
        .json(&bodies::company("Sågen AB", "SE-2062"))
        .send()
        .await
        .expect("org")
        .json::<serde_json::Value>()
        .await
        .expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let template = client
        .post(format!("{}/api/v1/needs", s.base))
        .bearer_auth(&token)
        .json(&bodies::need(&org, "SE-2062"))
        .send()
        .await
        .expect("need")
        .json::<serde_json::Value>()
        .await
        .expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut server = Some(s);
    let mut late_commits = Vec::new();
    let mut slowest = Duration::ZERO;
    for round in 0..30 {
        let s = match server.take() {
            Some(s) => s,
            None => start(&url, dir.path()).await,
        };
        // Two writers through the server, one transaction that dies with its connection, and
        // one that commits after the restart (in three rounds, after the gap wait).
        let acknowledged = Arc::new(AtomicUsize::new(0));
        let writers: Vec<_> = (0..2)
            .map(|w| {
                tokio::spawn(write_tagged_until_killed(
                    s.base.clone(),
                    token.clone(),
                    org.clone(),
                    round * 2 + w,
                    acknowledged.clone(),
                ))
            })
            .collect();
        let dying = {
            let (u, t) = (url.clone(), template.clone());
            std::thread::spawn(move || rogue_transaction(u, t, Duration::from_millis(400), false))
        };
        let late = {
            let (u, t) = (url.clone(), template.clone());
            let hold = if round % 10 == 9 { 6500 } else { 1200 };
            std::thread::spawn(move || rogue_transaction(u, t, Duration::from_millis(hold), true))
        };
        // The kill comes at a varying moment after the round's first acknowledged write (on a
        // loaded machine the first write can take longer than the whole pause).
        let waited = Instant::now();
        while acknowledged.load(Ordering::SeqCst) == 0 {
            assert!(
                waited.elapsed() < Duration::from_secs(30),
                "no write acknowledged in round {round}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(150 + 37 * (round as u64 % 7))).await;
        s.kill_9();
        let mut last = None;
        for w in writers {
            if let Some(l) = w.await.expect("writer") {
                last = Some(l);
            }
        }
        let (id, word) = last.expect("a write was acknowledged in the round");
        let _ = dying.join();
        let s = start(&url, dir.path()).await;
        let started = Instant::now();
        loop {
            let r = client
                .get(format!("{}/readyz", s.base))
                .send()
                .await
                .expect("readyz");
            if r.status() == reqwest::StatusCode::OK {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "round {round}: never ready"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let ready_at = Instant::now();
        loop {
            let found: serde_json::Value = client
                .get(format!("{}/api/v1/search?q={word}&kind=need", s.base))
                .bearer_auth(&token)
                .send()
                .await
                .expect("search")
                .json()
                .await
                .expect("json");
            let ids: Vec<&str> = found["items"]
                .as_array()
                .map(|a| a.iter().filter_map(|i| i["id"].as_str()).collect())
                .unwrap_or_default();
            if ids.contains(&id.as_str()) {
                break;
            }
            assert!(
                ready_at.elapsed() < Duration::from_secs(5),
                "round {round}: the last acknowledged need is not searchable 5 s after ready"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        slowest = slowest.max(ready_at.elapsed());
        late_commits.push(late);
        server = Some(s);
    }
    let mut committed = 0;
    for late in late_commits {
        if late.join().expect("late transaction").is_some() {
            committed += 1;
        }
    }
    assert_eq!(committed, 30);
    let s = server.take().expect("server");
    let (db_ids, last_seq) = database_state(&app).await;
    caught_up(&s.base, last_seq, Duration::from_secs(20)).await;
    s.kill_9();
    let (index, opened) = SearchIndex::open(&dir.path().join("index")).expect("open the index");
    assert_eq!(opened, Opened::Resumed(last_seq));
    assert_eq!(
        index.ids(Kind::Need),
        db_ids,
        "the index equals the database"
    );
    eprintln!("slowest search after ready: {slowest:?}");
}

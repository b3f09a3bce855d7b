//! Graceful shutdown: SIGTERM to `heartland serve` under a stream of writes. It stops
//! accepting, finishes what it took, lets its workers end and exits 0 within the bound; every
//! write it acknowledged is in the database, and nothing answers afterwards.

use crate::crash::start_with;
use crate::helpers::{bodies, spawn_app, Backend, PASSWORD};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn sigterm_under_writes_exits_cleanly(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.mailer.stop();
    app.jobs.stop();
    let officer = app.staff("ola@mora.se", "officer", &["SE-2062"]).await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Sågen i Mora AB", "SE-2062"),
        )
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let mut server = start_with(&app.database_url, dir.path(), &[]).await;
    let client = reqwest::Client::new();
    let token: String = client
        .post(format!("{}/api/v1/auth/token", server.base))
        .json(&serde_json::json!({"email": "ola@mora.se", "password": PASSWORD}))
        .send()
        .await
        .expect("token")
        .json::<serde_json::Value>()
        .await
        .expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let (base, stop) = (server.base.clone(), Arc::new(AtomicBool::new(false)));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (base, token, org, stop) = (base.clone(), token.clone(), org.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut acknowledged = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let Ok(r) = client
                    .post(format!("{base}/api/v1/needs"))
                    .bearer_auth(&token)
                    .json(&bodies::need(&org, "SE-2062"))
                    .send()
                    .await
                else {
                    break;
                };
                if r.status() != reqwest::StatusCode::CREATED {
                    break;
                }
                let Ok(v) = r.json::<serde_json::Value>().await else {
                    break;
                };
                acknowledged.push(v["id"].as_str().unwrap_or_default().to_string());
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // SAFETY: a plain kill(2) to the child we started.
    let sent = unsafe { libc::kill(server.pid() as i32, libc::SIGTERM) };
    assert_eq!(sent, 0, "SIGTERM sent");
    let status = tokio::task::spawn_blocking(move || {
        let status = server.wait_at_most(Duration::from_secs(40));
        (status, server)
    })
    .await
    .expect("wait");
    let (status, _server) = status;
    stop.store(true, Ordering::SeqCst);
    let status = status.expect("it ended within the bound");
    assert_eq!(status.code(), Some(0), "a clean exit: {status:?}");
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.expect("writer"));
    }
    assert!(!acknowledged.is_empty(), "writes were under way");
    // Every acknowledged write is in the database.
    for id in &acknowledged {
        let a = app.get(&format!("/api/v1/needs/{id}"), &officer).await;
        assert_eq!(a.status, reqwest::StatusCode::OK, "{id}");
    }
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "nothing answers after the exit"
    );
}

#[tokio::test]
async fn sqlite_sigterm_under_writes_exits_cleanly() {
    sigterm_under_writes_exits_cleanly(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_sigterm_under_writes_exits_cleanly() {
    sigterm_under_writes_exits_cleanly(Backend::Postgres).await;
}

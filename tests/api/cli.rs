//! The `heartland` binary, as an operator runs it.

use crate::helpers::{spawn_app, Backend, PASSWORD};
use reqwest::StatusCode;
use std::io::Write;
use std::process::{Command, Stdio};

fn heartland(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_heartland"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run heartland");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

/// `heartland user create` for an officer of `municipality`, the password on standard input.
async fn create_officer(
    url: &str,
    email: &str,
    municipality: &str,
    stdin: String,
) -> std::process::Output {
    let (url, email, municipality) = (url.to_string(), email.to_string(), municipality.to_string());
    tokio::task::spawn_blocking(move || {
        heartland(
            &url,
            &[
                "user",
                "create",
                "--email",
                &email,
                "--role",
                "officer",
                "--municipality",
                &municipality,
            ],
            &stdin,
        )
    })
    .await
    .expect("cli")
}

async fn an_officer_made_with_the_cli_gets_a_token_and_works_in_scope(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let url = app.database_url.clone();
    let out = create_officer(
        &url,
        "ola@roros.kommune.no",
        "NO-5025",
        format!("{PASSWORD}\n"),
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(PASSWORD));
    let token = app.token("ola@roros.kommune.no", PASSWORD).await;
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.body["role"], "officer");
    assert_eq!(me.body["municipalities"], serde_json::json!(["NO-5025"]));

    let short = create_officer(&url, "x@roros.no", "NO-5025", "short\n".into()).await;
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let unknown = create_officer(&url, "x@roros.no", "NO-9999", format!("{PASSWORD}\n")).await;
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--municipality"));
    let wrong = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(serde_json::json!({"email": "x@roros.no", "password": PASSWORD})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sqlite_an_officer_made_with_the_cli_gets_a_token_and_works_in_scope() {
    an_officer_made_with_the_cli_gets_a_token_and_works_in_scope(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_an_officer_made_with_the_cli_gets_a_token_and_works_in_scope() {
    an_officer_made_with_the_cli_gets_a_token_and_works_in_scope(Backend::Postgres).await;
}

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

/// `heartland import`: a dry run reports each bad row and writes nothing (exit 1); the
/// corrected file goes in; the officer named attests the consents.
async fn an_officer_imports_a_file_from_the_command_line(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app
        .staff("karin@ludvika.se", "officer", &["SE-2085", "NO-5025"])
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("mentorer.csv");
    let csv = "\u{feff}person_name;person_email;person_locale;consent_matching_mentoring;headline;municipality;capacity\r\n\
Lena Mattsson;lena@example.se;sv;ja;Drev catering i femton år;Ludvika;2\r\n\
Åsa Ødegård;asa@example.no;nb;ja;Regnskapsfører;Røros;två\r\n";
    std::fs::write(&file, csv).expect("file");
    let run = |args: Vec<String>| {
        let url = app.database_url.clone();
        let data = app.data_dir.to_string_lossy().to_string();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut all = vec!["--data-dir".to_string(), data];
                all.extend(args);
                let refs: Vec<&str> = all.iter().map(String::as_str).collect();
                heartland(&url, &refs, "")
            })
            .await
            .expect("cli")
        }
    };
    let path = file.to_string_lossy().to_string();
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = ["import", "mentors", &path, "--as", "karin@ludvika.se"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let out = run(args(&["--dry-run"])).await;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("row 3: capacity: must be a whole number"),
        "{stdout}"
    );
    assert!(stdout.contains("nothing written"), "{stdout}");
    assert_eq!(app.count("mentors").await, 0);

    std::fs::write(&file, csv.replace(";två\r\n", ";2\r\n")).expect("file");
    let out = run(args(&[])).await;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("2 created"), "{stdout}");
    assert_eq!(app.count("mentors").await, 2);
    let again = run(args(&[])).await;
    assert!(String::from_utf8_lossy(&again.stdout).contains("2 skipped"));
    let listed = app
        .get("/api/v1/mentors?municipality=NO-5025", &token)
        .await;
    assert_eq!(listed.body["items"][0]["headline"], "Regnskapsfører");

    let nobody = run(vec![
        "import".into(),
        "mentors".into(),
        path.clone(),
        "--as".into(),
        "nobody@example.se".into(),
    ])
    .await;
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no account has the address"));
}

#[tokio::test]
async fn sqlite_an_officer_imports_a_file_from_the_command_line() {
    an_officer_imports_a_file_from_the_command_line(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_an_officer_imports_a_file_from_the_command_line() {
    an_officer_imports_a_file_from_the_command_line(Backend::Postgres).await;
}

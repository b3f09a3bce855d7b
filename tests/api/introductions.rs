//! Introductions by email, end to end: the officer proposes through the API, a real SMTP
//! server (aiosmtpd on 127.0.0.1) receives what the mailer sends, the parties follow the links
//! in those messages, and contact details travel only when both have said yes.

use crate::helpers::{bodies, spawn_app_with, Backend, TestApp, PASSWORD};
use crate::smtp::{Received, SmtpServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const OFFICER: &str = "anna.handlaggare@mora.example";
pub const COMPANY: &str = "kari@sagbruk.example";
pub const CANDIDATE: &str = "amal.haddad@example.org";

async fn person(
    app: &TestApp,
    email: &str,
    name: &str,
    role: &str,
    locale: &str,
    consents: &[&str],
) -> String {
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(
                json!({"email": email, "password": PASSWORD, "display_name": name,
                        "role": role, "locale": locale, "consents": consents}),
            ),
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::ACCEPTED,
        "register {email}: {}",
        a.body
    );
    app.confirm_email(email).await;
    app.token(email, PASSWORD).await
}

pub struct World {
    pub officer: String,
    pub company: String,
    pub candidate: String,
    pub need: String,
    pub candidate_id: String,
    pub org: String,
}

/// A company (Norwegian-speaking) with a data-analysis need in Mora, and a graduate (who
/// reads English) with those skills, an officer of Mora; the matching consents given.
pub async fn world(app: &TestApp) -> World {
    let officer = app.staff(OFFICER, "officer", &["SE-2062"]).await;
    let company = person(app, COMPANY, "Kari Nordmann", "company", "nb", &[]).await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sagbruket i Mora AB", "SE-2062"),
        )
        .await;
    let need = app
        .create("needs", &company, bodies::need(&org, "SE-2062"))
        .await;
    let candidate = person(
        app,
        CANDIDATE,
        "Amal Haddad",
        "candidate",
        "en",
        &["matching_ktp", "contact"],
    )
    .await;
    let mut body = bodies::candidate("SE-2062");
    body["headline"] = json!("Data analyst, Python, Arabic");
    body["skills"] = json!(["dataanalys", "Python"]);
    let candidate_id = app.create("candidates", &candidate, body).await;
    World {
        officer,
        company,
        candidate,
        need,
        candidate_id,
        org,
    }
}

pub fn proposal(w: &World) -> Value {
    json!({"track": "ktp", "a": {"kind": "need", "id": w.need},
           "b": {"kind": "candidate", "id": w.candidate_id},
           "note": "Hej! Ni verkar passa bra ihop – <b>hör av er</b>."})
}

pub fn to(messages: &[Received], address: &str) -> Vec<Received> {
    messages
        .iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .cloned()
        .collect()
}

/// The path and query of the message's link for `action`, to follow on the test's server.
fn link(m: &Received, action: &str) -> String {
    let found = m
        .links("http")
        .into_iter()
        .find(|l| l.contains(&format!("/{action}?")))
        .unwrap_or_else(|| panic!("no {action} link in {}", m.text));
    let path = found.splitn(4, '/').nth(3).expect("a path");
    format!("/{path}")
}

async fn follow(app: &TestApp, method: Method, path: &str) -> (StatusCode, String) {
    let res = app
        .client
        .request(method, format!("{}{path}", app.address))
        .send()
        .await
        .expect("follow");
    (res.status(), res.text().await.expect("body"))
}

async fn status_of(app: &TestApp, token: &str, id: &str) -> Value {
    let a = app.get(&format!("/api/v1/introductions/{id}"), token).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body
}

pub async fn app_with_smtp(
    backend: Backend,
    smtp: &SmtpServer,
    configure: impl FnOnce(&mut heartland::config::Settings),
) -> Option<TestApp> {
    let url = smtp.url();
    spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url.into());
        s.mail_retry_base_seconds = 0;
        configure(s);
    })
    .await
}

async fn both_accept_and_are_introduced(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let w = world(&app).await;
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["status"], "proposed");
    let id = a.body["id"].as_str().expect("id").to_string();
    let factors = a.body["explanation"]["factors"]
        .as_array()
        .expect("factors")
        .clone();
    assert!(factors.iter().any(|f| f["name"] == "skills"), "{factors:?}");

    // One email to each party, in their language, with their own links and no contact details.
    let got = smtp.wait_for(2).await;
    let (company_mail, candidate_mail) = (to(&got, COMPANY), to(&got, CANDIDATE));
    assert_eq!(
        (company_mail.len(), candidate_mail.len(), got.len()),
        (1, 1, 2)
    );
    let (cm, dm) = (&company_mail[0], &candidate_mail[0]);
    assert!(
        cm.subject.starts_with("Forslag om introduksjon"),
        "{}",
        cm.subject
    );
    assert!(
        dm.subject.starts_with("Proposed introduction"),
        "{}",
        dm.subject
    );
    assert!(
        cm.text.contains("Data analyst, Python, Arabic"),
        "{}",
        cm.text
    );
    assert!(
        dm.text.contains("Digitalisering av sågverket") && dm.text.contains("Sagbruket i Mora AB"),
        "{}",
        dm.text
    );
    for (m, hidden) in [(cm, ["Amal", CANDIDATE]), (dm, ["Kari", COMPANY])] {
        for h in hidden {
            assert!(
                !m.raw.contains(h) && !m.text.contains(h) && !m.html.contains(h),
                "{h} leaked: {}",
                m.text
            );
        }
    }
    // The officer's note, escaped in HTML; the explanation in plain words.
    assert!(cm.text.contains("<b>hør av er</b>") || cm.text.contains("<b>hör av er</b>"));
    assert!(
        cm.html.contains("&lt;b&gt;hör av er&lt;/b&gt;") && !cm.html.contains("<b>hör"),
        "{}",
        cm.html
    );
    assert!(
        dm.text.contains("Skills:") && cm.text.contains("Kompetanse:"),
        "{}",
        dm.text
    );
    assert_eq!(cm.header("Message-ID").len(), 1);

    // Opening a link changes nothing; the page asks, in the party's language.
    let (status, page) = follow(&app, Method::GET, &link(cm, "accept")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("lang=\"nb\"") && page.contains("<form method=\"post\""),
        "{page}"
    );
    assert_eq!(status_of(&app, &w.officer, &id).await["status"], "proposed");

    // A link cannot be turned into another party's or another answer.
    let forged = link(dm, "accept").replace("party=b", "party=a");
    assert_eq!(
        follow(&app, Method::POST, &forged).await.0,
        StatusCode::FORBIDDEN
    );
    let swapped = link(dm, "decline").replace("/decline?", "/accept?");
    assert_eq!(
        follow(&app, Method::POST, &swapped).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status_of(&app, &w.officer, &id).await["status"], "proposed");

    let (status, page) = follow(&app, Method::POST, &link(cm, "accept")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let now = status_of(&app, &w.officer, &id).await;
    assert_eq!(
        (now["status"].as_str(), now["a"]["answer"].as_str()),
        (Some("accepted"), Some("accepted"))
    );
    assert_eq!(
        smtp.settle(&app).await.len(),
        2,
        "nothing is sent while one side has answered"
    );

    // The candidate accepts through the API with the signed link's query.
    let q = link(dm, "accept");
    let query = q.split_once('?').expect("query").1;
    let a = app
        .request(
            Method::POST,
            &format!("/api/v1/introductions/{id}/accept?{query}"),
            None,
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["status"], "introduced");

    smtp.wait_for(5).await;
    let got = smtp.settle(&app).await;
    assert_eq!(
        got.len(),
        5,
        "two requests, two introductions, one copy: {:?}",
        got.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let (company_mail, candidate_mail, officer_mail) =
        (to(&got, COMPANY), to(&got, CANDIDATE), to(&got, OFFICER));
    assert_eq!(
        (company_mail.len(), candidate_mail.len(), officer_mail.len()),
        (2, 2, 1)
    );
    let c2 = &company_mail[1];
    assert!(
        c2.subject.starts_with("Dere er introdusert"),
        "{}",
        c2.subject
    );
    assert!(
        c2.text.contains("Amal Haddad") && c2.text.contains(CANDIDATE),
        "{}",
        c2.text
    );
    let d2 = &candidate_mail[1];
    assert!(
        d2.subject.starts_with("You have been introduced"),
        "{}",
        d2.subject
    );
    assert!(
        d2.text.contains("Kari Nordmann") && d2.text.contains(COMPANY),
        "{}",
        d2.text
    );
    assert!(
        officer_mail[0].text.contains("Amal Haddad")
            && officer_mail[0].text.contains("Kari Nordmann")
    );

    // Each party sees the other's contact in the API now; the officer sees every email sent.
    let seen = status_of(&app, &w.company, &id).await;
    assert_eq!(seen["contact"]["email"], CANDIDATE);
    let officer_view = status_of(&app, &w.officer, &id).await;
    let emails = officer_view["emails"].as_array().expect("emails");
    assert_eq!(emails.len(), 5);
    assert!(emails.iter().all(|e| e["status"] == "sent"), "{emails:?}");

    // Answering again changes nothing and sends nothing.
    let again = follow(&app, Method::POST, &link(cm, "accept")).await;
    assert_eq!(again.0, StatusCode::OK);
    assert_eq!(smtp.settle(&app).await.len(), 5);

    // The outcome.
    let a = app
        .patch(
            &format!("/api/v1/introductions/{id}"),
            &w.officer,
            json!({"outcome": "placement"}),
        )
        .await;
    assert_eq!(
        (a.status, a.body["outcome"].as_str()),
        (StatusCode::OK, Some("placement")),
        "{}",
        a.body
    );
    let a = app
        .patch(
            &format!("/api/v1/introductions/{id}"),
            &w.company,
            json!({"outcome": "placement"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = app
        .patch(
            &format!("/api/v1/introductions/{id}"),
            &w.officer,
            json!({"outcome": "married"}),
        )
        .await;
    assert_eq!(
        (a.status, a.error_fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["outcome".to_string()]
        )
    );
    let _ = (&w.candidate, &w.org);

    // The programme's indicators count it: one KTP introduction, a placement, one women-led
    // small company, one participant (shown as "<5"); the same numbers as CSV; officers only.
    let r = app.get("/api/v1/reports/indicators", &w.officer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let b = &r.body;
    assert_eq!(b["introductions"]["ktp"]["total"], 1, "{b}");
    assert_eq!(b["introductions"]["ktp"]["outcomes"]["placement"], 1);
    assert_eq!(b["enterprises"]["total"], 1);
    assert_eq!(b["enterprises"]["by_leadership"]["women"], 1);
    assert_eq!(b["participants"]["total"], "<5");
    assert_eq!(b["participants"]["by_gender"]["woman"], "<5");
    assert_eq!(b["cross_border_introductions"], 0);
    let csv = app
        .client
        .get(format!(
            "{}/api/v1/reports/indicators?format=csv",
            app.address
        ))
        .bearer_auth(&w.officer)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(
        csv.contains("introductions.ktp.outcomes,placement,1"),
        "{csv}"
    );
    assert!(csv.contains("participants.by_gender,woman,<5"), "{csv}");
    assert_eq!(
        app.get("/api/v1/reports/indicators", &w.company)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = app
        .get("/api/v1/reports/indicators?from=2027-13-01", &w.officer)
        .await;
    assert_eq!(
        (bad.status, bad.error_fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["from".to_string()])
    );
}

async fn a_decline_shares_nothing(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let w = world(&app).await;
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().expect("id").to_string();
    let got = smtp.wait_for(2).await;
    let (cm, dm) = (&to(&got, COMPANY)[0], &to(&got, CANDIDATE)[0]);
    assert_eq!(
        follow(&app, Method::POST, &link(dm, "accept")).await.0,
        StatusCode::OK
    );
    let (status, page) = follow(&app, Method::POST, &link(cm, "decline")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Ingen kontaktopplysninger"), "{page}");
    assert_eq!(status_of(&app, &w.officer, &id).await["status"], "declined");
    // Too late to change one's mind the other way, and nobody learnt anything.
    assert_eq!(
        follow(&app, Method::POST, &link(cm, "accept")).await.0,
        StatusCode::CONFLICT
    );
    let got = smtp.settle(&app).await;
    assert_eq!(got.len(), 2);
    assert!(to(&got, COMPANY)
        .iter()
        .all(|m| !m.raw.contains(CANDIDATE) && !m.text.contains("Amal")));
    assert!(status_of(&app, &w.company, &id)
        .await
        .get("contact")
        .is_none());
    // A party of another introduction, or a stranger, sees nothing of it.
    let stranger = person(&app, "x@example.org", "X", "candidate", "sv", &[]).await;
    assert_eq!(
        app.get(&format!("/api/v1/introductions/{id}"), &stranger)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let list = app.get("/api/v1/introductions", &stranger).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
    let list = app.get("/api/v1/introductions", &w.candidate).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
}

async fn the_same_idempotency_key_makes_one_introduction(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let w = world(&app).await;
    let post = |body: Value| {
        app.client
            .post(format!("{}/api/v1/introductions", app.address))
            .bearer_auth(&w.officer)
            .header("Idempotency-Key", "import-2026-11-28-0001")
            .json(&body)
            .send()
    };
    let first = post(proposal(&w)).await.expect("post");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.expect("json");
    let second = post(proposal(&w)).await.expect("post");
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(
        second
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let second: Value = second.json().await.expect("json");
    assert_eq!(first["id"], second["id"]);
    let mut other = proposal(&w);
    other["note"] = json!("another note");
    assert_eq!(
        post(other).await.expect("post").status(),
        StatusCode::CONFLICT
    );
    assert_eq!(app.count("introductions").await, 1);
    assert_eq!(smtp.settle(&app).await.len(), 2);
    // Without a key, the same pair a second time is a conflict, not a second introduction.
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
}

async fn rules_are_checked_before_anyone_is_asked(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |s| s.max_pending_introductions = 1).await else {
        return;
    };
    let w = world(&app).await;
    // Only officers propose; bad bodies name the field.
    let a = app
        .post("/api/v1/introductions", &w.company, proposal(&w))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let mut bad = proposal(&w);
    bad["track"] = json!("dating");
    let a = app.post("/api/v1/introductions", &w.officer, bad).await;
    assert_eq!(
        (a.status, a.error_fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["track".to_string()])
    );
    let mut bad = proposal(&w);
    bad["b"] = json!({"kind": "mentor", "id": w.candidate_id});
    let a = app.post("/api/v1/introductions", &w.officer, bad).await;
    assert_eq!(
        (a.status, a.error_fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["b.kind".to_string()])
    );
    let mut bad = proposal(&w);
    bad["b"]["id"] = json!("no-such-id");
    let a = app.post("/api/v1/introductions", &w.officer, bad).await;
    assert_eq!(
        (a.status, a.error_fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["b.id".to_string()])
    );
    let mut bad = proposal(&w);
    bad["extra"] = json!(1);
    assert_eq!(
        app.post("/api/v1/introductions", &w.officer, bad)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // An officer of another municipality may not broker between two others.
    let far = app
        .staff("per@karlstad.example", "officer", &["SE-1780"])
        .await;
    assert_eq!(
        app.post("/api/v1/introductions", &far, proposal(&w))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("introductions").await, 0);
    assert_eq!(
        app.count("outbox WHERE template LIKE 'introduction%'")
            .await,
        0
    );

    // A need that requires Arabic C1 does not match a candidate without it: refused.
    let mut strict = bodies::need(&w.org, "SE-2062");
    strict["languages"] = json!([{"code": "fi", "min_level": "C1"}]);
    let strict = app.create("needs", &w.company, strict).await;
    let mut p = proposal(&w);
    p["a"]["id"] = json!(strict);
    let a = app.post("/api/v1/introductions", &w.officer, p).await;
    assert_eq!(
        (a.status, a.error_fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["b".to_string()]),
        "{}",
        a.body
    );

    // One unanswered introduction is the limit here: the second waits for an answer.
    assert_eq!(
        app.post("/api/v1/introductions", &w.officer, proposal(&w))
            .await
            .status,
        StatusCode::CREATED
    );
    let second = app
        .create("needs", &w.company, bodies::need(&w.org, "SE-2062"))
        .await;
    let mut p = proposal(&w);
    p["a"]["id"] = json!(second);
    let a = app.post("/api/v1/introductions", &w.officer, p).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("waiting for an answer"));
}

async fn a_temporary_failure_is_retried_until_delivered(backend: Backend) {
    let smtp = SmtpServer::start("temp:3");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let w = world(&app).await;
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    let id = a.body["id"].as_str().expect("id").to_string();
    let got = smtp.wait_for(2).await;
    assert_eq!(smtp.settle(&app).await.len(), 2, "{got:?}");
    let view = status_of(&app, &w.officer, &id).await;
    let emails = view["emails"].as_array().expect("emails");
    assert!(emails.iter().all(|e| e["status"] == "sent"), "{emails:?}");
    // Every email of the test (the registrations' confirmations too) went out in the end, and
    // the three 451 answers cost three extra tries in all.
    let rows = app.count("outbox").await;
    assert_eq!(app.count("outbox WHERE status = 'sent'").await, rows);
    let (db, n) = (app.db.clone(), rows);
    let attempts = tokio::task::spawn_blocking(move || {
        let mut c = db.conn().expect("conn");
        heartland::db::outbox::by_status(&mut c, "sent", 100)
            .expect("outbox")
            .iter()
            .map(|r| i64::from(r.attempts))
            .sum::<i64>()
    })
    .await
    .expect("attempts");
    assert_eq!(attempts, n + 3, "{emails:?}");
}

async fn a_permanent_failure_stops_and_is_shown(backend: Backend) {
    let smtp = SmtpServer::start("perm");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let w = world(&app).await;
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    let id = a.body["id"].as_str().expect("id").to_string();
    let started = std::time::Instant::now();
    let emails = loop {
        let view = status_of(&app, &w.officer, &id).await;
        let emails = view["emails"].as_array().cloned().unwrap_or_default();
        if emails.iter().all(|e| e["status"] == "failed") || started.elapsed().as_secs() > 15 {
            break emails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(emails.len(), 2);
    for e in &emails {
        assert_eq!(e["status"], "failed", "{e}");
        assert_eq!(e["attempts"], 1, "a 5xx is not retried: {e}");
        assert!(
            e["last_error"].as_str().unwrap_or_default().contains("550"),
            "{e}"
        );
    }
    assert!(smtp.messages().is_empty());
    // The officer's list of what failed shows them too; nobody else sees it.
    let failed = app.get("/api/v1/emails?status=failed", &w.officer).await;
    let requests = failed.body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["template"] == "introduction_request")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(requests, 2, "{}", failed.body);
    assert_eq!(
        app.get("/api/v1/emails", &w.company).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn a_dropped_connection_loses_nothing(backend: Backend) {
    let smtp = SmtpServer::start("drop:1");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let w = world(&app).await;
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    smtp.wait_for(3).await;
    let got = smtp.settle(&app).await;
    // The message whose reply was lost arrives twice (the same Message-ID), the other once.
    assert_eq!(
        got.len(),
        3,
        "{:?}",
        got.iter().map(|m| &m.to).collect::<Vec<_>>()
    );
    for who in [COMPANY, CANDIDATE] {
        let mine = to(&got, who);
        assert!((1..=2).contains(&mine.len()), "{who}: {}", mine.len());
        let ids: std::collections::HashSet<_> = mine
            .iter()
            .map(|m| m.header("Message-ID").join(","))
            .collect();
        assert_eq!(ids.len(), 1, "a retry sends the same message");
    }
}

/// Each test on SQLite and, when a server is given, on PostgreSQL.
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(crate::helpers::Backend::Sqlite).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name(crate::helpers::Backend::Postgres).await;
            })*
        }
    };
}

/// Moves an introduction's clock back by `days` (created and expiring that much earlier).
async fn age(app: &TestApp, id: &str, days: i64) {
    let (db, id) = (app.db.clone(), id.to_string());
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::schema::introductions as t;
        let mut c = db.conn().expect("conn");
        let row: (time::PrimitiveDateTime, time::PrimitiveDateTime) = t::table
            .find(&id)
            .select((t::created_at, t::expires_at))
            .first(&mut *c)
            .expect("introduction");
        let back = time::Duration::days(days);
        diesel::update(t::table.find(&id))
            .set((
                t::created_at.eq(row.0 - back),
                t::expires_at.eq(row.1 - back),
            ))
            .execute(&mut *c)
            .expect("age");
    })
    .await
    .expect("age");
    app.jobs.wake();
}

async fn whoever_has_not_answered_is_reminded_then_it_expires(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let w = world(&app).await;
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    let id = a.body["id"].as_str().expect("id").to_string();
    let got = smtp.wait_for(2).await;
    let cm = &to(&got, COMPANY)[0];
    assert_eq!(
        follow(&app, Method::POST, &link(cm, "accept")).await.0,
        StatusCode::OK
    );
    // Day 4: the candidate, who has not answered, is reminded once; the company is not.
    age(&app, &id, 4).await;
    smtp.wait_for(3).await;
    let got = smtp.settle(&app).await;
    assert_eq!(got.len(), 3);
    let reminder = &to(&got, CANDIDATE)[1];
    assert!(
        reminder.subject.starts_with("Reminder:"),
        "{}",
        reminder.subject
    );
    assert!(
        reminder.text.contains("/accept?party=b"),
        "{}",
        reminder.text
    );
    // Day 8: the second reminder; nothing more.
    age(&app, &id, 4).await;
    smtp.wait_for(4).await;
    assert_eq!(smtp.settle(&app).await.len(), 4);
    assert_eq!(status_of(&app, &w.officer, &id).await["status"], "accepted");
    // Day 15: expired; the links answer so, and nobody has been told anything.
    age(&app, &id, 7).await;
    let started = std::time::Instant::now();
    while status_of(&app, &w.officer, &id).await["status"] != "expired" {
        assert!(started.elapsed().as_secs() < 10, "never expired");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let dm = &to(&smtp.messages(), CANDIDATE)[0];
    let (status, page) = follow(&app, Method::POST, &link(dm, "accept")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("expired"), "{page}");
    assert_eq!(smtp.settle(&app).await.len(), 4);
}

async fn accepting_a_mentee_uses_a_place_of_the_mentor(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let officer = app.staff(OFFICER, "officer", &["SE-2062"]).await;
    let mentor = person(
        &app,
        "ingrid@radgiver.example",
        "Ingrid Berg",
        "mentor",
        "nb",
        &["matching_mentoring", "contact"],
    )
    .await;
    let mut body = crate::helpers::bodies::mentor("SE-2062");
    body["capacity"] = json!(1);
    let mentor_id = app.create("mentors", &mentor, body).await;
    let mut mentees = Vec::new();
    for (n, email) in ["samir@example.org", "dana@example.org"].iter().enumerate() {
        let t = person(
            &app,
            email,
            &format!("Mentee {n}"),
            "candidate",
            "sv",
            &["matching_mentoring", "contact"],
        )
        .await;
        let mut c = bodies::candidate("SE-2062");
        c["seeking"] = json!(["mentoring"]);
        c["business"] =
            json!({"stage": "started", "sector": "handel", "support_needs": ["tax", "financing"]});
        c["skills"] = json!(["regnskap"]);
        let id = app.create("candidates", &t, c).await;
        mentees.push((t, id));
    }
    let propose = |mentee: &str| {
        json!({"track": "mentoring", "a": {"kind": "candidate", "id": mentee},
               "b": {"kind": "mentor", "id": mentor_id}, "note": ""})
    };
    let a = app
        .post("/api/v1/introductions", &officer, propose(&mentees[0].1))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().expect("id").to_string();
    for token in [&mentees[0].0, &mentor] {
        let a = app
            .post(
                &format!("/api/v1/introductions/{id}/accept"),
                token,
                json!(null),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    assert_eq!(status_of(&app, &officer, &id).await["status"], "introduced");
    let m = app
        .get(&format!("/api/v1/mentors/{mentor_id}"), &officer)
        .await;
    assert_eq!(m.body["capacity"], 0, "{}", m.body);
    // No place left: no new mentee.
    let a = app
        .post("/api/v1/introductions", &officer, propose(&mentees[1].1))
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    // The mentee withdraws: the place comes back.
    let a = app
        .post(
            &format!("/api/v1/introductions/{id}/withdraw"),
            &mentees[0].0,
            json!(null),
        )
        .await;
    assert_eq!(
        (a.status, a.body["status"].as_str()),
        (StatusCode::OK, Some("withdrawn"))
    );
    let m = app
        .get(&format!("/api/v1/mentors/{mentor_id}"), &officer)
        .await;
    assert_eq!(m.body["capacity"], 1);
    let a = app
        .post("/api/v1/introductions", &officer, propose(&mentees[1].1))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

async fn without_smtp_the_emails_are_written_as_files(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |_| {}).await else {
        return;
    };
    let w = world(&app).await;
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let dir = app.data_dir.join("mail");
    let started = std::time::Instant::now();
    let files = loop {
        let files: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .map(|p| std::fs::read_to_string(p).expect("read"))
                    .collect()
            })
            .unwrap_or_default();
        let files: Vec<String> = files
            .into_iter()
            .filter(|f| f.contains("/accept?party="))
            .collect();
        if files.len() >= 2 || started.elapsed().as_secs() > 10 {
            break files;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(files.len(), 2);
    for f in &files {
        assert!(
            f.contains("Message-ID: <") && f.contains("/accept?party="),
            "{f}"
        );
        assert!(f.contains("To: "));
    }
    assert!(
        files.iter().any(|f| f.contains(COMPANY)) && files.iter().any(|f| f.contains(CANDIDATE))
    );
}

per_backend!(
    both_accept_and_are_introduced,
    a_decline_shares_nothing,
    the_same_idempotency_key_makes_one_introduction,
    rules_are_checked_before_anyone_is_asked,
    a_temporary_failure_is_retried_until_delivered,
    a_permanent_failure_stops_and_is_shown,
    a_dropped_connection_loses_nothing,
    whoever_has_not_answered_is_reminded_then_it_expires,
    accepting_a_mentee_uses_a_place_of_the_mentor,
    without_smtp_the_emails_are_written_as_files,
);

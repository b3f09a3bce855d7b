//! Newsletters: an officer's draft counts who it would reach (people who asked, in the
//! segment, in the officer's municipalities), goes through a real SMTP server to exactly
//! those, each in their language with the RFC 8058 headers; a 550 marks the address, which
//! the officer sees and the next newsletter skips; the one-click POST withdraws the purpose;
//! the archive is public. Bad input says which field and changes nothing.

use crate::helpers::{bodies, Backend, TestApp, PASSWORD};
use crate::introductions::app_with_smtp;
use crate::smtp::SmtpServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Registers a person in `locale` with `consents`, and a profile of `kind` in `municipality`.
async fn person(
    app: &TestApp,
    email: &str,
    role: &str,
    locale: &str,
    consents: &[&str],
    municipality: &str,
) -> String {
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(
                json!({"email": email, "password": PASSWORD, "display_name": email,
                        "role": role, "locale": locale, "consents": consents}),
            ),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    app.confirm_email(email).await;
    let token = app.token(email, PASSWORD).await;
    match role {
        "candidate" => {
            app.create("candidates", &token, bodies::candidate(municipality))
                .await
        }
        _ => {
            app.create("mentors", &token, bodies::mentor(municipality))
                .await
        }
    };
    token
}

fn letter(segment: Value) -> Value {
    json!({
        "subject": {"sv": "Nytt från programmet", "nb": "Nytt fra programmet"},
        "body": {"sv": "Hej!\n\n- **Träff** i Mora\n- Läs mer: https://example.org/mora",
                 "nb": "Hei!\n\n- **Møte** i Røros"},
        "segment": segment,
    })
}

async fn a_newsletter_reaches_its_segment(backend: Backend) {
    let smtp = SmtpServer::start("reject:bounce");
    // 6,000 a minute: 10 ms apart (the default is 120).
    let Some(mut app) = app_with_smtp(backend, &smtp, |s| s.newsletter_per_minute = 6_000).await
    else {
        return;
    };
    let officer = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    let amal = person(
        &app,
        "amal@example.org",
        "candidate",
        "sv",
        &["matching_ktp", "newsletter"],
        "SE-2062",
    )
    .await;
    person(
        &app,
        "olav@example.org",
        "mentor",
        "nb",
        &["newsletter"],
        "SE-2062",
    )
    .await;
    person(
        &app,
        "bounce.me@example.org",
        "candidate",
        "en",
        &["newsletter"],
        "SE-2062",
    )
    .await;
    person(
        &app,
        "nils@example.org",
        "candidate",
        "nb",
        &["newsletter"],
        "NO-5025",
    )
    .await;
    person(
        &app,
        "sara@example.org",
        "candidate",
        "sv",
        &["matching_ktp"],
        "SE-2062",
    )
    .await;
    let before = smtp.settle(&app).await.len();

    // Wrong input: each field named, nothing written.
    let bad = app
        .post(
            "/api/v1/newsletters",
            &officer,
            json!({"subject": {"de": "Hallo", "sv": "Hej"}, "body": {"sv": "Text"},
                   "segment": {"roles": ["boss"], "counties": ["SE-99"], "municipalities": ["SE-0000"]}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "segment.counties[0]",
            "segment.municipalities[0]",
            "segment.roles[0]",
            "subject.de"
        ]
    );
    assert_eq!(app.count("newsletters").await, 0);
    let missing = app
        .post(
            "/api/v1/newsletters",
            &officer,
            json!({"subject": {"nb": "Hei"}, "body": {"sv": "Hej"}}),
        )
        .await;
    assert_eq!(missing.error_fields().len(), 2, "{}", missing.body);
    let company = app.register("kari@sagen.se", "company", &[]).await;
    let refused = app
        .post("/api/v1/newsletters", &company, letter(json!({})))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The draft counts those in the officer's municipality who asked: not Nils (Røros), not
    // Sara (did not ask).
    let draft = app
        .post("/api/v1/newsletters", &officer, letter(json!({})))
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    assert_eq!(draft.body["status"], "draft");
    assert_eq!(draft.body["recipients"], 3);
    let id = draft.body["id"].as_str().expect("id").to_string();
    let mentors_only = app
        .post(
            "/api/v1/newsletters",
            &officer,
            letter(json!({"roles": ["mentor"], "languages": ["nb"]})),
        )
        .await;
    assert_eq!(mentors_only.body["recipients"], 1, "{}", mentors_only.body);
    let ktp = app
        .post(
            "/api/v1/newsletters",
            &officer,
            letter(json!({"tracks": ["ktp"]})),
        )
        .await;
    assert_eq!(
        ktp.body["recipients"], 1,
        "Amal alone takes part in KTP: {}",
        ktp.body
    );
    // Drafts are not public.
    let public = app
        .request(
            Method::GET,
            &format!("/api/v1/newsletters/{id}"),
            None,
            None,
        )
        .await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);

    // The mailer waits while the queue is looked at (a lease would move the times).
    app.mailer.stop();
    let sent = app
        .post(
            &format!("/api/v1/newsletters/{id}/send"),
            &officer,
            json!({}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.body["status"], "sent");
    let again = app
        .post(
            &format!("/api/v1/newsletters/{id}/send"),
            &officer,
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Spaced through the outbox at the configured rate.
    let spaced = app
        .count(
            "outbox a WHERE a.template = 'newsletter' AND EXISTS (SELECT 1 FROM outbox b \
             WHERE b.template = 'newsletter' AND b.next_attempt_at > a.next_attempt_at)",
        )
        .await;
    assert_eq!(spaced, 2, "three emails at three moments");
    app.restart().await;
    smtp.settle(&app).await;
    let got = smtp.settle(&app).await;
    let letters: Vec<_> = got[before..]
        .iter()
        .filter(|m| {
            m.header("List-Unsubscribe")
                .iter()
                .any(|h| h.contains("purpose=newsletter"))
        })
        .collect();
    let mut to: Vec<&str> = letters.iter().map(|m| m.to[0].as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        vec!["amal@example.org", "olav@example.org"],
        "the bounce got nothing"
    );
    for m in &letters {
        assert_eq!(
            m.header("List-Unsubscribe-Post"),
            vec!["List-Unsubscribe=One-Click"]
        );
        let (subject, word) = if m.to[0] == "olav@example.org" {
            ("Nytt fra programmet", "<strong>Møte</strong>")
        } else {
            ("Nytt från programmet", "<strong>Träff</strong>")
        };
        assert_eq!(m.subject, subject);
        assert!(m.html.contains(word), "{}", m.html);
    }

    // The 550: the address is marked; the person and the officer see it.
    let bounced = app.token("bounce.me@example.org", PASSWORD).await;
    let me = app.get("/api/v1/me", &bounced).await;
    assert!(
        me.body["undeliverable"]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("550"),
        "{}",
        me.body
    );
    let queue = app.get("/api/v1/moderation", &officer).await;
    assert_eq!(
        queue.body["undeliverable"][0]["address"], "bounce.me@example.org",
        "{}",
        queue.body
    );

    // One click: Amal stops newsletters, keeps matching.
    let link = letters
        .iter()
        .find(|m| m.to[0] == "amal@example.org")
        .map(|m| {
            m.header("List-Unsubscribe")[0]
                .trim_matches(['<', '>'])
                .to_string()
        })
        .expect("link");
    let path = &link[link.find("/unsubscribe").expect("path")..];
    for _ in 0..2 {
        let r = app
            .client
            .post(format!("{}{path}", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::OK);
    }
    let consents = app.get("/api/v1/me/consents", &amal).await;
    assert_eq!(
        consents.body["consents"],
        json!(["matching_ktp"]),
        "{}",
        consents.body
    );

    // The next newsletter reaches Olav alone.
    let next = app
        .post("/api/v1/newsletters", &officer, letter(json!({})))
        .await;
    assert_eq!(next.body["recipients"], 1, "{}", next.body);

    // The archive: public, sent only.
    let archive = app
        .request(Method::GET, "/api/v1/newsletters", None, None)
        .await;
    assert_eq!(archive.status, StatusCode::OK);
    assert_eq!(
        archive.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        archive.body
    );
    let page = app
        .client
        .get(format!("{}/newsletters?lang=nb", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("Nytt fra programmet"), "{html}");
}

#[tokio::test]
async fn sqlite_a_newsletter_reaches_its_segment() {
    a_newsletter_reaches_its_segment(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_newsletter_reaches_its_segment() {
    a_newsletter_reaches_its_segment(Backend::Postgres).await;
}

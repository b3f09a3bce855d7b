//! The weekly digest over three weeks of a test clock, with a crash in the third: each person
//! who asked for it gets exactly one digest a week in their morning, none when nothing is new,
//! the best five new matches in their language, pseudonymous, with its one-click unsubscribe
//! (RFC 8058) — as a real SMTP server receives them. The clock is the service's, moved by the
//! test; nothing sleeps to let time pass.

use crate::helpers::{bodies, Backend, TestApp};
use crate::introductions::app_with_smtp;
use crate::smtp::{Received, SmtpServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use time::macros::datetime;

/// A need a CAD engineer matches; `i` makes each one its own.
fn cad_need(org: &str, i: usize) -> Value {
    json!({"organisation_id": org, "title": format!("Konstruktör CAD {i}"),
           "description": "Konstruktion i CAD av nya produkter.", "kind": "product",
           "skills": ["CAD", "konstruktion"], "languages": [{"code": "sv", "min_level": "B1"}],
           "duration_months": 6 + i as i64, "start_date": "2027-03-01", "municipality": "SE-2062",
           "remote_ok": false, "cross_border_ok": true, "ktp_target": false})
}

/// Waits until the candidate's matches list `n` needs (the index has them).
async fn matched(app: &TestApp, token: &str, candidate: &str, n: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let a = app
            .get(
                &format!("/api/v1/candidates/{candidate}/matches?limit=20"),
                token,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let titles: Vec<String> = a.body["items"]
            .as_array()
            .map(|v| {
                v.iter()
                    .map(|i| i["title"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        if titles.len() >= n {
            return titles;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{}", a.body);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn digests_to<'a>(got: &'a [Received], address: &str) -> Vec<&'a Received> {
    got.iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .filter(|m| {
            m.header("List-Unsubscribe")
                .iter()
                .any(|h| h.contains("purpose=digest"))
        })
        .collect()
}

async fn three_weeks_of_digests(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(mut app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    // Monday 4 January 2027, 06:00 in Sweden (05:00 UTC): before the digest's hour (07).
    app.clock.set(datetime!(2027-01-04 05:00));
    let kari = app.register("kari@sagen.se", "company", &["digest"]).await;
    let org = app
        .create(
            "organisations",
            &kari,
            bodies::company("Sågen i Mora AB", "SE-2062"),
        )
        .await;
    app.verify_org(&org).await;
    let amal = app
        .register("amal@example.org", "candidate", &["matching_ktp", "digest"])
        .await;
    let cand = app
        .create("candidates", &amal, bodies::candidate("SE-2062"))
        .await;
    let bo = app
        .register("bo@example.org", "candidate", &["matching_ktp"])
        .await;
    app.create("candidates", &bo, bodies::candidate("SE-2062"))
        .await;
    for i in 0..7 {
        app.create("needs", &kari, cad_need(&org, i)).await;
    }
    let ranked = matched(&app, &amal, &cand, 7).await;

    // Before seven in the morning: nothing.
    let start = smtp.settle(&app).await.len();
    assert_eq!(smtp.settle(&app).await.len(), start);

    // 07:30: one digest each to those who asked, however many passes run.
    app.clock.set(datetime!(2027-01-04 06:30));
    smtp.settle(&app).await;
    let week1 = smtp.settle(&app).await;
    let to_amal = digests_to(&week1, "amal@example.org");
    assert_eq!(to_amal.len(), 1, "one digest to Amal");
    let d = to_amal[0];
    assert_eq!(d.subject, "Nytt för dig den här veckan: 5 förslag");
    // The best five new matches, in the ranking's order.
    let shown: Vec<&String> = ranked
        .iter()
        .filter(|t| d.text.contains(t.as_str()))
        .collect();
    assert_eq!(shown.len(), 5, "{}", d.text);
    for (a, b) in ranked.iter().take(5).zip(ranked.iter().take(5).skip(1)) {
        let (pa, pb) = (d.text.find(a.as_str()), d.text.find(b.as_str()));
        assert!(pa < pb, "{a} before {b}: {}", d.text);
    }
    assert!(
        d.text.contains("Varför:") && d.text.contains("Kompetenser"),
        "{}",
        d.text
    );
    // RFC 8058: the link, and the one-click POST that withdraws exactly this purpose.
    let unsubscribe = d.header("List-Unsubscribe");
    assert_eq!(unsubscribe.len(), 1);
    assert!(unsubscribe[0].starts_with('<') && unsubscribe[0].ends_with('>'));
    assert_eq!(
        d.header("List-Unsubscribe-Post"),
        vec!["List-Unsubscribe=One-Click"]
    );
    let link = unsubscribe[0].trim_matches(['<', '>']).to_string();
    assert!(d.text.contains(&link), "the link is in the text too");
    // The company's digest names the candidates by headline only.
    let to_kari = digests_to(&week1, "kari@sagen.se");
    assert_eq!(to_kari.len(), 1);
    let k = to_kari[0];
    assert!(
        k.text.contains("Maskiningenjör med CAD och arabiska"),
        "{}",
        k.text
    );
    for private in ["amal@example.org", "bo@example.org"] {
        assert!(
            !k.text.contains(private) && !k.html.contains(private),
            "{}",
            k.text
        );
    }
    assert!(
        digests_to(&week1, "bo@example.org").is_empty(),
        "Bo did not ask"
    );

    // Tuesday of the same week: nothing more.
    app.clock.advance(time::Duration::days(1));
    let tuesday = smtp.settle(&app).await;
    assert_eq!(tuesday.len(), week1.len());

    // Week 2, Monday 07:30: nothing new, so no digest.
    app.clock.set(datetime!(2027-01-11 06:30));
    let week2 = smtp.settle(&app).await;
    assert_eq!(week2.len(), week1.len(), "nothing new, nothing sent");

    // A new need; week 3. The digest is decided and queued, and the service crashes before
    // the mailer sends it; after the restart it goes out once, and no pass makes another.
    let title = "Konstruktör CAD ny";
    let mut new = cad_need(&org, 9);
    new["title"] = json!(title);
    app.create("needs", &kari, new).await;
    matched(&app, &amal, &cand, 8).await;
    app.mailer.stop();
    app.clock.set(datetime!(2027-01-18 06:30));
    app.jobs_pass().await;
    assert_eq!(
        app.count("outbox WHERE template = 'digest' AND status = 'pending'")
            .await,
        1,
        "queued, not sent"
    );
    app.restart().await;
    smtp.settle(&app).await;
    let week3 = smtp.settle(&app).await;
    let to_amal = digests_to(&week3, "amal@example.org");
    assert_eq!(to_amal.len(), 2, "weeks 1 and 3");
    assert_eq!(to_amal[1].subject, "Nytt för dig den här veckan: 1 förslag");
    assert!(to_amal[1].text.contains(title));
    assert_eq!(
        digests_to(&week3, "kari@sagen.se").len(),
        1,
        "nothing new for Kari"
    );
    assert_eq!(
        app.count("digests").await,
        6,
        "two people, three weeks, one decision each"
    );

    // One click on the link (as a mail program sends it) withdraws the digest, nothing else.
    let path = &link[link.find("/unsubscribe").expect("path")..];
    let clicked = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("post");
    assert_eq!(clicked.status(), StatusCode::OK);
    let consents = app.get("/api/v1/me/consents", &amal).await;
    assert_eq!(
        consents.body["consents"],
        json!(["matching_ktp"]),
        "{}",
        consents.body
    );
    app.clock.set(datetime!(2027-01-25 06:30));
    let mut another = cad_need(&org, 10);
    another["title"] = json!("Konstruktör CAD sist");
    app.create("needs", &kari, another).await;
    matched(&app, &amal, &cand, 9).await;
    let week4 = smtp.settle(&app).await;
    assert_eq!(
        digests_to(&week4, "amal@example.org").len(),
        2,
        "no more after unsubscribing"
    );
    // A forged link does nothing.
    let forged = path.replace("purpose=digest", "purpose=newsletter");
    let refused = app
        .client
        .post(format!("{}{forged}", app.address))
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sqlite_three_weeks_of_digests() {
    three_weeks_of_digests(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_three_weeks_of_digests() {
    three_weeks_of_digests(Backend::Postgres).await;
}

//! "Still current?": a need nobody has touched for 90 days is asked once (a real SMTP server
//! receives the email with its signed links), kept through its link, asked again after
//! another 90 days, left unanswered for 30 and goes stale — out of matching, in the officer's
//! queue, its owner told — and comes back with one click. The clock is moved by ageing the
//! rows, never by sleeping; every pass runs twice to show it does each thing once.

use crate::helpers::{bodies, Backend, TestApp};
use crate::introductions::app_with_smtp;
use crate::smtp::SmtpServer;
use reqwest::StatusCode;
use serde_json::json;

/// Moves a need's clock back: last changed, and last asked, `days` earlier.
async fn age(app: &TestApp, need: &str, days: i64) {
    let (db, id) = (app.db.clone(), need.to_string());
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::schema::{freshness as f, needs as n};
        let mut c = db.conn().expect("conn");
        let back = time::Duration::days(days);
        let at: time::PrimitiveDateTime = n::table
            .find(&id)
            .select(n::updated_at)
            .first(&mut *c)
            .expect("need");
        diesel::update(n::table.find(&id))
            .set(n::updated_at.eq(at - back))
            .execute(&mut *c)
            .expect("age");
        let asked: Option<(time::PrimitiveDateTime, Option<time::PrimitiveDateTime>)> = f::table
            .filter(f::record_id.eq(&id))
            .select((f::asked_at, f::answered_at))
            .first(&mut *c)
            .optional()
            .expect("freshness");
        if let Some((a, answered)) = asked {
            diesel::update(f::table.filter(f::record_id.eq(&id)))
                .set((
                    f::asked_at.eq(a - back),
                    f::answered_at.eq(answered.map(|x| x - back)),
                ))
                .execute(&mut *c)
                .expect("age");
        }
    })
    .await
    .expect("age");
}

async fn a_need_is_asked_kept_goes_stale_and_comes_back(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let officer = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    let company = app.register("kari@sagen.se", "company", &[]).await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sågen i Mora AB", "SE-2062"),
        )
        .await;
    app.verify_org(&org).await;
    let need = app
        .create("needs", &company, bodies::need(&org, "SE-2062"))
        .await;
    let already = smtp.settle(&app).await.len();

    // 89 days: nothing. 91 days: one email, however many passes run.
    age(&app, &need, 89).await;
    assert_eq!(smtp.settle(&app).await.len(), already);
    age(&app, &need, 2).await;
    smtp.settle(&app).await;
    let got = smtp.settle(&app).await;
    let asked: Vec<_> = got
        .iter()
        .filter(|m| m.subject.starts_with("Stämmer det fortfarande?"))
        .collect();
    assert_eq!(
        asked.len(),
        1,
        "{:?}",
        got.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert_eq!(asked[0].to, ["kari@sagen.se"]);
    assert!(asked[0].subject.contains("Digitalisering av sågverket"));
    let keep = asked[0].links(&format!("{}/still-current/need/{need}/keep", app.address));
    assert_eq!(keep.len(), 1, "{}", asked[0].text);
    // A link changed by hand is refused.
    let forged = keep[0].replace("/keep?", "/close?");
    let refused = app
        .client
        .post(&forged)
        .header("origin", &app.address)
        .send()
        .await
        .expect("forged");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.follow_link(&keep[0]).await, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/v1/needs/{need}"), &company)
            .await
            .body["status"],
        "open"
    );

    // Kept: counted from today. 91 days on it is asked again; 31 days without an answer and
    // it goes stale, once.
    age(&app, &need, 91).await;
    smtp.settle(&app).await;
    age(&app, &need, 31).await;
    smtp.settle(&app).await;
    let got = smtp.settle(&app).await;
    let stale: Vec<_> = got
        .iter()
        .filter(|m| m.subject.starts_with("Inte längre med i matchningen"))
        .collect();
    assert_eq!(stale.len(), 1);
    let n = app.get(&format!("/api/v1/needs/{need}"), &company).await;
    assert_eq!(n.body["status"], "stale");
    let cand = app
        .register("amal@example.se", "candidate", &["matching_ktp"])
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/needs/{need}"), &cand)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a stale need is not shown to others"
    );
    let q = app.get("/api/v1/moderation", &officer).await;
    assert_eq!(q.body["stale"][0]["id"], need.as_str(), "{}", q.body);

    // One click brings it back.
    let back = stale[0].links(&format!("{}/still-current/need/{need}/keep", app.address));
    assert_eq!(app.follow_link(&back[0]).await, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/v1/needs/{need}"), &company)
            .await
            .body["status"],
        "open"
    );
    assert_eq!(
        app.get("/api/v1/moderation", &officer).await.body["stale"],
        json!([])
    );
}

#[tokio::test]
async fn sqlite_a_need_is_asked_kept_goes_stale_and_comes_back() {
    a_need_is_asked_kept_goes_stale_and_comes_back(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_need_is_asked_kept_goes_stale_and_comes_back() {
    a_need_is_asked_kept_goes_stale_and_comes_back(Backend::Postgres).await;
}

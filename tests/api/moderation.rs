//! Moderation through the API: a self-registered organisation waits for an officer; a
//! suspension takes an organisation or an account out of matching and sight at once and
//! withdraws its introductions (the parties told); reports reach the officer in scope.

use crate::helpers::{bodies, Backend, TestApp, PASSWORD};
use crate::smtp::SmtpServer;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls the match list until `want` says it shows what is waited for (the indexer follows).
async fn matches_until(app: &TestApp, token: &str, path: &str, want: impl Fn(&[String]) -> bool) {
    let started = Instant::now();
    loop {
        let a = app.get(path, token).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        if want(&ids(&a.body)) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path}: {}",
            a.body
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A candidate in Mora who fits the sawmill's need, registered through the API.
async fn candidate(app: &TestApp) -> (String, String) {
    let token = app
        .register("amal@example.se", "candidate", &["matching_ktp", "contact"])
        .await;
    let mut body = bodies::candidate("SE-2062");
    body["skills"] = json!(["dataanalys", "Python"]);
    body["headline"] = json!("Dataanalytiker med Python");
    let id = app.create("candidates", &token, body).await;
    (token, id)
}

async fn a_company_that_registers_itself_waits_for_an_officer_of_its_municipality(app: &TestApp) {
    let company = app.register("kari@sagen.se", "company", &[]).await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sågen i Mora AB", "SE-2062"),
        )
        .await;
    let own = app
        .get(&format!("/api/v1/organisations/{org}"), &company)
        .await;
    assert_eq!(
        (&own.body["verified"], &own.body["suspended"]),
        (&json!(false), &json!(false))
    );
    let need = app
        .create("needs", &company, bodies::need(&org, "SE-2062"))
        .await;
    let (cand_token, cand) = candidate(app).await;
    let need_path = format!("/api/v1/needs/{need}");
    assert_eq!(
        app.get(&need_path, &cand_token).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!ids(&app.get("/api/v1/needs", &cand_token).await.body).contains(&need));
    let matches = format!("/api/v1/candidates/{cand}/matches?track=ktp");
    assert!(!ids(&app.get(&matches, &cand_token).await.body).contains(&need));

    let roros = app
        .staff("ola@roros.kommune.no", "officer", &["NO-5025"])
        .await;
    let mora = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    let queue = app.get("/api/v1/moderation", &mora).await;
    assert_eq!(
        queue.body["waiting"][0]["id"],
        org.as_str(),
        "{}",
        queue.body
    );
    assert_eq!(queue.body["waiting"][0]["org_number"], "556012-5790");
    let elsewhere = app.get("/api/v1/moderation", &roros).await;
    assert_eq!(elsewhere.body["waiting"], json!([]), "not in Røros's queue");
    let verify = format!("/api/v1/organisations/{org}/verify");
    assert_eq!(
        app.post(&verify, &roros, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&verify, &company, json!({})).await.status,
        StatusCode::FORBIDDEN
    );

    let done = app.post(&verify, &mora, json!({})).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["verified"], true);
    let told = app
        .emailed("kari@sagen.se", "organisation_verified", None)
        .await;
    assert_eq!(told["subject_title"], "Sågen i Mora AB");
    assert_eq!(
        app.get(&need_path, &cand_token).await.status,
        StatusCode::OK
    );
    matches_until(app, &cand_token, &matches, |i| i.contains(&need)).await;
    assert_eq!(
        app.get("/api/v1/moderation", &mora).await.body["waiting"],
        json!([])
    );
    // Verifying again changes nothing and tells no one twice.
    let emails = app.count("outbox").await;
    assert_eq!(
        app.post(&verify, &mora, json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(app.count("outbox").await, emails);
}

/// Through a real SMTP server: what the parties receive is what they read.
async fn a_suspended_organisation_leaves_matching_and_its_introductions_end(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = crate::introductions::app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let app = &app;
    let company = app.register("kari@sagen.se", "company", &[]).await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sågen i Mora AB", "SE-2062"),
        )
        .await;
    let need = app
        .create("needs", &company, bodies::need(&org, "SE-2062"))
        .await;
    let mora = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    app.post(
        &format!("/api/v1/organisations/{org}/verify"),
        &mora,
        json!({}),
    )
    .await;
    let (cand_token, cand) = candidate(app).await;
    let matches = format!("/api/v1/candidates/{cand}/matches?track=ktp");
    matches_until(app, &cand_token, &matches, |i| i.contains(&need)).await;
    let intro = app
        .post(
            "/api/v1/introductions",
            &mora,
            json!({"track": "ktp", "a": {"kind": "need", "id": need},
                   "b": {"kind": "candidate", "id": cand}, "note": "Ni passar ihop."}),
        )
        .await;
    assert_eq!(intro.status, StatusCode::CREATED, "{}", intro.body);
    let intro = intro.body["id"].as_str().expect("id").to_string();

    let suspend = format!("/api/v1/organisations/{org}/suspend");
    let empty = app.post(&suspend, &mora, json!({"reason": "  "})).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.error_fields(), ["reason"]);
    let s = app
        .post(
            &suspend,
            &mora,
            json!({"reason": "Organisationsnumret tillhör ett annat företag."}),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert_eq!(
        (&s.body["suspended"], &s.body["reason"]),
        (
            &json!(true),
            &json!("Organisationsnumret tillhör ett annat företag.")
        )
    );

    // Out of sight and out of matching at once, whatever the index has done yet.
    assert_eq!(
        app.get(&format!("/api/v1/needs/{need}"), &cand_token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(!ids(&app.get(&matches, &cand_token).await.body).contains(&need));
    let i = app
        .get(&format!("/api/v1/introductions/{intro}"), &mora)
        .await;
    assert_eq!(i.body["status"], "withdrawn");
    let told = app
        .emailed("amal@example.se", "introduction_withdrawn", Some(&intro))
        .await;
    assert_eq!(
        told["own_title"], "Dataanalytiker med Python",
        "their own side only"
    );
    let told = app
        .emailed("kari@sagen.se", "moderation_suspended", None)
        .await;
    assert_eq!(
        told["note"],
        "Organisationsnumret tillhör ett annat företag."
    );
    // The company still sees its own; the queue lists the suspension.
    assert_eq!(
        app.get(&format!("/api/v1/needs/{need}"), &company)
            .await
            .status,
        StatusCode::OK
    );
    let q = app.get("/api/v1/moderation", &mora).await;
    assert_eq!(
        q.body["suspended"][0]["name"], "Sågen i Mora AB",
        "{}",
        q.body
    );

    let back = app
        .post(
            &format!("/api/v1/organisations/{org}/reinstate"),
            &mora,
            json!({}),
        )
        .await;
    assert_eq!(back.body["suspended"], false);
    app.emailed("kari@sagen.se", "moderation_reinstated", None)
        .await;
    matches_until(app, &cand_token, &matches, |i| i.contains(&need)).await;
}

async fn a_suspended_account_is_signed_out_and_out_of_matching(app: &TestApp) {
    let (cand_token, cand) = candidate(app).await;
    let me = app.get("/api/v1/me", &cand_token).await;
    let user = me.body["id"].as_str().expect("id").to_string();
    let mora = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    let roros = app
        .staff("ola@roros.kommune.no", "officer", &["NO-5025"])
        .await;
    let suspend = format!("/api/v1/users/{user}/suspend");
    let body = json!({"reason": "Profilen är en kopia av någon annans."});
    assert_eq!(
        app.post(&suspend, &roros, body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    // Staff are suspended by an admin only.
    let officer_id = app.get("/api/v1/me", &roros).await.body["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        app.post(
            &format!("/api/v1/users/{officer_id}/suspend"),
            &mora,
            body.clone()
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let s = app.post(&suspend, &mora, body).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert_eq!(
        app.get("/api/v1/me", &cand_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "amal@example.se", "password": PASSWORD})),
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    let company = app.register("kari@sagen.se", "company", &[]).await;
    assert_eq!(
        app.get(&format!("/api/v1/candidates/{cand}"), &company)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.post(&format!("/api/v1/users/{user}/reinstate"), &mora, json!({}))
        .await;
    app.token("amal@example.se", PASSWORD).await;
}

async fn reports_reach_the_officer_in_scope_once(app: &TestApp) {
    let mora = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    let roros = app
        .staff("ola@roros.kommune.no", "officer", &["NO-5025"])
        .await;
    let org = app
        .create(
            "organisations",
            &mora,
            bodies::company("Sågen i Mora AB", "SE-2062"),
        )
        .await;
    let need = app
        .create("needs", &mora, bodies::need(&org, "SE-2062"))
        .await;
    let (cand_token, _) = candidate(app).await;
    let body =
        json!({"kind": "need", "id": need, "reason": "Annonsen söker egentligen en säljare."});
    let first = app
        .post("/api/v1/moderation/reports", &cand_token, body.clone())
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = app
        .post("/api/v1/moderation/reports", &cand_token, body)
        .await;
    assert_eq!(again.body["id"], first.body["id"], "the same open report");
    let bad = app
        .post(
            "/api/v1/moderation/reports",
            &cand_token,
            json!({"kind": "dragon", "id": need, "reason": "x"}),
        )
        .await;
    assert_eq!(bad.error_fields(), ["kind"]);
    let unseen = app
        .post(
            "/api/v1/moderation/reports",
            &cand_token,
            json!({"kind": "need", "id": "nope", "reason": "x"}),
        )
        .await;
    assert_eq!(unseen.status, StatusCode::NOT_FOUND);

    let q = app.get("/api/v1/moderation", &mora).await;
    let reports = q.body["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 1, "{}", q.body);
    assert_eq!(reports[0]["subject_title"], "Digitalisering av sågverket");
    assert_eq!(
        reports[0]["reason"],
        "Annonsen söker egentligen en säljare."
    );
    assert!(
        reports[0].get("reporter_id").is_none(),
        "who reported stays with the service"
    );
    assert_eq!(
        app.get("/api/v1/moderation", &roros).await.body["reports"],
        json!([])
    );
    let id = reports[0]["id"].as_str().expect("id");
    let path = format!("/api/v1/moderation/reports/{id}/resolve");
    assert_eq!(
        app.post(&path, &roros, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&path, &mora, json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/moderation", &mora).await.body["reports"],
        json!([])
    );
    assert_eq!(
        app.get("/api/v1/moderation", &cand_token).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn sqlite_a_suspended_organisation_leaves_matching_and_its_introductions_end() {
    a_suspended_organisation_leaves_matching_and_its_introductions_end(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_suspended_organisation_leaves_matching_and_its_introductions_end() {
    a_suspended_organisation_leaves_matching_and_its_introductions_end(Backend::Postgres).await;
}

crate::on_both_backends!(
    a_company_that_registers_itself_waits_for_an_officer_of_its_municipality,
    a_suspended_account_is_signed_out_and_out_of_matching,
    reports_reach_the_officer_in_scope_once,
);

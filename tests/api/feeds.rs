//! The Atom feed of open needs: public fields only, verified organisations only, per county,
//! read by a real feed parser (feedparser).

use crate::dialogue::parse;
use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn feed(app: &TestApp, query: &str) -> (StatusCode, String) {
    let res = app
        .client
        .get(format!("{}/feeds/needs.atom{query}", app.address))
        .send()
        .await
        .expect("feed");
    let status = res.status();
    if status == StatusCode::OK {
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("application/atom+xml"));
    }
    (status, res.text().await.expect("body"))
}

async fn open_needs_of_verified_organisations_are_in_the_feed(app: &TestApp) {
    let company = app.register("kari@sagen.se", "company", &[]).await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sågen i Mora AB", "SE-2062"),
        )
        .await;
    let mut need = bodies::need(&org, "SE-2062");
    need["title"] = json!("Digitalisering av sågverket <&> \"planering\"");
    let need = app.create("needs", &company, need).await;
    let (_, before) = feed(app, "").await;
    assert!(
        !before.contains(&need),
        "not before an officer has verified the company"
    );

    app.verify_org(&org).await;
    let (status, xml) = feed(app, "?county=SE-20").await;
    assert_eq!(status, StatusCode::OK);
    let parsed = parse("atom", &xml);
    assert_eq!(parsed["bozo"], false, "{}: {xml}", parsed["error"]);
    assert_eq!(parsed["version"], "atom10");
    let entries = parsed["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{xml}");
    assert_eq!(
        entries[0]["title"],
        "Digitalisering av sågverket <&> \"planering\""
    );
    assert_eq!(entries[0]["link"], format!("{}/needs/{need}", app.address));
    let summary = entries[0]["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("Sågen i Mora AB – Mora. 12 months from 2027-03-01."),
        "{summary}"
    );
    assert!(
        !xml.contains("kari@sagen.se"),
        "no one's address in a public feed"
    );

    let (_, elsewhere) = feed(app, "?county=NO-50").await;
    assert_eq!(parse("atom", &elsewhere)["entries"], json!([]));
    // Closed: gone.
    app.patch(
        &format!("/api/v1/needs/{need}"),
        &company,
        json!({"status": "closed"}),
    )
    .await;
    let (_, closed) = feed(app, "").await;
    assert!(!closed.contains(&need));
    let (status, _) = feed(app, "?county=%3Cscript%3E").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

crate::on_both_backends!(open_needs_of_verified_organisations_are_in_the_feed);

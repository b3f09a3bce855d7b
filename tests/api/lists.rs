//! Cursor pagination and filters.

use crate::helpers::{bodies, TestApp};
use serde_json::{json, Value};

async fn pages(app: &TestApp, token: &str, path: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}cursor={c}"),
            None => path.to_string(),
        };
        let a = app.get(&url, token).await;
        assert_eq!(a.status, 200, "{}", a.body);
        out.push(
            a.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["id"].as_str().unwrap_or_default().to_string())
                .collect(),
        );
        match &a.body["next_cursor"] {
            Value::String(c) => cursor = Some(c.clone()),
            _ => return out,
        }
    }
}

async fn a_list_pages_through_every_record_once(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Sågen AB", "SE-2062"),
        )
        .await;
    let mut created = Vec::new();
    for i in 0..7 {
        let mut body = bodies::need(&org, "SE-2062");
        body["title"] = json!(format!("Behov {i}"));
        created.push(app.create("needs", &officer, body).await);
    }
    let pages = pages(app, &officer, "/api/v1/needs?limit=3").await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    assert_eq!(
        pages.concat(),
        created,
        "every need once, in creation order"
    );
}

async fn filters_narrow_a_list(app: &TestApp) {
    let officer = app
        .staff(
            "officer@region.eu",
            "officer",
            &["SE-2062", "SE-2034", "NO-5025"],
        )
        .await;
    let mora = app
        .create(
            "organisations",
            &officer,
            bodies::company("Sågen AB", "SE-2062"),
        )
        .await;
    let orsa = app
        .create(
            "organisations",
            &officer,
            bodies::company("Orsa AB", "SE-2034"),
        )
        .await;
    let roros = app
        .create(
            "organisations",
            &officer,
            bodies::company("Røros AS", "NO-5025"),
        )
        .await;
    let mut market = bodies::need(&roros, "NO-5025");
    market["kind"] = json!("market");
    let n_roros = app.create("needs", &officer, market).await;
    let n_mora = app
        .create("needs", &officer, bodies::need(&mora, "SE-2062"))
        .await;
    let mut closed = bodies::need(&orsa, "SE-2034");
    closed["status"] = json!("closed");
    let n_orsa = app.create("needs", &officer, closed).await;

    let ids = |path: &'static str| {
        let officer = officer.clone();
        async move { pages(app, &officer, path).await.concat() }
    };
    assert_eq!(
        ids("/api/v1/needs?county=SE-20").await,
        vec![n_mora.clone(), n_orsa.clone()]
    );
    assert_eq!(
        ids("/api/v1/needs?municipality=NO-5025").await,
        vec![n_roros.clone()]
    );
    assert_eq!(
        ids("/api/v1/needs?status=closed").await,
        vec![n_orsa.clone()]
    );
    assert_eq!(
        ids("/api/v1/needs?kind=market").await,
        vec![n_roros.clone()]
    );
    assert_eq!(
        ids("/api/v1/needs?county=SE-20&status=open").await,
        vec![n_mora.clone()]
    );
    let by_org = pages(
        app,
        &officer,
        &format!("/api/v1/needs?organisation_id={mora}"),
    )
    .await
    .concat();
    assert_eq!(by_org, [n_mora]);
}

crate::on_both_backends!(
    a_list_pages_through_every_record_once,
    filters_narrow_a_list
);

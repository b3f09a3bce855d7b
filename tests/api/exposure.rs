//! Exposure: of two equally good candidates, the one with fewer recent introductions comes
//! first, so that no one absorbs every introduction (the tie was broken by id before).

use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn ids(b: &Value) -> Vec<String> {
    b["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect()
}

pub async fn the_less_introduced_of_two_equal_candidates_comes_first(app: &TestApp) {
    let officer = app
        .staff("eva.handlaggare@mora.example", "officer", &["SE-2062"])
        .await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Mora Trä AB", "SE-2062"),
        )
        .await;
    let first = app
        .create("needs", &officer, bodies::need(&org, "SE-2062"))
        .await;
    let mut other = bodies::need(&org, "SE-2062");
    other["title"] = json!("Dataanalys i torkarna");
    let second = app.create("needs", &officer, other).await;
    // Two candidates alike in every field the ranking reads.
    let mut made = Vec::new();
    for email in ["lika.ett@example.org", "lika.tva@example.org"] {
        let t = app.register(email, "candidate", &["matching_ktp"]).await;
        let mut c = bodies::candidate("SE-2062");
        c["skills"] = json!(["dataanalys", "Python"]);
        made.push(app.create("candidates", &t, c).await);
    }
    made.sort();
    let path = format!("/api/v1/needs/{first}/matches");
    let started = Instant::now();
    let before = loop {
        let a = app.get(&path, &officer).await;
        assert_eq!(a.status, StatusCode::OK);
        if ids(&a.body).len() == 2 {
            break a.body;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{}", a.body);
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(
        before["items"][0]["score"], before["items"][1]["score"],
        "{before}"
    );
    assert_eq!(ids(&before), made, "equal and never introduced: by id");
    // The first is introduced to the other need: the second now comes first.
    let a = app
        .post(
            "/api/v1/introductions",
            &officer,
            json!({"track": "ktp", "a": {"kind": "need", "id": second},
                   "b": {"kind": "candidate", "id": made[0]}, "note": ""}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let after = app.get(&path, &officer).await;
    assert_eq!(
        ids(&after.body),
        vec![made[1].clone(), made[0].clone()],
        "{}",
        after.body
    );
}

crate::on_both_backends!(the_less_introduced_of_two_equal_candidates_comes_first);

//! Each record type created, read back, listed, updated and deleted, as a new user would.

use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Creates, reads, lists, patches, replaces and deletes one record; returns nothing but
/// asserts at each step what the user sees.
async fn round_trip(app: &TestApp, token: &str, collection: &str, body: Value, patch: Value) {
    let created = app
        .post(&format!("/api/v1/{collection}"), token, body.clone())
        .await;
    assert_eq!(
        created.status,
        StatusCode::CREATED,
        "{collection}: {}",
        created.body
    );
    let id = created.body["id"].as_str().expect("id").to_string();
    let location = created.headers["location"].to_str().expect("location");
    assert_eq!(location, format!("/api/v1/{collection}/{id}"));
    let item = format!("/api/v1/{collection}/{id}");

    let read = app.get(&item, token).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["id"], created.body["id"]);
    for key in ["title", "name", "headline"] {
        if let Some(v) = body.get(key) {
            assert_eq!(&read.body[key], v, "{collection}.{key} read back");
        }
    }

    let list = app.get(&format!("/api/v1/{collection}"), token).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["id"] == id.as_str()),
        "{collection} listed"
    );

    let patched = app.patch(&item, token, patch.clone()).await;
    assert_eq!(
        patched.status,
        StatusCode::OK,
        "{collection} patch: {}",
        patched.body
    );
    for (k, v) in patch.as_object().expect("patch object") {
        assert_eq!(&patched.body[k], v, "{collection}.{k} patched");
        assert_eq!(
            &app.get(&item, token).await.body[k],
            v,
            "{collection}.{k} stored"
        );
    }
    assert_eq!(patched.body["created_at"], created.body["created_at"]);

    let mut replacement = body.clone();
    // Who the profile is for is said once, at creation.
    if let Some(o) = replacement.as_object_mut() {
        o.remove("person");
        o.remove("consents");
    }
    for (k, v) in patch.as_object().expect("patch") {
        replacement[k] = v.clone();
    }
    let put = app.put(&item, token, replacement).await;
    assert_eq!(put.status, StatusCode::OK, "{collection} put: {}", put.body);

    let deleted = app.delete(&item, token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&item, token).await.status, StatusCode::NOT_FOUND);
}

async fn an_officer_manages_every_record_type_end_to_end(app: &TestApp) {
    let officer = app
        .staff("officer@mora.se", "officer", &["SE-2062", "NO-5025"])
        .await;
    let kommun = app
        .create(
            "organisations",
            &officer,
            bodies::municipality_org("SE-2062"),
        )
        .await;
    let company = app
        .create(
            "organisations",
            &officer,
            bodies::company("Morasågen AB", "SE-2062"),
        )
        .await;
    let supplier = app
        .create("organisations", &officer, bodies::supplier("NO-5025"))
        .await;

    round_trip(
        app,
        &officer,
        "organisations",
        bodies::company("Orsa Trä AB", "SE-2062"),
        json!({"size": "medium"}),
    )
    .await;
    round_trip(
        app,
        &officer,
        "needs",
        bodies::need(&company, "SE-2062"),
        json!({"status": "matched", "duration_months": 18}),
    )
    .await;
    let mut candidate = bodies::candidate("SE-2062");
    candidate["person"] =
        json!({"name": "Rania Haddad", "email": "rania@example.se", "locale": "sv"});
    candidate["consents"] = json!(["matching_ktp", "contact"]);
    round_trip(
        app,
        &officer,
        "candidates",
        candidate,
        json!({"max_distance_km": 300}),
    )
    .await;
    let mut mentor = bodies::mentor("NO-5025");
    mentor["person"] = json!({"name": "Randi Moen", "email": "randi@example.no", "locale": "nb"});
    mentor["consents"] = json!(["matching_mentoring"]);
    round_trip(app, &officer, "mentors", mentor, json!({"capacity": 3})).await;
    round_trip(
        app,
        &officer,
        "procurements",
        bodies::procurement(&kommun, "SE-2062"),
        json!({"title": "Skolmåltider 2027–2030"}),
    )
    .await;
    round_trip(
        app,
        &officer,
        "offers",
        bodies::offer(&supplier),
        json!({"title": "Catering og skolemat"}),
    )
    .await;
}

async fn a_company_registers_creates_its_organisation_and_posts_a_need(app: &TestApp) {
    let company = app.register("anna@morasagen.se", "company", &[]).await;
    let org = app
        .post(
            "/api/v1/organisations",
            &company,
            bodies::company("Morasågen AB", "SE-2062"),
        )
        .await;
    assert_eq!(org.status, StatusCode::CREATED, "{}", org.body);
    let org_id = org.body["id"].as_str().expect("id");
    let me = app.get("/api/v1/me", &company).await;
    assert_eq!(me.body["organisations"], json!([org_id]));
    assert_eq!(me.body["role"], "company");

    let need = app
        .create("needs", &company, bodies::need(org_id, "SE-2062"))
        .await;
    let read = app.get(&format!("/api/v1/needs/{need}"), &company).await;
    assert_eq!(read.body["title"], "Digitalisering av sågverket");
    assert_eq!(read.body["municipality_name"], "Mora");
    assert_eq!(read.body["county"], "SE-20");
    assert_eq!(
        read.body["languages"],
        json!([{"code": "sv", "min_level": "B2"}])
    );
}

async fn a_person_keeps_one_profile_of_each_kind(app: &TestApp) {
    let person = app
        .register("kari@example.no", "candidate", &["matching_ktp"])
        .await;
    app.create("candidates", &person, bodies::candidate("NO-5025"))
        .await;
    let again = app
        .post("/api/v1/candidates", &person, bodies::candidate("NO-5025"))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "conflict");
}

async fn the_municipality_may_be_given_as_an_object(app: &TestApp) {
    let person = app.register("ola@example.no", "mentor", &[]).await;
    let mut body = bodies::mentor("NO-5025");
    body["municipality"] = json!({"country": "NO", "code": "5025"});
    let a = app.post("/api/v1/mentors", &person, body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["municipality"], "NO-5025");
    assert_eq!(a.body["municipality_name"], "Røros");
}

crate::on_both_backends!(
    an_officer_manages_every_record_type_end_to_end,
    a_company_registers_creates_its_organisation_and_posts_a_need,
    a_person_keeps_one_profile_of_each_kind,
    the_municipality_may_be_given_as_an_object,
);

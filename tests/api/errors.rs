//! Malformed and invalid input: the documented status, a message naming the field, and
//! nothing written.

use crate::helpers::{bodies, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Everything a rejected write could have touched.
async fn written(app: &TestApp) -> Vec<i64> {
    let mut n = Vec::new();
    for t in [
        "organisations",
        "needs",
        "candidates",
        "mentors",
        "procurements",
        "offers",
        "index_events",
        "outbox",
        "consents",
        "users",
    ] {
        n.push(app.count(t).await);
    }
    n
}

/// An officer of Mora and a company there.
async fn officer_and_company(app: &TestApp) -> (String, String) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let company = app
        .create(
            "organisations",
            &officer,
            bodies::company("Morasågen AB", "SE-2062"),
        )
        .await;
    (officer, company)
}

async fn expect_rejected(
    app: &TestApp,
    token: &str,
    collection: &str,
    body: Value,
    status: StatusCode,
    field: &str,
) {
    let before = written(app).await;
    let a = app
        .post(&format!("/api/v1/{collection}"), token, body)
        .await;
    assert_eq!(a.status, status, "{collection}: {}", a.body);
    assert!(
        a.error_fields().iter().any(|f| f == field),
        "{field} not named in {}",
        a.body
    );
    assert!(!a.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .is_empty());
    assert_eq!(
        written(app).await,
        before,
        "a rejected write changed something"
    );
}

async fn invalid_values_are_refused_naming_each_field(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let org = app
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
    let u422 = StatusCode::UNPROCESSABLE_ENTITY;

    let mut wrong_check_digit = bodies::company("Fel AB", "SE-2062");
    wrong_check_digit["org_number"] = json!("556012-5791");
    expect_rejected(
        app,
        &officer,
        "organisations",
        wrong_check_digit,
        u422,
        "org_number",
    )
    .await;

    let mut norwegian = bodies::supplier("NO-5025");
    norwegian["org_number"] = json!("923609017");
    expect_rejected(
        app,
        &officer,
        "organisations",
        norwegian,
        u422,
        "org_number",
    )
    .await;

    expect_rejected(
        app,
        &officer,
        "needs",
        bodies::need(&company, "SE-0000"),
        u422,
        "municipality",
    )
    .await;

    let mut cpv = bodies::procurement(&org, "SE-2062");
    cpv["cpv_codes"] = json!(["55300000-3", "45000000-8"]);
    expect_rejected(app, &officer, "procurements", cpv, u422, "cpv_codes[1]").await;

    let mut d1 = bodies::need(&company, "SE-2062");
    d1["languages"] = json!([{"code": "sv", "min_level": "D1"}]);
    expect_rejected(app, &officer, "needs", d1, u422, "languages[0].min_level").await;

    let mut duration = bodies::need(&company, "SE-2062");
    duration["duration_months"] = json!(36);
    expect_rejected(app, &officer, "needs", duration, u422, "duration_months").await;

    let mut no_org = bodies::need("no-such-organisation", "SE-2062");
    no_org["title"] = json!("Giltig titel");
    expect_rejected(app, &officer, "needs", no_org, u422, "organisation_id").await;

    let wrong_kind = bodies::procurement(&company, "SE-2062");
    expect_rejected(
        app,
        &officer,
        "procurements",
        wrong_kind,
        u422,
        "organisation_id",
    )
    .await;

    let mut long = bodies::need(&company, "SE-2062");
    long["description"] = json!("å".repeat(10_001));
    expect_rejected(app, &officer, "needs", long, u422, "description").await;
}

async fn several_invalid_fields_are_named_at_once(app: &TestApp) {
    let (officer, company) = officer_and_company(app).await;
    let mut body = bodies::need(&company, "SE-9999");
    body["kind"] = json!("dreams");
    body["start_date"] = json!("2027-13-01");
    body["languages"] = json!([{"code": "xx", "min_level": "B2"}]);
    let a = app.post("/api/v1/needs", &officer, body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = a.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["kind", "languages[0].code", "municipality", "start_date"]
    );
}

async fn malformed_bodies_get_400_413_or_415_and_write_nothing(app: &TestApp) {
    let (officer, company) = officer_and_company(app).await;

    let mut unknown = bodies::need(&company, "SE-2062");
    unknown["salary"] = json!(45000);
    expect_rejected(
        app,
        &officer,
        "needs",
        unknown,
        StatusCode::BAD_REQUEST,
        "salary",
    )
    .await;

    let mut wrong_type = bodies::need(&company, "SE-2062");
    wrong_type["duration_months"] = json!("twelve");
    expect_rejected(
        app,
        &officer,
        "needs",
        wrong_type,
        StatusCode::BAD_REQUEST,
        "duration_months",
    )
    .await;

    let mut nested = bodies::need(&company, "SE-2062");
    nested["languages"] = json!([{"code": "sv", "min_level": "B2", "extra": true}]);
    expect_rejected(
        app,
        &officer,
        "needs",
        nested,
        StatusCode::BAD_REQUEST,
        "languages[0].extra",
    )
    .await;

    let before = written(app).await;
    let mut huge = bodies::need(&company, "SE-2062");
    huge["description"] = json!("x".repeat(5 * 1024 * 1024));
    let a = app.post("/api/v1/needs", &officer, huge).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.error_code(), "payload_too_large");

    let res = app
        .client
        .post(format!("{}/api/v1/needs", app.address))
        .bearer_auth(&officer)
        .header("content-type", "text/plain")
        .body(bodies::need(&company, "SE-2062").to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let res = app
        .client
        .post(format!("{}/api/v1/needs", app.address))
        .bearer_auth(&officer)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "malformed_request");
    assert_eq!(written(app).await, before);
}

async fn a_rejected_update_leaves_the_record_as_it_was(app: &TestApp) {
    let (officer, company) = officer_and_company(app).await;
    let need = app
        .create("needs", &officer, bodies::need(&company, "SE-2062"))
        .await;
    let path = format!("/api/v1/needs/{need}");
    let before = app.get(&path, &officer).await.body;
    let events = app.count("index_events").await;
    let a = app
        .patch(
            &path,
            &officer,
            json!({"duration_months": 3, "title": "Ny titel"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error_fields(), ["duration_months"]);
    let b = app.patch(&path, &officer, json!({"colour": "red"})).await;
    assert_eq!(b.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&path, &officer).await.body, before);
    assert_eq!(app.count("index_events").await, events);
}

async fn requests_without_a_valid_token_get_401(app: &TestApp) {
    let a = app.request(Method::GET, "/api/v1/needs", None, None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.error_code(), "unauthenticated");
    let b = app
        .request(Method::GET, "/api/v1/needs", Some("not-a-token"), None)
        .await;
    assert_eq!(b.status, StatusCode::UNAUTHORIZED);
}

/// A matches request reads its caller on the connection that reads the record: an unknown token
/// is still told 401 before anything about its query, and a known one hears what is wrong.
async fn matches_tell_an_unknown_token_401_before_a_wrong_query(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let path = "/api/v1/needs/01a23af8-ddaf-7050-a3e4-000000000000/matches";
    for query in ["?limit=0", "?colour=red", ""] {
        let a = app
            .request(
                Method::GET,
                &format!("{path}{query}"),
                Some("not-a-token"),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{query}: {}", a.body);
        assert_eq!(a.error_code(), "unauthenticated");
    }
    let b = app.get(&format!("{path}?limit=0"), &officer).await;
    assert_eq!(b.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", b.body);
    assert_eq!(b.error_fields(), ["limit"]);
    let c = app.get(&format!("{path}?colour=red"), &officer).await;
    assert_eq!(c.status, StatusCode::BAD_REQUEST, "{}", c.body);
    let d = app.get(path, &officer).await;
    assert_eq!(d.status, StatusCode::NOT_FOUND, "{}", d.body);
}

/// A create reads its caller inside the write's transaction: an unknown token is told 401
/// whatever the body, and nothing is written; a known one hears what is wrong with the body.
async fn creates_tell_an_unknown_token_401_before_a_wrong_body(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let (needs, events) = (app.count("needs").await, app.count("index_events").await);
    for body in [
        json!({"title": ""}),
        json!({"colour": "red"}),
        json!([1, 2]),
    ] {
        let a = app
            .request(
                Method::POST,
                "/api/v1/needs",
                Some("not-a-token"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{body}: {}", a.body);
        assert_eq!(a.error_code(), "unauthenticated");
    }
    let b = app
        .post("/api/v1/needs", &officer, json!({"title": ""}))
        .await;
    assert_eq!(b.status, StatusCode::BAD_REQUEST, "{}", b.body);
    let need = json!({
        "organisation_id": "01a23af8-ddaf-7050-a3e4-000000000000", "title": "Digitalisering",
        "description": "Sensorer i produktionen.", "kind": "digitalisation", "skills": ["Python"],
        "languages": [], "duration_months": 99, "start_date": "2027-03-01",
        "municipality": "SE-2062", "remote_ok": false, "cross_border_ok": true, "ktp_target": false,
    });
    let c = app
        .request(
            Method::POST,
            "/api/v1/needs",
            Some("not-a-token"),
            Some(need.clone()),
        )
        .await;
    assert_eq!(c.status, StatusCode::UNAUTHORIZED, "{}", c.body);
    let d = app.post("/api/v1/needs", &officer, need).await;
    assert_eq!(d.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", d.body);
    assert_eq!(d.error_fields(), ["duration_months"]);
    assert_eq!(app.count("needs").await, needs);
    assert_eq!(app.count("index_events").await, events);
}

async fn bad_list_queries_name_the_parameter(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let a = app.get("/api/v1/needs?limit=5000", &officer).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error_fields(), ["limit"]);
    let b = app
        .get("/api/v1/needs?county=SE-99&status=sleeping", &officer)
        .await;
    assert_eq!(b.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b.error_fields(), ["county", "status"]);
    let c = app.get("/api/v1/needs?colour=red", &officer).await;
    assert_eq!(c.status, StatusCode::BAD_REQUEST);
    let d = app.get("/api/v1/needs?limit=ten", &officer).await;
    assert_eq!(d.status, StatusCode::BAD_REQUEST);
    assert_eq!(d.error_fields(), ["limit"]);
}

crate::on_both_backends!(
    invalid_values_are_refused_naming_each_field,
    several_invalid_fields_are_named_at_once,
    malformed_bodies_get_400_413_or_415_and_write_nothing,
    a_rejected_update_leaves_the_record_as_it_was,
    requests_without_a_valid_token_get_401,
    matches_tell_an_unknown_token_401_before_a_wrong_query,
    creates_tell_an_unknown_token_401_before_a_wrong_body,
    bad_list_queries_name_the_parameter,
);

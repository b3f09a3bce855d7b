//! The OpenAPI document and the server agree: every route the server has is documented, and
//! every documented operation is answered by a route.

use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use std::collections::BTreeSet;

async fn every_route_is_documented_and_every_documented_route_exists(app: &TestApp) {
    let doc = app
        .request(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["openapi"]
        .as_str()
        .unwrap_or_default()
        .starts_with("3."));
    let mut documented = BTreeSet::new();
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    // The contract (API.md), written out here on its own: the server registers its routes from
    // the same table the document is made from, so comparing those two would prove nothing.
    // Each operation of the contract must be documented, and (below) answered by a handler.
    let records = [
        "organisations",
        "needs",
        "candidates",
        "mentors",
        "procurements",
        "offers",
    ];
    let mut contract: Vec<(String, String)> = Vec::new();
    for r in records {
        for (m, p) in [
            ("GET", format!("/api/v1/{r}")),
            ("POST", format!("/api/v1/{r}")),
            ("GET", format!("/api/v1/{r}/{{id}}")),
        ] {
            contract.push((m.to_string(), p));
        }
    }
    for r in ["needs", "candidates", "mentors", "procurements", "offers"] {
        contract.push(("GET".into(), format!("/api/v1/{r}/{{id}}/matches")));
    }
    for (m, p) in [
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/token"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/me/export"),
        ("DELETE", "/api/v1/me"),
        ("GET", "/api/v1/search"),
        ("POST", "/api/v1/introductions"),
        ("GET", "/api/v1/introductions"),
        ("GET", "/api/v1/introductions/{id}"),
        ("POST", "/api/v1/introductions/{id}/accept"),
        ("POST", "/api/v1/introductions/{id}/decline"),
        ("PATCH", "/api/v1/introductions/{id}"),
        ("GET", "/api/v1/reports/indicators"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
    ] {
        contract.push((m.to_string(), p.to_string()));
    }
    let missing: Vec<_> = contract
        .iter()
        .filter(|op| !documented.contains(*op))
        .collect();
    assert!(missing.is_empty(), "not documented: {missing:?}");

    // Each documented operation reaches a handler (no "no_route", no 405).
    for (method, path) in &documented {
        let concrete = path.replace("{id}", "00000000-0000-0000-0000-000000000000");
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let a = app.request(m, &concrete, None, None).await;
        assert_ne!(a.error_code(), "no_route", "{method} {path}");
        assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
    // Request bodies name their schemas, and the schemas are there.
    let schemas = doc.body["components"]["schemas"]
        .as_object()
        .expect("schemas");
    for name in [
        "NeedInput",
        "CandidateInput",
        "MentorInput",
        "ProcurementInput",
        "OfferInput",
        "OrganisationInput",
        "TokenRequest",
    ] {
        assert!(schemas.contains_key(name), "{name} missing");
    }
    assert!(schemas["NeedInput"]["properties"]["duration_months"].is_object());
}

crate::on_both_backends!(every_route_is_documented_and_every_documented_route_exists);

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
    let served: BTreeSet<(String, String)> = heartland::web::endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.clone()))
        .collect();
    assert_eq!(documented, served);
    assert!(documented.len() >= 36, "{documented:?}");

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

//! Authorisation by role and ownership, and the pseudonymous view of people.

use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn a_company_edits_its_own_needs_and_not_another_companys(app: &TestApp) {
    let a = app.register("a@sagen.se", "company", &[]).await;
    let b = app.register("b@meieriet.no", "company", &[]).await;
    let org_a = app
        .create("organisations", &a, bodies::company("Sågen AB", "SE-2062"))
        .await;
    let org_b = app
        .create(
            "organisations",
            &b,
            bodies::company("Meieriet AS", "NO-5025"),
        )
        .await;
    let need_a = app
        .create("needs", &a, bodies::need(&org_a, "SE-2062"))
        .await;
    let path = format!("/api/v1/needs/{need_a}");
    // Registered by itself, A is seen by no one else until an officer verifies it.
    assert_eq!(app.get(&path, &b).await.status, StatusCode::NOT_FOUND);
    app.verify_org(&org_a).await;

    // B can read A's open need but neither change nor delete it, nor post needs for A.
    assert_eq!(app.get(&path, &b).await.status, StatusCode::OK);
    assert_eq!(
        app.patch(&path, &b, json!({"title": "Kapad"})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.delete(&path, &b).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post("/api/v1/needs", &b, bodies::need(&org_a, "SE-2062"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.patch(
            &format!("/api/v1/organisations/{org_a}"),
            &b,
            json!({"size": "large"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Nor move its own need onto A's organisation.
    let need_b = app
        .create("needs", &b, bodies::need(&org_b, "NO-5025"))
        .await;
    let moved = app
        .patch(
            &format!("/api/v1/needs/{need_b}"),
            &b,
            json!({"organisation_id": org_a}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&path, &a).await.body["title"],
        "Digitalisering av sågverket"
    );
    assert_eq!(
        app.patch(&path, &a, json!({"title": "Ny titel"}))
            .await
            .status,
        StatusCode::OK
    );
}

async fn a_draft_need_is_seen_only_by_its_company_and_officers(app: &TestApp) {
    let a = app.register("a@sagen.se", "company", &[]).await;
    let b = app.register("b@meieriet.no", "company", &[]).await;
    let officer = app.staff("officer@roros.no", "officer", &["NO-5025"]).await;
    let org_a = app
        .create("organisations", &a, bodies::company("Sågen AB", "SE-2062"))
        .await;
    let mut draft = bodies::need(&org_a, "SE-2062");
    draft["status"] = json!("draft");
    let id = app.create("needs", &a, draft).await;
    assert_eq!(
        app.get(&format!("/api/v1/needs/{id}"), &b).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/api/v1/needs", &b).await.body["items"], json!([]));
    assert_eq!(
        app.get("/api/v1/needs", &a).await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        app.get(&format!("/api/v1/needs/{id}"), &officer)
            .await
            .status,
        StatusCode::OK
    );
}

async fn an_officer_changes_only_what_lies_in_their_municipalities(app: &TestApp) {
    let mora = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let roros = app.staff("officer@roros.no", "officer", &["NO-5025"]).await;
    let admin = app.staff("admin@program.eu", "admin", &[]).await;
    let org = app
        .create(
            "organisations",
            &mora,
            bodies::company("Sågen AB", "SE-2062"),
        )
        .await;
    let need = app
        .create("needs", &mora, bodies::need(&org, "SE-2062"))
        .await;
    let path = format!("/api/v1/needs/{need}");
    assert_eq!(app.get(&path, &roros).await.status, StatusCode::OK);
    assert_eq!(
        app.patch(&path, &roros, json!({"status": "closed"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post("/api/v1/needs", &roros, bodies::need(&org, "SE-2062"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Moving a record out of one's own scope is refused too.
    assert_eq!(
        app.patch(&path, &mora, json!({"municipality": "NO-5025"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.patch(&path, &admin, json!({"status": "closed"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(app.get(&path, &mora).await.body["status"], "closed");
}

async fn companies_see_candidates_pseudonymously(app: &TestApp) {
    let officer = app
        .staff("officer@ludvika.se", "officer", &["SE-2085"])
        .await;
    let company = app.register("hr@trafo.se", "company", &[]).await;
    let mut body = bodies::candidate("SE-2085");
    body["person"] = json!({"name": "Rania Haddad", "email": "rania@example.se", "phone": "+46 70 123 45 67", "locale": "sv"});
    body["consents"] = json!(["matching_ktp", "contact"]);
    let id = app.create("candidates", &officer, body).await;
    let path = format!("/api/v1/candidates/{id}");

    let full = app.get(&path, &officer).await.body;
    assert_eq!(full["person"]["name"], "Rania Haddad");
    assert_eq!(full["gender"], "woman");
    assert_eq!(full["foreign_background"], true);

    for seen in [
        app.get(&path, &company).await.body,
        app.get("/api/v1/candidates", &company).await.body["items"][0].clone(),
    ] {
        assert_eq!(seen["headline"], "Maskiningenjör med CAD och arabiska");
        let text = seen.to_string();
        for secret in [
            "Rania",
            "rania@example.se",
            "+46 70",
            "gender",
            "foreign_background",
            "owner_id",
            "person",
        ] {
            assert!(!text.contains(secret), "a company saw {secret}: {text}");
        }
    }
    // A supplier has no business with candidates at all.
    let supplier = app.register("sales@catering.no", "supplier", &[]).await;
    assert_eq!(
        app.get(&path, &supplier).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/candidates", &supplier).await.body["items"],
        json!([])
    );
}

async fn a_candidate_sees_and_changes_only_their_own_profile(app: &TestApp) {
    let a = app
        .register("a@example.se", "candidate", &["matching_ktp"])
        .await;
    let b = app
        .register("b@example.se", "candidate", &["matching_ktp"])
        .await;
    let id_a = app
        .create("candidates", &a, bodies::candidate("SE-2062"))
        .await;
    let id_b = app
        .create("candidates", &b, bodies::candidate("SE-2080"))
        .await;
    let listed = app.get("/api/v1/candidates", &a).await.body["items"].clone();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], id_a.as_str());
    assert_eq!(
        listed[0]["gender"], "woman",
        "a person sees their own private fields"
    );
    assert_eq!(
        app.get(&format!("/api/v1/candidates/{id_b}"), &a)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.patch(
            &format!("/api/v1/candidates/{id_b}"),
            &a,
            json!({"headline": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // A candidate cannot create a profile for someone else, nor a company profile.
    let mut other = bodies::candidate("SE-2062");
    other["person"] = json!({"name": "N N", "email": "nn@example.se", "locale": "sv"});
    assert_eq!(
        app.post("/api/v1/candidates", &a, other).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post(
            "/api/v1/organisations",
            &a,
            bodies::company("X AB", "SE-2062")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

async fn procurements_are_announced_only_by_officers(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let supplier = app.register("sales@catering.no", "supplier", &[]).await;
    let kommun = app
        .create(
            "organisations",
            &officer,
            bodies::municipality_org("SE-2062"),
        )
        .await;
    let denied = app
        .post(
            "/api/v1/procurements",
            &supplier,
            bodies::procurement(&kommun, "SE-2062"),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let id = app
        .create(
            "procurements",
            &officer,
            bodies::procurement(&kommun, "SE-2062"),
        )
        .await;
    // Suppliers read planned procurements: equal information to all.
    let seen = app
        .get(&format!("/api/v1/procurements/{id}"), &supplier)
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(
        seen.body["estimated_value"],
        json!({"amount": 1000000.0, "currency": "SEK"})
    );
    // A supplier posts offers for its own organisation only.
    let org = app
        .create("organisations", &supplier, bodies::supplier("NO-5025"))
        .await;
    app.create("offers", &supplier, bodies::offer(&org)).await;
    let other = app.register("sales@other.no", "supplier", &[]).await;
    assert_eq!(
        app.post("/api/v1/offers", &other, bodies::offer(&org))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn sign_in_and_registration_do_not_tell_who_has_an_account(app: &TestApp) {
    app.register("anna@morasagen.se", "company", &[]).await;
    let sign_in = |email: &'static str, password: &'static str| async move {
        let a = app
            .request(
                reqwest::Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        (
            a.status,
            a.body["error"]["code"].clone(),
            a.body["error"]["message"].clone(),
        )
    };
    let wrong_password = sign_in("anna@morasagen.se", "fel lösenord hela vägen").await;
    let unknown = sign_in("nobody@morasagen.se", "fel lösenord hela vägen").await;
    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, unknown);

    let users = app.count("users").await;
    let again = app.request(reqwest::Method::POST, "/api/v1/auth/register", None, Some(json!({
        "email": "anna@morasagen.se", "password": "ett helt annat lösenord", "display_name": "Mallory",
        "role": "company", "locale": "sv", "consents": []}))).await;
    let fresh = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({
        "email": "new@morasagen.se", "password": "ett helt annat lösenord", "display_name": "Nils",
        "role": "company", "locale": "sv", "consents": []})),
        )
        .await;
    assert_eq!((again.status, &again.body), (fresh.status, &fresh.body));
    assert_eq!(app.count("users").await, users + 1);
    assert_eq!(
        app.count("outbox WHERE template = 'registration_attempt_on_existing_account'")
            .await,
        1,
        "the owner of the taken address is told by email"
    );
    // The original password still works; the attempt changed nothing.
    app.token("anna@morasagen.se", crate::helpers::PASSWORD)
        .await;
    let weak = app.request(reqwest::Method::POST, "/api/v1/auth/register", None, Some(json!({
        "email": "weak@morasagen.se", "password": "kort", "display_name": "W", "role": "officer", "locale": "de"}))).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = weak.error_fields();
    fields.sort();
    assert_eq!(fields, ["locale", "password", "role"]);
}

crate::on_both_backends!(
    sign_in_and_registration_do_not_tell_who_has_an_account,
    a_company_edits_its_own_needs_and_not_another_companys,
    a_draft_need_is_seen_only_by_its_company_and_officers,
    an_officer_changes_only_what_lies_in_their_municipalities,
    companies_see_candidates_pseudonymously,
    a_candidate_sees_and_changes_only_their_own_profile,
    procurements_are_announced_only_by_officers,
);

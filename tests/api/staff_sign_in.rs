//! Staff sign-in as a municipality's security officer asks for it: with the second factor
//! required, an officer without one reaches only the enrolment; enrolled, every token and
//! sign-in needs a code (each code once, one step of skew, recovery codes once, attempts
//! limited), and so does a role change. Who read a person's full profile is in their export,
//! no route changes it, and erasure leaves only the count. The notices are there in three
//! languages, from the settings.

use crate::helpers::{bodies, spawn_app_with, Backend, TestApp, PASSWORD};
use heartland::second_factor::{code_at, from_base32};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The secret of an `otpauth://` address.
fn secret_of(uri: &str) -> Vec<u8> {
    let s = uri
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .expect("secret");
    from_base32(s).expect("base32")
}

async fn token_with(app: &TestApp, email: &str, totp: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let Some(t) = totp {
        body["totp"] = json!(t);
    }
    let a = app
        .request(Method::POST, "/api/v1/auth/token", None, Some(body))
        .await;
    (a.status, a.body)
}

/// Enrols the staff member whose token is given: returns the secret and the recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (Vec<u8>, Vec<String>, String) {
    let started = app.post("/api/v1/me/totp", token, json!({})).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let uri = started.body["secret_uri"].as_str().expect("uri");
    assert!(
        uri.starts_with("otpauth://totp/Heartland%20Match:"),
        "{uri}"
    );
    assert!(started.body["qr_svg"]
        .as_str()
        .expect("svg")
        .starts_with("<svg"));
    let secret = secret_of(uri);
    let right = code_at(&secret, now());
    let wrong = format!(
        "{:06}",
        (right.parse::<u32>().expect("digits") + 1) % 1_000_000
    );
    let refused = app
        .post("/api/v1/me/totp/confirm", token, json!({"code": wrong}))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_fields(), vec!["code"]);
    let ok = app
        .post("/api/v1/me/totp/confirm", token, json!({"code": right}))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let codes: Vec<String> = ok.body["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_string())
        .collect();
    (secret, codes, right)
}

async fn the_second_factor_is_asked_of_staff(backend: Backend) {
    let Some(app) =
        spawn_app_with(backend, |s| s.staff_second_factor = Some("required".into())).await
    else {
        return;
    };
    let email = "karin@mora.se";
    let token = app.staff(email, "officer", &["SE-2062"]).await;
    // Not enrolled: only the way to enrol.
    let blocked = app.get("/api/v1/needs", &token).await;
    assert_eq!(blocked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(blocked.error_code(), "second_factor_required");
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);

    let (secret, recovery, confirming) = enrol(&app, &token).await;
    assert_eq!(recovery.len(), 10);
    let mut distinct = recovery.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    assert_eq!(
        app.get("/api/v1/needs", &token).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.post("/api/v1/me/totp", &token, json!({})).await.status,
        StatusCode::CONFLICT,
        "a factor is not replaced"
    );

    // A token: without a code, no; the code used to confirm, no (once only); the next step's,
    // yes (one step of skew), and only once; a step beyond, no.
    let (status, body) = token_with(&app, email, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "second_factor_required");
    let (status, _) = token_with(&app, email, Some(&confirming)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the confirming code is used"
    );
    let next = code_at(&secret, now() + 30);
    let (status, body) = token_with(&app, email, Some(&next)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = token_with(&app, email, Some(&next)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a code works once");
    let (status, _) = token_with(&app, email, Some(&code_at(&secret, now() + 120))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "four steps ahead");
    // A recovery code, once; written in capitals and without its dash, the same code.
    let (status, _) = token_with(
        &app,
        email,
        Some(&recovery[0].replace('-', "").to_uppercase()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = token_with(&app, email, Some(&recovery[0])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A browser session asks the same.
    let login = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(login.error_code(), "second_factor_required");
    // Guessing is limited.
    let mut limited = false;
    for _ in 0..12 {
        let (status, _) = token_with(&app, email, Some("000000")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "attempts are rate limited");
    // Other people have no factor to set up.
    let company = app.register("kari@sagen.se", "company", &[]).await;
    assert_eq!(
        app.post("/api/v1/me/totp", &company, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn a_role_change_asks_for_the_code_again(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.staff_second_factor = Some("optional".into());
        s.rate_limits = false;
    })
    .await
    else {
        return;
    };
    let admin = app.staff("admin@heartland.test", "admin", &[]).await;
    let (secret, _, _) = enrol(&app, &admin).await;
    app.register("ola@roros.no", "company", &[]).await;
    let users = app.get("/api/v1/admin/users?q=ola", &admin).await;
    let id = users.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let path = format!("/api/v1/admin/users/{id}/role");
    let change = json!({"role": "officer", "municipalities": ["NO-5025"]});
    let refused = app.put(&path, &admin, change.clone()).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.error_code(), "second_factor_required");
    let still = app.get("/api/v1/admin/users?q=ola", &admin).await;
    assert_eq!(still.body["items"][0]["role"], "company", "nothing changed");
    let mut confirmed = change;
    confirmed["totp"] = json!(code_at(&secret, now() + 30));
    let done = app.put(&path, &admin, confirmed).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["role"], "officer");
}

async fn reads_of_a_profile_are_in_the_export(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.privacy_controller = "Mora kommun, näringslivsenheten".into();
        s.privacy_dpo = "dataskyddsombud@mora.se".into();
        s.accessibility_contact = "tillganglighet@mora.se".into();
    })
    .await
    else {
        return;
    };
    let officer = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    let amal = app
        .register("amal@example.org", "candidate", &["matching_ktp"])
        .await;
    let cand = app
        .create("candidates", &amal, bodies::candidate("SE-2062"))
        .await;
    let company = app.register("kari@sagen.se", "company", &[]).await;
    // The officer opens the full profile, and lists the candidates; the company sees the
    // pseudonymous view; Amal reads her own. Only the officer's reads count.
    assert_eq!(
        app.get(&format!("/api/v1/candidates/{cand}"), &officer)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/candidates", &officer).await.status,
        StatusCode::OK
    );
    app.get(&format!("/api/v1/candidates/{cand}"), &company)
        .await;
    app.get(&format!("/api/v1/candidates/{cand}"), &amal).await;
    let export = app.get("/api/v1/me/export", &amal).await;
    let reads = export.body["reads"].as_array().expect("reads").clone();
    assert_eq!(reads.len(), 2, "{}", export.body["reads"]);
    assert_eq!(reads[0]["by"], "karin@mora.se");
    assert_eq!(reads[0]["role"], "officer");
    assert_eq!(reads[0]["what"], format!("GET /api/v1/candidates/{cand}"));
    assert_eq!(reads[1]["what"], "GET /api/v1/candidates");
    assert!(reads[0]["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    // No route changes the log.
    for (method, path) in [
        (Method::DELETE, "/api/v1/me/reads".to_string()),
        (Method::PATCH, "/api/v1/me/export".to_string()),
        (Method::DELETE, "/api/v1/me/export".to_string()),
        (Method::PUT, format!("/api/v1/users/{cand}/reads")),
        (Method::POST, "/api/v1/reads".to_string()),
    ] {
        let a = app
            .request(method.clone(), &path, Some(&officer), Some(json!({})))
            .await;
        assert!(
            matches!(
                a.status,
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
            ),
            "{method} {path}: {}",
            a.status
        );
    }
    assert_eq!(app.count("reads").await, 2);
    // Erasure takes the log with the person; the audit keeps the count.
    let erased = app
        .request(
            Method::DELETE,
            "/api/v1/me",
            Some(&amal),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert!(erased.status.is_success(), "{}", erased.body);
    assert_eq!(app.count("reads").await, 0);
    assert_eq!(
        app.count("audit_log WHERE action = 'account_erased' AND detail LIKE '%\"reads\":2%'")
            .await,
        1
    );

    // The notices, from the settings, in three languages, linked from every page.
    for (lang, heading) in [
        ("sv", "Integritet och personuppgifter"),
        ("nb", "Personvern"),
        ("en", "Privacy"),
    ] {
        let page = app
            .client
            .get(format!("{}/privacy?lang={lang}", app.address))
            .send()
            .await
            .expect("privacy");
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("html");
        assert!(html.contains(&format!("<h1>{heading}</h1>")), "{lang}");
        assert!(
            html.contains("Mora kommun, näringslivsenheten")
                && html.contains("dataskyddsombud@mora.se")
        );
    }
    let a11y = app
        .client
        .get(format!("{}/accessibility?lang=nb", app.address))
        .send()
        .await
        .expect("accessibility");
    let html = a11y.text().await.expect("html");
    assert!(html.contains("Tilgjengelighetserklæring") && html.contains("tillganglighet@mora.se"));
    for path in [
        "/",
        "/sign-in",
        "/register",
        "/newsletters",
        "/procurements",
    ] {
        let html = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            html.contains("href=\"/privacy\"") && html.contains("href=\"/accessibility\""),
            "{path}"
        );
    }
}

#[tokio::test]
async fn sqlite_the_second_factor_is_asked_of_staff() {
    the_second_factor_is_asked_of_staff(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_the_second_factor_is_asked_of_staff() {
    the_second_factor_is_asked_of_staff(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_role_change_asks_for_the_code_again() {
    a_role_change_asks_for_the_code_again(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_role_change_asks_for_the_code_again() {
    a_role_change_asks_for_the_code_again(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_reads_of_a_profile_are_in_the_export() {
    reads_of_a_profile_are_in_the_export(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_reads_of_a_profile_are_in_the_export() {
    reads_of_a_profile_are_in_the_export(Backend::Postgres).await;
}

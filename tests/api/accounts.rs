//! Accounts: browser sessions and CSRF, confirming the address, password reset and change,
//! rate limits, security headers, consents, and the GDPR rights.

use crate::helpers::{bodies, spawn_app_with, Backend, TestApp, PASSWORD};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

/// A client that keeps cookies, as a browser does.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
}

async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login")
}

async fn sql(app: &TestApp, statement: String) {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::RunQueryDsl;
        let mut c = db.conn().expect("conn");
        diesel::sql_query(statement).execute(&mut *c).expect("sql");
    })
    .await
    .expect("sql");
}

async fn a_browser_session_is_a_cookie_and_changes_need_the_csrf_token(app: &TestApp) {
    app.register("kari@sagbruk.example", "company", &[]).await;
    let b = browser();
    let res = login(app, &b, "kari@sagbruk.example", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a cookie")
        .to_string();
    for attribute in ["hm_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback: {cookie}"
    );
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let csrf = res.json::<Value>().await.expect("json")["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();
    let me = b
        .get(format!("{}/api/v1/me", app.address))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), StatusCode::OK);

    let org = |origin: Option<&str>, token: Option<&str>| {
        let mut r = b
            .post(format!("{}/api/v1/organisations", app.address))
            .json(&bodies::company("Sagbruket i Mora AB", "SE-2062"));
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        r.send()
    };
    // Another site's page, or our origin without the token, or the token from elsewhere: no.
    assert_eq!(
        org(Some("https://evil.example"), Some(&csrf))
            .await
            .expect("post")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        org(Some(&app.address), None).await.expect("post").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        org(None, Some(&csrf)).await.expect("post").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        org(Some(&app.address), Some("forged"))
            .await
            .expect("post")
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("organisations").await, 0);
    assert_eq!(
        org(Some(&app.address), Some(&csrf))
            .await
            .expect("post")
            .status(),
        StatusCode::CREATED
    );

    // A new sign-in gives a new session; the old one ends.
    let again = login(app, &b, "kari@sagbruk.example", PASSWORD).await;
    let new_cookie = again.headers()[header::SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_string();
    assert_ne!(cookie.split(';').next(), new_cookie.split(';').next());
    let old_value = cookie.split(';').next().expect("value").to_string();
    let stale = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.address))
        .header(header::COOKIE, &old_value)
        .send()
        .await
        .expect("me");
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    let csrf = again.json::<Value>().await.expect("json")["csrf_token"]
        .as_str()
        .expect("csrf")
        .to_string();

    // Sign out (itself a change: it takes the token too); the cookie is dead after.
    let out = b
        .post(format!("{}/api/v1/auth/logout", app.address))
        .header(header::ORIGIN, &app.address)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let me = b
        .get(format!("{}/api/v1/me", app.address))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

async fn sessions_end_when_idle_or_old(app: &TestApp) {
    app.register("idle@example.org", "candidate", &[]).await;
    let b = browser();
    assert_eq!(
        login(app, &b, "idle@example.org", PASSWORD).await.status(),
        StatusCode::OK
    );
    let me = || b.get(format!("{}/api/v1/me", app.address)).send();
    assert_eq!(me().await.expect("me").status(), StatusCode::OK);
    // 31 minutes without a request (the default idle limit is 30).
    sql(
        app,
        "UPDATE sessions SET last_seen_at = '2000-01-01 00:00:00'".into(),
    )
    .await;
    assert_eq!(me().await.expect("me").status(), StatusCode::UNAUTHORIZED);
    // A fresh session past its absolute end (12 hours) is over too.
    assert_eq!(
        login(app, &b, "idle@example.org", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(me().await.expect("me").status(), StatusCode::OK);
    sql(app, "UPDATE sessions SET expires_at = created_at".into()).await;
    assert_eq!(me().await.expect("me").status(), StatusCode::UNAUTHORIZED);
}

async fn an_address_is_confirmed_before_sign_in(app: &TestApp) {
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({
            "email": "ny@example.org", "password": PASSWORD, "display_name": "Ny",
            "role": "candidate", "locale": "sv", "consents": []})),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let token = |pw: &str| {
        app.request(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "ny@example.org", "password": pw})),
        )
    };
    // The wrong password still answers as for anyone; the right one is told to confirm.
    assert_eq!(
        token("fel lösenord hela vägen").await.status,
        StatusCode::UNAUTHORIZED
    );
    let early = token(PASSWORD).await;
    assert_eq!(early.status, StatusCode::FORBIDDEN, "{}", early.body);
    // The link opens a page that asks (and changes nothing); the page's form confirms.
    let link = app.emailed_link("ny@example.org", "verify_email").await;
    let path = format!("/{}", link.splitn(4, '/').nth(3).expect("path"));
    let page = app
        .client
        .get(format!("{}{path}", app.address))
        .header(header::ACCEPT_LANGUAGE, "sv-SE,sv;q=0.9")
        .send()
        .await
        .expect("page");
    let html = page.text().await.expect("html");
    assert!(
        html.contains("lang=\"sv\"") && html.contains("<form method=\"post\""),
        "{html}"
    );
    assert_eq!(token(PASSWORD).await.status, StatusCode::FORBIDDEN);
    let value = link.split("token=").nth(1).expect("token");
    let done = app
        .client
        .post(format!("{}/verify", app.address))
        .form(&[("token", value)])
        .send()
        .await
        .expect("verify");
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(token(PASSWORD).await.status, StatusCode::CREATED);
    // Single use.
    let again = app
        .request(
            Method::POST,
            "/api/v1/auth/verify",
            None,
            Some(json!({"token": value})),
        )
        .await;
    assert_eq!(
        (again.status, again.error_fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["token".to_string()])
    );
}

async fn a_reset_link_sets_a_new_password_once_and_ends_every_session(app: &TestApp) {
    let old_token = app.register("glomsk@example.org", "candidate", &[]).await;
    let ask = |email: &'static str| {
        app.request(
            Method::POST,
            "/api/v1/auth/reset-request",
            None,
            Some(json!({"email": email})),
        )
    };
    let known = ask("glomsk@example.org").await;
    let unknown = ask("ingen@example.org").await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(
        app.count("outbox WHERE template = 'password_reset'").await,
        1
    );
    let link = app
        .emailed_link("glomsk@example.org", "password_reset")
        .await;
    let value = link.split("token=").nth(1).expect("token").to_string();
    let reset = |pw: &'static str, t: String| {
        app.request(
            Method::POST,
            "/api/v1/auth/reset",
            None,
            Some(json!({"token": t, "password": pw})),
        )
    };
    let weak = reset("1qaz2wsx3edc", value.clone()).await;
    assert_eq!(
        (weak.status, weak.error_fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["password".to_string()]
        )
    );
    let ok = reset("ett nytt och längre lösenord", value.clone()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(
        app.get("/api/v1/me", &old_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let twice = reset("ett tredje långt lösenord", value).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fresh = app
        .token("glomsk@example.org", "ett nytt och längre lösenord")
        .await;
    // A change of password ends the sessions and tokens too.
    let a = app.post("/api/v1/me/password", &fresh, json!({"current_password": "ett nytt och längre lösenord", "new_password": "ännu ett långt lösenord"})).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    assert_eq!(
        app.get("/api/v1/me", &fresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    // An hour later the link is dead.
    ask("glomsk@example.org").await;
    let link = app
        .emailed_link("glomsk@example.org", "password_reset")
        .await;
    sql(app, "UPDATE user_tokens SET expires_at = created_at".into()).await;
    let late = reset(
        "ett sent långt lösenord",
        link.split("token=").nth(1).expect("t").to_string(),
    )
    .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn common_passwords_are_refused(app: &TestApp) {
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({
            "email": "vanlig@example.org", "password": "QWERTY123456", "display_name": "V",
            "role": "candidate", "locale": "sv", "consents": []})),
        )
        .await;
    assert_eq!(
        (a.status, a.error_fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["password".to_string()]
        ),
        "{}",
        a.body
    );
    assert!(a.body["error"]["fields"]["password"][0]
        .as_str()
        .unwrap_or_default()
        .contains("common"));
}

async fn sign_in_is_rate_limited_per_account(app: &TestApp) {
    app.register("ratt@example.org", "candidate", &[]).await;
    let mut last = None;
    for _ in 0..12 {
        let a = app
            .request(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": "ratt@example.org", "password": "fel lösenord hela vägen"})),
            )
            .await;
        last = Some(a);
    }
    let a = last.expect("answer");
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    let retry: u64 = a.headers[header::RETRY_AFTER]
        .to_str()
        .expect("retry")
        .parse()
        .expect("secs");
    assert!((1..=600).contains(&retry));
    // The right password does not get through either, while the limit holds.
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "ratt@example.org", "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn every_response_carries_the_security_headers(app: &TestApp) {
    let token = app.register("hdr@example.org", "candidate", &[]).await;
    let answers = [
        app.request(Method::GET, "/healthz", None, None).await,
        app.request(Method::GET, "/no/such/page", None, None).await,
        app.request(Method::GET, "/api/v1/me", None, None).await,
        app.get("/api/v1/me", &token).await,
        app.post("/api/v1/needs", &token, json!({"title": 1})).await,
    ];
    for a in &answers {
        let csp = a.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp");
        for part in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{part} in {csp} ({})", a.status);
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(a.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(a.headers.contains_key(header::REFERRER_POLICY));
        assert!(
            !a.headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "not over TLS"
        );
    }
    assert_eq!(answers[3].headers[header::CACHE_CONTROL], "no-store");
}

crate::on_both_backends!(
    a_browser_session_is_a_cookie_and_changes_need_the_csrf_token,
    sessions_end_when_idle_or_old,
    an_address_is_confirmed_before_sign_in,
    a_reset_link_sets_a_new_password_once_and_ends_every_session,
    common_passwords_are_refused,
    sign_in_is_rate_limited_per_account,
    every_response_carries_the_security_headers,
);

#[tokio::test]
async fn behind_a_tls_proxy_the_cookie_is_secure_and_hsts_is_sent() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.tls_proxy = true)
        .await
        .expect("app");
    app.register("tls@example.org", "candidate", &[]).await;
    let res = login(&app, &reqwest::Client::new(), "tls@example.org", PASSWORD).await;
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(
        cookie.starts_with("__Host-hm_session=") && cookie.contains("Secure"),
        "{cookie}"
    );
    assert!(res.headers()[header::STRICT_TRANSPORT_SECURITY]
        .to_str()
        .expect("hsts")
        .contains("max-age="));
}

/// People untouched for the retention period are warned, then erased; activity in between
/// starts the clock again.
async fn people_untouched_for_too_long_are_warned_then_erased(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.retention_months = 3).await else {
        return;
    };
    let token = app
        .register("gammal@example.org", "candidate", &["matching_ktp"])
        .await;
    let id = app
        .create("candidates", &token, bodies::candidate("SE-2062"))
        .await;
    let officer = app
        .staff("officer@mora.example", "officer", &["SE-2062"])
        .await;
    sql(&app, "UPDATE users SET last_active_at = '2000-01-01 00:00:00' WHERE email = 'gammal@example.org'".into()).await;
    app.jobs.wake();
    let started = std::time::Instant::now();
    while app
        .count("outbox WHERE template = 'retention_warning'")
        .await
        == 0
    {
        assert!(started.elapsed().as_secs() < 10, "no warning");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Warned, not yet erased: the profile is still there; staff are never warned.
    assert_eq!(
        app.get(&format!("/api/v1/candidates/{id}"), &officer)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.count("outbox WHERE template = 'retention_warning'")
            .await,
        1
    );
    // 30 days after the warning, still untouched: erased.
    sql(&app, "UPDATE users SET retention_warned_at = '2000-01-02 00:00:00' WHERE email = 'gammal@example.org'".into()).await;
    app.jobs.wake();
    let started = std::time::Instant::now();
    while app
        .get(&format!("/api/v1/candidates/{id}"), &officer)
        .await
        .status
        != StatusCode::NOT_FOUND
    {
        assert!(started.elapsed().as_secs() < 10, "not erased");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.count("users WHERE email = 'gammal@example.org'").await,
        0
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'account_erased'").await,
        1
    );
    assert_eq!(app.get("/api/v1/me", &officer).await.status, StatusCode::OK);
}

#[tokio::test]
async fn sqlite_people_untouched_for_too_long_are_warned_then_erased() {
    people_untouched_for_too_long_are_warned_then_erased(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_people_untouched_for_too_long_are_warned_then_erased() {
    people_untouched_for_too_long_are_warned_then_erased(Backend::Postgres).await;
}

/// A person warned that their data will go, who then changes their profile, is no longer
/// warned and counts as active (whatever their activity read as when the request began).
async fn a_warned_person_who_acts_is_active_again(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.retention_months = 3).await else {
        return;
    };
    let token = app
        .register("varnad@example.org", "candidate", &["matching_ktp"])
        .await;
    let id = app
        .create("candidates", &token, bodies::candidate("SE-2062"))
        .await;
    let active_again = "users WHERE email = 'varnad@example.org' \
                        AND retention_warned_at IS NULL AND last_active_at > '2020-01-01'";
    assert_eq!(app.count(active_again).await, 1);
    // Warned, and (as a record of activity within the hour would not) still active within the
    // hour: either way the change must clear the warning.
    for last in ["2000-01-01 00:00:00", "2100-01-01 00:00:00"] {
        sql(
            &app,
            format!(
                "UPDATE users SET last_active_at = '{last}', \
                 retention_warned_at = '2000-01-02 00:00:00' WHERE email = 'varnad@example.org'"
            ),
        )
        .await;
        assert_eq!(app.count(active_again).await, 0);
        let changed = app
            .patch(
                &format!("/api/v1/candidates/{id}"),
                &token,
                json!({"headline": "Ingenjör, fortfarande här"}),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
        assert_eq!(app.count(active_again).await, 1, "after {last}");
    }
}

#[tokio::test]
async fn sqlite_a_warned_person_who_acts_is_active_again() {
    a_warned_person_who_acts_is_active_again(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_warned_person_who_acts_is_active_again() {
    a_warned_person_who_acts_is_active_again(Backend::Postgres).await;
}

//! The findings of the outside security and crash review (issue 12), one test each: every one
//! of them failed on the code the review read, and passes now.

use crate::helpers::{bodies, spawn_app_with, Backend, TestApp, PASSWORD};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A need with a welder who fits it, a candidate, a mentor and an offer: every match endpoint
/// has something to page through.
async fn records(app: &TestApp, officer: &str) -> Vec<String> {
    let org = app
        .create(
            "organisations",
            officer,
            bodies::company("Sveis AB", "SE-2062"),
        )
        .await;
    let need = app
        .create("needs", officer, bodies::need(&org, "SE-2062"))
        .await;
    let mut cand = bodies::candidate("SE-2062");
    cand["skills"] = json!(["dataanalys", "Python"]);
    cand["person"] = json!({"name": "Rania Haddad", "email": "rania@example.se", "locale": "sv"});
    cand["consents"] = json!(["matching_ktp", "matching_mentoring", "contact"]);
    let cand = app.create("candidates", officer, cand).await;
    let mut mentor = bodies::mentor("SE-2062");
    mentor["person"] = json!({"name": "Per Berg", "email": "per@example.se", "locale": "sv"});
    mentor["consents"] = json!(["matching_mentoring", "contact"]);
    let mentor = app.create("mentors", officer, mentor).await;
    let municipality = app
        .create(
            "organisations",
            officer,
            bodies::municipality_org("SE-2062"),
        )
        .await;
    let procurement = app
        .create(
            "procurements",
            officer,
            bodies::procurement(&municipality, "SE-2062"),
        )
        .await;
    vec![
        format!("/api/v1/needs/{need}/matches"),
        format!("/api/v1/candidates/{cand}/matches"),
        format!("/api/v1/candidates/{cand}/matches?track=mentoring"),
        format!("/api/v1/mentors/{mentor}/matches"),
        format!("/api/v1/procurements/{procurement}/matches"),
        "/api/v1/search?q=sensorer".to_string(),
        "/api/v1/needs".to_string(),
        "/api/v1/candidates".to_string(),
        "/api/v1/introductions".to_string(),
        "/api/v1/admin/users".to_string(),
    ]
}

fn with(path: &str, query: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{query}")
}

/// Finding 1: `?cursor=<base64url of "o:1000000000">` aborted the process (an allocation of
/// 40 GB sized by the cursor). Now a cursor past the end is an empty last page, and random and
/// extreme `limit` and `cursor` values on every list and match endpoint get a 4xx or a page.
async fn no_limit_or_cursor_crashes_the_server(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "admin", &[]).await;
    let paths = records(app, &officer).await;
    let huge = URL_SAFE_NO_PAD.encode("o:1000000000");
    for path in &paths[..6] {
        let a = app
            .get(&with(path, &format!("cursor={huge}")), &officer)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        assert_eq!(a.body["items"], json!([]), "{path}");
        assert_eq!(a.body["next_cursor"], Value::Null, "{path}");
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let mut extreme: Vec<String> = [
        "o:18446744073709551615",
        "o:18446744073709551616",
        "o:-1",
        "o:",
        "o:99999999999999999999999",
        "",
        "zzzz",
    ]
    .iter()
    .map(|c| URL_SAFE_NO_PAD.encode(c))
    .collect();
    extreme.extend(["%00", "-1", "!!", "o%3A5"].map(String::from));
    for _ in 0..12 {
        let n = rng.gen_range(1..64);
        let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
        extreme.push(URL_SAFE_NO_PAD.encode(&bytes));
        extreme.push(URL_SAFE_NO_PAD.encode(format!("o:{}", rng.gen::<u64>())));
    }
    let limits = [
        "0",
        "-1",
        "1",
        "100",
        "101",
        "200",
        "201",
        "18446744073709551616",
        "-9223372036854775809",
        "1e3",
        "x",
    ];
    for path in &paths {
        for cursor in &extreme {
            let a = app
                .get(&with(path, &format!("cursor={cursor}")), &officer)
                .await;
            assert!(
                a.status.is_success() || a.status.is_client_error(),
                "{path} cursor {cursor}: {} {}",
                a.status,
                a.body
            );
        }
        for limit in limits {
            let cursor = &extreme[rng.gen_range(0..extreme.len())];
            let a = app
                .get(
                    &with(path, &format!("limit={limit}&cursor={cursor}")),
                    &officer,
                )
                .await;
            assert!(
                a.status.is_success() || a.status.is_client_error(),
                "{path} limit {limit}: {} {}",
                a.status,
                a.body
            );
        }
    }
    let alive = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(alive.status, StatusCode::OK);
}

/// Finding 2: spaces, tabs and line breaks around the address counted as other accounts.
async fn the_sign_in_limit_counts_every_spelling_of_an_address_as_one(app: &TestApp) {
    app.register("ola@example.se", "candidate", &[]).await;
    let spellings = [
        "ola@example.se",
        " ola@example.se",
        "ola@example.se ",
        "\tola@example.se",
        "ola@example.se\n",
        "OLA@EXAMPLE.SE",
    ];
    let mut limited = 0;
    for i in 0..12 {
        let email = spellings[i % spellings.len()];
        let a = app
            .request(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": "fel lösenord helt och hållet"})),
            )
            .await;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        } else {
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{email:?}: {}", a.body);
        }
    }
    // Sign-in allows 10 attempts per account in 10 minutes; registering signed in once, so
    // the 10th to 12th here are refused.
    assert_eq!(limited, 3);
    // The right password is refused too while the account is limited.
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": " ola@example.se", "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    // And the reset limit (5 an hour) likewise.
    let mut refused = 0;
    for i in 0..7 {
        let a = app
            .request(
                Method::POST,
                "/api/v1/auth/reset-request",
                None,
                Some(json!({"email": spellings[i % spellings.len()]})),
            )
            .await;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert_eq!(refused, 2);
}

/// Finding 3: `next=/\t/evil.example/` was answered with that `Location` (browsers follow it
/// to `//evil.example/`), and `next` with a line break answered 500.
async fn sign_in_sends_only_to_local_paths(app: &TestApp) {
    app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for (next, expected) in [
        ("/\t/evil.example/", "/dashboard"),
        ("/\n/evil.example/", "/dashboard"),
        ("/\r\n/evil.example/", "/dashboard"),
        ("/\0/evil.example/", "/dashboard"),
        ("/ /evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/\\evil.example/", "/dashboard"),
        ("/introductions", "/introductions"),
    ] {
        let res = client
            .post(format!("{}/sign-in", app.address))
            .header("origin", &app.address)
            .form(&[
                ("email", "officer@mora.se"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        let location = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert_eq!(location, expected, "{next:?}");
    }
    // The sign-in page does not carry such a `next` into its form either.
    let page = client
        .get(format!("{}/sign-in?next=/%09/evil.example/", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(page.contains(r#"name="next" value="/dashboard""#), "{page}");
}

/// Finding 4: an officer with neither side in scope recorded an introduction's outcome.
async fn only_an_officer_in_scope_records_an_outcome(app: &TestApp) {
    let roros = app.staff("officer@roros.no", "officer", &["NO-5025"]).await;
    let karlstad = app
        .staff("officer@karlstad.se", "officer", &["SE-1780"])
        .await;
    let org = app
        .create(
            "organisations",
            &roros,
            bodies::company("Sveis AS", "NO-5025"),
        )
        .await;
    let mut need = bodies::need(&org, "NO-5025");
    need["languages"] = json!([]);
    let need = app.create("needs", &roros, need).await;
    let mut cand = bodies::candidate("NO-5025");
    cand["skills"] = json!(["dataanalys"]);
    cand["person"] = json!({"name": "Kari", "email": "kari@example.no", "locale": "nb"});
    cand["consents"] = json!(["matching_ktp", "contact"]);
    let cand = app.create("candidates", &roros, cand).await;
    let a = app
        .post(
            "/api/v1/introductions",
            &roros,
            json!({"track": "ktp", "a": {"kind": "need", "id": need},
                   "b": {"kind": "candidate", "id": cand}, "note": ""}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().expect("id").to_string();
    // Both sides say yes (through the database: the links are tested elsewhere).
    let db = app.db.clone();
    let i = id.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::schema::introductions as t;
        let mut c = db.conn().expect("conn");
        diesel::update(t::table.find(&i))
            .set((
                t::status.eq("introduced"),
                t::a_answer.eq("accepted"),
                t::b_answer.eq("accepted"),
            ))
            .execute(&mut *c)
            .expect("introduced");
    })
    .await
    .expect("db");
    let path = format!("/api/v1/introductions/{id}");
    let outside = app
        .patch(&path, &karlstad, json!({"outcome": "placement"}))
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.body);
    let now = app.get(&path, &roros).await;
    assert_eq!(now.body["outcome"], Value::Null, "nothing was recorded");
    let inside = app
        .patch(&path, &roros, json!({"outcome": "placement"}))
        .await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.body);
    assert_eq!(inside.body["outcome"], "placement");
}

/// Finding 6: lists had no count limits (10,000 languages were accepted).
async fn every_list_has_a_bound_named_in_the_error(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let before = app.count("candidates").await;
    let mut cand = bodies::candidate("SE-2062");
    cand["languages"] = json!(vec![json!({"code": "sv", "level": "B2"}); 10_000]);
    cand["education"] = json!(vec![
        json!({"degree": "BSc", "field": "IT", "institution": "HDa", "year": 2020});
        5_000
    ]);
    cand["person"] = json!({"name": "Many", "email": "many@example.se", "locale": "sv"});
    cand["consents"] = json!(["matching_ktp"]);
    let a = app.post("/api/v1/candidates", &officer, cand).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let mut fields = a.error_fields();
    fields.sort();
    assert_eq!(fields, ["education", "languages"]);
    assert!(a.body["error"]["fields"]["languages"][0]
        .as_str()
        .unwrap_or_default()
        .contains("at most 20"));
    assert_eq!(app.count("candidates").await, before);

    let supplier = app
        .create("organisations", &officer, bodies::supplier("SE-2062"))
        .await;
    let mut offer = bodies::offer(&supplier);
    offer["serves"] = json!(vec!["SE-2062"; 10_000]);
    let a = app.post("/api/v1/offers", &officer, offer).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.error_fields(), ["serves"]);
    let mut offer = bodies::offer(&supplier);
    offer["serves"] = json!(vec!["SE-2062"; 100]);
    app.create("offers", &officer, offer).await;
}

/// Finding 7: a company changed its own organisation's `kind` (to `municipality`).
async fn a_company_cannot_change_what_its_organisation_is(app: &TestApp) {
    let company = app.register("hr@sagen.se", "company", &[]).await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sågen AB", "SE-2062"),
        )
        .await;
    let path = format!("/api/v1/organisations/{org}");
    for (field, change) in [
        ("kind", json!({"kind": "municipality"})),
        ("org_number", json!({"org_number": "212000-2221"})),
        (
            "country",
            json!({"country": "NO", "org_number": "923609016"}),
        ),
    ] {
        let a = app.patch(&path, &company, change).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            a.body
        );
        assert!(a.error_fields().contains(&field.to_string()), "{}", a.body);
    }
    let mut replaced = bodies::company("Sågen AB", "SE-2062");
    replaced["kind"] = json!("municipality");
    let a = app.put(&path, &company, replaced).await;
    assert_eq!(a.error_fields(), ["kind"]);
    // What the company may change, it changes.
    let a = app
        .patch(
            &path,
            &company,
            json!({"name": "Sågen i Mora AB", "size": "medium"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["kind"], "company");
    // An officer in scope may correct the kind.
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let a = app
        .patch(&path, &officer, json!({"kind": "supplier"}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["kind"], "supplier");
}

/// Finding 8: an officer recording a profile with the email of an existing account attached
/// it to that account, unasked and without consents.
async fn an_officer_cannot_attach_a_profile_to_someones_account(app: &TestApp) {
    app.register("mentor@example.se", "mentor", &["matching_mentoring"])
        .await;
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let (candidates, outbox) = (app.count("candidates").await, app.count("outbox").await);
    let mut cand = bodies::candidate("SE-2062");
    cand["person"] = json!({"name": "Someone", "email": "mentor@example.se", "locale": "sv"});
    cand["consents"] = json!(["matching_ktp"]);
    let a = app.post("/api/v1/candidates", &officer, cand).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert_eq!(a.error_fields(), ["person.email"]);
    assert_eq!(app.count("candidates").await, candidates);
    assert_eq!(app.count("outbox").await, outbox);
}

/// Finding 9: a reset link issued before a password change still worked after it.
async fn a_password_change_ends_every_outstanding_link(app: &TestApp) {
    let token = app.register("lina@example.se", "candidate", &[]).await;
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/reset-request",
            None,
            Some(json!({"email": "lina@example.se"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let link = app.emailed_link("lina@example.se", "password_reset").await;
    let reset_token = link.split("token=").nth(1).expect("token").to_string();
    let a = app
        .post(
            "/api/v1/me/password",
            &token,
            json!({"current_password": PASSWORD, "new_password": "ett helt nytt långt lösenord"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    let late = app
        .request(
            Method::POST,
            "/api/v1/auth/reset",
            None,
            Some(json!({"token": reset_token, "password": "någon annans långa lösenord"})),
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    assert_eq!(late.error_fields(), ["token"]);
    app.token("lina@example.se", "ett helt nytt långt lösenord")
        .await;
}

/// Finding 10: direction overrides and line separators were accepted in one-line fields.
async fn one_line_fields_refuse_direction_overrides(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Sågen AB", "SE-2062"),
        )
        .await;
    let needs = app.count("needs").await;
    for c in ['\u{202E}', '\u{2066}', '\u{2028}'] {
        let mut need = bodies::need(&org, "SE-2062");
        need["title"] = json!(format!("Invoice {c}gnp.exe"));
        let a = app.post("/api/v1/needs", &officer, need).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{c:?}");
        assert_eq!(a.error_fields(), ["title"]);
    }
    let mut org_body = bodies::company("Sågen\u{202D} AB", "SE-2062");
    org_body["org_number"] = json!("556036-0793");
    let a = app.post("/api/v1/organisations", &officer, org_body).await;
    assert_eq!(a.error_fields(), ["name"]);
    assert_eq!(app.count("needs").await, needs);
}

/// Finding 12: `/metrics` answered anyone. Off unless a token is configured; then only with it.
#[tokio::test]
async fn metrics_are_off_without_a_token_and_need_it_when_set() {
    let off = spawn_app_with(Backend::Sqlite, |_| {}).await.expect("app");
    let a = off.request(Method::GET, "/metrics", None, None).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.metrics_token = Some("metrics-secret-2026".to_string().into());
    })
    .await
    .expect("app");
    assert_eq!(
        app.request(Method::GET, "/metrics", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.request(Method::GET, "/metrics", Some("fel"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.request(Method::GET, "/api/v1/needs", None, None).await;
    let a = app
        .request(Method::GET, "/metrics", Some("metrics-secret-2026"), None)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let text = a.body.as_str().unwrap_or_default().to_string();
    let fours: u64 = text
        .lines()
        .find(|l| l.starts_with("heartland_http_requests_total{class=\"4xx\"}"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(fours >= 3, "the refused requests are counted: {text}");
    assert!(text.contains("heartland_index_documents "), "{text}");
    assert!(text.contains("heartland_index_applied_seq "), "{text}");
    // Liveness stays public.
    assert_eq!(
        app.request(Method::GET, "/healthz", None, None)
            .await
            .status,
        StatusCode::OK
    );
}

/// Finding 5 (the part that needs no crash): `/readyz` says how far the index is behind, and
/// answers 503 beyond the configured bound.
#[tokio::test]
async fn readyz_reports_the_index_lag_and_fails_beyond_its_bound() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.ready_max_lag_seconds = 30)
        .await
        .expect("app");
    let started = std::time::Instant::now();
    loop {
        let r = app.request(Method::GET, "/readyz", None, None).await;
        if r.status == StatusCode::OK {
            assert_eq!(r.body["index"]["lag_events"], 0, "{}", r.body);
            break;
        }
        assert!(started.elapsed().as_secs() < 10, "never ready: {}", r.body);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The indexer stops; a change is written, as if a minute ago.
    let search = app.search.clone();
    tokio::task::spawn_blocking(move || search.stop())
        .await
        .expect("stop");
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    app.create(
        "organisations",
        &officer,
        bodies::company("Sågen AB", "SE-2062"),
    )
    .await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::schema::index_events as e;
        let mut c = db.conn().expect("conn");
        let ago = heartland::db::now() - time::Duration::seconds(60);
        diesel::update(e::table)
            .set(e::created_at.eq(ago))
            .execute(&mut *c)
            .expect("backdate");
    })
    .await
    .expect("db");
    let r = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.body["index"]["lag_events"], 1, "{}", r.body);
    assert!(
        r.body["index"]["lag_seconds"].as_i64().unwrap_or_default() >= 60,
        "{}",
        r.body
    );
    assert!(r.body["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("behind"));
}

crate::on_both_backends!(
    no_limit_or_cursor_crashes_the_server,
    the_sign_in_limit_counts_every_spelling_of_an_address_as_one,
    sign_in_sends_only_to_local_paths,
    only_an_officer_in_scope_records_an_outcome,
    every_list_has_a_bound_named_in_the_error,
    a_company_cannot_change_what_its_organisation_is,
    an_officer_cannot_attach_a_profile_to_someones_account,
    a_password_change_ends_every_outstanding_link,
    one_line_fields_refuse_direction_overrides,
);

/// Finding 11: the link key, the SQLite database and written mail were created world-readable.
/// The service is started with umask 022, in a data directory an older version left loose.
#[cfg(unix)]
#[tokio::test]
async fn what_the_service_writes_is_readable_by_its_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let db = data.join("heartland.db");
    let url = db.to_string_lossy().into_owned();
    let server = crate::crash::start_with(&url, &data, &[]).await;
    let a = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/register", server.base))
        .json(
            &json!({"email": "amina@example.se", "password": PASSWORD, "display_name": "Amina",
                      "role": "candidate", "locale": "sv", "consents": ["matching_ktp"]}),
        )
        .send()
        .await
        .expect("register");
    assert_eq!(a.status(), StatusCode::ACCEPTED);
    let mail = data.join("mail");
    let started = std::time::Instant::now();
    let eml = loop {
        let found = std::fs::read_dir(&mail).ok().and_then(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "eml"))
        });
        if let Some(p) = found {
            break p;
        }
        assert!(started.elapsed().as_secs() < 15, "no email was written");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    server.kill_9();
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&data), 0o700, "the data directory");
    assert_eq!(mode(&mail), 0o700, "the mail directory");
    assert_eq!(mode(&data.join("index")), 0o700, "the index directory");
    for file in [
        db.clone(),
        data.join("heartland.db-wal"),
        data.join("link.key"),
        eml,
    ] {
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        } else {
            assert!(
                file.ends_with("heartland.db-wal"),
                "{} missing",
                file.display()
            );
        }
    }
}

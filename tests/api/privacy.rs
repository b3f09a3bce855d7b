//! Privacy, provably: a canary person's contact details, planted on a candidate, are looked
//! for in every answer of every route to every role, in search, matches, exports and emails —
//! absent wherever they must not be before both sides accept, and everywhere after erasure,
//! down to the SQLite file. Then the matrix of changes: every route that changes a record ×
//! every role × a record that role does not own.

use crate::helpers::{bodies, TestApp, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const CANARY_NAME: &str = "Qwyxa Canarinen";
const CANARY_PHONE: &str = "+46 70 555 19 37";

struct Cast {
    canary_email: String,
    /// (role, token): None is anonymous.
    roles: Vec<(&'static str, Option<String>)>,
    ids: Vec<(&'static str, String)>,
    company: String,
    officer: String,
    canary_id: String,
    need: String,
}

async fn cast(app: &TestApp) -> Cast {
    let canary_email = format!("canary-{}@example.org", uuid::Uuid::new_v4().simple());
    let officer = app
        .staff("officer.a@mora.example", "officer", &["SE-2062"])
        .await;
    let officer_b = app
        .staff("officer.b@roros.example", "officer", &["NO-5025"])
        .await;
    let admin = app.staff("admin@heartland.example", "admin", &[]).await;
    let company = app
        .register("company@sagbruk.example", "company", &[])
        .await;
    let supplier = app.register("supplier@mat.example", "supplier", &[]).await;
    let mentor = app
        .register("mentor@radgiver.example", "mentor", &["matching_mentoring"])
        .await;
    let candidate = app
        .register("other@example.org", "candidate", &["matching_ktp"])
        .await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sagbruket i Mora AB", "SE-2062"),
        )
        .await;
    app.verify_org(&org).await;
    let mut need = bodies::need(&org, "SE-2062");
    need["skills"] = json!(["CAD", "konstruktion"]);
    let need = app.create("needs", &company, need).await;
    let sorg = app
        .create("organisations", &supplier, bodies::supplier("NO-5025"))
        .await;
    app.verify_org(&sorg).await;
    let offer = app.create("offers", &supplier, bodies::offer(&sorg)).await;
    let mentor_id = app
        .create("mentors", &mentor, bodies::mentor("SE-2062"))
        .await;
    let other = app
        .create("candidates", &candidate, bodies::candidate("SE-2062"))
        .await;
    let mun = app
        .create(
            "organisations",
            &officer,
            bodies::municipality_org("SE-2062"),
        )
        .await;
    let procurement = app
        .create(
            "procurements",
            &officer,
            bodies::procurement(&mun, "SE-2062"),
        )
        .await;
    // The canary: recorded by the officer for a person, with a phone number.
    let mut body = bodies::candidate("SE-2062");
    body["person"] =
        json!({"name": CANARY_NAME, "email": canary_email, "phone": CANARY_PHONE, "locale": "sv"});
    body["consents"] = json!(["matching_ktp", "contact"]);
    let canary_id = app.create("candidates", &officer, body).await;
    let _ = other;
    Cast {
        canary_email,
        roles: vec![
            ("anonymous", None),
            ("candidate", Some(candidate)),
            ("mentor", Some(mentor)),
            ("company", Some(company.clone())),
            ("supplier", Some(supplier)),
            ("officer of Mora", Some(officer.clone())),
            ("officer of Røros", Some(officer_b)),
            ("admin", Some(admin)),
        ],
        ids: vec![
            ("organisations", org),
            ("needs", need.clone()),
            ("candidates", canary_id.clone()),
            ("mentors", mentor_id),
            ("procurements", procurement),
            ("offers", offer),
        ],
        company,
        officer,
        canary_id,
        need,
    }
}

/// Every GET path of the route table, with ids of the cast's records, plus searches for the
/// canary and the matches around it.
fn paths(c: &Cast, introduction: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for e in heartland::web::endpoints() {
        if e.method.as_str() != "GET" {
            continue;
        }
        let p = &e.path;
        if p.contains("{id}") {
            for (collection, id) in &c.ids {
                if p.starts_with(&format!("/api/v1/{collection}/")) {
                    out.push(p.replace("{id}", id));
                }
            }
            if p.starts_with("/api/v1/introductions/") || p.starts_with("/introductions/") {
                if let Some(i) = introduction {
                    out.push(p.replace("{id}", i).replace("{action}", "accept"));
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    for q in [
        CANARY_NAME,
        c.canary_email.as_str(),
        "Qwyxa",
        "Maskiningenjör",
    ] {
        out.push(format!("/api/v1/search?q={}", urlencode(q)));
    }
    out.push(format!(
        "/api/v1/candidates/{}/matches?track=ktp",
        c.canary_id
    ));
    out.push("/api/v1/candidates?limit=200".into());
    out.push("/api/v1/introductions?limit=200".into());
    out
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn canaries(c: &Cast) -> [String; 3] {
    [
        c.canary_email.clone(),
        CANARY_PHONE.to_string(),
        CANARY_NAME.to_string(),
    ]
}

/// Crawls every path as every role; returns the (role, path) pairs whose answer holds a canary.
async fn crawl(
    app: &TestApp,
    c: &Cast,
    introduction: Option<&str>,
) -> (usize, Vec<(String, String)>) {
    let mut checked = 0;
    let mut found = Vec::new();
    for (role, token) in &c.roles {
        for path in paths(c, introduction) {
            let a = app
                .request(Method::GET, &path, token.as_deref(), None)
                .await;
            assert!(a.status.as_u16() < 500, "{role} {path}: {}", a.status);
            checked += 1;
            let text = a.body.to_string();
            if canaries(c).iter().any(|k| text.contains(k.as_str())) {
                found.push((role.to_string(), path.clone()));
            }
        }
    }
    (checked, found)
}

/// The rendered emails (subject and both parts) that hold a canary, by recipient.
async fn emails_with_canary(app: &TestApp, c: &Cast) -> Vec<String> {
    let db = app.db.clone();
    let needles = canaries(c);
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::{outbox::OutboxRow, schema::outbox};
        let mut conn = db.conn().expect("conn");
        let rows: Vec<OutboxRow> = outbox::table
            .select(OutboxRow::as_select())
            .load(&mut *conn)
            .expect("outbox");
        let settings = heartland::config::Settings::load(None).expect("settings");
        rows.iter()
            .filter(|r| r.params != "{}")
            .filter_map(|r| {
                let m = heartland::mail::message(r, &settings).ok()?;
                let raw = String::from_utf8_lossy(&m.formatted()).replace("=\r\n", "");
                let decoded = quoted_printable_decode(&raw);
                needles
                    .iter()
                    .any(|n| decoded.contains(n.as_str()) || raw.contains(n.as_str()))
                    .then(|| format!("{} ({})", r.to_address, r.template))
            })
            .collect()
    })
    .await
    .expect("emails")
}

fn quoted_printable_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn the_canary_is_seen_only_by_whom_it_may_be(app: &TestApp) {
    let c = cast(app).await;
    // Wait until the index holds the canary, so that search and matches could leak it.
    let started = std::time::Instant::now();
    loop {
        let a = app
            .get(&format!("/api/v1/needs/{}/matches", c.need), &c.officer)
            .await;
        if a.body["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|h| h["id"] == c.canary_id.as_str()))
        {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "the canary never matched: {}",
            a.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let allowed = ["officer of Mora", "admin"];
    let (checked, found) = crawl(app, &c, None).await;
    let leaks: Vec<_> = found
        .iter()
        .filter(|(r, _)| !allowed.contains(&r.as_str()))
        .collect();
    assert!(leaks.is_empty(), "the canary leaked: {leaks:?}");
    assert!(
        found.iter().any(|(r, _)| r == "officer of Mora"),
        "the officer in scope sees the contact"
    );
    // Exports of everyone else hold nothing of it.
    for (role, token) in &c.roles {
        if let Some(t) = token {
            let e = app.get("/api/v1/me/export", t).await;
            assert_eq!(e.status, StatusCode::OK, "{role}");
            assert!(
                !canaries(&c)
                    .iter()
                    .any(|k| e.body.to_string().contains(k.as_str())),
                "{role}'s export"
            );
        }
    }

    // An introduction proposed: still nothing for the company, in the API or its email.
    let a = app.post("/api/v1/introductions", &c.officer, json!({"track": "ktp",
        "a": {"kind": "need", "id": c.need}, "b": {"kind": "candidate", "id": c.canary_id}, "note": "Hej!"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let intro = a.body["id"].as_str().expect("id").to_string();
    let (checked2, found) = crawl(app, &c, Some(&intro)).await;
    let leaks: Vec<_> = found
        .iter()
        .filter(|(r, _)| !allowed.contains(&r.as_str()))
        .collect();
    assert!(
        leaks.is_empty(),
        "the canary leaked while proposed: {leaks:?}"
    );
    let mails = emails_with_canary(app, &c).await;
    assert!(
        mails.iter().all(|m| m.starts_with(&c.canary_email)),
        "only the canary's own emails name them: {mails:?}"
    );

    // Both accept: now, and only now, the company has the contact.
    let company_accept = app
        .post(
            &format!("/api/v1/introductions/{intro}/accept"),
            &c.company,
            json!(null),
        )
        .await;
    assert_eq!(company_accept.status, StatusCode::OK);
    let canary_link = app
        .emailed(&c.canary_email, "introduction_request", Some(&intro))
        .await["accept_link"]
        .as_str()
        .expect("link")
        .to_string();
    let q = canary_link.split_once('?').expect("query").1.to_string();
    let a = app
        .request(
            Method::POST,
            &format!("/api/v1/introductions/{intro}/accept?{q}"),
            None,
            None,
        )
        .await;
    assert_eq!(a.body["status"], "introduced", "{}", a.body);
    let seen = app
        .get(&format!("/api/v1/introductions/{intro}"), &c.company)
        .await;
    assert_eq!(seen.body["contact"]["email"], c.canary_email.as_str());
    let mails = emails_with_canary(app, &c).await;
    assert!(
        mails
            .iter()
            .any(|m| m.starts_with("company@sagbruk.example")),
        "{mails:?}"
    );

    // The canary takes their account back (a reset link sets a password), exports, erases.
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/reset-request",
            None,
            Some(json!({"email": c.canary_email})),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let reset = app.emailed_link(&c.canary_email, "password_reset").await;
    let token = reset.split("token=").nth(1).expect("token");
    let a = app
        .request(
            Method::POST,
            "/api/v1/auth/reset",
            None,
            Some(json!({"token": token, "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let me = app.token(&c.canary_email, PASSWORD).await;
    let export = app.get("/api/v1/me/export", &me).await;
    assert_eq!(export.status, StatusCode::OK);
    let e = &export.body;
    assert_eq!(
        (e["format"].as_str(), e["version"].as_u64()),
        (Some("heartland-match-export"), Some(1))
    );
    assert_eq!(e["account"]["phone"], CANARY_PHONE);
    assert_eq!(e["records"]["candidates"][0]["id"], c.canary_id.as_str());
    assert!(e["consents"].as_array().is_some_and(|a| a
        .iter()
        .any(|x| x["purpose"] == "matching_ktp" && x["recorded_by_officer"] == true)));
    assert_eq!(e["introductions"][0]["status"], "introduced");
    assert!(e["emails"]
        .as_array()
        .is_some_and(|a| a.iter().any(|m| m["template"] == "introduction_request"
            && m["content"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("/accept?")))));
    assert!(e["audit"].as_array().is_some_and(|a| a
        .iter()
        .any(|x| x["action"] == "profile_recorded_for_person")));

    let wrong = app
        .request(
            Method::DELETE,
            "/api/v1/me",
            Some(&me),
            Some(json!({"password": "inte mitt lösenord alls"})),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.error_fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["password".to_string()]
        )
    );
    let gone = app
        .request(
            Method::DELETE,
            "/api/v1/me",
            Some(&me),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
    assert_eq!(
        app.get("/api/v1/me", &me).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&format!("/api/v1/candidates/{}", c.canary_id), &c.officer)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'account_erased'").await,
        1
    );

    // After erasure: nowhere, for anyone.
    let (checked3, found) = crawl(app, &c, Some(&intro)).await;
    assert!(found.is_empty(), "the canary is still shown: {found:?}");
    let mails = emails_with_canary(app, &c).await;
    assert!(mails.is_empty(), "{mails:?}");
    for (role, token) in &c.roles {
        if let Some(t) = token {
            let e = app.get("/api/v1/me/export", t).await;
            assert!(
                !canaries(&c)
                    .iter()
                    .any(|k| e.body.to_string().contains(k.as_str())),
                "{role}'s export"
            );
        }
    }
    assert_not_in_storage(app, &c).await;
    eprintln!(
        "canary: {} answers checked before, {} while proposed, {} after erasure",
        checked, checked2, checked3
    );
}

/// The database holds no trace of the canary: every table's text, and for SQLite the file and
/// its WAL after a checkpoint (deleted rows are overwritten: `secure_delete`).
async fn assert_not_in_storage(app: &TestApp, c: &Cast) {
    let db = app.db.clone();
    let needles = canaries(c);
    let sqlite = !app.database_url.starts_with("postgres");
    let path = std::path::PathBuf::from(&app.database_url);
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        let mut conn = db.conn().expect("conn");
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        for (table, columns) in [
            ("users", "email || display_name || COALESCE(phone, '')"),
            ("outbox", "to_address || params"),
            ("audit_log", "detail"),
            ("introductions", "note || explanation"),
            ("candidates", "data"),
        ] {
            for n in &needles {
                let q = format!(
                    "SELECT COUNT(*) AS n FROM {table} WHERE {columns} LIKE '%{}%'",
                    n.replace('\'', "''")
                );
                let found = diesel::sql_query(q)
                    .get_result::<N>(&mut *conn)
                    .expect("count")
                    .n;
                assert_eq!(found, 0, "{n} in {table}");
            }
        }
        if sqlite {
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .expect("checkpoint");
            for file in [path.clone(), path.with_extension("db-wal")] {
                let Ok(bytes) = std::fs::read(&file) else {
                    continue;
                };
                for n in &needles {
                    assert!(
                        !bytes.windows(n.len()).any(|w| w == n.as_bytes()),
                        "{n} is still in {}",
                        file.display()
                    );
                }
            }
        }
    })
    .await
    .expect("storage");
}

/// Every route that changes a record, as every role, on a record the role does not own: who
/// may is let through, everyone else is refused (401 signed out, 403 or 404 signed in), and a
/// refusal changes nothing.
async fn the_matrix_of_changes(app: &TestApp) {
    let c = cast(app).await;
    let mut checked = 0;
    let snapshot = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut conn = db.conn().expect("conn");
                heartland::db::Record::ALL
                    .iter()
                    .flat_map(|r| {
                        r.list(
                            &mut conn,
                            &heartland::db::Visible::All,
                            &heartland::db::ListFilter {
                                limit: 1000,
                                ..Default::default()
                            },
                        )
                        .expect("list")
                        .into_iter()
                        .map(|row| (row.id, row.data, row.status))
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .expect("snapshot")
        }
    };
    // Who may change each record (all are in Mora, the Mora officer's scope): the officer of
    // Mora, the admin, and its owner (the canary was recorded by the officer: no one else).
    let owner = |collection: &str| match collection {
        "organisations" | "needs" => Some("company"),
        "offers" => Some("supplier"),
        "mentors" => Some("mentor"),
        _ => None,
    };
    for e in heartland::web::endpoints() {
        let method = Method::from_bytes(e.method.as_str().as_bytes()).expect("method");
        if !matches!(method, Method::PUT | Method::PATCH | Method::DELETE)
            || !e.path.contains("{id}")
        {
            continue;
        }
        let Some((collection, id)) = c
            .ids
            .iter()
            .find(|(col, _)| e.path == format!("/api/v1/{col}/{{id}}"))
        else {
            continue;
        };
        for (role, token) in &c.roles {
            // The offer belongs to a supplier in Røros: the officer of Røros may change it.
            let may = if *collection == "offers" {
                matches!(*role, "admin" | "supplier" | "officer of Røros")
            } else {
                matches!(*role, "officer of Mora" | "admin") || owner(collection) == Some(*role)
            };
            if may && method == Method::DELETE {
                continue; // would take the record away from the roles after it
            }
            let before = snapshot(app).await;
            let body = if method == Method::DELETE {
                None
            } else {
                Some(json!({}))
            };
            let path = e.path.replace("{id}", id);
            let a = app
                .request(method.clone(), &path, token.as_deref(), body)
                .await;
            checked += 1;
            let s = a.status.as_u16();
            match (token.is_none(), may) {
                (true, _) => assert_eq!(s, 401, "{role} {} {path}", method),
                (false, true) => assert!(
                    matches!(s, 200 | 204 | 400 | 422),
                    "{role} {} {path}: {s} {}",
                    method,
                    a.body
                ),
                (false, false) => {
                    assert!(
                        matches!(s, 403 | 404),
                        "{role} {} {path}: {s} {}",
                        method,
                        a.body
                    );
                    assert_eq!(
                        before,
                        snapshot(app).await,
                        "{role} {} {path} changed something",
                        e.method
                    );
                }
            }
        }
    }
    // The introduction actions, as everyone who is not a party.
    let a = app.post("/api/v1/introductions", &c.officer, json!({"track": "ktp",
        "a": {"kind": "need", "id": c.need}, "b": {"kind": "candidate", "id": c.canary_id}, "note": ""})).await;
    let intro = a.body["id"].as_str().expect("id").to_string();
    for (role, token) in &c.roles {
        for action in ["accept", "decline", "withdraw"] {
            if *role == "company" {
                continue;
            }
            let a = app
                .request(
                    Method::POST,
                    &format!("/api/v1/introductions/{intro}/{action}"),
                    token.as_deref(),
                    None,
                )
                .await;
            checked += 1;
            assert!(
                matches!(a.status.as_u16(), 401 | 403 | 404),
                "{role} {action}: {}",
                a.status
            );
        }
        let a = app
            .request(
                Method::PATCH,
                &format!("/api/v1/introductions/{intro}"),
                token.as_deref(),
                Some(json!({"outcome": "placement"})),
            )
            .await;
        checked += 1;
        let s = a.status.as_u16();
        if token.is_none() {
            assert_eq!(s, 401);
        } else if matches!(*role, "officer of Mora" | "admin") {
            assert_eq!(s, 409, "{role}: an outcome only once introduced");
        } else if *role == "officer of Røros" {
            assert_eq!(
                s, 403,
                "{role}: neither side lies in the officer's municipalities"
            );
        } else {
            assert!(matches!(s, 403 | 404), "{role}: {s}");
        }
    }
    let status = app
        .get(&format!("/api/v1/introductions/{intro}"), &c.officer)
        .await;
    assert_eq!(status.body["status"], "proposed");
    eprintln!("matrix: {checked} route × role checks");
}

async fn withdrawing_consent_takes_a_person_out_of_matching_at_once(app: &TestApp) {
    let officer = app
        .staff("officer.a@mora.example", "officer", &["SE-2062"])
        .await;
    let company = app
        .register("company@sagbruk.example", "company", &[])
        .await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sagbruket i Mora AB", "SE-2062"),
        )
        .await;
    app.verify_org(&org).await;
    let mut need = bodies::need(&org, "SE-2062");
    need["skills"] = json!(["CAD", "konstruktion"]);
    let need = app.create("needs", &company, need).await;
    let person = app
        .register(
            "amal@example.org",
            "candidate",
            &["matching_ktp", "contact"],
        )
        .await;
    let id = app
        .create("candidates", &person, bodies::candidate("SE-2062"))
        .await;
    let path = format!("/api/v1/needs/{need}/matches");
    let listed = |body: &Value| {
        body["items"]
            .as_array()
            .is_some_and(|a| a.iter().any(|h| h["id"] == id.as_str()))
    };
    let started = std::time::Instant::now();
    while !listed(&app.get(&path, &officer).await.body) {
        assert!(started.elapsed().as_secs() < 10, "never matched");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let a = app
        .put(
            "/api/v1/me/consents",
            &person,
            json!({"consents": ["contact"]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["consents"], json!(["contact"]));
    // At once: the database check drops it before the index has caught up.
    assert!(!listed(&app.get(&path, &officer).await.body));
    let bad = app
        .put(
            "/api/v1/me/consents",
            &person,
            json!({"consents": ["marketing"]}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.error_fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["consents[0]".to_string()]
        )
    );
    let a = app
        .put(
            "/api/v1/me/consents",
            &person,
            json!({"consents": ["contact", "matching_ktp"]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let started = std::time::Instant::now();
    while !listed(&app.get(&path, &officer).await.body) {
        assert!(started.elapsed().as_secs() < 10, "not back in matching");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let e = app.get("/api/v1/me/export", &person).await;
    let consents = e.body["consents"].as_array().cloned().unwrap_or_default();
    assert!(
        consents
            .iter()
            .any(|c| c["purpose"] == "matching_ktp" && !c["withdrawn_at"].is_null()),
        "the withdrawal is kept: {consents:?}"
    );
}

crate::on_both_backends!(
    the_canary_is_seen_only_by_whom_it_may_be,
    the_matrix_of_changes,
    withdrawing_consent_takes_a_person_out_of_matching_at_once,
);

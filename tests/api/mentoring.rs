//! The mentoring track through the API: a newcomer asks for a mentor, the officer sees the
//! request and the mentees waiting, matches an intake as a cohort (the optimal assignment
//! under the mentors' places), and proposes it at once, all or none.

use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const OFFICER: &str = "eva.handlaggare@mora.example";

fn newcomer(sector: &str, support: &[&str]) -> Value {
    json!({"headline": format!("Startar {sector} i Mora"), "summary": "Ny i Mora sedan 2024.",
           "skills": ["matlagning"], "languages": [{"code": "sv", "level": "B1"}, {"code": "ti", "level": "native"}],
           "municipality": "SE-2062", "max_distance_km": 100, "cross_border_ok": false,
           "available_from": "2027-01-01", "seeking": ["mentoring"],
           "business": {"stage": "idea", "sector": sector, "description": format!("{sector} för företag och fester."),
                        "support_needs": support},
           "gender": "woman", "foreign_background": true})
}

fn mentor(headline: &str, sectors: &[&str], expertise: &[&str], capacity: i64) -> Value {
    json!({"headline": headline, "expertise": expertise, "sectors": sectors,
           "languages": [{"code": "sv", "level": "native"}], "municipality": "SE-2062",
           "capacity": capacity, "cross_border_ok": false, "remote_ok": true})
}

/// Waits until every mentee has `n` mentors among their matches (the indexer follows).
async fn indexed(app: &TestApp, token: &str, mentees: &[String], n: usize) {
    let started = Instant::now();
    for id in mentees {
        loop {
            let a = app
                .get(
                    &format!("/api/v1/candidates/{id}/matches?track=mentoring"),
                    token,
                )
                .await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            if a.body["items"].as_array().map(Vec::len).unwrap_or(0) >= n {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the mentors never matched: {}",
                a.body
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

struct World {
    officer: String,
    mentees: Vec<(String, String)>,
    mentors: Vec<String>,
}

/// Three newcomers in Mora (catering, textiles, catering) and two mentors with one place each:
/// one who has run a catering firm, one general adviser.
async fn world(app: &TestApp) -> World {
    let officer = app.staff(OFFICER, "officer", &["SE-2062"]).await;
    let mut mentees = Vec::new();
    for (i, (sector, support)) in [
        ("catering", &["tax", "rules"][..]),
        ("textil och sömnad", &["market"][..]),
        ("catering och restaurang", &["financing"][..]),
    ]
    .iter()
    .enumerate()
    {
        let token = app
            .register(
                &format!("nykomling{i}@example.org"),
                "candidate",
                &["matching_mentoring", "contact"],
            )
            .await;
        let id = app
            .create("candidates", &token, newcomer(sector, support))
            .await;
        mentees.push((token, id));
    }
    let mut mentors = Vec::new();
    for (i, body) in [
        mentor(
            "Har drivit cateringföretag i tio år",
            &["catering", "restaurang"],
            &["skatt", "livsmedelsregler"],
            1,
        ),
        mentor(
            "Företagsrådgivare: skatt, marknad och finansiering",
            &["catering", "textil", "restaurang"],
            &["skatt", "marknadsföring", "finansiering"],
            1,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let token = app
            .register(
                &format!("mentor{i}@example.org"),
                "mentor",
                &["matching_mentoring", "contact"],
            )
            .await;
        mentors.push(app.create("mentors", &token, body).await);
    }
    let ids: Vec<String> = mentees.iter().map(|(_, id)| id.clone()).collect();
    indexed(app, &officer, &ids, 1).await;
    World {
        officer,
        mentees,
        mentors,
    }
}

pub async fn a_newcomer_asks_for_a_mentor_and_the_officer_sees_it(app: &TestApp) {
    let w = world(app).await;
    let (token, id) = &w.mentees[0];
    let body =
        json!({"candidate_id": id, "note": "Jag vill prata med någon som har startat catering."});
    let first = app
        .post("/api/v1/mentoring/requests", token, body.clone())
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["status"], "open");
    // Asking again gives the request still open, not a second one.
    let again = app.post("/api/v1/mentoring/requests", token, body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["id"], first.body["id"]);

    // Not for someone else's profile; not without a business idea; nothing written.
    let other = app
        .post(
            "/api/v1/mentoring/requests",
            &w.mentees[1].0,
            json!({"candidate_id": id}),
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.error_fields(), ["candidate_id"]);
    let graduate = app
        .register("graduate@example.org", "candidate", &["matching_ktp"])
        .await;
    let gid = app
        .create("candidates", &graduate, bodies::candidate("SE-2062"))
        .await;
    let no = app
        .post(
            "/api/v1/mentoring/requests",
            &graduate,
            json!({"candidate_id": gid}),
        )
        .await;
    assert_eq!(no.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no.body);
    assert!(no.body["error"]["fields"]["candidate_id"][0]
        .as_str()
        .unwrap_or_default()
        .contains("mentoring"));
    let long = app
        .post(
            "/api/v1/mentoring/requests",
            &w.mentees[1].0,
            json!({"candidate_id": w.mentees[1].1, "note": "x".repeat(1001)}),
        )
        .await;
    assert_eq!(long.error_fields(), ["note"]);
    assert_eq!(app.count("mentoring_requests").await, 1);

    // The officer of Mora sees the request, pseudonymous, and the three waiting, the one who
    // asked first.
    let seen = app.get("/api/v1/mentoring/requests", &w.officer).await;
    assert_eq!(seen.status, StatusCode::OK);
    let items = seen.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["mentee"]["title"], "Startar catering i Mora");
    assert_eq!(items[0]["mentee"]["business"]["stage"], "idea");
    assert!(!seen.body.to_string().contains("nykomling0@example.org"));
    let waiting = app.get("/api/v1/mentoring/waiting", &w.officer).await;
    let ids: Vec<&str> = waiting.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], id);
    // Not for others than officers.
    let denied = app.get("/api/v1/mentoring/requests", token).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // An officer elsewhere sees none of them.
    let roros = app
        .staff("per@roros.example", "officer", &["NO-5025"])
        .await;
    let none = app.get("/api/v1/mentoring/waiting", &roros).await;
    assert_eq!(none.body["items"], json!([]));

    // Her export lists the request.
    let export = app.get("/api/v1/me/export", token).await;
    assert_eq!(export.body["mentoring_requests"][0]["id"], first.body["id"]);
}

pub async fn a_cohort_gets_the_best_assignment_and_is_proposed_at_once(app: &TestApp) {
    let w = world(app).await;
    let ids: Vec<String> = w.mentees.iter().map(|(_, id)| id.clone()).collect();
    let asked = app
        .post(
            "/api/v1/mentoring/requests",
            &w.mentees[2].0,
            json!({"candidate_id": ids[2]}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED);

    // What is wrong is named by field, and nothing is kept.
    for (body, field) in [
        (json!({"mentee_ids": []}), "mentee_ids"),
        (json!({"mentee_ids": ["nobody"]}), "mentee_ids[0]"),
        (json!({"mentee_ids": [ids[0], ids[0]]}), "mentee_ids[1]"),
    ] {
        let a = app
            .post("/api/v1/mentoring/cohorts", &w.officer, body)
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert_eq!(a.error_fields(), [field]);
    }
    let not_officer = app
        .post(
            "/api/v1/mentoring/cohorts",
            &w.mentees[0].0,
            json!({"mentee_ids": ids}),
        )
        .await;
    assert_eq!(not_officer.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("mentoring_cohorts").await, 0);

    let plan = app
        .post(
            "/api/v1/mentoring/cohorts",
            &w.officer,
            json!({"mentee_ids": ids}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.body);
    let pairs = plan.body["pairs"].as_array().expect("pairs").clone();
    // Two mentors with one place each: two pairs, one mentee left; each mentor once.
    assert_eq!(pairs.len(), 2, "{}", plan.body);
    assert_eq!(plan.body["unassigned"].as_array().map(Vec::len), Some(1));
    let mut mentors: Vec<&str> = pairs.iter().filter_map(|p| p["mentor"].as_str()).collect();
    mentors.sort();
    let mut expected: Vec<&str> = w.mentors.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(mentors, expected);
    // The total is the sum of the pairs, and no less than going down the list.
    let sum: f64 = pairs.iter().filter_map(|p| p["score"].as_f64()).sum();
    let total = plan.body["total_score"].as_f64().expect("total");
    assert!((sum - total).abs() < 0.01, "{sum} vs {total}");
    assert!(total + 1e-9 >= plan.body["greedy"]["total_score"].as_f64().unwrap_or(0.0));
    assert!(pairs[0]["explanation"]["factors"]
        .as_array()
        .is_some_and(|f| !f.is_empty()));
    let id = plan.body["id"].as_str().expect("id").to_string();
    // Another officer does not see it.
    let other = app
        .staff("olle@mora.example", "officer", &["SE-2062"])
        .await;
    let hidden = app
        .get(&format!("/api/v1/mentoring/cohorts/{id}"), &other)
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // A mentor given twice is refused, and nothing is proposed.
    let twice = app
        .post(
            &format!("/api/v1/mentoring/cohorts/{id}/propose"),
            &w.officer,
            json!({"pairs": [{"mentee": ids[0], "mentor": w.mentors[0]},
                             {"mentee": ids[2], "mentor": w.mentors[0]}]}),
        )
        .await;
    assert_eq!(
        twice.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        twice.body
    );
    assert_eq!(twice.error_fields(), ["pairs[1].mentor"]);
    assert_eq!(app.count("introductions").await, 0);

    let proposed = app
        .post(
            &format!("/api/v1/mentoring/cohorts/{id}/propose"),
            &w.officer,
            json!({}),
        )
        .await;
    assert_eq!(proposed.status, StatusCode::CREATED, "{}", proposed.body);
    assert_eq!(
        proposed.body["introductions"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(app.count("introductions").await, 2);
    // Each pair is an ordinary introduction, both asked.
    let list = app
        .get("/api/v1/introductions?status=proposed", &w.officer)
        .await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2));
    assert!(list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|i| i["track"] == "mentoring"));
    // Proposed once only.
    let again = app
        .post(
            &format!("/api/v1/mentoring/cohorts/{id}/propose"),
            &w.officer,
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Those introduced no longer wait; the one left still does.
    let waiting = app.get("/api/v1/mentoring/waiting", &w.officer).await;
    let left: Vec<&str> = waiting.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    let unassigned = plan.body["unassigned"][0].as_str().expect("left");
    assert_eq!(left, [unassigned]);
}

fn days_ago(n: i64) -> String {
    (time::OffsetDateTime::now_utc().date() - time::Duration::days(n)).to_string()
}

/// Moves the clock of a relationship's check-ins back by `days`.
async fn age_check_ins(app: &TestApp, introduction: &str, days: i64) {
    let (db, id) = (app.db.clone(), introduction.to_string());
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::schema::mentoring_check_ins as ck;
        let mut c = db.conn().expect("conn");
        let rows: Vec<(String, time::PrimitiveDateTime)> = ck::table
            .filter(ck::introduction_id.eq(&id))
            .select((ck::id, ck::created_at))
            .load(&mut *c)
            .expect("check-ins");
        for (cid, at) in rows {
            diesel::update(ck::table.find(&cid))
                .set(ck::created_at.eq(at - time::Duration::days(days)))
                .execute(&mut *c)
                .expect("age");
        }
    })
    .await
    .expect("age");
}

/// Follows a link of an email: the GET only asks; the POST answers.
async fn follow(app: &TestApp, method: reqwest::Method, link: &str) -> (StatusCode, String) {
    let path = link.split_once("://").map(|(_, r)| r).unwrap_or(link);
    let path = &path[path.find('/').unwrap_or(0)..];
    let r = app
        .client
        .request(method, format!("{}{path}", app.address))
        .send()
        .await
        .expect("follow");
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

pub async fn a_relationship_is_checked_on_and_ends_with_a_business(app: &TestApp) {
    let w = world(app).await;
    let (mentee_token, mentee) = &w.mentees[0];
    let mentor_token = app
        .token("mentor0@example.org", crate::helpers::PASSWORD)
        .await;
    let proposed = app
        .post(
            "/api/v1/introductions",
            &w.officer,
            json!({"track": "mentoring", "a": {"kind": "candidate", "id": mentee},
                   "b": {"kind": "mentor", "id": w.mentors[0]}, "note": "Välkomna!"}),
        )
        .await;
    assert_eq!(proposed.status, StatusCode::CREATED, "{}", proposed.body);
    let id = proposed.body["id"].as_str().expect("id").to_string();
    // Not a relationship until both said yes.
    let early = app
        .get(&format!("/api/v1/mentoring/relationships/{id}"), &w.officer)
        .await;
    assert_eq!(early.status, StatusCode::NOT_FOUND);
    for token in [mentee_token, &mentor_token] {
        let a = app
            .post(
                &format!("/api/v1/introductions/{id}/accept"),
                token,
                json!({}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    let mentor_path = format!("/api/v1/mentors/{}", w.mentors[0]);
    assert_eq!(app.get(&mentor_path, &w.officer).await.body["capacity"], 0);
    let path = format!("/api/v1/mentoring/relationships/{id}");
    let r = app.get(&path, mentee_token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["check_ins"], json!([]));
    let mine = app
        .get("/api/v1/mentoring/relationships", &mentor_token)
        .await;
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1));
    // Someone else sees nothing.
    let stranger = app.get(&path, &w.mentees[1].0).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);

    // A start in the future is refused, and nothing is written.
    let future = (time::OffsetDateTime::now_utc().date() + time::Duration::days(3)).to_string();
    let bad = app
        .patch(&path, mentee_token, json!({"started_on": future}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), ["started_on"]);
    assert_eq!(app.count("mentoring_relationships").await, 0);

    // They first met 35 days ago: the one-month check-in goes to both, once.
    let started = app
        .patch(&path, mentee_token, json!({"started_on": days_ago(35)}))
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    app.jobs_pass().await;
    app.jobs_pass().await;
    assert_eq!(
        app.count("outbox WHERE template = 'mentoring_check_in'")
            .await,
        2
    );
    let r = app.get(&path, &w.officer).await.body;
    assert_eq!(r["check_ins"][0]["months"], 1);
    // The mentee answers with one click, without signing in; the GET only asks.
    let email = app
        .emailed("nykomling0@example.org", "mentoring_check_in", Some(&id))
        .await;
    let weekly = email["weekly_link"].as_str().expect("link").to_string();
    let (status, page) = follow(app, reqwest::Method::GET, &weekly).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Vi träffas ungefär varje vecka"), "{page}");
    assert_eq!(
        app.get(&path, &w.officer).await.body["check_ins"][0]["answers"]["a"],
        Value::Null
    );
    let (status, page) = follow(app, reqwest::Method::POST, &weekly).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        app.get(&path, &w.officer).await.body["check_ins"][0]["answers"]["a"],
        "weekly"
    );
    // A link changed to another answer is refused.
    let forged = weekly.replace("/weekly?", "/stopped?");
    let (status, _) = follow(app, reqwest::Method::POST, &forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&path, &w.officer).await.body["check_ins"][0]["answers"]["a"],
        "weekly"
    );

    // Recorded late as 200 days ago: the three-month check-in is made silently, the six-month
    // one is emailed; nothing twice.
    app.patch(&path, &mentor_token, json!({"started_on": days_ago(200)}))
        .await;
    app.jobs_pass().await;
    app.jobs_pass().await;
    assert_eq!(
        app.count("outbox WHERE template = 'mentoring_check_in'")
            .await,
        4
    );
    let r = app.get(&path, &w.officer).await.body;
    assert_eq!(r["check_ins"].as_array().map(Vec::len), Some(3));
    // Three weeks without an answer: it went quiet, and the officer sees it.
    assert_eq!(r["status"], "active");
    age_check_ins(app, &id, 22).await;
    let quiet = app
        .get("/api/v1/mentoring/relationships?status=quiet", &w.officer)
        .await;
    assert_eq!(quiet.body["items"][0]["id"], id.as_str(), "{}", quiet.body);

    // It ends with a business: the organisation number is asked for and checked.
    let no_number = app
        .patch(
            &path,
            mentee_token,
            json!({"outcome": "business_registered"}),
        )
        .await;
    assert_eq!(no_number.error_fields(), ["org_number"]);
    let wrong = app
        .patch(
            &path,
            mentee_token,
            json!({"outcome": "business_registered", "org_number": "556036-0794"}),
        )
        .await;
    assert_eq!(wrong.error_fields(), ["org_number"]);
    assert_eq!(app.get(&path, &w.officer).await.body["status"], "quiet");
    let done = app
        .patch(
            &path,
            mentee_token,
            json!({"outcome": "business_registered", "org_number": "5560360793"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["status"], "ended");
    assert_eq!(done.body["org_number"], "556036-0793");
    // The mentor's place comes back, once.
    assert_eq!(app.get(&mentor_path, &w.officer).await.body["capacity"], 1);
    app.patch(
        &path,
        mentee_token,
        json!({"outcome": "business_registered", "org_number": "5560360793"}),
    )
    .await;
    assert_eq!(app.get(&mentor_path, &w.officer).await.body["capacity"], 1);
    // No more check-ins once it ended.
    let r = app
        .patch(&path, &w.officer, json!({"started_on": days_ago(400)}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.jobs_pass().await;
    assert_eq!(
        app.count("outbox WHERE template = 'mentoring_check_in'")
            .await,
        4
    );
    // The indicators count it.
    let ind = app.get("/api/v1/reports/indicators", &w.officer).await.body;
    let m = &ind["mentoring"];
    assert_eq!(m["relationships"]["started"], 1, "{ind}");
    assert_eq!(m["relationships"]["ended"], 1);
    assert_eq!(m["relationships"]["outcomes"]["business_registered"], 1);
    assert_eq!(
        m["businesses_registered"]["org_numbers"],
        json!(["556036-0793"])
    );
    assert_eq!(ind["gender_balance"]["below_minimum"], true);
}

/// Ids no record can have (a NUL, which PostgreSQL refuses in text; surrogates' replacement;
/// a huge string) are told apart from a database failure: a 422 naming the field.
pub async fn ids_no_record_can_have_are_named_not_failed(app: &TestApp) {
    let officer = app.staff(OFFICER, "officer", &["SE-2062"]).await;
    let newcomer = app
        .register("ny@example.org", "candidate", &["matching_mentoring"])
        .await;
    for bad in ["+$\u{bd}\u{7}\u{0}", "\u{fffd}P", &"x".repeat(5000)] {
        let a = app
            .post(
                "/api/v1/mentoring/cohorts",
                &officer,
                json!({"mentee_ids": [bad]}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert_eq!(a.error_fields(), ["mentee_ids[0]"]);
        let a = app
            .post(
                "/api/v1/mentoring/requests",
                &newcomer,
                json!({"candidate_id": bad}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        let a = app
            .post(
                "/api/v1/introductions",
                &officer,
                json!({"track": "mentoring", "a": {"kind": "candidate", "id": bad},
                       "b": {"kind": "mentor", "id": bad}}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        for path in [
            format!("/api/v1/mentoring/cohorts/{}", urlencoding(bad)),
            format!("/api/v1/mentoring/relationships/{}", urlencoding(bad)),
        ] {
            let a = app.get(&path, &officer).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}: {}", a.body);
        }
    }
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

crate::on_both_backends!(
    ids_no_record_can_have_are_named_not_failed,
    a_newcomer_asks_for_a_mentor_and_the_officer_sees_it,
    a_cohort_gets_the_best_assignment_and_is_proposed_at_once,
    a_relationship_is_checked_on_and_ends_with_a_business,
);

//! Coaching companies through the API: a need asks for a coach besides (or instead of) a
//! graduate, mentors say whether they coach companies, `route=coach` ranks the coaches for a
//! need and the needs for a coach, and the officer introduces a coach to the company. What a
//! person says they seek is a hard rule: someone seeking a job only is no KTP candidate.

use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const OFFICER: &str = "eva.handlaggare@mora.example";

fn coach(headline: &str, coaches: bool) -> Value {
    json!({"headline": headline, "expertise": ["massanpassning", "lean", "produktkonfigurering"],
           "sectors": ["tillverkning"], "languages": [{"code": "sv", "level": "native"}],
           "municipality": "SE-2062", "capacity": 2, "cross_border_ok": false, "remote_ok": true,
           "offers_coaching": coaches})
}

/// The ids of the items of a list answer.
fn ids(a: &Value) -> Vec<String> {
    a["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect()
}

/// Waits until `path` lists at least `n` items (the indexer follows), and gives the answer.
async fn listed(app: &TestApp, token: &str, path: &str, n: usize) -> Value {
    let started = Instant::now();
    loop {
        let a = app.get(path, token).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        if ids(&a.body).len() >= n {
            return a.body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} never listed {n}: {}",
            a.body
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub async fn a_need_finds_its_coach_and_the_officer_introduces_them(app: &TestApp) {
    let officer = app.staff(OFFICER, "officer", &["SE-2062"]).await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Mora Snickeri AB", "SE-2062"),
        )
        .await;
    let mut need = bodies::need(&org, "SE-2062");
    need["title"] = json!("Massanpassade kök");
    need["description"] =
        json!("Från handritade order till en produktkonfigurator och lean i verkstaden.");
    need["skills"] = json!(["massanpassning", "produktkonfigurering", "lean"]);
    need["wants"] = json!(["graduate", "coach"]);
    let wants_coach = app.create("needs", &officer, need.clone()).await;
    need["title"] = json!("Massanpassade garderober");
    if let Some(n) = need.as_object_mut() {
        n.remove("wants");
    }
    let graduate_only = app.create("needs", &officer, need).await;
    let stored = app
        .get(&format!("/api/v1/needs/{graduate_only}"), &officer)
        .await;
    assert_eq!(stored.body["wants"], json!(["graduate"]), "the default");

    let mut coaches = Vec::new();
    for (email, headline, offers) in [
        (
            "gunnar@coach.example",
            "Produktionsrådgivare, massanpassning",
            true,
        ),
        ("ingrid@mentor.example", "Mentor i massanpassning", false),
    ] {
        let t = app.register(email, "mentor", &["matching_mentoring"]).await;
        coaches.push(app.create("mentors", &t, coach(headline, offers)).await);
    }

    // The coach route ranks the mentor who coaches, never the one who does not.
    let found = listed(
        app,
        &officer,
        &format!("/api/v1/needs/{wants_coach}/matches?route=coach"),
        1,
    )
    .await;
    assert_eq!(ids(&found), vec![coaches[0].clone()], "{found}");
    assert_eq!(found["items"][0]["kind"], "mentor");
    let factors = found["items"][0]["explanation"]["factors"].to_string();
    assert!(
        factors.contains("massanpassning") || factors.contains("mass"),
        "{factors}"
    );
    // A need that asks for a graduate only has no coaches; a coach sees only needs asking.
    let none = app
        .get(
            &format!("/api/v1/needs/{graduate_only}/matches?route=coach"),
            &officer,
        )
        .await;
    assert_eq!(ids(&none.body), Vec::<String>::new(), "{}", none.body);
    let needs = listed(
        app,
        &officer,
        &format!("/api/v1/mentors/{}/matches?route=coach", coaches[0]),
        1,
    )
    .await;
    assert_eq!(ids(&needs), vec![wants_coach.clone()], "{needs}");
    let bad = app
        .get(
            &format!("/api/v1/needs/{wants_coach}/matches?route=boss"),
            &officer,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), vec!["route"]);

    // Who a need asks for is checked, and a wrong answer changes nothing.
    for (wants, field) in [(json!([]), "wants"), (json!(["boss"]), "wants[0]")] {
        let a = app
            .patch(
                &format!("/api/v1/needs/{wants_coach}"),
                &officer,
                json!({"wants": wants}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert_eq!(a.error_fields(), vec![field]);
    }

    // The officer introduces the coach; the mentor who does not coach cannot be.
    let proposal = |mentor: &str| {
        json!({"track": "coaching", "a": {"kind": "need", "id": wants_coach},
               "b": {"kind": "mentor", "id": mentor}, "note": "Gunnar har byggt konfiguratorer."})
    };
    let a = app
        .post("/api/v1/introductions", &officer, proposal(&coaches[0]))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["track"], "coaching");
    let refused = app
        .post("/api/v1/introductions", &officer, proposal(&coaches[1]))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.error_fields(), vec!["b.id"]);

    // A coach only: the need leaves the graduates' track.
    let a = app
        .patch(
            &format!("/api/v1/needs/{wants_coach}"),
            &officer,
            json!({"wants": ["coach"]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let cand = app
        .register("amal@example.org", "candidate", &["matching_ktp"])
        .await;
    let mut c = bodies::candidate("SE-2062");
    c["skills"] = json!(["massanpassning", "lean"]);
    let cand = app.create("candidates", &cand, c).await;
    let graduates = listed(
        app,
        &officer,
        &format!("/api/v1/needs/{graduate_only}/matches"),
        1,
    )
    .await;
    assert!(ids(&graduates).contains(&cand), "{graduates}");
    let none = app
        .get(&format!("/api/v1/needs/{wants_coach}/matches"), &officer)
        .await;
    assert_eq!(ids(&none.body), Vec::<String>::new(), "{}", none.body);
}

pub async fn a_person_seeking_a_job_only_is_no_ktp_candidate(app: &TestApp) {
    let officer = app.staff(OFFICER, "officer", &["SE-2062"]).await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Mora Verkstad AB", "SE-2062"),
        )
        .await;
    let need = app
        .create("needs", &officer, bodies::need(&org, "SE-2062"))
        .await;
    let mut made = Vec::new();
    for (email, seeking) in [
        ("job@example.org", json!(["job"])),
        ("ktp@example.org", json!(["ktp", "job"])),
    ] {
        let t = app.register(email, "candidate", &["matching_ktp"]).await;
        let mut c = bodies::candidate("SE-2062");
        c["skills"] = json!(["dataanalys", "Python"]);
        c["seeking"] = seeking;
        made.push(app.create("candidates", &t, c).await);
    }
    let found = listed(app, &officer, &format!("/api/v1/needs/{need}/matches"), 1).await;
    assert_eq!(
        ids(&found),
        vec![made[1].clone()],
        "only who seeks KTP: {found}"
    );
    let a = app
        .post(
            "/api/v1/introductions",
            &officer,
            json!({"track": "ktp", "a": {"kind": "need", "id": need},
                   "b": {"kind": "candidate", "id": made[0]}, "note": ""}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
}

crate::on_both_backends!(
    a_need_finds_its_coach_and_the_officer_introduces_them,
    a_person_seeking_a_job_only_is_no_ktp_candidate,
);

//! Ranked, explained matches through the API, on the demo region and on records made in the
//! test; the database has the last word over the index.

use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Polls `path` until `done` holds for its body (the indexer works in the background); fails
/// the test when it never does within 10 s.
async fn eventually(
    app: &TestApp,
    token: &str,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let a = app.get(path, token).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        if done(&a.body) {
            return a.body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} never showed what was waited for: {}",
            a.body
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn titles(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["title"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn load_demo(app: &TestApp) -> String {
    let (db, mut settings) = (
        app.db.clone(),
        heartland::config::Settings::load(None).expect("settings"),
    );
    settings.data_dir = app.data_dir.clone();
    tokio::task::spawn_blocking(move || heartland::demo::load(&db, &settings).expect("demo"))
        .await
        .expect("demo");
    app.token(
        &format!("officer.roros@{}", heartland::demo::DEMO_DOMAIN),
        heartland::demo::DEMO_PASSWORD,
    )
    .await
}

async fn find(app: &TestApp, token: &str, collection: &str, title_part: &str) -> String {
    let all = app
        .get(&format!("/api/v1/{collection}?limit=200"), token)
        .await
        .body;
    all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| {
            i["title"]
                .as_str()
                .or(i["headline"].as_str())
                .unwrap_or_default()
                .contains(title_part)
        })
        .and_then(|i| i["id"].as_str())
        .unwrap_or_else(|| panic!("no {collection} like {title_part}"))
        .to_string()
}

/// The demo region loaded, its need whose title holds `title_part`, and that need's matches
/// once the indexer has followed the demo: (the officer's token, the matches).
async fn demo_need_matches(app: &TestApp, title_part: &str) -> (String, Value) {
    let officer = load_demo(app).await;
    let need = find(app, &officer, "needs", title_part).await;
    let body = eventually(
        app,
        &officer,
        &format!("/api/v1/needs/{need}/matches"),
        |b| !ids(b).is_empty(),
    )
    .await;
    (officer, body)
}

async fn a_norwegian_welding_need_finds_swedish_welders_with_explanations(app: &TestApp) {
    let officer = load_demo(app).await;
    let need = find(app, &officer, "needs", "Sveiseingeniør").await;
    let body = eventually(
        app,
        &officer,
        &format!("/api/v1/needs/{need}/matches"),
        |b| titles(b).len() >= 2,
    )
    .await;
    let t = titles(&body);
    assert!(t[0].contains("Svetsingenjör"), "{t:?}");
    assert!(
        t.iter().any(|x| x.contains("Svetsare och plåtslagare")),
        "{t:?}"
    );
    assert!(
        !t.iter().any(|x| x.contains("Malmö")),
        "a Malmö welder with a 30 km radius is shown for Røros: {t:?}"
    );
    for item in body["items"].as_array().expect("items") {
        let factors = item["explanation"]["factors"].as_array().expect("factors");
        let names: Vec<&str> = factors.iter().filter_map(|f| f["name"].as_str()).collect();
        assert_eq!(
            names,
            ["text", "skills", "languages", "distance", "availability"]
        );
        assert!(factors
            .iter()
            .all(|f| (0.0..=1.0).contains(&f["score"].as_f64().unwrap_or(-1.0))));
        assert!(item["score"].as_f64().unwrap_or_default() > 0.0);
    }
    let top = &body["items"][0]["explanation"]["factors"];
    assert!(
        top[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("welding"),
        "{top}"
    );
    assert!(
        top[3]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("crosses the border"),
        "{top}"
    );
    let scores: Vec<f64> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["score"].as_f64())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {scores:?}"
    );
}

async fn a_ktp_target_need_requiring_arabic_never_shows_a_candidate_without_it(app: &TestApp) {
    let (officer, body) = demo_need_matches(app, "Mellanöstern").await;
    assert!(
        titles(&body).iter().any(|t| t.contains("arabiska")),
        "{:?}",
        titles(&body)
    );
    for id in ids(&body) {
        let c = app
            .get(&format!("/api/v1/candidates/{id}"), &officer)
            .await
            .body;
        let arabic = c["languages"]
            .as_array()
            .expect("languages")
            .iter()
            .any(|l| {
                l["code"] == "ar"
                    && ["B2", "C1", "C2", "native"]
                        .contains(&l["level"].as_str().unwrap_or_default())
            });
        assert!(arabic, "{} has no Arabic B2", c["headline"]);
    }
    let target = &body["items"][0]["explanation"]["factors"];
    assert!(
        target
            .as_array()
            .expect("factors")
            .iter()
            .any(|f| f["name"] == "ktp_target"),
        "{target}"
    );
}

/// A need and a candidate made in the test, matched on welding.
async fn welding_pair(app: &TestApp, officer: &str) -> (String, String) {
    let org = app
        .create(
            "organisations",
            officer,
            bodies::company("Røros Sveis AS", "NO-5025"),
        )
        .await;
    let mut need = bodies::need(&org, "NO-5025");
    need["title"] = json!("Sveiser til verkstedet");
    need["skills"] = json!(["sveising"]);
    need["languages"] = json!([]);
    let need = app.create("needs", officer, need).await;
    let mut cand = bodies::candidate("NO-5025");
    cand["headline"] = json!("Svetsare med TIG-certifikat");
    cand["skills"] = json!(["svetsning"]);
    cand["person"] = json!({"name": "Test Person", "email": "welder@example.no", "locale": "nb"});
    cand["consents"] = json!(["matching_ktp", "contact"]);
    let cand = app.create("candidates", officer, cand).await;
    (need, cand)
}

async fn a_saved_record_appears_in_matches_and_a_withdrawn_one_never_does(app: &TestApp) {
    let officer = app.staff("officer@roros.no", "officer", &["NO-5025"]).await;
    let (need, cand) = welding_pair(app, &officer).await;
    let path = format!("/api/v1/needs/{need}/matches");
    let body = eventually(app, &officer, &path, |b| ids(b).contains(&cand)).await;
    assert_eq!(
        ids(&body),
        vec![cand.clone()],
        "the new candidate is matched"
    );
    // Withdrawn: gone at once, whether or not the index has caught up.
    let a = app
        .patch(
            &format!("/api/v1/candidates/{cand}"),
            &officer,
            json!({"status": "inactive"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(ids(&app.get(&path, &officer).await.body).is_empty());
    app.patch(
        &format!("/api/v1/candidates/{cand}"),
        &officer,
        json!({"status": "active"}),
    )
    .await;
    eventually(app, &officer, &path, |b| ids(b).contains(&cand)).await;
    assert_eq!(
        app.delete(&format!("/api/v1/candidates/{cand}"), &officer)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(ids(&app.get(&path, &officer).await.body).is_empty());
}

async fn matches_are_shown_to_the_owner_pseudonymously_and_to_no_one_else(app: &TestApp) {
    let officer = app.staff("officer@roros.no", "officer", &["NO-5025"]).await;
    let company = app.register("hr@sveis.no", "company", &[]).await;
    let org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sveis AS", "NO-5025"),
        )
        .await;
    app.verify_org(&org).await;
    let mut need = bodies::need(&org, "NO-5025");
    need["skills"] = json!(["sveising"]);
    need["languages"] = json!([]);
    let need = app.create("needs", &company, need).await;
    let (_, cand) = welding_pair(app, &officer).await;
    let path = format!("/api/v1/needs/{need}/matches");
    let body = eventually(app, &company, &path, |b| ids(b).contains(&cand)).await;
    let text = body.to_string();
    for secret in [
        "Test Person",
        "welder@example.no",
        "woman",
        "foreign_background",
        "owner_id",
    ] {
        assert!(!text.contains(secret), "the company saw {secret}: {text}");
    }
    let other = app.register("hr@annen.no", "company", &[]).await;
    assert_eq!(app.get(&path, &other).await.status, StatusCode::FORBIDDEN);
    let supplier = app.register("sales@x.no", "supplier", &[]).await;
    assert_eq!(
        app.get(&path, &supplier).await.status,
        StatusCode::FORBIDDEN
    );
    // The candidate sees the need from the other side.
    let person = app
        .register("kari@example.no", "candidate", &["matching_ktp"])
        .await;
    let mut own = bodies::candidate("NO-5025");
    own["skills"] = json!(["sveising"]);
    let own = app.create("candidates", &person, own).await;
    let back = eventually(
        app,
        &person,
        &format!("/api/v1/candidates/{own}/matches?track=ktp"),
        |b| ids(b).contains(&need),
    )
    .await;
    assert!(ids(&back).contains(&need));
    assert_eq!(
        app.get(&format!("/api/v1/candidates/{cand}/matches"), &person)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn mentees_find_mentors_and_procurements_find_offers(app: &TestApp) {
    let officer = load_demo(app).await;
    let mentee = find(app, &officer, "candidates", "Restaurang med afghanska").await;
    let mentors = eventually(
        app,
        &officer,
        &format!("/api/v1/candidates/{mentee}/matches?track=mentoring"),
        |b| !ids(b).is_empty(),
    )
    .await;
    assert!(
        titles(&mentors)
            .iter()
            .any(|t| t.contains("Arabisktalande") || t.contains("Bankman") || t.contains("vd")),
        "{:?}",
        titles(&mentors)
    );
    let first = &mentors["items"][0]["explanation"]["factors"];
    assert!(
        first
            .as_array()
            .expect("factors")
            .iter()
            .any(|f| f["name"] == "capacity"),
        "{first}"
    );

    let procurement = find(app, &officer, "procurements", "Måltider").await;
    let offers = eventually(
        app,
        &officer,
        &format!("/api/v1/procurements/{procurement}/matches"),
        |b| !ids(b).is_empty(),
    )
    .await;
    assert!(
        titles(&offers).iter().any(|t| t.contains("Catering")),
        "{:?}",
        titles(&offers)
    );
    assert!(
        !titles(&offers).iter().any(|t| t.contains("Lokalvård")),
        "cleaning does not serve meals: {:?}",
        titles(&offers)
    );
    let cpv = offers["items"][0]["explanation"]["factors"]
        .as_array()
        .expect("factors")
        .iter()
        .find(|f| f["name"] == "cpv")
        .cloned()
        .expect("cpv factor");
    assert!(
        cpv["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("55300000-3"),
        "{cpv}"
    );

    let offer = find(app, &officer, "offers", "Bioenergi").await;
    let back = eventually(
        app,
        &officer,
        &format!("/api/v1/offers/{offer}/matches"),
        |b| !ids(b).is_empty(),
    )
    .await;
    assert!(
        titles(&back).iter().any(|t| t.contains("Fjernvarme")),
        "{:?}",
        titles(&back)
    );
}

async fn search_crosses_languages_and_shows_only_what_the_role_may_see(app: &TestApp) {
    let officer = load_demo(app).await;
    let hits = eventually(
        app,
        &officer,
        "/api/v1/search?q=sveising&kind=candidate",
        |b| !ids(b).is_empty(),
    )
    .await;
    assert!(
        titles(&hits).iter().any(|t| t.contains("Svetsingenjör")),
        "{:?}",
        titles(&hits)
    );
    let supplier = app.register("sales@x.no", "supplier", &[]).await;
    let none = app
        .get("/api/v1/search?q=sveising&kind=candidate", &supplier)
        .await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(
        ids(&none.body).is_empty(),
        "a supplier saw candidates: {}",
        none.body
    );
    let needs = app.get("/api/v1/search?q=svetsning", &supplier).await.body;
    assert!(
        titles(&needs).iter().any(|t| t.contains("Sveiseingeniør")),
        "{:?}",
        titles(&needs)
    );
}

async fn bad_match_and_search_parameters_are_named(app: &TestApp) {
    let officer = app.staff("officer@roros.no", "officer", &["NO-5025"]).await;
    let (need, cand) = welding_pair(app, &officer).await;
    let a = app
        .get(&format!("/api/v1/needs/{need}/matches?limit=0"), &officer)
        .await;
    assert_eq!(
        (a.status, a.error_fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["limit".to_string()])
    );
    let b = app
        .get(
            &format!("/api/v1/candidates/{cand}/matches?track=dancing"),
            &officer,
        )
        .await;
    assert_eq!(
        (b.status, b.error_fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["track".to_string()])
    );
    let c = app.get("/api/v1/search?q=&kind=ships", &officer).await;
    assert_eq!(c.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut f = c.error_fields();
    f.sort();
    assert_eq!(f, ["kind", "q"]);
    assert_eq!(
        app.get("/api/v1/needs/no-such-id/matches", &officer)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// A school-transport procurement finds, without a word in common, the supplier of a sibling
/// code (non-scheduled passenger transport) above the one who offers all road transport; the
/// railway operator (another group) is not listed. The same the other way round.
pub async fn sibling_cpv_codes_are_found_and_a_broad_parent_ranks_low(app: &TestApp) {
    let officer = app
        .staff("kari@trysil.example", "officer", &["NO-3421"])
        .await;
    let mut buyer = bodies::municipality_org("NO-3421");
    buyer["name"] = json!("Trysil kommune");
    buyer["country"] = json!("NO");
    buyer["org_number"] = json!("964000018");
    let buyer = app.create("organisations", &officer, buyer).await;
    let mut p = bodies::procurement(&buyer, "NO-3421");
    p["title"] = json!("Skoleskyss");
    p["description"] = json!("Elever til og fra skolen.");
    p["cpv_codes"] = json!(["60130000-8"]);
    p["estimated_value"] = json!({"amount": 9000000, "currency": "NOK"});
    let procurement = app.create("procurements", &officer, p).await;
    let supplier = app
        .register("lever@example.org", "supplier", &["contact"])
        .await;
    let mut org = bodies::supplier("NO-3421");
    org["municipality"] = json!("NO-3421");
    let org = app.create("organisations", &supplier, org).await;
    app.verify_org(&org).await;
    let mut offers = Vec::new();
    for (title, code) in [
        ("Turkjøring med minibuss", "60140000-1"),
        ("Alt av veitransport", "60100000-9"),
        ("Jernbane", "60200000-0"),
    ] {
        offers.push(
            app.create(
                "offers",
                &supplier,
                json!({"organisation_id": org, "title": title, "description": "Erfarne sjåfører.",
                       "cpv_codes": [code], "serves": ["NO-3421"], "cross_border_ok": false}),
            )
            .await,
        );
    }
    let ids = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["id"].as_str().map(str::to_string))
            .collect()
    };
    let found = eventually(
        app,
        &officer,
        &format!("/api/v1/procurements/{procurement}/matches"),
        |b| ids(b).len() >= 2,
    )
    .await;
    assert_eq!(
        ids(&found),
        vec![offers[0].clone(), offers[1].clone()],
        "{found}"
    );
    let back = eventually(
        app,
        &supplier,
        &format!("/api/v1/offers/{}/matches", offers[0]),
        |b| !ids(b).is_empty(),
    )
    .await;
    assert_eq!(ids(&back), vec![procurement.clone()]);
    let none = app
        .get(&format!("/api/v1/offers/{}/matches", offers[2]), &supplier)
        .await;
    assert_eq!(ids(&none.body), Vec::<String>::new(), "{}", none.body);
}

/// A need nobody holds the skills for: rather than an empty list, the graduates whose own
/// experience is in its trade, each marked `related_trade` and explained; a nurse never.
async fn a_need_nobody_holds_the_skills_for_shows_graduates_of_its_trade(app: &TestApp) {
    let officer = app
        .staff("officer@ludvika.se", "officer", &["SE-2085", "SE-2081"])
        .await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Ludvika Hydraulik AB", "SE-2085"),
        )
        .await;
    let mut need = bodies::need(&org, "SE-2085");
    need["title"] = json!("Konstruktör för hydraulcylindrar");
    need["description"] = json!("Hydraulcylindrar för skogsmaskiner: 3D-modeller och ritningar.");
    need["skills"] = json!(["CAD", "hållfasthetsberäkning"]);
    need["languages"] = json!([]);
    let need = app.create("needs", &officer, need).await;
    let graduate = |headline: &str, summary: &str, field: &str, skill: &str| {
        let mut c = bodies::candidate("SE-2081");
        c["person"] =
            json!({"name": headline, "email": format!("{skill}@example.se"), "locale": "sv"});
        c["consents"] = json!(["matching_ktp", "contact"]);
        c["headline"] = json!(headline);
        c["summary"] = json!(summary);
        c["education"][0]["field"] = json!(field);
        c["skills"] = json!([skill]);
        c
    };
    let engineer = app
        .create(
            "candidates",
            &officer,
            graduate(
                "Underhållsingenjör",
                "Fem år som underhållstekniker på ett pappersbruk.",
                "Maskinteknik",
                "underhåll",
            ),
        )
        .await;
    let nurse = app
        .create(
            "candidates",
            &officer,
            graduate(
                "Sjuksköterska",
                "Fem år på en vårdcentral.",
                "Omvårdnad",
                "omvårdnad",
            ),
        )
        .await;
    let path = format!("/api/v1/needs/{need}/matches");
    let body = eventually(app, &officer, &path, |b| !ids(b).is_empty()).await;
    assert_eq!(ids(&body), vec![engineer.clone()], "{body}");
    assert!(!ids(&body).contains(&nurse));
    let item = &body["items"][0];
    assert_eq!(item["related_trade"], json!(true), "{item}");
    let skills = item["explanation"]["factors"]
        .as_array()
        .expect("factors")
        .iter()
        .find(|f| f["name"] == "skills")
        .cloned()
        .unwrap_or_default();
    assert!(
        skills["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("of a trade the experience shows"),
        "{skills}"
    );
    // Someone who holds a skill asked for: the list is of such matches only.
    let mut cad = bodies::candidate("SE-2085");
    cad["skills"] = json!(["CAD"]);
    cad["person"] = json!({"name": "Cad", "email": "cad@example.se", "locale": "sv"});
    cad["consents"] = json!(["matching_ktp", "contact"]);
    let cad = app.create("candidates", &officer, cad).await;
    // The list settles on the holder alone once the index has her (while the indexer is
    // between her record and its commit, a list may briefly still be the trade's).
    let body = eventually(app, &officer, &path, |b| ids(b) == vec![cad.clone()]).await;
    assert_eq!(ids(&body), vec![cad], "{body}");
    assert_eq!(body["items"][0]["related_trade"], json!(false));
}

/// The demo region shows the same-trade tier: nobody holds robot programming or PLC, so Røros
/// Stål's robot-cell need lists the engineer of cybernetics, robotics and predictive maintenance
/// first, then the welding engineer and the welder, each marked.
async fn the_demo_robot_cell_need_shows_graduates_of_its_trade(app: &TestApp) {
    let (_, body) = demo_need_matches(app, "robotceller").await;
    let t = titles(&body);
    assert!(t[0].contains("IoT"), "{t:?}");
    assert!(t.iter().any(|x| x.contains("Svetsingenjör")), "{t:?}");
    assert!(!t.iter().any(|x| x.contains("Malmö")), "{t:?}");
    for item in body["items"].as_array().expect("items") {
        assert_eq!(item["related_trade"], json!(true), "{item}");
    }
}

crate::on_both_backends!(
    the_demo_robot_cell_need_shows_graduates_of_its_trade,
    a_need_nobody_holds_the_skills_for_shows_graduates_of_its_trade,
    sibling_cpv_codes_are_found_and_a_broad_parent_ranks_low,
    a_norwegian_welding_need_finds_swedish_welders_with_explanations,
    a_ktp_target_need_requiring_arabic_never_shows_a_candidate_without_it,
    a_saved_record_appears_in_matches_and_a_withdrawn_one_never_does,
    matches_are_shown_to_the_owner_pseudonymously_and_to_no_one_else,
    mentees_find_mentors_and_procurements_find_offers,
    search_crosses_languages_and_shows_only_what_the_role_may_see,
    bad_match_and_search_parameters_are_named,
);

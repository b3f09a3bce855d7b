//! Outcomes over time and the programme's targets: a placement dated by the officer gets
//! follow-ups at 6 and 12 months to both sides, sent once each through a real SMTP server
//! when due (the clock moved by ageing the rows), answered by one-click links; the indicators
//! count placements still in place at 12 months and set what was reached against the
//! configured targets, flagging a gender share under the minimum.

use crate::helpers::{bodies, Backend, TestApp};
use crate::introductions::{app_with_smtp, proposal, world, CANDIDATE, COMPANY};
use crate::smtp::SmtpServer;
use reqwest::StatusCode;
use serde_json::json;

/// Brings every follow-up of an introduction `days` nearer.
async fn age_follow_ups(app: &TestApp, kind: &str, days: i64) {
    let (db, kind) = (app.db.clone(), kind.to_string());
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::schema::follow_ups as fu;
        let mut c = db.conn().expect("conn");
        let rows: Vec<(String, time::Date)> = fu::table
            .filter(fu::kind.eq(&kind))
            .select((fu::id, fu::due_on))
            .load(&mut *c)
            .expect("follow-ups");
        for (id, due) in rows {
            diesel::update(fu::table.find(&id))
                .set(fu::due_on.eq(due - time::Duration::days(days)))
                .execute(&mut *c)
                .expect("age");
        }
    })
    .await
    .expect("age");
}

async fn a_placement_is_followed_up_at_6_and_12_months(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |s| {
        s.target_enterprises_ktp = 3;
        s.target_participants = 1;
    })
    .await
    else {
        return;
    };
    let w = world(&app).await;
    let a = app
        .post("/api/v1/introductions", &w.officer, proposal(&w))
        .await;
    let id = a.body["id"].as_str().expect("id").to_string();
    for token in [&w.company, &w.candidate] {
        let r = app
            .post(
                &format!("/api/v1/introductions/{id}/accept"),
                token,
                json!(null),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let path = format!("/api/v1/introductions/{id}");
    let future = app
        .patch(
            &path,
            &w.officer,
            json!({"outcome": "placement", "outcome_on": "2099-01-01"}),
        )
        .await;
    assert_eq!(future.error_fields(), ["outcome_on"]);
    let today = time::OffsetDateTime::now_utc().date();
    let r = app
        .patch(
            &path,
            &w.officer,
            json!({"outcome": "placement", "outcome_on": today.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["outcome_on"], today.to_string());
    let follow = r.body["follow_ups"].as_array().expect("follow_ups");
    assert_eq!(follow.len(), 4, "{}", r.body);
    let six = heartland::introductions::follow_ups::add_months(today, 6).to_string();
    assert_eq!(follow[0]["due_on"], six.as_str());
    assert_eq!(follow[0]["answered_on"], json!(null));

    let before = smtp.settle(&app).await.len();
    // Not yet due: nothing. Due: one email to each side, however many passes run.
    age_follow_ups(&app, "placement_6", 150).await;
    assert_eq!(smtp.settle(&app).await.len(), before);
    age_follow_ups(&app, "placement_6", 40).await;
    smtp.settle(&app).await;
    let got = smtp.settle(&app).await;
    let asked: Vec<_> = got[before..].iter().collect();
    assert_eq!(
        asked.len(),
        2,
        "{:?}",
        asked.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let to_graduate = asked
        .iter()
        .find(|m| m.to == [CANDIDATE])
        .expect("graduate");
    assert!(
        to_graduate.subject.starts_with("How is it going?"),
        "in her language"
    );
    assert!(to_graduate.text.contains("6 months ago"));
    let to_company = asked.iter().find(|m| m.to == [COMPANY]).expect("company");
    assert!(to_company.subject.starts_with("Hvordan går det?"));
    let yes = to_graduate.links(&format!("{}/follow-ups/", app.address));
    let yes: Vec<_> = yes.iter().filter(|l| l.contains("/yes?")).collect();
    assert_eq!(app.follow_link(yes[0]).await, StatusCode::OK);
    let shown = app.get(&path, &w.officer).await;
    let answered: Vec<_> = shown.body["follow_ups"]
        .as_array()
        .expect("follow_ups")
        .iter()
        .filter(|f| f["answer"] == "yes")
        .cloned()
        .collect();
    assert_eq!(answered.len(), 1, "{}", shown.body);
    assert_eq!(answered[0]["kind"], "placement_6");

    // At 12 months the company answers: still there.
    age_follow_ups(&app, "placement_12", 370).await;
    let got = smtp.settle(&app).await;
    let twelve = got
        .iter()
        .find(|m| m.to == [COMPANY] && m.text.contains("12 måneder"))
        .expect("the 12-month follow-up");
    let yes: Vec<_> = twelve
        .links(&format!("{}/follow-ups/", app.address))
        .into_iter()
        .filter(|l| l.contains("/yes?"))
        .collect();
    assert_eq!(app.follow_link(&yes[0]).await, StatusCode::OK);
    let ind = app.get("/api/v1/reports/indicators", &w.officer).await;
    assert_eq!(
        ind.body["placements"]["total"], 1,
        "{}",
        ind.body["placements"]
    );
    assert_eq!(ind.body["placements"]["followed_up_at_12_months"], 1);
    assert_eq!(
        ind.body["placements"]["in_place_at_12_months"]["total"],
        "<5"
    );

    // The targets: one enterprise of three in KTP (not met), one participant of one (met).
    let targets = ind.body["targets"].as_array().expect("targets");
    assert_eq!(
        targets[0],
        json!({"key": "enterprises.ktp", "target": 3, "actual": 1, "met": false})
    );
    assert_eq!(
        targets[1],
        json!({"key": "participants", "target": 1, "actual": 1, "met": true})
    );
    assert_eq!(ind.body["gender_balance"]["minimum"], 0.4);
}

/// A procurement introduction is followed up with the buyer at the planned tender.
async fn the_buyer_is_asked_at_tender_who_bid(backend: Backend) {
    let smtp = SmtpServer::start("none");
    let Some(app) = app_with_smtp(backend, &smtp, |_| {}).await else {
        return;
    };
    let officer = app.staff("karin@mora.se", "officer", &["SE-2062"]).await;
    let buyer = app
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
            bodies::procurement(&buyer, "SE-2062"),
        )
        .await;
    let supplier = app
        .register(
            "kok@fjellkjokken.no",
            "supplier",
            &["contact", "matching_procurement"],
        )
        .await;
    let org = app
        .create("organisations", &supplier, bodies::supplier("NO-5025"))
        .await;
    app.verify_org(&org).await;
    let offer = app.create("offers", &supplier, bodies::offer(&org)).await;
    let a = app
        .post(
            "/api/v1/introductions",
            &officer,
            json!({"track": "procurement", "a": {"kind": "procurement", "id": procurement},
                   "b": {"kind": "offer", "id": offer}, "note": "Tidig dialog."}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().expect("id").to_string();
    for token in [&officer, &supplier] {
        let r = app
            .post(
                &format!("/api/v1/introductions/{id}/accept"),
                token,
                json!(null),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = app
        .patch(
            &format!("/api/v1/introductions/{id}"),
            &officer,
            json!({"outcome": "meeting_held"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["follow_ups"],
        json!([{"kind": "tender", "party": "a", "due_on": "2027-04-01", "answered_on": null, "answer": null}])
    );
    let before = smtp.settle(&app).await.len();
    age_follow_ups(&app, "tender", 400).await;
    smtp.settle(&app).await;
    let got = smtp.settle(&app).await;
    assert_eq!(got.len(), before + 1, "one question, to the buyer");
    let q = &got[before];
    assert_eq!(q.to, ["karin@mora.se"]);
    assert_eq!(q.subject, "Vilka lämnade anbud? Skolmåltider");
    let link: Vec<_> = q
        .links(&format!("{}/follow-ups/", app.address))
        .into_iter()
        .filter(|l| l.contains("/cross_border?"))
        .collect();
    assert_eq!(app.follow_link(&link[0]).await, StatusCode::OK);
    let shown = app
        .get(&format!("/api/v1/introductions/{id}"), &officer)
        .await;
    assert_eq!(shown.body["follow_ups"][0]["answer"], "cross_border");
}

#[tokio::test]
async fn sqlite_the_buyer_is_asked_at_tender_who_bid() {
    the_buyer_is_asked_at_tender_who_bid(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_the_buyer_is_asked_at_tender_who_bid() {
    the_buyer_is_asked_at_tender_who_bid(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_placement_is_followed_up_at_6_and_12_months() {
    a_placement_is_followed_up_at_6_and_12_months(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_placement_is_followed_up_at_6_and_12_months() {
    a_placement_is_followed_up_at_6_and_12_months(Backend::Postgres).await;
}

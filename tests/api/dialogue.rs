//! The market dialogue through the API, as API.md's "Market dialogue" gives it: an officer in
//! Trysil opens the dialogue on school transport; the invitations go to the Norwegian and the
//! Swedish supplier the ranking finds; both register; one asks and both receive the answer;
//! both book slots (the `.ics` parsed by a real iCalendar parser); a summary is published; the
//! procurement goes to tender and what comes late is refused; the record and its
//! equal-treatment check say n of n. And every refusal, with its status.

use crate::helpers::{bodies, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const OFFICER: &str = "kari.radgiver@trysil.example";
const TRYSIL: &str = "NO-3421";

/// Runs `tests/dialogue/parse.py KIND` on `input` with the test Python (icalendar, feedparser).
pub fn parse(kind: &str, input: &str) -> Value {
    let python = std::env::var("HEARTLAND_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dialogue/parse.py");
    let mut child = Command::new(python)
        .args([script, kind])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("parse");
    assert!(
        out.status.success(),
        "the {kind} parser refused it ({}): {input}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

pub struct World {
    pub officer: String,
    /// Trysil kommune, the buyer.
    pub buyer: String,
    pub procurement: String,
    /// (token, organisation id, email) of the Norwegian and the Swedish supplier.
    pub suppliers: Vec<(String, String, String)>,
}

/// A supplier with an account, its organisation and an offer of school transport.
async fn supplier(app: &TestApp, email: &str, org: Value, offer: Value) -> (String, String) {
    let token = app.register(email, "supplier", &["contact"]).await;
    let org_id = app.create("organisations", &token, org).await;
    app.verify_org(&org_id).await;
    let mut offer = offer;
    offer["organisation_id"] = json!(org_id);
    app.create("offers", &token, offer).await;
    (token, org_id)
}

/// Trysil's school-transport procurement (planned) and two suppliers whose offers match it:
/// Trysil Turbuss AS in Norway and Malung Buss AB across the border.
pub async fn world(app: &TestApp) -> World {
    let mut w = parties(app).await;
    w.procurement = app
        .create(
            "procurements",
            &w.officer,
            json!({"organisation_id": w.buyer, "title": "Skoleskyss i Trysil 2027–2031",
                   "description": "Skoleskyss med buss og drosje for 140 elever på sju ruter.",
                   "cpv_codes": ["60130000-8"], "estimated_value": {"amount": 9000000, "currency": "NOK"},
                   "dialogue_deadline": "2027-02-15", "tender_planned": "2027-04-01",
                   "municipality": TRYSIL}),
        )
        .await;
    both_ranked(app, &w).await;
    w
}

/// Trysil's officer and its buyer organisation, and the two suppliers with their offers; no
/// procurement yet.
pub async fn parties(app: &TestApp) -> World {
    let officer = app.staff(OFFICER, "officer", &[TRYSIL]).await;
    let buyer = app
        .create(
            "organisations",
            &officer,
            json!({"name": "Trysil kommune", "kind": "municipality", "org_number": "964000018",
                   "country": "NO", "municipality": TRYSIL, "size": "large"}),
        )
        .await;
    let no = supplier(
        app,
        "post@trysilturbuss.example",
        json!({"name": "Trysil Turbuss AS", "kind": "supplier", "org_number": "923609016",
               "country": "NO", "municipality": TRYSIL, "size": "small"}),
        json!({"title": "Skoleskyss og turbuss", "description": "Skoleskyss med buss i Trysil og Engerdal.",
               "cpv_codes": ["60130000-8"], "serves": [TRYSIL, "NO-3425"], "cross_border_ok": false}),
    )
    .await;
    let mut org = bodies::supplier("SE-2023");
    org["name"] = json!("Malung Buss AB");
    org["country"] = json!("SE");
    org["org_number"] = json!("556012-5790");
    let se = supplier(
        app,
        "info@malungbuss.example",
        org,
        json!({"title": "Skolskjuts med buss", "description": "Skolskjuts och linjetrafik i Malung-Sälen och över gränsen.",
               "cpv_codes": ["60130000-8"], "serves": ["SE-2023", TRYSIL], "cross_border_ok": true}),
    )
    .await;
    World {
        officer,
        buyer,
        procurement: String::new(),
        suppliers: vec![
            (no.0, no.1, "post@trysilturbuss.example".into()),
            (se.0, se.1, "info@malungbuss.example".into()),
        ],
    }
}

/// Waits until the indexer has followed and the ranking finds both suppliers' offers for the
/// procurement.
pub async fn both_ranked(app: &TestApp, w: &World) {
    let (officer, procurement) = (&w.officer, &w.procurement);
    let started = Instant::now();
    loop {
        let a = app
            .get(
                &format!("/api/v1/procurements/{procurement}/dialogue/invitations"),
                officer,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        if a.body["items"].as_array().map(Vec::len) == Some(2) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the ranking never found both suppliers: {}",
            a.body
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn path(w: &World, rest: &str) -> String {
    format!("/api/v1/procurements/{}/dialogue{rest}", w.procurement)
}

/// Waits until every email queued so far has left (the mailer writes files in these tests).
async fn drained(app: &TestApp) {
    let started = Instant::now();
    while app.count("outbox WHERE status <> 'sent'").await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the outbox did not drain"
        );
        app.mailer.wake();
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub async fn the_dialogue_runs_from_invitation_to_record(app: &TestApp) {
    let w = world(app).await;
    let (no, se) = (&w.suppliers[0], &w.suppliers[1]);
    // Before opening: nothing public.
    let a = app
        .request(
            Method::GET,
            &format!("/procurements/{}", w.procurement),
            None,
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    let a = app
        .post(
            &path(&w, ""),
            &w.officer,
            json!({"notice": {"nb": "Vi vil høre om el-busser og ruter før konkurransen."}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let invited: Vec<&str> = a.body["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(
        invited.contains(&"Trysil Turbuss AS") && invited.contains(&"Malung Buss AB"),
        "{invited:?}"
    );
    // The same text, the same day, to each, in its own language around it.
    let (to_no, to_se) = (
        app.emailed(&no.2, "dialogue_invitation", None).await,
        app.emailed(&se.2, "dialogue_invitation", None).await,
    );
    assert_eq!(to_no["notice"], to_se["notice"]);
    assert_eq!(
        to_no["notice"],
        "Vi vil høre om el-busser og ruter før konkurransen."
    );
    // Opening twice is refused.
    let again = app
        .post(&path(&w, ""), &w.officer, json!({"notice": {"nb": "x"}}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The public notice and the county's Atom feed, without signing in.
    let a = app
        .request(
            Method::GET,
            &format!("/procurements/{}", w.procurement),
            None,
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a
        .body
        .as_str()
        .unwrap_or_default()
        .contains("Skoleskyss i Trysil"));
    let feed = app
        .request(
            Method::GET,
            "/feeds/procurements.atom?county=NO-34",
            None,
            None,
        )
        .await;
    assert_eq!(feed.status, StatusCode::OK);
    let parsed = parse("atom", feed.body.as_str().expect("xml"));
    assert_eq!(parsed["bozo"], false, "{parsed}");
    assert_eq!(parsed["version"], "atom10");
    assert_eq!(
        parsed["entries"][0]["title"],
        "Skoleskyss i Trysil 2027–2031"
    );
    let elsewhere = app
        .request(
            Method::GET,
            "/feeds/procurements.atom?county=SE-17",
            None,
            None,
        )
        .await;
    assert_eq!(
        parse("atom", elsewhere.body.as_str().expect("xml"))["entries"],
        json!([])
    );

    // Both register; a second registration returns the first.
    for (token, org, email) in &w.suppliers {
        let body = json!({"organisation_id": org, "contact": {"name": "Kontakt", "email": email, "phone": "+47 62 45 00 00"}});
        let a = app
            .post(&path(&w, "/registrations"), token, body.clone())
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let twice = app.post(&path(&w, "/registrations"), token, body).await;
        assert_eq!(twice.status, StatusCode::OK);
    }

    // The Swedish supplier asks; the Norwegian one never sees who, nor the question unanswered.
    let q = app
        .post(
            &path(&w, "/questions"),
            &se.0,
            json!({"text": "Får vi lämna anbud på enstaka linjer?"}),
        )
        .await;
    assert_eq!(q.status, StatusCode::CREATED, "{}", q.body);
    let qid = q.body["id"].as_str().expect("id").to_string();
    let theirs = app
        .get(&path(&w, &format!("/questions/{qid}")), &no.0)
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let view = app.get(&path(&w, ""), &no.0).await;
    assert_eq!(view.body["questions"], json!([]));
    assert_eq!(view.body["registrations"].as_array().map(Vec::len), Some(1));
    let officer_view = app.get(&path(&w, ""), &w.officer).await;
    assert_eq!(
        officer_view.body["questions"][0]["asked_by"]["name"],
        "Malung Buss AB"
    );

    // The answer goes to both, and again as version 2.
    for (text, version) in [
        ("Ja, per linje.", 1),
        ("Ja, per linje eller for alle sju.", 2),
    ] {
        let a = app
            .post(
                &path(&w, &format!("/questions/{qid}/answer")),
                &w.officer,
                json!({"text": text}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        assert_eq!(a.body["version"], version);
        for (_, _, email) in &w.suppliers {
            let m = app.emailed(email, "dialogue_published", None).await;
            assert_eq!(m["items"][0]["text"], text);
            assert_eq!(m["items"][0]["version"], version);
        }
    }
    let view = app.get(&path(&w, ""), &no.0).await;
    let seen = &view.body["questions"][0];
    assert_eq!(seen["text"], "Får vi lämna anbud på enstaka linjer?");
    assert_eq!(seen["answers"].as_array().map(Vec::len), Some(2));
    assert!(
        seen.get("asked_by").is_none() && seen.get("id").is_none(),
        "{seen}"
    );

    // Two 1:1 slots of 30 minutes and the conference, in Trysil's time.
    let slots = app
        .post(&path(&w, "/slots"), &w.officer,
              json!({"starts_at": "2027-02-10T10:00", "minutes": 30, "count": 2, "place": "Trysil rådhus"}))
        .await;
    assert_eq!(slots.status, StatusCode::CREATED, "{}", slots.body);
    let ids: Vec<String> = slots.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(slots.body["items"][1]["starts_at"], "2027-02-10T10:30");
    let conf = app
        .post(&path(&w, "/slots"), &w.officer,
              json!({"kind": "conference", "starts_at": "2027-01-20T09:00", "minutes": 120, "place": "https://video.example/trysil"}))
        .await;
    assert_eq!(conf.status, StatusCode::CREATED, "{}", conf.body);
    let a = app
        .post(
            &path(&w, &format!("/slots/{}/booking", ids[0])),
            &no.0,
            json!({}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let twice = app
        .post(
            &path(&w, &format!("/slots/{}/booking", ids[1])),
            &no.0,
            json!({}),
        )
        .await;
    assert_eq!(
        twice.status,
        StatusCode::CONFLICT,
        "one booking per supplier"
    );
    let taken = app
        .post(
            &path(&w, &format!("/slots/{}/booking", ids[0])),
            &se.0,
            json!({}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "first come");
    let a = app
        .post(
            &path(&w, &format!("/slots/{}/booking", ids[1])),
            &se.0,
            json!({}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    // The invitation parses, at Norwegian winter time, in the supplier's language.
    let booked = app.emailed(&se.2, "dialogue_meeting", None).await;
    let cal = parse("ics", booked["ics"].as_str().expect("ics"));
    assert_eq!(cal["method"], "REQUEST");
    assert_eq!(cal["timezones"], json!(["Europe/Oslo"]));
    assert_eq!(cal["events"][0]["start"], "2027-02-10T10:30:00+01:00");
    assert_eq!(cal["events"][0]["end"], "2027-02-10T11:00:00+01:00");
    assert_eq!(cal["events"][0]["tzid"], "Europe/Oslo");
    assert!(
        cal["events"][0]["summary"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Dialogmöte"),
        "{cal}"
    );

    // Cancelling sends a CANCEL for the same event; booking again is then allowed.
    let uid = cal["events"][0]["uid"].clone();
    let c = app
        .delete(&path(&w, &format!("/slots/{}/booking", ids[1])), &se.0)
        .await;
    assert_eq!(c.status, StatusCode::NO_CONTENT);
    let cancelled = parse(
        "ics",
        app.emailed(&se.2, "dialogue_meeting", None).await["ics"]
            .as_str()
            .expect("ics"),
    );
    assert_eq!(cancelled["method"], "CANCEL");
    assert_eq!(cancelled["events"][0]["uid"], uid);
    assert_eq!(cancelled["events"][0]["status"], "CANCELLED");
    let a = app
        .post(
            &path(&w, &format!("/slots/{}/booking", ids[1])),
            &se.0,
            json!({}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    // The reminder the day before, once: the meeting is moved to tomorrow (the clock the jobs
    // read is the database's), and the jobs run twice.
    let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1)).date();
    let db = app.db.clone();
    let (sid, at) = (ids[1].clone(), format!("{tomorrow}T23:30"));
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::schema::dialogue_slots as sl;
        let mut c = db.conn().expect("conn");
        diesel::update(sl::table.find(&sid))
            .set(sl::starts_at.eq(&at))
            .execute(&mut *c)
            .expect("move");
    })
    .await
    .expect("move");
    app.jobs_pass().await;
    app.jobs_pass().await;
    let reminders = app
        .count(
            "outbox WHERE template = 'dialogue_meeting' AND params LIKE '%\"what\":\"reminder\"%'",
        )
        .await;
    assert_eq!(reminders, 1);

    // Minutes: the summary to both, the confidential part for the buyer only.
    let m = app
        .post(&path(&w, &format!("/meetings/{}/minutes", ids[0])), &w.officer,
              json!({"public_summary": "Vi snakket om ladepunkter ved skolene.", "confidential": "Turbuss har fire el-busser på vei."}))
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.body);
    for (token, _, email) in &w.suppliers {
        let read = app
            .get(&path(&w, &format!("/meetings/{}/minutes", ids[0])), token)
            .await;
        assert_eq!(read.status, StatusCode::NOT_FOUND);
        let view = app.get(&path(&w, ""), token).await;
        let text = view.body.to_string();
        assert!(
            text.contains("ladepunkter") && !text.contains("fire el-busser"),
            "{text}"
        );
        assert_eq!(
            app.emailed(email, "dialogue_published", None).await["items"][0]["kind"],
            "summary"
        );
    }
    let read = app
        .get(
            &path(&w, &format!("/meetings/{}/minutes", ids[0])),
            &w.officer,
        )
        .await;
    assert_eq!(
        read.body["confidential"],
        "Turbuss har fire el-busser på vei."
    );

    // Tender: late questions, bookings and registrations are refused.
    let t = app.post(&path(&w, "/tender"), &w.officer, json!({})).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    assert_eq!(t.body["status"], "tendered");
    let late = app
        .post(&path(&w, "/questions"), &no.0, json!({"text": "En til?"}))
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let late = app
        .delete(&path(&w, &format!("/slots/{}/booking", ids[0])), &no.0)
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let third = app
        .register("ny@leverandor.example", "supplier", &["contact"])
        .await;
    let mut org = bodies::supplier(TRYSIL);
    org["name"] = json!("Sent AS");
    let org = app.create("organisations", &third, org).await;
    let late = app
        .post(&path(&w, "/registrations"), &third,
              json!({"organisation_id": org, "contact": {"name": "Per", "email": "ny@leverandor.example"}}))
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);

    // The record: everything, and n of n once the emails have left.
    drained(app).await;
    let r = app.get(&path(&w, "/record"), &w.officer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let et = &r.body["equal_treatment"];
    assert_eq!(et["publications"], 3, "{et}");
    assert_eq!(et["published"], 6);
    assert_eq!(et["delivered"], 6);
    assert_eq!(et["delivered_to_all"], true);
    assert!(r.body["meetings"][0].get("confidential").is_none());
    let csv = app.get(&path(&w, "/record?format=csv"), &w.officer).await;
    assert_eq!(csv.status, StatusCode::OK);
    let csv = csv.body.as_str().expect("csv").to_string();
    for needle in [
        "invited",
        "registered",
        "question",
        "answer v2",
        "summary v1",
        "tendered",
        "6 of 6 delivered",
    ] {
        assert!(csv.contains(needle), "{needle} not in {csv}");
    }
    assert!(!csv.contains("fire el-busser"));

    // The programme's indicators count the dialogue: one in Trysil, a supplier from each
    // country (the Swedish one across the border), one 1:1 meeting held (its minutes).
    let year = time::OffsetDateTime::now_utc().year();
    let i = app
        .get(
            &format!("/api/v1/reports/indicators?from={year}-01-01&to={year}-12-31"),
            &w.officer,
        )
        .await;
    assert_eq!(i.status, StatusCode::OK, "{}", i.body);
    let d = &i.body["market_dialogue"];
    assert_eq!(d["dialogues"], 1, "{d}");
    assert_eq!(d["dialogues_by_municipality"], json!({"NO-3421": 1}));
    assert_eq!(d["registrations"]["total"], 2);
    assert_eq!(d["registrations"]["by_country"], json!({"NO": 1, "SE": 1}));
    assert_eq!(d["registrations"]["cross_border"], 1);
    assert_eq!(
        d["meetings_held"],
        json!({"conferences": 0, "one_to_one": 1})
    );
}

pub async fn refusals_say_why_and_change_nothing(app: &TestApp) {
    let w = world(app).await;
    let (no, se) = (&w.suppliers[0], &w.suppliers[1]);
    // An officer elsewhere may not run Trysil's dialogue.
    let other = app
        .staff("anna@mora.example", "officer", &["SE-2062"])
        .await;
    let a = app
        .post(&path(&w, ""), &other, json!({"notice": {"sv": "Hej"}}))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // A notice is needed; taking a supplier off needs a reason.
    let a = app
        .post(&path(&w, ""), &w.officer, json!({"notice": {}}))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error_fields(), vec!["notice"]);
    let a = app
        .post(
            &path(&w, ""),
            &w.officer,
            json!({"notice": {"nb": "Hei"}, "remove": [{"organisation_id": se.1, "reason": " "}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error_fields(), vec!["remove[0].reason"]);
    assert_eq!(app.count("dialogues").await, 0);
    assert_eq!(app.count("dialogue_invitations").await, 0);
    // Registering before the dialogue opens is refused.
    let a = app
        .post(
            &path(&w, "/registrations"),
            &no.0,
            json!({"organisation_id": no.1, "contact": {"name": "K", "email": "k@example.org"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    // Removed with a reason: kept, and not invited.
    let a = app
        .post(&path(&w, ""), &w.officer,
              json!({"notice": {"nb": "Hei"}, "remove": [{"organisation_id": se.1, "reason": "Har ikke løyve i Norge."}]}))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["removed"][0]["reason"], "Har ikke løyve i Norge.");
    let v = app.get(&path(&w, ""), &w.officer).await;
    let removed: Vec<&Value> = v.body["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .filter(|i| i["invited_at"].is_null())
        .collect();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["removed_reason"], "Har ikke løyve i Norge.");
    // Not registered: the dialogue is not shown; nor for the wrong organisation.
    let a = app.get(&path(&w, ""), &se.0).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = app
        .post(
            &path(&w, "/registrations"),
            &se.0,
            json!({"organisation_id": no.1, "contact": {"name": "K", "email": "k@example.org"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error_fields(), vec!["organisation_id"]);
    let a = app
        .post(
            &path(&w, "/registrations"),
            &se.0,
            json!({"organisation_id": se.1, "contact": {"name": "K", "email": "not an address"}}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error_fields(), vec!["contact.email"]);
    // Asking without registering: 404; an empty question: 422.
    let a = app
        .post(&path(&w, "/questions"), &no.0, json!({"text": "Hei?"}))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    opened_registrations(app, &w).await;
    let a = app
        .post(&path(&w, "/questions"), &no.0, json!({"text": "  "}))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.error_fields(), vec!["text"]);
    // Suppliers do not answer, offer slots or go to tender; the officer elsewhere neither.
    let q = app
        .post(&path(&w, "/questions"), &no.0, json!({"text": "Hei?"}))
        .await;
    let qid = q.body["id"].as_str().expect("id").to_string();
    for token in [&se.0, &other] {
        let a = app
            .post(
                &path(&w, &format!("/questions/{qid}/answer")),
                token,
                json!({"text": "Ja"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
        let a = app
            .post(
                &path(&w, "/slots"),
                token,
                json!({"starts_at": "2027-02-10T10:00", "minutes": 30, "place": "x"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        let a = app.post(&path(&w, "/tender"), token, json!({})).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        let a = app.get(&path(&w, "/record"), token).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
    }
    // Bad slots are named.
    for (body, field) in [
        (
            json!({"starts_at": "10 Feb", "minutes": 30, "place": "x"}),
            "starts_at",
        ),
        (
            json!({"starts_at": "2027-02-10T10:00", "minutes": 5, "place": "x"}),
            "minutes",
        ),
        (
            json!({"starts_at": "2027-02-10T10:00", "minutes": 30, "count": 99, "place": "x"}),
            "count",
        ),
        (
            json!({"starts_at": "2020-02-10T10:00", "minutes": 30, "place": "x"}),
            "starts_at",
        ),
        (
            json!({"kind": "party", "starts_at": "2027-02-10T10:00", "minutes": 30, "place": "x"}),
            "kind",
        ),
    ] {
        let a = app.post(&path(&w, "/slots"), &w.officer, body).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert_eq!(a.error_fields(), vec![field]);
    }
    assert_eq!(app.count("dialogue_slots").await, 0);
    // A bad format of the record is named; an unknown question or slot is 404.
    let a = app.get(&path(&w, "/record?format=pdf"), &w.officer).await;
    assert_eq!(a.error_fields(), vec!["format"]);
    let a = app
        .post(&path(&w, "/slots/nope/booking"), &no.0, json!({}))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = app
        .post(
            &path(&w, "/questions/nope/answer"),
            &w.officer,
            json!({"text": "x"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

/// Registers both suppliers in an open dialogue.
async fn opened_registrations(app: &TestApp, w: &World) {
    for (token, org, email) in &w.suppliers {
        let a = app
            .post(
                &path(w, "/registrations"),
                token,
                json!({"organisation_id": org, "contact": {"name": "Kontakt", "email": email}}),
            )
            .await;
        assert!(a.status.is_success(), "{}", a.body);
    }
}

crate::on_both_backends!(
    the_dialogue_runs_from_invitation_to_record,
    refusals_say_why_and_change_nothing,
);

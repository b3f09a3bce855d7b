//! The market dialogue in headless Chromium on a phone-sized window, with the emails going
//! through a real SMTP server: the officer in Trysil plans a school-transport procurement on
//! the page (its CPV code found by a Norwegian word), sees the suppliers the invitations will
//! go to and opens the dialogue; the Norwegian and the Swedish supplier each find the
//! invitation on their own page and register; the Swedish one asks; the answer the officer
//! publishes reaches both, on the page and by email; both book a meeting (the calendar
//! attachments, as received, parse to Trysil's local time) and cannot book a second; the
//! officer records the minutes, sees n of n, closes the dialogue at tender, reads the record
//! and the indicators, and closes the procurement; a late question and a late booking are
//! refused. The pages pass axe's serious checks.

use crate::browser::{serious_violations, sign_in_as, wait_for, wait_for_text, Chromium};
use crate::dialogue::{both_ranked, parse, parties};
use crate::helpers::{spawn_app_with, Backend, PASSWORD};
use crate::smtp::SmtpServer;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

const PHONE: (u32, u32) = (390, 844);
const OFFICER: &str = "kari.radgiver@trysil.example";

/// Waits until the page at hand is `path` (a form's post answers with a redirect).
async fn at(d: &WebDriver, path: &str) -> WebDriverResult<()> {
    let started = Instant::now();
    loop {
        let url = d.current_url().await?;
        if url.path() == path {
            return Ok(());
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never reached {path}: at {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn axe_clean(d: &WebDriver, axe: &str, page: &str) -> WebDriverResult<()> {
    let v = serious_violations(d, axe).await?;
    assert!(v.is_empty(), "{page}: {v:?}");
    Ok(())
}

/// Signs `email` in on a clean browser and waits for the page sign-in leads to.
async fn as_user(
    d: &WebDriver,
    app: &crate::helpers::TestApp,
    email: &str,
    lands: &str,
) -> WebDriverResult<()> {
    d.delete_all_cookies().await?;
    sign_in_as(d, app, email, PASSWORD).await?;
    at(d, lands).await
}

#[tokio::test]
async fn a_school_transport_dialogue_runs_on_the_pages_in_chromium() {
    let smtp = SmtpServer::start("none");
    let url = smtp.url();
    let app = spawn_app_with(Backend::Sqlite, move |s| {
        s.smtp_url = Some(url.into());
        s.mail_retry_base_seconds = 0;
    })
    .await
    .expect("app");
    let mut w = parties(&app).await;
    let (no_email, se_email) = (w.suppliers[0].2.clone(), w.suppliers[1].2.clone());
    let title = "Skoleskyss i Trysil 2027–2031";
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        d.set_window_rect(0, 0, PHONE.0, PHONE.1).await?;
        // The officer plans the procurement, in Norwegian; the code is found by a word.
        as_user(d, &app, OFFICER, "/dashboard").await?;
        d.goto(format!("{}/procurements/manage?lang=nb", app.address)).await?;
        d.find(By::Id("new-procurement")).await?.click().await?;
        at(d, "/procurements/new").await?;
        d.find(By::Id("title")).await?.send_keys(title).await?;
        d.find(By::Id("description"))
            .await?
            .send_keys("Skoleskyss med buss og drosje for 140 elever på sju ruter.")
            .await?;
        d.find(By::Id("cpv_q")).await?.send_keys("skoleskyss").await?;
        d.find(By::Id("find-codes")).await?.click().await?;
        wait_for(d, "label[for='cpv-60130000-8']").await?;
        d.find(By::Id("cpv-60130000-8")).await?.click().await?;
        d.find(By::Id("amount")).await?.send_keys("9 000 000").await?;
        d.find(By::Css("#currency option[value=NOK]")).await?.click().await?;
        d.execute(
            "document.getElementById('dialogue_deadline').value = '2027-02-15';\
             document.getElementById('tender_planned').value = '2027-04-01';",
            Vec::new(),
        )
        .await?;
        axe_clean(d, axe, "the procurement form").await?;
        d.find(By::Id("save")).await?.click().await?;
        let started = Instant::now();
        let manage = loop {
            let path = d.current_url().await?.path().to_string();
            if path.ends_with("/dialogue") {
                break path;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "never saved: at {path}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        w.procurement = manage
            .trim_start_matches("/procurements/")
            .trim_end_matches("/dialogue")
            .to_string();
        let notice = format!("/procurements/{}", w.procurement);
        both_ranked(&app, &w).await;

        // Before opening: both suppliers on the list, the notice prefilled.
        d.goto(format!("{}{manage}?lang=nb", app.address)).await?;
        let listed = wait_for(d, "#candidates").await?;
        assert!(listed.contains("Trysil Turbuss AS") && listed.contains("Malung Buss AB"), "{listed}");
        assert_eq!(wait_for(d, "h1").await?, title);
        axe_clean(d, axe, "the list before opening").await?;
        d.find(By::Id("notice_nb")).await?.send_keys("\nVi vil høre om el-busser.").await?;
        d.find(By::Css("#open-form button[type=submit]")).await?.click().await?;
        wait_for_text(d, "#status", "Åpen for dialog").await?;

        // Each supplier finds the invitation on its own page and registers; the Swedish one asks.
        for (email, lang, name) in [(&no_email, "nb", "Kari Turbuss"), (&se_email, "sv", "Lars Malung")] {
            as_user(d, &app, email, "/company").await?;
            d.goto(format!("{}/company?lang={lang}", app.address)).await?;
            let mine = wait_for(d, "#my-dialogues").await?;
            assert!(mine.contains(title), "{mine}");
            d.find(By::LinkText(title)).await?.click().await?;
            at(d, &notice).await?;
            let shared = wait_for(d, "#register-form").await?;
            let says = if lang == "sv" { "delas företagets kontaktuppgifter med köparen" } else { "deles bedriftens kontaktopplysninger" };
            assert!(shared.contains(says), "{shared}");
            assert_eq!(d.find(By::Id("contact_email")).await?.value().await?.as_deref(), Some(email.as_str()));
            d.find(By::Id("contact_name")).await?.clear().await?;
            d.find(By::Id("contact_name")).await?.send_keys(name).await?;
            d.find(By::Css("#register-form button")).await?.click().await?;
            wait_for(d, "#registered").await?;
        }
        d.find(By::Id("text")).await?.send_keys("Får vi lämna anbud på enstaka linjer?").await?;
        d.find(By::Css("#ask-form button")).await?.click().await?;
        wait_for_text(d, "#questions li p", "Fråga (er egen): Får vi lämna anbud på enstaka linjer?").await?;
        axe_clean(d, axe, "the supplier's dialogue").await?;

        // The officer sees who asked, answers on the page, and offers three 1:1 slots.
        as_user(d, &app, OFFICER, "/dashboard").await?;
        d.goto(format!("{}{manage}?lang=nb", app.address)).await?;
        let q = wait_for(d, "#questions").await?;
        assert!(q.contains("Malung Buss AB"), "the buyer sees who asked: {q}");
        d.find(By::Css("#questions textarea")).await?.send_keys("Ja, per linje.").await?;
        d.find(By::Css("#questions button")).await?.click().await?;
        wait_for_text(d, "#questions .answer", "Svar (versjon 1): Ja, per linje.").await?;
        d.execute("document.getElementById('date').value = '2027-02-10'; document.getElementById('time').value = '10:00';", Vec::new()).await?;
        d.find(By::Id("count")).await?.clear().await?;
        d.find(By::Id("count")).await?.send_keys("3").await?;
        d.find(By::Id("place")).await?.send_keys("Trysil rådhus").await?;
        d.find(By::Css("#slots-form button")).await?.click().await?;
        let started = Instant::now();
        while d.find_all(By::Css("#meetings li")).await?.len() < 3 {
            assert!(started.elapsed() < Duration::from_secs(10), "the slots never showed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        axe_clean(d, axe, "the officer's dialogue").await?;

        // Both suppliers see the answer (the asker is never named) and book the first free
        // slot; no second booking is offered.
        for (email, lang, answer) in [(&se_email, "sv", "Svar: Ja, per linje."), (&no_email, "nb", "Svar: Ja, per linje.")] {
            as_user(d, &app, email, "/company").await?;
            d.goto(format!("{}{notice}?lang={lang}", app.address)).await?;
            wait_for_text(d, "#questions .answer", answer).await?;
            assert!(!wait_for(d, "#questions").await?.contains("Malung"));
            d.find(By::Css("#slots form button")).await?.click().await?;
            wait_for(d, "#slots strong").await?;
            assert!(d.find_all(By::Css("#slots form[action$='/book']")).await?.is_empty(), "a second booking is offered");
        }
        Ok(())
    }
    .await;
    // What the SMTP server received: the answer to both suppliers, each in its language, and
    // each booking with a calendar invitation at the slot's local time in Trysil.
    if result.is_ok() {
        let got = smtp.settle(&app).await;
        for (email, start) in [
            (&se_email, "2027-02-10T10:00:00+01:00"),
            (&no_email, "2027-02-10T10:30:00+01:00"),
        ] {
            let to: Vec<_> = got.iter().filter(|m| m.to.contains(email)).collect();
            assert!(
                to.iter().any(|m| m.text.contains("Ja, per linje.")),
                "no answer reached {email}: {:?}",
                to.iter().map(|m| &m.subject).collect::<Vec<_>>()
            );
            let booked = to
                .iter()
                .find(|m| m.raw.contains("text/calendar"))
                .unwrap_or_else(|| panic!("no calendar invitation to {email}"));
            let cal = parse("mime", &booked.raw);
            assert_eq!(cal["method"], "REQUEST", "{cal}");
            assert_eq!(cal["events"][0]["start"], start, "{cal}");
            assert_eq!(cal["events"][0]["tzid"], "Europe/Oslo");
        }
    }
    let result = match result {
        Ok(()) => {
            async {
                // The officer records the minutes, sees n of n, and goes to tender.
                as_user(d, &app, OFFICER, "/dashboard").await?;
                let manage = format!("/procurements/{}/dialogue", w.procurement);
                d.goto(format!("{}{manage}?lang=en", app.address)).await?;
                d.find(By::Css("#meetings textarea[name=public_summary]"))
                    .await?
                    .send_keys("We spoke of charging at the schools.")
                    .await?;
                d.find(By::Css("#meetings details button"))
                    .await?
                    .click()
                    .await?;
                let started = Instant::now();
                loop {
                    app.mailer.wake();
                    d.goto(format!("{}{manage}?lang=en", app.address)).await?;
                    let et = wait_for(d, "#equal-treatment").await?;
                    if et.contains("4 / 4") {
                        break;
                    }
                    assert!(
                        started.elapsed() < Duration::from_secs(10),
                        "never n of n: {et}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                d.find(By::Css("#tender-form button"))
                    .await?
                    .click()
                    .await?;
                wait_for_text(d, "#status", "Gone to tender – the dialogue is closed").await?;
                d.goto(format!("{}{manage}/record?lang=en", app.address))
                    .await?;
                let record = wait_for(d, "#record").await?;
                for needle in [
                    "invited",
                    "registered",
                    "question",
                    "answer v1",
                    "summary v1",
                    "tendered",
                    "Trysil Turbuss AS",
                    "Malung Buss AB",
                ] {
                    assert!(
                        record.contains(needle),
                        "{needle} not in the record: {record}"
                    );
                }
                // The indicators count the dialogue.
                d.goto(format!("{}/reports?lang=en", app.address)).await?;
                let ind = wait_for(d, "#dialogue-indicators").await?;
                for row in [
                    "Dialogues opened 1",
                    "Suppliers registered 2",
                    "Registrations across the border 1",
                    "1:1 meetings held 1",
                ] {
                    assert!(ind.contains(row), "{row} not in {ind}");
                }
                // The procurement is closed when the contract is awarded.
                d.goto(format!("{}{manage}?lang=en", app.address)).await?;
                d.find(By::Css("#close-form button")).await?.click().await?;
                wait_for_text(d, "#status", "Closed").await?;
                assert!(d.find_all(By::Id("edit-procurement")).await?.is_empty());

                // The supplier can no longer ask or book, on the page or otherwise.
                as_user(d, &app, &se_email, "/company").await?;
                d.goto(format!(
                    "{}/procurements/{}?lang=en",
                    app.address, w.procurement
                ))
                .await?;
                wait_for_text(d, "#status", "Closed").await?;
                assert!(d.find_all(By::Id("ask-form")).await?.is_empty());
                assert!(d.find_all(By::Css("#slots form")).await?.is_empty());
                Ok(())
            }
            .await
        }
        e => e,
    };
    if result.is_ok() {
        let base = format!("/api/v1/procurements/{}/dialogue", w.procurement);
        let token = &w.suppliers[1].0;
        let late = app
            .post(
                &format!("{base}/questions"),
                token,
                json!({"text": "En till?"}),
            )
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
        let view = app.get(&base, &w.officer).await;
        let free = view.body["slots"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["booked"] == false))
            .and_then(|s| s["id"].as_str())
            .expect("a free slot")
            .to_string();
        let late = app
            .post(&format!("{base}/slots/{free}/booking"), token, json!({}))
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
        assert!(
            late.body.to_string().contains("dialogue is closed"),
            "{}",
            late.body
        );
    }
    c.finish("dialogue-last.png", result).await;
}

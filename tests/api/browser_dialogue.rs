//! The market dialogue in headless Chromium on a phone-sized window: the officer in Trysil
//! sees the suppliers the invitations will go to, takes none off, and opens the dialogue; the
//! Swedish supplier finds the notice, registers (its contact prefilled) and asks; the answer
//! the officer publishes on the page reaches it on the page and by email; it books a meeting
//! and cannot book a second; the officer records the minutes, sees n of n, and closes the
//! dialogue at tender; the supplier can no longer ask. The pages pass axe's serious checks.

use crate::browser::{serious_violations, sign_in_as, wait_for, wait_for_text, Chromium};
use crate::dialogue::world;
use crate::helpers::{spawn_app, Backend, PASSWORD};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

const PHONE: (u32, u32) = (390, 844);

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

#[tokio::test]
async fn a_school_transport_dialogue_runs_on_the_pages_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let w = world(&app).await;
    let (se_email, manage, notice) = (
        w.suppliers[1].2.clone(),
        format!("/procurements/{}/dialogue", w.procurement),
        format!("/procurements/{}", w.procurement),
    );
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        d.set_window_rect(0, 0, PHONE.0, PHONE.1).await?;
        // The officer, in Norwegian: both suppliers on the list, the notice prefilled.
        sign_in_as(d, &app, "kari.radgiver@trysil.example", PASSWORD).await?;
        at(d, "/dashboard").await?;
        d.goto(format!("{}{manage}?lang=nb", app.address)).await?;
        let listed = wait_for(d, "#candidates").await?;
        assert!(listed.contains("Trysil Turbuss AS") && listed.contains("Malung Buss AB"), "{listed}");
        axe_clean(d, axe, "the list before opening").await?;
        d.find(By::Id("notice_nb")).await?.send_keys("\nVi vil høre om el-busser.").await?;
        d.find(By::Css("#open-form button[type=submit]")).await?.click().await?;
        wait_for_text(d, "#status", "Åpen for dialog").await?;

        // The Swedish supplier, in Swedish, from the public list.
        d.delete_all_cookies().await?;
        sign_in_as(d, &app, &se_email, PASSWORD).await?;
        at(d, "/company").await?;
        d.goto(format!("{}/procurements?county=NO-34&lang=sv", app.address)).await?;
        d.find(By::LinkText("Skoleskyss i Trysil 2027–2031")).await?.click().await?;
        at(d, &notice).await?;
        let shared = wait_for(d, "#register-form").await?;
        assert!(shared.contains("delas företagets kontaktuppgifter med köparen"), "{shared}");
        assert_eq!(d.find(By::Id("contact_email")).await?.value().await?.as_deref(), Some(se_email.as_str()));
        d.find(By::Id("contact_name")).await?.clear().await?;
        d.find(By::Id("contact_name")).await?.send_keys("Lars Malung").await?;
        d.find(By::Css("#register-form button")).await?.click().await?;
        wait_for(d, "#registered").await?;
        d.find(By::Id("text")).await?.send_keys("Får vi lämna anbud på enstaka linjer?").await?;
        d.find(By::Css("#ask-form button")).await?.click().await?;
        wait_for_text(d, "#questions li p", "Fråga (er egen): Får vi lämna anbud på enstaka linjer?").await?;
        axe_clean(d, axe, "the supplier's dialogue").await?;

        // The officer answers on the page; the meeting slots are offered.
        d.delete_all_cookies().await?;
        sign_in_as(d, &app, "kari.radgiver@trysil.example", PASSWORD).await?;
        at(d, "/dashboard").await?;
        d.goto(format!("{}{manage}?lang=nb", app.address)).await?;
        let q = wait_for(d, "#questions").await?;
        assert!(q.contains("Malung Buss AB"), "the buyer sees who asked: {q}");
        d.find(By::Css("#questions textarea")).await?.send_keys("Ja, per linje.").await?;
        d.find(By::Css("#questions button")).await?.click().await?;
        wait_for_text(d, "#questions .answer", "Svar (versjon 1): Ja, per linje.").await?;
        d.execute("document.getElementById('date').value = '2027-02-10'; document.getElementById('time').value = '10:00';", Vec::new()).await?;
        d.find(By::Id("count")).await?.clear().await?;
        d.find(By::Id("count")).await?.send_keys("2").await?;
        d.find(By::Id("place")).await?.send_keys("Trysil rådhus").await?;
        d.find(By::Css("#slots-form button")).await?.click().await?;
        let started = Instant::now();
        while d.find_all(By::Css("#meetings li")).await?.len() < 2 {
            assert!(started.elapsed() < Duration::from_secs(10), "the slots never showed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        axe_clean(d, axe, "the officer's dialogue").await?;

        // The supplier sees the answer, books one slot, and no second.
        d.delete_all_cookies().await?;
        sign_in_as(d, &app, &se_email, PASSWORD).await?;
        at(d, "/company").await?;
        d.goto(format!("{}{notice}?lang=sv", app.address)).await?;
        wait_for_text(d, "#questions .answer", "Svar: Ja, per linje.").await?;
        d.find(By::Css("#slots form button")).await?.click().await?;
        wait_for(d, "#slots strong").await?;
        assert!(d.find_all(By::Css("#slots form[action$='/book']")).await?.is_empty(), "a second booking is offered");
        Ok(())
    }
    .await;
    // What reached the supplier by email: the answer, and the booking with its calendar entry.
    if result.is_ok() {
        let answer = app.emailed(&se_email, "dialogue_published", None).await;
        assert_eq!(answer["items"][0]["text"], "Ja, per linje.");
        let booked = app.emailed(&se_email, "dialogue_meeting", None).await;
        let cal = crate::dialogue::parse("ics", booked["ics"].as_str().expect("ics"));
        assert_eq!(cal["events"][0]["start"], "2027-02-10T10:00:00+01:00");
    }
    let result = match result {
        Ok(()) => {
            async {
                // The officer records the minutes, sees n of n, and goes to tender.
                d.delete_all_cookies().await?;
                sign_in_as(d, &app, "kari.radgiver@trysil.example", PASSWORD).await?;
                at(d, "/dashboard").await?;
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
                    if et.contains("2 / 2") {
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
                ] {
                    assert!(
                        record.contains(needle),
                        "{needle} not in the record: {record}"
                    );
                }
                // The supplier can no longer ask.
                d.delete_all_cookies().await?;
                sign_in_as(d, &app, &se_email, PASSWORD).await?;
                at(d, "/company").await?;
                d.goto(format!("{}{notice}?lang=en", app.address)).await?;
                wait_for_text(d, "#status", "Gone to tender – the dialogue is closed").await?;
                assert!(d.find_all(By::Id("ask-form")).await?.is_empty());
                Ok(())
            }
            .await
        }
        e => e,
    };
    c.finish("dialogue-last.png", result).await;
}

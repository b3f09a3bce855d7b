//! Moderation on the pages, in headless Chromium over the demo region: a graduate reports a
//! need she finds misleading from her list of matches; the Mora officer opens the moderation
//! queue, sees the carpenter that registered itself and both reports, verifies the carpenter
//! and marks a report dealt with. The pages pass axe's serious checks.

use crate::browser::{load_demo, serious_violations, sign_in_as, wait_for_h1, Chromium};
use crate::helpers::{spawn_app, Backend};
use heartland::demo::{DEMO_DOMAIN, DEMO_PASSWORD};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

async fn texts(d: &WebDriver, css: &str) -> WebDriverResult<Vec<String>> {
    let mut out = Vec::new();
    for e in d.find_all(By::Css(css)).await? {
        out.push(e.text().await?);
    }
    Ok(out)
}

#[tokio::test]
async fn a_report_reaches_the_officer_who_verifies_a_new_company_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        // A graduate reports the first need among her matches (the index follows the demo).
        sign_in_as(
            d,
            &app,
            &format!("candidate.1@{DEMO_DOMAIN}"),
            DEMO_PASSWORD,
        )
        .await?;
        let started = Instant::now();
        let link = loop {
            d.goto(format!("{}/profile?lang=sv", app.address)).await?;
            if let Some(l) = d.find_all(By::Css("p.report a")).await?.into_iter().next() {
                break l;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no report link"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(link.text().await?, "Rapportera");
        link.click().await?;
        wait_for_h1(d, "Rapportera till en handläggare").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "report form: {v:?}");
        d.find(By::Id("reason"))
            .await?
            .send_keys("Annonsen beskriver ett säljjobb, inte ett utvecklingsprojekt.")
            .await?;
        d.find(By::Css("#report-form button"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Tack").await?;
        d.find(By::Css("form.inline button.link"))
            .await?
            .click()
            .await?;

        sign_in_as(
            d,
            &app,
            &format!("officer.mora@{DEMO_DOMAIN}"),
            DEMO_PASSWORD,
        )
        .await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        d.find(By::Css("nav.main-nav a[href='/moderation']"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Granskning").await?;
        let waiting = d.find(By::Id("waiting")).await?.text().await?;
        assert!(
            waiting.contains("Älvdalens Snickeri & Bygg AB"),
            "{waiting}"
        );
        let reports = texts(d, "#reports li blockquote").await?;
        assert!(
            reports.iter().any(|r| r.contains("ett säljjobb")),
            "the graduate's report: {reports:?}"
        );
        assert!(
            reports.iter().any(|r| r.contains("gårdskök")),
            "the demo's report: {reports:?}"
        );
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "moderation: {v:?}");
        d.find(By::Css("#waiting form.inline button"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Granskning").await?;
        assert!(
            d.find(By::Id("waiting-none")).await.is_ok(),
            "verified: the queue is empty"
        );
        let before = texts(d, "#reports li").await?.len();
        d.find(By::Css("#reports li form.inline button"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Granskning").await?;
        assert_eq!(texts(d, "#reports li").await?.len(), before - 1);
        Ok(())
    }
    .await;
    c.finish("moderation-last.png", result).await;
}

//! Coaching companies on the pages, in headless Chromium on a phone-sized window over the demo
//! region: Ludvika Transformatorservice's need asks for a graduate and a coach; the Mora
//! officer sees both routes on the need's page, the coaches pseudonymous with why they fit,
//! and introduces the coach; the introduction is on the coaching track. The page passes axe's
//! serious checks.

use crate::browser::{load_demo, serious_violations, sign_in_as, wait_for_h1, Chromium};
use crate::helpers::{spawn_app, Backend};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

#[tokio::test]
async fn an_officer_introduces_a_coach_to_a_company_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    let officer = format!("officer.mora@{}", heartland::demo::DEMO_DOMAIN);
    let token = app.token(&officer, heartland::demo::DEMO_PASSWORD).await;
    // The indexer follows the demo's load.
    let started = Instant::now();
    let need = loop {
        let found = app
            .get(
                "/api/v1/search?q=massanpassade+transformatorskåp&kind=need",
                &token,
            )
            .await;
        if let Some(id) = found.body["items"][0]["id"].as_str() {
            break id.to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the demo's coaching need: {}",
            found.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        d.set_window_rect(0, 0, 390, 844).await?;
        sign_in_as(d, &app, &officer, heartland::demo::DEMO_PASSWORD).await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        // Both routes; the coaches appear once the indexer has followed the demo's load.
        let started = Instant::now();
        loop {
            d.goto(format!("{}/needs/{need}?lang=sv", app.address)).await?;
            if !d.find_all(By::Css("#coaches li")).await?.is_empty() {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "no coach listed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(d.find(By::Id("graduates-h")).await?.text().await?, "Bäst matchade kandidater");
        assert_eq!(d.find(By::Id("coaches-h")).await?.text().await?, "Coacher som passar");
        let coaches = d.find(By::Id("coaches")).await?.text().await?;
        assert!(coaches.contains("Produktionsrådgivare: massanpassning"), "{coaches}");
        assert!(!coaches.contains("Gunnar Lindqvist"), "a coach's name before consent: {coaches}");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "need: {v:?}");
        d.find(By::Css("#coaches li:first-child form button")).await?.click().await?;
        let started = Instant::now();
        while !d.current_url().await?.path().starts_with("/introductions/") {
            assert!(started.elapsed() < Duration::from_secs(10), "not introduced");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        wait_for_h1(d, "Massanpassade transformatorskåp ↔ Produktionsrådgivare: massanpassning, lean och automation").await?;
        let track = d.find(By::Css("main p.muted")).await?.text().await?;
        assert_eq!(track, "Coachning av företag");
        assert_eq!(d.find(By::Id("status")).await?.text().await?, "föreslagen");
        Ok(())
    }
    .await;
    c.finish("coaching-last.png", result).await;
}

//! The second factor in headless Chromium, required as a municipality would run it: the Mora
//! officer signs in and is sent to set it up (nothing else opens), scans — here: reads the
//! written-out key —, confirms with a code, keeps her recovery codes, signs out, and signs in
//! again with her password and a code; a wrong code is refused on the page. The notices are
//! linked from the footer. The pages pass axe's serious checks.

use crate::browser::{load_demo, serious_violations, sign_in_as, wait_for, wait_for_h1, Chromium};
use crate::helpers::{spawn_app_with, Backend};
use heartland::demo::{DEMO_DOMAIN, DEMO_PASSWORD};
use heartland::second_factor::{code_at, from_base32};
use thirtyfour::prelude::*;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn an_officer_sets_up_her_second_factor_and_signs_in_with_it_in_chromium() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.staff_second_factor = Some("required".into())
    })
    .await
    .expect("app");
    load_demo(&app).await;
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let email = format!("officer.mora@{DEMO_DOMAIN}");
    let result = async {
        sign_in_as(d, &app, &email, DEMO_PASSWORD).await?;
        // Anything but the account page sends her to set the factor up.
        d.goto(format!("{}/dashboard?lang=sv", app.address)).await?;
        wait_for(d, "#factor-required").await?;
        assert_eq!(d.current_url().await?.path(), "/account");
        d.find(By::Id("set-up-factor")).await?.click().await?;
        wait_for_h1(d, "Tvåstegsverifiering").await?;
        assert!(
            !d.find_all(By::Css("#qr svg")).await?.is_empty(),
            "a QR code"
        );
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "set-up page: {v:?}");
        let key = wait_for(d, "#secret").await?;
        let secret = from_base32(&key).expect("the key is base32");
        d.find(By::Id("code"))
            .await?
            .send_keys(code_at(&secret, now()))
            .await?;
        d.find(By::Id("confirm-factor")).await?.click().await?;
        wait_for(d, "#factor-done").await?;
        let codes = d.find_all(By::Css("#recovery-codes li")).await?;
        assert_eq!(codes.len(), 10);
        // The dashboard opens now.
        d.goto(format!("{}/dashboard?lang=sv", app.address)).await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        d.find(By::Css("form.inline button.link"))
            .await?
            .click()
            .await?;
        wait_for(d, "a[href='/sign-in']").await?;

        // Password, then the code: a wrong one is refused, the app's next one lets her in.
        sign_in_as(d, &app, &email, DEMO_PASSWORD).await?;
        wait_for_h1(d, "Kod från din app").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "code page: {v:?}");
        let right = code_at(&secret, now() + 30);
        let wrong = format!("{:06}", (right.parse::<u32>().unwrap_or(0) + 7) % 1_000_000);
        d.find(By::Id("code")).await?.send_keys(&wrong).await?;
        d.find(By::Css("#code-form button")).await?.click().await?;
        wait_for(d, "#code-failed").await?;
        d.find(By::Id("code")).await?.send_keys(&right).await?;
        d.find(By::Css("#code-form button")).await?.click().await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;

        // The footer's notices.
        d.find(By::Id("privacy-link")).await?.click().await?;
        wait_for_h1(d, "Integritet och personuppgifter").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "privacy: {v:?}");
        d.find(By::Id("accessibility-link")).await?.click().await?;
        wait_for_h1(d, "Tillgänglighetsredogörelse").await?;
        WebDriverResult::Ok(())
    }
    .await;
    c.finish("staff-last.png", result).await;
}

#[tokio::test]
async fn an_officer_signs_in_through_her_municipality_in_chromium() {
    let port = crate::sso::free_port();
    let idp = crate::sso::start_idp(&format!("http://127.0.0.1:{port}/auth/oidc/mora/callback"));
    let issuer = idp.issuer.clone();
    let app = spawn_app_with(Backend::Sqlite, move |s| {
        s.bind = format!("127.0.0.1:{port}");
        s.oidc_providers = Some(crate::sso::providers(&issuer));
        s.staff_second_factor = Some("required".into());
    })
    .await
    .expect("app");
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        d.goto(format!("{}/sign-in?lang=sv", app.address)).await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "sign-in with a provider: {v:?}");
        d.find(By::Id("sso-mora")).await?.click().await?;
        wait_for_h1(d, "Test identity provider").await?;
        d.find(By::Id("login"))
            .await?
            .send_keys("karin@mora.se")
            .await?;
        d.find(By::Id("mfa")).await?.click().await?;
        d.find(By::Id("provider-sign-in")).await?.click().await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        d.goto(format!("{}/account?lang=sv", app.address)).await?;
        let account = wait_for(d, "main").await?;
        assert!(account.contains("karin@mora.se"), "{account}");
        WebDriverResult::Ok(())
    }
    .await;
    c.finish("sso-last.png", result).await;
    drop(idp);
}

//! The mentoring track in headless Chromium, on a phone-sized window, as new users meet it: a
//! newcomer registers in Swedish, writes her business idea and what she needs help with,
//! sees the mentors who fit and asks for an introduction; the officer finds the request on the
//! dashboard and introduces; both accept through their emailed links; the check-in email comes
//! when the clock has moved on and is answered with one click; the business registered shows
//! in the indicators. And an officer matches an intake of the demo region as a cohort.

use crate::browser::{
    load_demo, serious_violations, sign_in_as, text, wait_for, wait_for_h1, wait_for_text, Chromium,
};
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::smtp::SmtpServer;
use serde_json::json;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

const PHONE: (u32, u32) = (390, 844);

/// Factor names broken over more than one line (the names must read whole on a phone), and
/// whether the page is wider than the window.
pub(crate) async fn layout_faults(d: &WebDriver) -> WebDriverResult<(Vec<String>, bool)> {
    let v = d
        .execute(
            "const broken = [...document.querySelectorAll('table.factors th')].filter(th => { \
               const s = getComputedStyle(th); \
               const inner = th.getBoundingClientRect().height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom); \
               return inner > parseFloat(s.fontSize) * 2; }).map(th => th.textContent); \
             const wide = [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className + '#' + e.id); \
             return [broken.concat(wide), document.documentElement.scrollWidth > window.innerWidth];",
            Vec::new(),
        )
        .await?
        .json()
        .clone();
    let broken = v[0]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok((broken, v[1].as_bool().unwrap_or(true)))
}

/// Reloads until `css` lists a text containing `wanted` (the index follows the writes).
async fn until_listed(d: &WebDriver, css: &str, wanted: &str) -> WebDriverResult<()> {
    let started = Instant::now();
    loop {
        let mut seen = Vec::new();
        for e in d.find_all(By::Css(css)).await? {
            seen.push(e.text().await?);
        }
        if seen.iter().any(|t| t.contains(wanted)) {
            return Ok(());
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{wanted:?} never listed in {css}: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        d.refresh().await?;
    }
}

/// The link (its path, on this app) containing `part` in the newest message to `to` that has
/// one, as the local SMTP server received it; waits for it (at most 10 s).
async fn mailed_link(app: &TestApp, smtp: &SmtpServer, to: &str, part: &str) -> String {
    let started = Instant::now();
    loop {
        let found = smtp
            .messages()
            .into_iter()
            .rev()
            .filter(|m| m.to.iter().any(|t| t.contains(to)))
            .find_map(|m| m.links("http").into_iter().find(|l| l.contains(part)));
        if let Some(link) = found {
            let path = link.splitn(4, '/').nth(3).expect("a path");
            return format!("{}/{path}", app.address);
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no email to {to} with a link to {part}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (at most 10 s) until the address contains `part`: the page a form went to has come.
async fn wait_for_url(d: &WebDriver, part: &str) -> WebDriverResult<()> {
    let started = Instant::now();
    while !d.current_url().await?.as_str().contains(part) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the address never held {part}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Waits (at most 10 s) until no element matches `css`: the page a button posted has come.
async fn wait_gone(d: &WebDriver, css: &str) -> WebDriverResult<()> {
    let started = Instant::now();
    while !d.find_all(By::Css(css)).await?.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{css} never went away"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn select(d: &WebDriver, css: &str) -> WebDriverResult<()> {
    d.find(By::Css(css)).await?.click().await
}

/// Signs out, and waits for the front page that follows.
async fn sign_out(d: &WebDriver) -> WebDriverResult<()> {
    d.find(By::Css("form[action='/sign-out'] button"))
        .await?
        .click()
        .await?;
    wait_for(d, "nav.main-nav a[href='/sign-in']").await?;
    Ok(())
}

#[tokio::test]
async fn a_newcomer_gets_a_mentor_and_her_business_is_counted_in_chromium() {
    // Every email goes through a real SMTP conversation with the local test server.
    let smtp = SmtpServer::start("none");
    let url = smtp.url();
    let app = spawn_app_with(Backend::Sqlite, move |s| {
        s.smtp_url = Some(url.into());
        s.mail_retry_base_seconds = 0;
    })
    .await
    .expect("app");
    let officer_email = "karin@mora.example";
    app.staff(officer_email, "officer", &["SE-2062"]).await;
    let mentor = app
        .register(
            "mentor@catering.example",
            "mentor",
            &["matching_mentoring", "contact"],
        )
        .await;
    app.create(
        "mentors",
        &mentor,
        json!({"headline": "Har drivit cateringföretag i Mora i femton år",
               "expertise": ["skatt", "livsmedelsregler", "prissättning"],
               "sectors": ["catering", "restaurang"],
               "languages": [{"code": "sv", "level": "native"}, {"code": "en", "level": "B2"}],
               "municipality": "SE-2062", "capacity": 2, "cross_border_ok": false, "remote_ok": true}),
    )
    .await;
    let me = "semhar@example.org";
    let password = "mitt eget långa lösenord";

    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let result = async {
        d.set_window_rect(0, 0, PHONE.0, PHONE.1).await?;
        d.goto(format!("{}/register?lang=sv", app.address)).await?;
        d.find(By::Id("display_name"))
            .await?
            .send_keys("Semhar Tesfay")
            .await?;
        d.find(By::Id("email")).await?.send_keys(me).await?;
        d.find(By::Id("password"))
            .await?
            .send_keys(password)
            .await?;
        select(d, "#role option[value='newcomer']").await?;
        d.find(By::Id("c-mentoring")).await?.click().await?;
        d.find(By::Id("c-contact")).await?.click().await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_h1(d, "Titta i din e-post").await?;
        app.confirm_email(me).await;
        sign_in_as(d, &app, me, password).await?;
        wait_for_h1(d, "Din profil").await?;

        // Her business idea, in plain words, and what she needs help with.
        d.find(By::Id("headline"))
            .await?
            .send_keys("Catering med eritreansk mat i Mora")
            .await?;
        select(d, "#lang-1 option[value='ti']").await?;
        select(d, "#level-1 option[value='native']").await?;
        select(d, "#lang-2 option[value='sv']").await?;
        select(d, "#level-2 option[value='B1']").await?;
        d.find(By::Id("municipality"))
            .await?
            .send_keys("Mora (SE-2062)")
            .await?;
        d.find(By::Id("max_distance_km"))
            .await?
            .send_keys("50")
            .await?;
        d.execute(
            "document.getElementById('available_from').value = '2027-01-10';",
            Vec::new(),
        )
        .await?;
        d.find(By::Id("seek-mentoring")).await?.click().await?;
        // Forgetting how far she has come is named in her language, and nothing is lost.
        d.find(By::Id("sector"))
            .await?
            .send_keys("catering")
            .await?;
        d.find(By::Css("form.stack button[type='submit']"))
            .await?
            .click()
            .await?;
        assert!(wait_for(d, ".error")
            .await?
            .contains("hur långt du har kommit"));
        assert_eq!(
            d.find(By::Id("sector"))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default(),
            "catering"
        );
        select(d, "#stage option[value='idea']").await?;
        d.find(By::Id("business"))
            .await?
            .send_keys(
                "Mat till företag och fester: injera och grytor. Jag har lagat mat till många.",
            )
            .await?;
        d.find(By::Id("support-tax")).await?.click().await?;
        d.find(By::Id("support-rules")).await?.click().await?;
        select(d, "#gender option[value='woman']").await?;
        select(d, "#foreign_background option[value='yes']").await?;
        let help = text(d, "#private-block .muted").await?;
        assert!(help.contains("Bara du och handläggaren"), "{help}");
        d.find(By::Css("form.stack button[type='submit']"))
            .await?
            .click()
            .await?;
        assert_eq!(wait_for(d, ".notice").await?, "Profilen är sparad.");

        // The mentors who fit, without names; no development needs for someone seeking only
        // a mentor.
        until_listed(d, "#mentors-h ~ ol.matches h3", "cateringföretag").await?;
        assert!(d.find_all(By::Id("matches-h")).await?.is_empty());
        let (broken, too_wide) = layout_faults(d).await?;
        assert!(
            broken.is_empty(),
            "factor names broken on a phone: {broken:?}"
        );
        assert!(!too_wide, "the profile is wider than the phone");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "profile: {v:?}");
        d.screenshot(&shots.join("newcomer-mentors.phone.png"))
            .await?;
        d.find(By::Id("ask-note"))
            .await?
            .send_keys("Jag vill prata med någon som har startat catering.")
            .await?;
        d.find(By::Id("ask")).await?.click().await?;
        assert!(wait_for(d, "#asked")
            .await?
            .starts_with("Du bad om en mentor den"));
        sign_out(d).await?;

        // The officer finds the request on the dashboard and introduces.
        sign_in_as(d, &app, officer_email, crate::helpers::PASSWORD).await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        let counts = text(d, "#mentoring-counts").await?;
        assert!(counts.starts_with("1 ber om en mentor"), "{counts}");
        d.find(By::Css("#dashboard-requests a"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Catering med eritreansk mat i Mora").await?;
        assert!(text(d, "#request-note").await?.contains("startat catering"));
        assert!(text(d, "dl.facts").await?.contains("Skatt och bokföring"));
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "mentee page: {v:?}");
        let (broken, too_wide) = layout_faults(d).await?;
        assert!(broken.is_empty() && !too_wide, "{broken:?} {too_wide}");
        d.screenshot(&shots.join("mentee.phone.png")).await?;
        d.find(By::Css("li.match:first-child textarea"))
            .await?
            .send_keys("Välkomna! Ni har catering gemensamt.")
            .await?;
        d.find(By::Css("li.match:first-child form button"))
            .await?
            .click()
            .await?;
        assert_eq!(wait_for(d, "#status").await?, "föreslagen");
        let url = d.current_url().await?;
        let intro_id = url.path().rsplit('/').next().expect("id").to_string();
        // The request is answered: it leaves the dashboard.
        d.goto(format!("{}/dashboard", app.address)).await?;
        assert!(text(d, "#mentoring-counts")
            .await?
            .starts_with("0 ber om en mentor"));

        // Both accept through the links of the emails they received.
        for who in [me, "mentor@catering.example"] {
            let link = mailed_link(
                &app,
                &smtp,
                who,
                &format!("/introductions/{intro_id}/accept?"),
            )
            .await;
            d.goto(&link).await?;
            d.find(By::Id("answer")).await?.click().await?;
            wait_gone(d, "#answer").await?;
        }
        d.goto(format!("{}/introductions/{intro_id}", app.address))
            .await?;
        assert_eq!(text(d, "#status").await?, "introducerade");
        assert_eq!(text(d, "#relationship-status").await?, "Pågår");

        // They first met five weeks ago: the officer records it; the check-in comes.
        let started =
            (time::OffsetDateTime::now_utc().date() - time::Duration::days(35)).to_string();
        d.execute(
            &format!("document.getElementById('started_on').value = '{started}';"),
            Vec::new(),
        )
        .await?;
        d.find(By::Id("relationship-save")).await?.click().await?;
        wait_for_url(d, "#relationship").await?;
        app.jobs_pass().await;
        let check_in = app.emailed(me, "mentoring_check_in", Some(&intro_id)).await;
        sign_out(d).await?;
        d.goto(check_in["monthly_link"].as_str().expect("link"))
            .await?;
        assert_eq!(text(d, "#answer").await?, "Vi träffas ungefär varje månad");
        d.find(By::Id("answer")).await?.click().await?;
        wait_for_text(d, "main p", "Tack! Ditt svar är sparat.").await?;

        // Half a year on, her firm is registered: she records it herself.
        sign_in_as(d, &app, me, password).await?;
        wait_for_h1(d, "Din profil").await?;
        d.goto(format!("{}/introductions/{intro_id}", app.address))
            .await?;
        assert!(text(d, "table.check-ins")
            .await?
            .contains("ungefär varje månad"));
        select(
            d,
            "#relationship-outcome-select option[value='business_registered']",
        )
        .await?;
        d.find(By::Id("org_number"))
            .await?
            .send_keys("556036-0793")
            .await?;
        d.find(By::Id("relationship-save")).await?.click().await?;
        assert_eq!(
            wait_for(d, "#relationship-outcome").await?,
            "Företaget är registrerat (556036-0793)"
        );
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "introduction: {v:?}");
        d.screenshot(&shots.join("relationship.phone.png")).await?;
        sign_out(d).await?;

        // The indicators count the business and the mentee.
        sign_in_as(d, &app, officer_email, crate::helpers::PASSWORD).await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        d.goto(format!("{}/reports", app.address)).await?;
        assert_eq!(text(d, "#businesses").await?, "556036-0793");
        let numbers = text(d, "#mentoring-indicators").await?;
        assert!(numbers.contains("Företaget är registrerat 1"), "{numbers}");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "reports: {v:?}");
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("mentoring-last.png", result).await;
}

#[tokio::test]
async fn an_officer_matches_an_intake_as_a_cohort_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let result = async {
        d.set_window_rect(0, 0, PHONE.0, PHONE.1).await?;
        sign_in_as(
            d,
            &app,
            &format!("officer.mora@{}", heartland::demo::DEMO_DOMAIN),
            heartland::demo::DEMO_PASSWORD,
        )
        .await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        d.goto(format!("{}/mentoring?lang=sv", app.address)).await?;
        wait_for_h1(d, "Mentorskap för nya företagare").await?;
        // The demo's newcomer in Orsa has asked; the intake lists those who wait.
        assert!(text(d, "#requests").await?.contains("möbelverkstad"));
        let picks = d
            .find_all(By::Css("#cohort-form input[name='mentee']"))
            .await?;
        assert!(picks.len() >= 2, "{} mentees waiting", picks.len());
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "mentoring: {v:?}");
        d.find(By::Id("match-cohort")).await?.click().await?;
        wait_for_h1(d, "Fördelning av adepter på mentorer").await?;
        let assigned: usize = text(d, "#assigned").await?.parse().unwrap_or(0);
        assert!(assigned >= 1, "nobody assigned");
        let rows = d.find_all(By::Css("li.cohort-row")).await?;
        assert_eq!(rows.len(), picks.len());
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "cohort: {v:?}");
        let (broken, too_wide) = layout_faults(d).await?;
        assert!(broken.is_empty() && !too_wide, "{broken:?} {too_wide}");
        d.screenshot(&shots.join("cohort.phone.png")).await?;
        // The officer drops the first pair, and proposes the rest.
        let first = d
            .find(By::Css("li.cohort-row:first-child select"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        let expected = if first.is_empty() {
            assigned
        } else {
            assigned - 1
        };
        select(d, "li.cohort-row:first-child select option[value='']").await?;
        d.find(By::Id("propose-all")).await?.click().await?;
        wait_for_h1(d, "Paren är föreslagna").await?;
        let said = text(d, "main p").await?;
        let n: usize = said
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX);
        assert_eq!(n, expected, "{said}");
        assert_eq!(
            app.count("introductions WHERE track = 'mentoring' AND status = 'proposed'")
                .await,
            n as i64
        );
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("cohort-last.png", result).await;
}

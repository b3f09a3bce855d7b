//! The pages as people use them, in headless Chromium over the demo region, in Swedish,
//! Norwegian and English: a need's matches read whole on a phone (factor names unbroken, the
//! percentage beside its bar, nothing wider than the screen); a candidate with an introduction
//! under way shows it instead of "Introduce"; the emailed link's page says what the
//! introduction is about and offers the other answer; the officer's introduction page has no
//! outcome chosen beforehand, shows each side's answer and says which email went to whom; the
//! party's contact block reads as lines, not letters; buttons side by side are one height.

use crate::browser::{load_demo, serious_violations, sign_in_as, wait_for, Chromium};
use crate::browser_mentoring::layout_faults;
use crate::helpers::{spawn_app, Backend, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

const PHONE: (u32, u32) = (390, 844);
const LANGS: [&str; 3] = ["sv", "nb", "en"];

/// The rectangles (left, top, width, height) of every element `css` selects.
async fn rects(d: &WebDriver, css: &str) -> WebDriverResult<Vec<[f64; 4]>> {
    let v = d
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(e => { \
               const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; });",
            vec![json!(css)],
        )
        .await?
        .json()
        .clone();
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let n = |i: usize| r[i].as_f64().unwrap_or(0.0);
            [n(0), n(1), n(2), n(3)]
        })
        .collect())
}

/// Signs in and waits until the sign-in page has given way to the next.
async fn signed_in(d: &WebDriver, app: &TestApp, email: &str) -> WebDriverResult<()> {
    sign_in_as(d, app, email, heartland::demo::DEMO_PASSWORD).await?;
    let started = Instant::now();
    while d.current_url().await?.path() == "/sign-in" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{email} not signed in"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn axe_clean(d: &WebDriver, axe: &str, page: &str) -> WebDriverResult<()> {
    let v = serious_violations(d, axe).await?;
    assert!(v.is_empty(), "{page}: {v:?}");
    Ok(())
}

/// The welding need of Røros and its best candidate, once the indexer has followed the demo.
async fn welding(app: &TestApp, token: &str) -> (String, String) {
    let started = Instant::now();
    loop {
        let found = app
            .get("/api/v1/search?q=sveiseingeni%C3%B8r&kind=need", token)
            .await;
        if let Some(need) = found.body["items"][0]["id"].as_str() {
            let m = app
                .get(&format!("/api/v1/needs/{need}/matches?limit=1"), token)
                .await;
            if let Some(c) = m.body["items"][0]["id"].as_str() {
                return (need.to_string(), c.to_string());
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            found.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_pages_read_whole_and_offer_only_what_can_be_done_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    let domain = heartland::demo::DEMO_DOMAIN;
    let (officer, company) = (
        format!("officer.roros@{domain}"),
        format!("company.rorosstal@{domain}"),
    );
    let token = app.token(&officer, heartland::demo::DEMO_PASSWORD).await;
    let (need, candidate) = welding(&app, &token).await;
    let robot = app
        .get("/api/v1/search?q=robotceller&kind=need", &token)
        .await
        .body["items"][0]["id"]
        .as_str()
        .expect("the robot-cell need")
        .to_string();
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        // Signed out, the front page's two ways in stand apart and are one height.
        d.set_window_rect(0, 0, PHONE.0, PHONE.1).await?;
        d.goto(format!("{}/?lang=sv", app.address)).await?;
        let start = rects(d, "#start a").await?;
        assert_eq!(start.len(), 2, "sign in and register");
        let gap = if (start[0][1] - start[1][1]).abs() < 1.0 {
            start[1][0] - (start[0][0] + start[0][2])
        } else {
            start[1][1] - (start[0][1] + start[0][3])
        };
        assert!(gap >= 8.0, "sign in and register cramped: {start:?}");
        assert!((start[0][3] - start[1][3]).abs() < 1.0, "{start:?}");

        // The officer's need page on a phone, in the three languages.
        signed_in(d, &app, &officer).await?;
        for lang in LANGS {
            d.goto(format!("{}/needs/{need}?lang={lang}", app.address))
                .await?;
            wait_for(d, "li.match table.factors").await?;
            let (broken, too_wide) = layout_faults(d).await?;
            assert!(broken.is_empty() && !too_wide, "{lang}: {broken:?}");
            // Each match's percentage sits beside its bar.
            let bars = rects(d, "li.match .score meter").await?;
            let shown = rects(d, "li.match .score strong").await?;
            assert_eq!(bars.len(), shown.len());
            for (b, s) in bars.iter().zip(&shown) {
                assert!(
                    (b[1] + b[3] / 2.0 - (s[1] + s[3] / 2.0)).abs() < b[3].max(s[3]),
                    "{lang}: the percentage fell under its bar: {b:?} {s:?}"
                );
            }
        }
        axe_clean(d, axe, "need").await?;

        // A need nobody holds the skills for: the graduates of its trade, said to be so, and
        // not "no more good matches".
        for (lang, says) in [
            ("sv", "samma bransch"),
            ("nb", "samme bransje"),
            ("en", "the same trade"),
        ] {
            d.goto(format!("{}/needs/{robot}?lang={lang}", app.address))
                .await?;
            let notice = wait_for(d, "#matches-related").await?;
            assert!(notice.contains(says), "{lang}: {notice}");
            assert!(!d.find_all(By::Css("li.match")).await?.is_empty());
            assert!(d.find_all(By::Id("matches-end")).await?.is_empty());
        }
        axe_clean(d, axe, "need of a trade").await?;

        // Introduced: the candidate shows the introduction under way, no second "Introduce".
        d.goto(format!("{}/needs/{need}?lang=sv", app.address))
            .await?;
        d.find(By::Css("li.match:first-child form button"))
            .await?
            .click()
            .await?;
        let started = Instant::now();
        while !d.current_url().await?.path().starts_with("/introductions/") {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "not introduced"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let intro = d
            .current_url()
            .await?
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        d.goto(format!("{}/needs/{need}?lang=sv", app.address))
            .await?;
        wait_for(d, "li.match:first-child").await?;
        let under_way = d
            .find_all(By::Css(format!(
                "li.match:first-child p.notice a[href='/introductions/{intro}']"
            )))
            .await?;
        assert_eq!(under_way.len(), 1, "the introduction under way is shown");
        assert!(
            d.find_all(By::Css("li.match:first-child form"))
                .await?
                .is_empty(),
            "Introduce offered again"
        );

        // The emailed links' pages: what the introduction is about, and the other answer.
        let company_mail = app
            .emailed(&company, "introduction_request", Some(&intro))
            .await;
        let candidate_mail = app
            .emailed(
                &wait_owner_email(&app, &candidate).await,
                "introduction_request",
                Some(&intro),
            )
            .await;
        d.delete_all_cookies().await?;
        for (lang, heading, other) in [
            ("sv", "Det här gäller introduktionen", "Nej tack"),
            ("nb", "Dette gjelder introduksjonen", "Nei takk"),
            ("en", "What the introduction is about", "No, thank you"),
        ] {
            let link = company_mail["accept_link"].as_str().unwrap_or_default();
            d.goto(format!("{link}&lang={lang}")).await?;
            let about = wait_for(d, "#about").await?;
            assert!(
                about.contains(heading) && about.contains("Sveiseingeniør til produksjon"),
                "{lang}: {about}"
            );
            assert!(about.contains("Svetsingenjör"), "the other side: {about}");
            assert_eq!(d.find(By::Id("answer-other")).await?.text().await?, other);
        }
        axe_clean(d, axe, "link").await?;
        // The candidate opens "decline", and accepts instead; the company accepts.
        let decline = candidate_mail["decline_link"].as_str().unwrap_or_default();
        d.goto(format!("{decline}&lang=sv")).await?;
        assert_eq!(d.find(By::Id("answer")).await?.text().await?, "Nej tack");
        d.find(By::Id("answer-other")).await?.click().await?;
        crate::browser::wait_for_text(
            d,
            "main p",
            "Tack! Vi hör av oss när den andra parten har svarat.",
        )
        .await?;
        d.goto(company_mail["accept_link"].as_str().unwrap_or_default())
            .await?;
        d.find(By::Id("answer")).await?.click().await?;
        wait_for(d, "main p").await?;

        // The officer's introduction page: both answers, nothing chosen, the emails in words.
        signed_in(d, &app, &officer).await?;
        for (lang, yes, request) in [
            ("sv", "sa ja", "Förfrågan om introduktion"),
            ("nb", "sa ja", "Forespørsel om introduksjon"),
            ("en", "said yes", "Request for an introduction"),
        ] {
            d.goto(format!("{}/introductions/{intro}?lang={lang}", app.address))
                .await?;
            let sides = wait_for(d, "#sides").await?;
            assert_eq!(sides.matches(yes).count(), 2, "{lang}: {sides}");
            assert_eq!(
                d.find_all(By::Css("#sides a[href^='/needs/']"))
                    .await?
                    .len(),
                1
            );
            let checked = d.find(By::Css("#outcome-select option:checked")).await?;
            assert_eq!(
                checked.value().await?.as_deref(),
                Some(""),
                "{lang}: an outcome preselected"
            );
            let emails = wait_for(d, "#emails").await?;
            assert!(
                emails.contains(request) && emails.contains(&company),
                "{lang}: {emails}"
            );
            assert!(
                !emails.contains("introduction_"),
                "{lang}: template names shown: {emails}"
            );
        }
        axe_clean(d, axe, "introduction").await?;

        // The company: its contact block reads as lines; its need's buttons are one height.
        d.delete_all_cookies().await?;
        signed_in(d, &app, &company).await?;
        for (lang, name) in [("sv", "Namn"), ("nb", "Navn"), ("en", "Name")] {
            d.goto(format!("{}/introductions/{intro}?lang={lang}", app.address))
                .await?;
            let contact = wait_for(d, "#contact").await?;
            assert!(contact.starts_with(name), "{lang}: {contact}");
            let email = rects(d, "#contact a").await?;
            assert!(
                email[0][2] > 200.0 && email[0][3] < 80.0,
                "{lang}: the email runs down the page: {email:?}"
            );
            d.goto(format!("{}/needs/{need}?lang={lang}", app.address))
                .await?;
            let edit = rects(d, "#edit").await?;
            let close = rects(d, "#close").await?;
            // One height; side by side on one line, or one under the other, left-aligned.
            let (e, k) = (edit[0], close[0]);
            assert!(
                (e[3] - k[3]).abs() < 1.0
                    && ((e[1] - k[1]).abs() < 1.0 || (e[0] - k[0]).abs() < 1.0),
                "{lang}: {edit:?} {close:?}"
            );
            assert!(!wait_for(d, "#owner-next").await?.is_empty());
        }
        axe_clean(d, axe, "the company's need").await?;
        Ok(())
    }
    .await;
    c.finish("pages-last.png", result).await;
}

/// The email of the person whose profile `candidate` is.
async fn wait_owner_email(app: &TestApp, candidate: &str) -> String {
    let (db, id) = (app.db.clone(), candidate.to_string());
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use heartland::db::schema::{candidates, users};
        let mut c = db.conn().expect("conn");
        let owner: String = candidates::table
            .find(&id)
            .select(candidates::owner_id)
            .first(&mut *c)
            .expect("candidate");
        let email: String = users::table
            .find(&owner)
            .select(users::email)
            .first(&mut *c)
            .expect("user");
        email
    })
    .await
    .expect("email")
}

#[tokio::test]
async fn lists_forms_and_indicators_say_what_people_need_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    let domain = heartland::demo::DEMO_DOMAIN;
    let token = app
        .token(
            &format!("officer.roros@{domain}"),
            heartland::demo::DEMO_PASSWORD,
        )
        .await;
    welding(&app, &token).await;
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        d.set_window_rect(0, 0, PHONE.0, PHONE.1).await?;
        // The officer's dashboard marks her municipalities and counts each need's candidates;
        // the indicators are tables with bars, the municipality picked by name.
        signed_in(d, &app, &format!("officer.roros@{domain}")).await?;
        for (lang, yours, fit) in [
            ("sv", "din kommun", "kandidater passar"),
            ("nb", "din kommune", "kandidater passer"),
            ("en", "your municipality", "candidates fit"),
        ] {
            d.goto(format!("{}/dashboard?lang={lang}", app.address))
                .await?;
            let needs = wait_for(d, "#needs-h + ul").await?;
            assert!(
                needs.contains(yours) && needs.contains(fit),
                "{lang}: {needs}"
            );
            d.goto(format!(
                "{}/reports?lang={lang}&municipality=R%C3%B8ros",
                app.address
            ))
            .await?;
            assert_eq!(
                d.find(By::Id("municipality"))
                    .await?
                    .value()
                    .await?
                    .as_deref(),
                Some("Røros (NO-5025)")
            );
            assert!(
                d.find_all(By::Css("main svg")).await?.is_empty(),
                "{lang}: a chart beside its table"
            );
            assert!(!d.find_all(By::Css("#tracks meter")).await?.is_empty());
            let (broken, too_wide) = layout_faults(d).await?;
            assert!(broken.is_empty() && !too_wide, "{lang}: {broken:?}");
        }
        axe_clean(d, axe, "reports").await?;

        // A company's need form: required fields marked, a draft possible, words of its language.
        d.delete_all_cookies().await?;
        signed_in(d, &app, &format!("company.rorosstal@{domain}")).await?;
        for (lang, draft) in [
            ("sv", "Spara som utkast"),
            ("nb", "Lagre som utkast"),
            ("en", "Save as a draft"),
        ] {
            d.goto(format!("{}/needs/new?lang={lang}", app.address))
                .await?;
            assert_eq!(d.find(By::Id("save-draft")).await?.text().await?, draft);
            assert_eq!(d.find_all(By::Css("label .req")).await?.len(), 4, "{lang}");
            let target = d
                .find(By::Css("label[for='ktp_target']"))
                .await?
                .text()
                .await?;
            assert!(
                lang == "en" || !target.contains("KTP-target"),
                "{lang}: {target}"
            );
            let level = d
                .find(By::Css("#level-1 option:checked"))
                .await?
                .text()
                .await?;
            assert_eq!(level, "–", "{lang}: a level chosen in an empty row");
        }
        axe_clean(d, axe, "need form").await?;

        // A graduate's matching needs say whose, where and what, and how to be introduced; the
        // saved profile folds to its first section.
        d.delete_all_cookies().await?;
        signed_in(d, &app, &format!("candidate.2@{domain}")).await?;
        for (lang, next) in [
            ("sv", "handläggare"),
            ("nb", "rådgiveren"),
            ("en", "business officer"),
        ] {
            d.goto(format!("{}/profile?lang={lang}", app.address))
                .await?;
            let matches = wait_for(d, "#need-matches").await?;
            assert!(
                matches.contains("Røros Stål og Sveis AS") && matches.contains("Røros"),
                "{lang}: {matches}"
            );
            assert!(wait_for(d, "#matches-next").await?.contains(next), "{lang}");
            assert!(d
                .find(By::Id("section-place"))
                .await?
                .attr("open")
                .await?
                .is_none());
            assert!(d
                .find(By::Id("section-about"))
                .await?
                .attr("open")
                .await?
                .is_some());
        }
        axe_clean(d, axe, "profile").await?;
        Ok(())
    }
    .await;
    c.finish("pages-lists-last.png", result).await;
}

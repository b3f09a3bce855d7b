//! The import page in headless Chromium: an officer downloads nothing, chooses a file a
//! spreadsheet wrote, previews it and sees each row's errors in Swedish, corrects the file and
//! imports it. The page passes axe's serious checks.

use crate::browser::{serious_violations, sign_in_as, wait_for_h1, Chromium};
use crate::helpers::{spawn_app, Backend, PASSWORD};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

const MENTORS: &str = "\u{feff}person_name;person_email;person_locale;consent_matching_mentoring;headline;sectors;municipality;capacity\r\n\
Lena Mattsson;lena@example.se;sv;ja;Drev catering i Ludvika i femton år;\"catering\r\nbageri\";Ludvika;2\r\n\
Åsa Ødegård;asa@example.no;nb;ja;Regnskapsfører;regnskap;Røros;två\r\n";

async fn wait_for(d: &WebDriver, id: &str) -> WebDriverResult<WebElement> {
    let started = Instant::now();
    loop {
        if let Ok(e) = d.find(By::Id(id)).await {
            return Ok(e);
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no #{id} on the page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_officer_previews_corrects_and_imports_a_file_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    app.staff("karin@ludvika.se", "officer", &["SE-2085", "NO-5025"])
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("mentorer.csv");
    std::fs::write(&bad, MENTORS).expect("file");
    let good = dir.path().join("mentorer-rättad.csv");
    std::fs::write(&good, MENTORS.replace(";två\r\n", ";2\r\n")).expect("file");
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        sign_in_as(d, &app, "karin@ludvika.se", PASSWORD).await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        d.find(By::Css("nav.main-nav a[href='/imports']"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Importera från kalkylark").await?;
        let templates = d.find(By::Id("import-templates")).await?.text().await?;
        assert!(templates.contains("Mentorer"), "{templates}");
        d.find(By::Css("#kind option[value='mentors']"))
            .await?
            .click()
            .await?;
        d.find(By::Id("file"))
            .await?
            .send_keys(bad.to_string_lossy())
            .await?;
        d.find(By::Id("import-preview")).await?.click().await?;
        wait_for(d, "import-has-errors").await?;
        assert_eq!(d.find(By::Id("import-rows")).await?.text().await?, "2");
        assert_eq!(d.find(By::Id("import-errors")).await?.text().await?, "1");
        let rows = d.find(By::Id("import-row-errors")).await?.text().await?;
        assert!(rows.contains("3"), "the spreadsheet's row number: {rows}");
        assert!(rows.contains("capacity: ska vara ett heltal"), "{rows}");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "import page: {v:?}");

        // The kind stays chosen; the corrected file goes in.
        d.find(By::Id("file"))
            .await?
            .send_keys(good.to_string_lossy())
            .await?;
        d.find(By::Id("import-run")).await?.click().await?;
        wait_for(d, "import-done").await?;
        assert_eq!(d.find(By::Id("import-created")).await?.text().await?, "2");
        Ok(())
    }
    .await;
    c.finish("imports-last.png", result).await;
    let token = app.token("karin@ludvika.se", PASSWORD).await;
    let listed = app
        .get("/api/v1/mentors?municipality=NO-5025", &token)
        .await;
    assert_eq!(listed.body["items"][0]["headline"], "Regnskapsfører");
    let listed = app
        .get("/api/v1/mentors?municipality=SE-2085", &token)
        .await;
    assert_eq!(
        listed.body["items"][0]["sectors"],
        serde_json::json!(["catering", "bageri"]),
        "a line break typed in a cell separates entries"
    );
    assert_eq!(
        app.emailed("asa@example.no", "profile_recorded_by_officer", None)
            .await["consents"],
        serde_json::json!(["matching_mentoring"])
    );
}

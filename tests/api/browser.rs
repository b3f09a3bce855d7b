//! The pages in a real browser: Debian's Chromium, headless, driven over WebDriver
//! (chromedriver) against the real server on 127.0.0.1. The officer of Røros signs in (in
//! Swedish), finds the welding need on the dashboard, reads its ranked matches with every
//! factor drawn as a bar, introduces the best welder with a note; both parties accept through
//! the links of their emails; the officer records a placement. Each step asserts what is on
//! the page; screenshots of the main pages go to `target/screenshots/`.

use crate::helpers::{spawn_app, Backend, TestApp};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

async fn chromedriver() -> Driver {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian's chromium-driver: ./scripts/test installs it)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Driver { child, port }
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1280,900",
    ] {
        caps.add_arg(arg).expect("arg");
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))
        .expect("profile");
    caps.set_binary("/usr/bin/chromium").expect("binary");
    WebDriver::new(format!("http://127.0.0.1:{}", driver.port), caps)
        .await
        .expect("a Chromium session")
}

/// One headless Chromium for a test: its chromedriver, a fresh profile, where screenshots go,
/// and axe-core's script.
pub(crate) struct Chromium {
    pub(crate) d: WebDriver,
    pub(crate) shots: PathBuf,
    pub(crate) axe: String,
    _profile: tempfile::TempDir,
    _driver: Driver,
}

impl Chromium {
    pub(crate) async fn start() -> Chromium {
        let driver = chromedriver().await;
        let profile = tempfile::tempdir().expect("profile");
        let d = browser(&driver, profile.path()).await;
        Chromium {
            d,
            shots: screenshots(),
            axe: axe_source(),
            _profile: profile,
            _driver: driver,
        }
    }

    /// The last page as the screenshot `last`, the browser closed, then the flow's outcome.
    pub(crate) async fn finish(self, last: &str, result: WebDriverResult<()>) {
        let _ = self.d.screenshot(&self.shots.join(last)).await;
        self.d.quit().await.expect("quit");
        result.expect("the flow");
    }
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir
}

pub(crate) async fn text(d: &WebDriver, css: &str) -> WebDriverResult<String> {
    d.find(By::Css(css)).await?.text().await
}

/// Waits (at most 10 s) for an element, and gives its text.
pub(crate) async fn wait_for(d: &WebDriver, css: &str) -> WebDriverResult<String> {
    let started = Instant::now();
    loop {
        // An element of the page being replaced goes stale: look again on the next page.
        if let Ok(e) = d.find(By::Css(css)).await {
            if let Ok(text) = e.text().await {
                return Ok(text);
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{css} never appeared"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (at most 10 s) until an element `css` reads `expected`: after a click that submits a
/// form, the page before may still be there (and its elements go stale as it is replaced).
pub(crate) async fn wait_for_text(d: &WebDriver, css: &str, expected: &str) -> WebDriverResult<()> {
    let started = Instant::now();
    loop {
        let mut seen = Vec::new();
        for e in d.find_all(By::Css(css)).await.unwrap_or_default() {
            seen.push(e.text().await.unwrap_or_default());
        }
        if seen.iter().any(|t| t == expected) {
            return Ok(());
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{css} never read {expected:?}; the page shows {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (at most 10 s) until the page's heading is `expected`: a click that submits a form
/// returns before the next page has loaded.
pub(crate) async fn wait_for_h1(d: &WebDriver, expected: &str) -> WebDriverResult<()> {
    let started = Instant::now();
    loop {
        let now = match d.find(By::Css("h1")).await {
            Ok(h) => h.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if now == expected {
            return Ok(());
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "expected the heading {expected:?}, the page shows {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn load_demo(app: &TestApp) {
    let (db, mut settings) = (
        app.db.clone(),
        heartland::config::Settings::load(None).expect("settings"),
    );
    settings.data_dir = app.data_dir.clone();
    tokio::task::spawn_blocking(move || heartland::demo::load(&db, &settings).expect("demo"))
        .await
        .expect("demo");
}

#[tokio::test]
async fn an_officer_introduces_a_welder_and_records_a_placement_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let mut checked_pages = Vec::new();
    let result = async {
        // Signing in, in Swedish.
        d.goto(format!("{}/sign-in?lang=sv", app.address)).await?;
        assert_eq!(text(d, "h1").await?, "Logga in");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "sign-in: {v:?}");
        checked_pages.push("sign-in");
        d.find(By::Id("email"))
            .await?
            .send_keys(format!("officer.roros@{}", heartland::demo::DEMO_DOMAIN))
            .await?;
        d.find(By::Id("password"))
            .await?
            .send_keys("not the password")
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        assert!(wait_for(d, ".error").await?.contains("stämmer inte"));
        d.find(By::Id("password"))
            .await?
            .send_keys(heartland::demo::DEMO_PASSWORD)
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        d.screenshot(&shots.join("dashboard.sv.png")).await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "dashboard: {v:?}");
        checked_pages.push("dashboard");

        assert!(d.find(By::PartialLinkText("Sveiseingeniør")).await.is_ok());

        // Search, in Swedish words: the Norwegian welding need is found (and what lies outside
        // the officer's municipalities is not).
        d.find(By::Css("a[href='/search']")).await?.click().await?;
        wait_for_h1(d, "Sök").await?;
        d.find(By::Id("q")).await?.send_keys("svetsning").await?;
        d.find(By::Css("#kind option[value='need']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("form[role='search'] button"))
            .await?
            .click()
            .await?;
        let found = wait_for(d, "#results").await?;
        assert!(found.contains("Sveiseingeniør"), "{found}");
        assert!(found.contains("Røros"), "{found}");
        assert!(!found.contains("Mora"), "out of scope: {found}");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "search: {v:?}");
        checked_pages.push("search");
        d.screenshot(&shots.join("search.sv.png")).await?;

        // The welding need of Røros, and its matches: Swedish welders first, each factor a bar.
        d.find(By::PartialLinkText("Sveiseingeniør"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Sveiseingeniør til produksjon av stålkonstruksjoner").await?;
        let matches = d.find_all(By::Css("li.match h3")).await?;
        assert!(!matches.is_empty(), "matches listed");
        let first = matches[0].text().await?;
        assert!(first.contains("Svetsingenjör"), "{first}");
        let bars = d
            .find_all(By::Css("li.match:first-child table.factors meter"))
            .await?;
        assert!(bars.len() >= 4, "a bar per factor: {}", bars.len());
        let why = text(d, "li.match:first-child table.factors").await?;
        assert!(
            why.contains("Kompetenser") && why.contains("Avstånd"),
            "{why}"
        );
        assert!(
            why.contains("över gränsen"),
            "the border crossing is named: {why}"
        );
        d.screenshot(&shots.join("need-matches.sv.png")).await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "need: {v:?}");
        checked_pages.push("need");

        // On a phone-sized window the same page still reads.
        d.set_window_rect(0, 0, 360, 800).await?;
        d.screenshot(&shots.join("need-matches.phone.png")).await?;
        d.set_window_rect(0, 0, 1280, 900).await?;

        // Introduce the best match with a note.
        d.find(By::Css("li.match:first-child textarea"))
            .await?
            .send_keys("Hej! Johan kan stålkonstruktioner.")
            .await?;
        d.find(By::Css("li.match:first-child form button"))
            .await?
            .click()
            .await?;
        assert_eq!(wait_for(d, "#status").await?, "föreslagen");
        let url = d.current_url().await?;
        let intro_id = url.path().rsplit('/').next().expect("id").to_string();

        // The page in English, then Norwegian, on request.
        d.goto(format!("{}/introductions/{intro_id}?lang=en", app.address))
            .await?;
        assert_eq!(text(d, "#status").await?, "proposed");
        d.goto(format!("{}/introductions/{intro_id}?lang=sv", app.address))
            .await?;

        // The company accepts through the page its emailed link opens.
        let company = format!("company.rorosstal@{}", heartland::demo::DEMO_DOMAIN);
        let link = app
            .emailed(&company, "introduction_request", Some(&intro_id))
            .await["accept_link"]
            .as_str()
            .expect("link")
            .to_string();
        d.goto(&link).await?;
        d.find(By::Id("answer")).await?.click().await?;
        let started = Instant::now();
        while !d.find_all(By::Id("answer")).await?.is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no answer page"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        d.screenshot(&shots.join("accepted.png")).await?;

        // The welder signs in and accepts on the introduction's own page; the company's
        // contact details appear there.
        d.goto(format!("{}/introductions/{intro_id}", app.address))
            .await?;
        d.find(By::Css("form.inline button")).await?.click().await?;
        wait_for_h1(d, "Heartland Match").await?;
        sign_in(
            d,
            &app,
            &format!("candidate.2@{}", heartland::demo::DEMO_DOMAIN),
        )
        .await?;
        // Her first page is her profile, which says an introduction waits for her.
        wait_for_h1(d, "Din profil").await?;
        d.find(By::Css(format!(
            "#waiting-h + ul a[href='/introductions/{intro_id}']"
        )))
        .await?
        .click()
        .await?;
        assert_eq!(wait_for(d, "#status").await?, "ena parten har tackat ja");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "the party's introduction page: {v:?}");
        checked_pages.push("introduction (party)");
        d.find(By::Id("accept")).await?.click().await?;
        let contact = wait_for(d, "#contact").await?;
        assert!(contact.contains(&company), "{contact}");
        assert_eq!(text(d, "#status").await?, "introducerade");
        d.screenshot(&shots.join("introduced.party.png")).await?;
        d.find(By::Css("form.inline button")).await?.click().await?;
        wait_for_h1(d, "Heartland Match").await?;

        // The officer records the placement.
        sign_in(
            d,
            &app,
            &format!("officer.roros@{}", heartland::demo::DEMO_DOMAIN),
        )
        .await?;
        wait_for_h1(d, "Det här behöver din uppmärksamhet").await?;
        d.goto(format!("{}/introductions/{intro_id}", app.address))
            .await?;
        assert_eq!(text(d, "#status").await?, "introducerade");
        d.find(By::Id("outcome-select"))
            .await?
            .send_keys("Placering")
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        assert_eq!(wait_for(d, "#outcome").await?, "Placering");
        d.screenshot(&shots.join("introduction.sv.png")).await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "introduction: {v:?}");
        checked_pages.push("introduction");

        // The indicators count it: a cross-border KTP introduction ending in a placement.
        d.goto(format!("{}/reports?lang=sv", app.address)).await?;
        assert_eq!(text(d, "h1").await?, "Programindikatorer");
        assert_eq!(text(d, "#cross-border").await?, "1");
        let outcomes = text(d, "#outcomes").await?;
        assert!(outcomes.contains("Placering 1"), "{outcomes}");
        d.screenshot(&shots.join("reports.sv.png")).await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "reports: {v:?}");
        checked_pages.push("reports");
        d.goto(format!("{}/introductions/{intro_id}", app.address))
            .await?;

        // Signing out ends the session: the dashboard asks to sign in again.
        d.find(By::Css("form.inline button")).await?.click().await?;
        wait_for_h1(d, "Heartland Match").await?;
        d.goto(format!("{}/dashboard", app.address)).await?;
        assert_eq!(text(d, "h1").await?, "Logga in");
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("last.png", result).await;
    eprintln!("axe-core: no serious violations on {checked_pages:?}");
}

/// Signs in on the sign-in page (the demo's password).
async fn sign_in(d: &WebDriver, app: &TestApp, email: &str) -> WebDriverResult<()> {
    sign_in_as(d, app, email, heartland::demo::DEMO_PASSWORD).await
}

/// axe-core's script: `HEARTLAND_TEST_AXE` (set by `scripts/test`, which installs it from npm).
fn axe_source() -> String {
    let path = std::env::var("HEARTLAND_TEST_AXE")
        .expect("HEARTLAND_TEST_AXE: the path of axe.min.js (./scripts/test installs axe-core)");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs axe-core on the current page: the serious and critical violations, by rule.
pub(crate) async fn serious_violations(d: &WebDriver, axe: &str) -> WebDriverResult<Vec<String>> {
    let script = format!(
        "{axe}\nconst done = arguments[arguments.length - 1];\n\
         axe.run(document, {{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})\n\
           .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
             .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))))\n\
           .catch(e => done(['axe failed: ' + e]));"
    );
    let ret = d.execute_async(&script, Vec::new()).await?;
    let found: Vec<String> = ret.convert()?;
    Ok(found)
}

#[tokio::test]
async fn a_company_registers_and_publishes_a_need_on_a_phone_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let result = async {
        d.set_window_rect(0, 0, 360, 800).await?;
        d.goto(format!("{}/register?lang=sv", app.address)).await?;
        assert_eq!(text(d, "h1").await?, "Skapa ett konto");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "register: {v:?}");
        d.find(By::Id("display_name"))
            .await?
            .send_keys("Karin på Sågverket")
            .await?;
        d.find(By::Id("email"))
            .await?
            .send_keys("karin@sagverket.example")
            .await?;
        d.find(By::Id("password"))
            .await?
            .send_keys("ett långt och eget lösenord")
            .await?;
        d.find(By::Id("c-contact")).await?.click().await?;
        d.screenshot(&shots.join("register.phone.png")).await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_h1(d, "Titta i din e-post").await?;
        app.confirm_email("karin@sagverket.example").await;

        d.goto(format!("{}/sign-in", app.address)).await?;
        d.find(By::Id("email"))
            .await?
            .send_keys("karin@sagverket.example")
            .await?;
        d.find(By::Id("password"))
            .await?
            .send_keys("ett långt och eget lösenord")
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_h1(d, "Ditt företag").await?;
        d.find(By::Id("name"))
            .await?
            .send_keys("Sågverket i Mora AB")
            .await?;
        d.find(By::Id("org_number"))
            .await?
            .send_keys("556012-5790")
            .await?;
        // The municipality by its name, as the suggestions offer it.
        d.find(By::Id("org-municipality"))
            .await?
            .send_keys("Mora")
            .await?;
        d.find(By::Css("#leadership option[value='mixed']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        let new_need = wait_for(d, "a.button[href='/needs/new']").await?;
        assert_eq!(new_need, "Nytt utvecklingsbehov");
        assert_eq!(text(d, "nav.main-nav a").await?, "Mitt företag");
        // The details can be changed later: the form comes back filled in.
        d.find(By::Id("edit-organisation")).await?.click().await?;
        wait_for_h1(d, "Ändra företagets uppgifter").await?;
        assert_eq!(
            d.find(By::Id("org-municipality"))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default(),
            "Mora (SE-2062)"
        );
        d.find(By::Css("#size option[value='small']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for(d, "a.button[href='/needs/new']").await?;
        assert!(
            d.find(By::Css("a[href='/reports']")).await.is_err(),
            "the indicators are for officers"
        );
        d.goto(format!("{}/needs/new", app.address)).await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "new need: {v:?}");
        d.find(By::Id("title"))
            .await?
            .send_keys("Digitalisering av sågverket")
            .await?;
        d.find(By::Id("description"))
            .await?
            .send_keys("Sensorer och dataanalys i produktionen.")
            .await?;
        d.find(By::Id("skill-1")).await?.send_keys("Python").await?;
        d.find(By::Id("skill-2"))
            .await?
            .send_keys("dataanalys")
            .await?;
        d.find(By::Css("#lang-1 option[value='sv']"))
            .await?
            .click()
            .await?;
        // An empty row chooses no level: the level is chosen with the language.
        assert_eq!(
            d.find(By::Css("#level-2 option:checked"))
                .await?
                .text()
                .await?,
            "–"
        );
        d.find(By::Css("#level-1 option[value='B2']"))
            .await?
            .click()
            .await?;
        // 30 months is refused; what was typed stays in the form.
        let duration = d.find(By::Id("duration")).await?;
        duration.clear().await?;
        duration.send_keys("30").await?;
        d.execute(
            "document.getElementById('start').value = '2027-03-01'; \
             document.getElementById('duration').removeAttribute('max');",
            Vec::new(),
        )
        .await?;
        d.screenshot(&shots.join("need-new.phone.png")).await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        assert_eq!(
            wait_for(d, "p.error").await?,
            "Längd i månader: måste vara mellan 6 och 24"
        );
        let kept = d
            .find(By::Id("skill-2"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        assert_eq!(kept, "dataanalys");
        let duration = d.find(By::Id("duration")).await?;
        duration.clear().await?;
        duration.send_keys("12").await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_h1(d, "Digitalisering av sågverket").await?;
        assert!(text(d, "dl.facts").await?.contains("1 mars 2027"));
        assert_eq!(text(d, "#need-status").await?, "öppet");
        // Changed: the form comes back filled in; a sharper title and one more skill.
        d.find(By::Id("edit")).await?.click().await?;
        wait_for_h1(d, "Ändra behovet").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "edit need: {v:?}");
        let title = d.find(By::Id("title")).await?;
        assert_eq!(
            title.prop("value").await?.unwrap_or_default(),
            "Digitalisering av sågverket"
        );
        assert_eq!(
            d.find(By::Id("need-municipality"))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default(),
            "Mora (SE-2062)"
        );
        title.clear().await?;
        title
            .send_keys("Digitalisering av sågverket i Mora")
            .await?;
        d.find(By::Id("skill-3"))
            .await?
            .send_keys("maskininlärning")
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_h1(d, "Digitalisering av sågverket i Mora").await?;
        // Filled: the company closes it, and it leaves matching; it can be opened again.
        d.find(By::Id("close")).await?.click().await?;
        wait_for(d, "#reopen").await?;
        assert_eq!(
            text(d, "#need-status").await?,
            "stängt – matchas inte längre"
        );
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("last-company.png", result).await;
    // What the pages made is what the API shows.
    let officer = app
        .staff("officer@mora.example", "officer", &["SE-2062"])
        .await;
    let needs = app.get("/api/v1/needs", &officer).await;
    let need = &needs.body["items"][0];
    assert_eq!(need["title"], "Digitalisering av sågverket i Mora");
    assert_eq!(
        need["skills"],
        serde_json::json!(["Python", "dataanalys", "maskininlärning"])
    );
    assert_eq!(
        need["languages"],
        serde_json::json!([{"code": "sv", "min_level": "B2"}])
    );
    assert_eq!(need["municipality"], "SE-2062");
    assert_eq!(need["duration_months"], 12);
    let orgs = app.get("/api/v1/organisations", &officer).await;
    assert_eq!(orgs.body["items"][0]["name"], "Sågverket i Mora AB");
    assert_eq!(orgs.body["items"][0]["leadership"], "mixed");
    assert_eq!(orgs.body["items"][0]["size"], "small");
    assert_eq!(orgs.body["items"][0]["municipality"], "SE-2062");
    assert_eq!(needs.body["items"][0]["status"], "closed");
}

#[tokio::test]
async fn a_graduate_registers_and_builds_her_profile_on_a_phone_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    // A company in Ludvika needs a design engineer who speaks Arabic.
    let company = app
        .register("hr@ludvika-verk.example", "company", &[])
        .await;
    let org = app
        .create(
            "organisations",
            &company,
            crate::helpers::bodies::company("Ludvika Verk AB", "SE-2085"),
        )
        .await;
    app.verify_org(&org).await;
    let mut need = crate::helpers::bodies::need(&org, "SE-2085");
    need["title"] = "Konstruktör för export till Mellanöstern".into();
    need["skills"] = serde_json::json!(["CAD", "svetsning"]);
    need["languages"] = serde_json::json!([{"code": "ar", "min_level": "B2"}]);
    let need_id = app.create("needs", &company, need).await;

    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let result = async {
        d.set_window_rect(0, 0, 360, 800).await?;
        d.goto(format!("{}/register?lang=sv", app.address)).await?;
        d.find(By::Id("display_name"))
            .await?
            .send_keys("Amal Haddad")
            .await?;
        d.find(By::Id("email"))
            .await?
            .send_keys("amal@example.org")
            .await?;
        d.find(By::Id("password"))
            .await?
            .send_keys("mitt eget långa lösenord")
            .await?;
        d.find(By::Css("#role option[value='candidate']"))
            .await?
            .click()
            .await?;
        d.find(By::Id("c-ktp")).await?.click().await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_h1(d, "Titta i din e-post").await?;
        app.confirm_email("amal@example.org").await;

        sign_in_as(d, &app, "amal@example.org", "mitt eget långa lösenord").await?;
        // A candidate's first page is her profile, still to be written.
        wait_for_h1(d, "Din profil").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "profile: {v:?}");
        // Skills are suggested from the vocabulary in her language as she types.
        let suggested = d
            .execute(
                "const i = document.getElementById('skill-1'); \
                 return [i.getAttribute('list'), \
                   [...document.querySelectorAll('#skill-terms option')].map(o => o.value)];",
                Vec::new(),
            )
            .await?;
        let suggested = suggested.json();
        assert_eq!(suggested[0], "skill-terms");
        let terms: Vec<&str> = suggested[1]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
            .unwrap_or_default();
        assert!(terms.contains(&"svetsning"), "{} terms", terms.len());
        assert!(!terms.contains(&"welding"), "Swedish suggestions only");

        d.find(By::Id("headline"))
            .await?
            .send_keys("CAD-ingenjör med svetserfarenhet")
            .await?;
        d.find(By::Id("degree")).await?.send_keys("MSc").await?;
        d.find(By::Id("field"))
            .await?
            .send_keys("Maskinteknik")
            .await?;
        d.find(By::Id("institution"))
            .await?
            .send_keys("Högskolan Dalarna")
            .await?;
        d.find(By::Id("year")).await?.send_keys("2025").await?;
        d.find(By::Id("skill-1")).await?.send_keys("CAD").await?;
        d.find(By::Id("skill-2"))
            .await?
            .send_keys("svetsning")
            .await?;
        d.find(By::Css("#lang-1 option[value='ar']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("#level-1 option[value='native']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("#lang-2 option[value='sv']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("#level-2 option[value='B1']"))
            .await?
            .click()
            .await?;
        d.find(By::Id("municipality"))
            .await?
            .send_keys("Ludvika (SE-2085)")
            .await?;
        d.find(By::Id("max_distance_km"))
            .await?
            .send_keys("80")
            .await?;
        d.execute(
            "document.getElementById('available_from').value = '2027-01-10';",
            Vec::new(),
        )
        .await?;
        d.find(By::Id("seek-ktp")).await?.click().await?;
        d.screenshot(&shots.join("profile-form.phone.png")).await?;
        d.find(By::Css("form.stack button[type='submit']"))
            .await?
            .click()
            .await?;
        assert_eq!(wait_for(d, ".notice").await?, "Profilen är sparad.");
        let headline = d
            .find(By::Id("headline"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        assert_eq!(headline, "CAD-ingenjör med svetserfarenhet");
        // The need that wants her Arabic and her CAD is among her matches (the index follows
        // within a second).
        let started = Instant::now();
        loop {
            let found = d.find_all(By::Css("ol.matches h3")).await?;
            let mut titles = Vec::new();
            for h in found {
                titles.push(h.text().await?);
            }
            if titles.contains(&"Konstruktör för export till Mellanöstern".to_string()) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{titles:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
            d.refresh().await?;
        }
        assert!(text(d, "ol.matches table.factors")
            .await?
            .contains("Kompetenser"));
        let fits = d
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                Vec::new(),
            )
            .await?
            .json()
            .clone();
        assert!(
            fits[0].as_i64() <= fits[1].as_i64(),
            "wider than the phone: {fits}"
        );
        d.screenshot(&shots.join("profile.phone.png")).await?;

        // What she wrote is her profile, as the API gives it to her.
        let me = app
            .token("amal@example.org", "mitt eget långa lösenord")
            .await;
        let mine = app.get("/api/v1/candidates", &me).await;
        let p = &mine.body["items"][0];
        assert_eq!(p["headline"], "CAD-ingenjör med svetserfarenhet");
        assert_eq!(p["skills"], serde_json::json!(["CAD", "svetsning"]));
        assert_eq!(
            p["languages"],
            serde_json::json!([{"code": "ar", "level": "native"}, {"code": "sv", "level": "B1"}])
        );
        assert_eq!(p["municipality"], "SE-2085");
        assert_eq!(p["education"][0]["institution"], "Högskolan Dalarna");
        assert_eq!(p["available_from"], "2027-01-10");

        // The Ludvika officer introduces her to the company; she sees it on her profile,
        // thinks again, and withdraws.
        let officer = app
            .staff("officer@ludvika.example", "officer", &["SE-2085"])
            .await;
        let need = &need_id;
        let proposed = app
            .post(
                "/api/v1/introductions",
                &officer,
                serde_json::json!({"track": "ktp", "a": {"kind": "need", "id": need},
                    "b": {"kind": "candidate", "id": p["id"]}, "note": "Hej Amal!"}),
            )
            .await;
        assert_eq!(
            proposed.status,
            reqwest::StatusCode::CREATED,
            "{}",
            proposed.body
        );
        d.refresh().await?;
        d.find(By::Css("a[href^='/introductions/']"))
            .await?
            .click()
            .await?;
        wait_for_h1(
            d,
            "Konstruktör för export till Mellanöstern ↔ CAD-ingenjör med svetserfarenhet",
        )
        .await?;
        assert_eq!(text(d, "#status").await?, "föreslagen");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "introduction: {v:?}");
        d.find(By::Id("withdraw")).await?.click().await?;
        let started = Instant::now();
        while text(d, "#status").await.unwrap_or_default() != "återkallad" {
            assert!(started.elapsed() < Duration::from_secs(10), "not withdrawn");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(d.find(By::Id("withdraw")).await.is_err());
        assert!(d.find(By::Id("accept")).await.is_err());
        let seen = app
            .get(
                &format!(
                    "/api/v1/introductions/{}",
                    proposed.body["id"].as_str().unwrap_or_default()
                ),
                &officer,
            )
            .await;
        assert_eq!(seen.body["status"], "withdrawn");

        // Her account: what she agreed to, her data, erasure.
        d.find(By::Css("a[href='/account']")).await?.click().await?;
        wait_for_h1(d, "Ditt konto").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "account: {v:?}");
        assert!(
            d.find(By::Id("consent-matching_ktp"))
                .await?
                .is_selected()
                .await?
        );
        d.find(By::Id("consent-contact")).await?.click().await?;
        d.find(By::Css("form[action='/account/consents'] button"))
            .await?
            .click()
            .await?;
        assert_eq!(wait_for(d, ".notice").await?, "Dina val är sparade.");
        let consents = app.get("/api/v1/me/consents", &me).await;
        let mut given: Vec<String> =
            serde_json::from_value(consents.body["consents"].clone()).unwrap_or_default();
        given.sort();
        assert_eq!(given, ["contact", "matching_ktp"]);
        // The export link gives her data as a file (fetched here by the page itself, with
        // her session).
        let export = d
            .execute(
                "const a = document.querySelector('a[download]'); \
                 return fetch(a.href).then(r => r.json());",
                Vec::new(),
            )
            .await?
            .json()
            .clone();
        assert!(
            export
                .to_string()
                .contains("CAD-ingenjör med svetserfarenhet"),
            "{export}"
        );
        d.screenshot(&shots.join("account.phone.png")).await?;
        // A wrong password erases nothing; the right one erases the account and signs out.
        d.find(By::Id("erase-password"))
            .await?
            .send_keys("fel lösenord här")
            .await?;
        d.find(By::Css("form[action='/account/erase'] button"))
            .await?
            .click()
            .await?;
        assert_eq!(
            wait_for(d, "p.error").await?,
            "Lösenordet stämmer inte. Ingenting har raderats."
        );
        assert_eq!(app.count("candidates").await, 1);
        d.find(By::Id("erase-password"))
            .await?
            .send_keys("mitt eget långa lösenord")
            .await?;
        d.find(By::Css("form[action='/account/erase'] button"))
            .await?
            .click()
            .await?;
        assert_eq!(
            wait_for(d, ".notice").await?,
            "Ditt konto och dina uppgifter är raderade."
        );
        assert!(d.find(By::Css("a[href='/account']")).await.is_err());
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("last-graduate.png", result).await;
    // Erased: nothing of her is left to sign in with or to match.
    assert_eq!(app.count("users WHERE email = 'amal@example.org'").await, 0);
    assert_eq!(app.count("candidates").await, 0);
}

pub(crate) async fn sign_in_as(
    d: &WebDriver,
    app: &TestApp,
    email: &str,
    password: &str,
) -> WebDriverResult<()> {
    // A sign-out clicked just before may still be navigating: open the form until it stays.
    let started = std::time::Instant::now();
    loop {
        d.goto(format!("{}/sign-in", app.address)).await?;
        if let Some(field) = d.find_all(By::Id("email")).await?.into_iter().next() {
            if field.send_keys(email).await.is_ok() {
                break;
            }
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the sign-in form never stayed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    d.find(By::Id("password"))
        .await?
        .send_keys(password)
        .await?;
    d.find(By::Css("form.stack button")).await?.click().await?;
    // The next page before the caller goes on (a refused sign-in stays: then after 5 s).
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(5) {
        let at = d.current_url().await?;
        if at.path() != "/sign-in" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

#[tokio::test]
async fn a_mentor_keeps_her_profile_and_sees_who_fits_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let email = format!("mentor.1@{}", heartland::demo::DEMO_DOMAIN);
    let result = async {
        sign_in(d, &app, &email).await?;
        wait_for(d, "#capacity").await?;
        d.goto(format!("{}/profile?lang=en", app.address)).await?;
        assert_eq!(text(d, "h1").await?, "Your mentor profile");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "mentor profile: {v:?}");
        assert_eq!(
            text(d, "#capacity ~ p label[for='remote_ok']").await?,
            "I can meet remotely"
        );
        let capacity = d.find(By::Id("capacity")).await?;
        capacity.clear().await?;
        capacity.send_keys("3").await?;
        d.find(By::Css("form.stack button[type='submit']"))
            .await?
            .click()
            .await?;
        assert_eq!(wait_for(d, ".notice").await?, "Your profile is saved.");
        assert_eq!(
            d.find(By::Id("capacity"))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default(),
            "3"
        );
        let heading = text(d, "#matches-h").await?;
        assert_eq!(heading, "Newcomer entrepreneurs who fit you");
        // Someone is listed under it, with a score and why (the index reads the demo region
        // in the background: the page is reloaded until it has).
        let started = std::time::Instant::now();
        let first = loop {
            let listed = d.find_all(By::Css("ol.matches li.match h3")).await?;
            if let Some(h) = listed.first() {
                break h.text().await?;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no newcomer is listed for the mentor"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
            d.refresh().await?;
        };
        assert!(!first.trim().is_empty(), "a listed newcomer has a headline");
        assert!(
            !d.find_all(By::Css("ol.matches li.match table.factors tr"))
                .await?
                .is_empty(),
            "each match says why"
        );
        d.screenshot(&shots.join("mentor.png")).await?;
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("last-mentor.png", result).await;
    let token = app.token(&email, heartland::demo::DEMO_PASSWORD).await;
    let mine = app.get("/api/v1/mentors", &token).await;
    // Her own profile is the one shown with its owner (others are pseudonymous to her).
    let own: Vec<&serde_json::Value> = mine.body["items"]
        .as_array()
        .map(|a| a.iter().filter(|m| m.get("owner_id").is_some()).collect())
        .unwrap_or_default();
    assert_eq!(own.len(), 1, "{}", mine.body);
    assert_eq!(own[0]["capacity"], 3);
    assert_eq!(
        own[0]["headline"],
        "Tidigare vd för sågverk, styrelseledamot"
    );
}

#[tokio::test]
async fn a_norwegian_supplier_picks_cpv_codes_by_words_and_sees_a_swedish_procurement() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let email = format!("supplier.fjellkjokken@{}", heartland::demo::DEMO_DOMAIN);
    let result = async {
        sign_in(d, &app, &email).await?;
        // A supplier's first page lists its offers (in Norwegian, the account's language).
        assert_eq!(
            wait_for(d, "a.button[href='/offers/new']").await?,
            "Nytt tilbud"
        );
        d.find(By::Css("a.button[href='/offers/new']"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Nytt tilbud").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "new offer: {v:?}");
        d.find(By::Id("title"))
            .await?
            .send_keys("Skolemat og servering fra Røros")
            .await?;
        d.find(By::Id("description"))
            .await?
            .send_keys("Lokal mat til skoler og barnehager, levert over grensen.")
            .await?;
        // A Norwegian word finds the group, labelled in Norwegian.
        d.find(By::Id("cpv_q"))
            .await?
            .send_keys("servering")
            .await?;
        d.find(By::Id("find-codes")).await?.click().await?;
        let label = wait_for(d, "label[for='cpv-55300000-3']").await?;
        assert!(
            label.starts_with("Restaurant- og serveringstjenester"),
            "{label}"
        );
        // What was typed is still there after the search.
        assert_eq!(
            d.find(By::Id("title"))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default(),
            "Skolemat og servering fra Røros"
        );
        d.find(By::Id("cpv-55300000-3")).await?.click().await?;
        d.find(By::Id("cross_border_ok")).await?.click().await?;
        d.screenshot(&shots.join("offer-new.png")).await?;
        d.find(By::Id("publish")).await?.click().await?;
        wait_for_h1(d, "Skolemat og servering fra Røros").await?;
        assert!(text(d, "#codes")
            .await?
            .contains("Restaurant- og serveringstjenester"));
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "offer: {v:?}");
        // Mora's planned school meals (CPV 55300000-3) are among the procurements that fit,
        // across the border (the index follows within a second).
        let started = Instant::now();
        loop {
            let mut titles = Vec::new();
            for h in d.find_all(By::Css("ol.matches h3")).await? {
                titles.push(h.text().await?);
            }
            if titles.contains(&"Måltider till förskolor och skolor i Mora".to_string()) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{titles:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
            d.refresh().await?;
        }
        d.screenshot(&shots.join("offer.png")).await?;
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("last-supplier.png", result).await;
}

#[tokio::test]
async fn an_admin_makes_a_new_colleague_an_officer_for_roros_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    // A new colleague at Røros registered herself; she is not an officer yet.
    let ingrid = app.register("ingrid@roros.example", "company", &[]).await;
    assert_eq!(
        app.get("/api/v1/reports/indicators", &ingrid).await.status,
        reqwest::StatusCode::FORBIDDEN
    );
    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let result = async {
        sign_in(d, &app, &format!("admin@{}", heartland::demo::DEMO_DOMAIN)).await?;
        wait_for(d, "a[href='/admin/users']").await?;
        d.goto(format!("{}/admin/users?lang=nb", app.address))
            .await?;
        wait_for_h1(d, "Brukere og roller").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "users: {v:?}");
        // The officers, by role: each with the municipalities they act for.
        d.find(By::Css("#role option[value='officer']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("form[role='search'] button"))
            .await?
            .click()
            .await?;
        let started = Instant::now();
        loop {
            let list = text(d, "#users").await.unwrap_or_default();
            if list.contains("officer.roros@") {
                assert!(list.contains("Røros (NO-5025)"), "{list}");
                assert!(!list.contains("ingrid@"), "{list}");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{list}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        d.screenshot(&shots.join("admin-users.png")).await?;
        // Ingrid, found by part of her address.
        let q = d.find(By::Id("q")).await?;
        q.send_keys("INGRID@ROROS").await?;
        d.find(By::Css("#role option[value='']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("form[role='search'] button"))
            .await?
            .click()
            .await?;
        let started = Instant::now();
        while d.find_all(By::Css("#users li")).await?.len() != 1 {
            assert!(started.elapsed() < Duration::from_secs(10), "not found");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        d.find(By::Css("#users li a")).await?.click().await?;
        wait_for(d, "#email").await?;
        assert_eq!(text(d, "#email").await?, "ingrid@roros.example");
        assert_eq!(text(d, "#current-role").await?, "Bedrift");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "user: {v:?}");
        // An officer with no municipality is refused, and the page says why.
        d.find(By::Css("form.stack #role option[value='officer']"))
            .await?
            .click()
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        assert_eq!(
            wait_for(d, "p.error").await?,
            "Kommuner: en næringsrådgiver må ha minst én kommune å arbeide for"
        );
        assert_eq!(text(d, "#current-role").await?, "Bedrift");
        d.find(By::Id("add-1"))
            .await?
            .send_keys("Røros (NO-5025)")
            .await?;
        d.find(By::Id("add-2")).await?.send_keys("Os").await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        assert_eq!(
            wait_for(d, ".notice").await?,
            "Rollen og kommunene er lagret."
        );
        assert_eq!(text(d, "#current-role").await?, "Næringsrådgiver");
        let places = text(d, "#current-places").await?;
        assert!(
            places.contains("Røros (NO-5025)") && places.contains("Os (NO-3430)"),
            "{places}"
        );
        d.screenshot(&shots.join("admin-user.png")).await?;
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("last-admin.png", result).await;
    // She acts for Røros and Os from her next request.
    assert_eq!(
        app.get("/api/v1/reports/indicators", &ingrid).await.status,
        reqwest::StatusCode::OK
    );
    let me = app.get("/api/v1/me", &ingrid).await;
    assert_eq!(me.body["role"], "officer", "{}", me.body);
}

#[tokio::test]
async fn a_supplier_who_forgot_her_password_chooses_a_new_one_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    app.register("nora@fjellkjokken.example", "supplier", &[])
        .await;
    let c = Chromium::start().await;
    let (d, shots, axe) = (&c.d, &c.shots, &c.axe);
    let result = async {
        d.goto(format!("{}/sign-in?lang=nb", app.address)).await?;
        d.find(By::Id("forgot")).await?.click().await?;
        wait_for_h1(d, "Velg et nytt passord").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "forgot: {v:?}");
        d.find(By::Id("email"))
            .await?
            .send_keys("nora@fjellkjokken.example")
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_h1(d, "Sjekk e-posten din").await?;
        // The link of the email (its language the account's: she registered in Swedish, the
        // test's default) opens the form; the page speaks Norwegian, as she chose.
        let link = app
            .emailed_link("nora@fjellkjokken.example", "password_reset")
            .await;
        d.goto(&link).await?;
        wait_for_h1(d, "Velg et nytt passord").await?;
        // Switching the language keeps the link's token.
        d.find(By::Css("nav.lang a[lang='en']"))
            .await?
            .click()
            .await?;
        wait_for_h1(d, "Choose a new password").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "reset: {v:?}");
        // A common password is refused on the same page, which says why.
        d.find(By::Id("password"))
            .await?
            .send_keys("1qaz2wsx3edc")
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        assert_eq!(
            wait_for(d, "p.error").await?,
            "The password must have 12–1024 characters and must not be one of the most common."
        );
        d.find(By::Id("password"))
            .await?
            .send_keys("fjellets eget nye passord")
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_text(d, "main p", "Done! Sign in with your new password.").await?;
        d.screenshot(&shots.join("reset.png")).await?;
        sign_in_as(
            d,
            &app,
            "nora@fjellkjokken.example",
            "fjellets eget nye passord",
        )
        .await?;
        wait_for(d, "a[href='/account']").await?;
        // The link was for one use.
        d.goto(&link).await?;
        d.find(By::Id("password"))
            .await?
            .send_keys("ännu ett nytt lösenord")
            .await?;
        d.find(By::Css("form.stack button")).await?.click().await?;
        wait_for_text(
            d,
            "main p",
            "This link is no longer valid (it was used, or it is older than an hour).",
        )
        .await?;
        Ok::<(), WebDriverError>(())
    }
    .await;
    c.finish("last-reset.png", result).await;
    app.token("nora@fjellkjokken.example", "fjellets eget nye passord")
        .await;
}

//! Newsletters and addresses on the pages, in headless Chromium over the demo region: the Mora
//! officer writes a newsletter, sees from its preview how many it reaches, sends it, and it is
//! in the public archive; a graduate whose address bounced reads the mail server's reply on
//! her account page and says the address is right; she stops the weekly digest from the link
//! of a digest. The pages pass axe's serious checks.

use crate::browser::{load_demo, serious_violations, sign_in_as, wait_for, wait_for_h1, Chromium};
use crate::helpers::{spawn_app, Backend};
use heartland::demo::{DEMO_DOMAIN, DEMO_PASSWORD};
use thirtyfour::prelude::*;

#[tokio::test]
async fn an_officer_sends_a_newsletter_and_a_bounced_address_is_put_right_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    load_demo(&app).await;
    // The demo graduate's address bounced (a mail server answered 550).
    let (db, address) = (app.db.clone(), format!("candidate.1@{DEMO_DOMAIN}"));
    let user = tokio::task::spawn_blocking(move || {
        let mut c = db.conn().expect("conn");
        heartland::db::bounces::mark(&mut c, &address, "550 5.1.1 <x>: User unknown")
            .expect("mark");
        heartland::db::User::by_email(&mut c, &address)
            .expect("user")
            .expect("exists")
            .id
    })
    .await
    .expect("bounce");
    let c = Chromium::start().await;
    let (d, axe) = (&c.d, &c.axe);
    let result = async {
        sign_in_as(
            d,
            &app,
            &format!("officer.mora@{DEMO_DOMAIN}"),
            DEMO_PASSWORD,
        )
        .await?;
        d.goto(format!("{}/newsletters?lang=sv", app.address))
            .await?;
        wait_for_h1(d, "Nyhetsbrev").await?;
        let archive = d.find(By::Id("newsletters")).await?.text().await?;
        assert!(
            archive.contains("Nyheter från Heartland Match – december"),
            "{archive}"
        );
        d.find(By::Id("write-newsletter")).await?.click().await?;
        wait_for_h1(d, "Skriv ett nyhetsbrev").await?;
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "newsletter form: {v:?}");
        // A subject without its body: the form says which, and keeps what was written.
        d.find(By::Id("subject_sv"))
            .await?
            .send_keys("Mentorträff i Orsa")
            .await?;
        d.find(By::Id("preview-newsletter")).await?.click().await?;
        let errors = wait_for(d, "#newsletter-errors").await?;
        assert!(errors.contains("Text: saknas"), "{errors}");
        let kept = d.find(By::Id("subject_sv")).await?.prop("value").await?;
        assert_eq!(kept.as_deref(), Some("Mentorträff i Orsa"));
        d.find(By::Id("body_sv"))
            .await?
            .send_keys("Välkommen!\n\n- **Onsdag** kl. 18\n- Orsa bibliotek")
            .await?;
        d.find(By::Css("input[name='role'][value='mentor']"))
            .await?
            .click()
            .await?;
        d.find(By::Id("preview-newsletter")).await?.click().await?;
        let preview = wait_for(d, "#newsletter-preview").await?;
        let reach = d
            .find(By::Id("newsletter-recipients"))
            .await?
            .text()
            .await?;
        assert!(reach.parse::<u32>().is_ok_and(|n| n >= 1), "{preview}");
        assert_eq!(
            d.find(By::Css("article strong")).await?.text().await?,
            "Onsdag"
        );
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "preview: {v:?}");
        d.find(By::Id("send-newsletter")).await?.click().await?;
        wait_for(d, "#newsletter-sent").await?;
        d.find(By::Css("form.inline button.link"))
            .await?
            .click()
            .await?;
        wait_for(d, "a[href='/sign-in']").await?;

        // The archive is public.
        d.goto(format!("{}/newsletters?lang=sv", app.address))
            .await?;
        let archive = d.find(By::Id("newsletters")).await?.text().await?;
        assert!(archive.contains("Mentorträff i Orsa"), "{archive}");

        // The graduate reads why nothing reaches her, and says the address is right.
        sign_in_as(
            d,
            &app,
            &format!("candidate.1@{DEMO_DOMAIN}"),
            DEMO_PASSWORD,
        )
        .await?;
        d.goto(format!("{}/account?lang=sv", app.address)).await?;
        let notice = d.find(By::Id("address-bounced")).await?.text().await?;
        assert!(notice.contains("550 5.1.1"), "{notice}");
        let v = serious_violations(d, axe).await?;
        assert!(v.is_empty(), "account: {v:?}");
        d.find(By::Id("address-right")).await?.click().await?;
        let note = wait_for(d, "#address-note").await?;
        assert_eq!(note, "Vi skickar till adressen igen.");
        assert!(d.find_all(By::Id("address-bounced")).await?.is_empty());
        let digest = d.find(By::Id("consent-digest")).await?;
        assert!(
            digest.is_selected().await?,
            "the demo graduate asked for the digest"
        );

        // A digest's link: the page asks, the button stops the digest.
        let settings = heartland::config::Settings {
            base_url: Some(app.address.clone()),
            data_dir: app.data_dir.clone(),
            ..heartland::config::Settings::load(None).expect("settings")
        };
        let link =
            heartland::subscriptions::unsubscribe_link(&settings, &user, "digest").expect("link");
        d.goto(format!("{link}&lang=sv")).await?;
        wait_for_h1(d, "Avsluta utskick").await?;
        d.find(By::Id("answer")).await?.click().await?;
        let started = std::time::Instant::now();
        while !wait_for(d, "main")
            .await?
            .contains("du får inga fler sådana utskick")
        {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "not withdrawn"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        d.goto(format!("{}/account?lang=sv", app.address)).await?;
        let digest = d.find(By::Id("consent-digest")).await?;
        assert!(!digest.is_selected().await?, "the digest is withdrawn");
        assert!(
            d.find(By::Id("consent-newsletter"))
                .await?
                .is_selected()
                .await?
        );
        WebDriverResult::Ok(())
    }
    .await;
    c.finish("letters-last.png", result).await;
}

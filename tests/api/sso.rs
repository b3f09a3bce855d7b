//! Single sign-on against a real OpenID Connect provider on 127.0.0.1 (`tests/oidc/
//! provider.mjs`: oidc-provider from npm, OpenID Certified): discovery, the code flow with
//! PKCE, the ID token checked against the provider's JWKS; a staff account made at the first
//! sign-in with the municipality the domain maps to; the provider's MFA counting as ours, and
//! without it our second factor asked; and refusals — an unmapped domain, a non-staff account,
//! a replayed or forged state, and ID tokens signed with another key, expired, for another
//! client, or for another sign-in.

use crate::helpers::{bodies, spawn_app_with, Backend, TestApp};
use heartland::sso::{discover, keys, verify_id_token, Provider};
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oidc")
        .join(name)
}

/// The identity provider, stopped when dropped.
pub(crate) struct IdP {
    child: Child,
    pub(crate) issuer: String,
}

impl Drop for IdP {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_idp(redirect: &str) -> IdP {
    let modules = std::env::var("HEARTLAND_TEST_NODE_MODULES").expect(
        "HEARTLAND_TEST_NODE_MODULES: node_modules with oidc-provider (./scripts/test installs it)",
    );
    let mut child = Command::new("node")
        .arg(fixture("provider.mjs"))
        .args(["--modules", &modules, "--redirect", redirect])
        .arg("--key")
        .arg(fixture("provider-key.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the provider's port");
    let port: u16 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no port: {line:?}"));
    IdP {
        child,
        issuer: format!("http://127.0.0.1:{port}"),
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub(crate) fn providers(issuer: &str) -> String {
    json!([{"name": "mora", "label": "Mora kommun", "issuer": issuer, "client_id": "heartland",
            "client_secret": "heartland-secret",
            "domains": [{"domain": "mora.se", "role": "officer", "municipalities": ["SE-2062"]}]}])
    .to_string()
}

/// The app with the provider configured (both know each other's address).
async fn app_and_idp(backend: Backend, factor: &str) -> Option<(TestApp, IdP)> {
    let port = free_port();
    let idp = start_idp(&format!("http://127.0.0.1:{port}/auth/oidc/mora/callback"));
    let (issuer, factor) = (idp.issuer.clone(), factor.to_string());
    let app = spawn_app_with(backend, move |s| {
        s.bind = format!("127.0.0.1:{port}");
        s.oidc_providers = Some(providers(&issuer));
        s.staff_second_factor = Some(factor);
    })
    .await?;
    Some((app, idp))
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Signs in through the provider as `login` (ticking its MFA when asked); returns where the
/// service sent the browser at the end, its status, and the client (with the session).
async fn sign_in(
    app: &TestApp,
    idp: &IdP,
    login: &str,
    mfa: bool,
) -> (StatusCode, String, reqwest::Client) {
    let b = browser();
    let start = b
        .get(format!(
            "{}/auth/oidc/mora/start?next=/dashboard",
            app.address
        ))
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let mut at = location(&start);
    assert!(at.starts_with(&format!("{}/auth?", idp.issuer)), "{at}");
    assert!(
        at.contains("code_challenge_method=S256") && at.contains("nonce="),
        "{at}"
    );
    // Through the provider: its redirects, its login form, back to the service.
    let mut posted = false;
    for _ in 0..10 {
        if at.starts_with(&app.address) {
            break;
        }
        let url = if at.starts_with('/') {
            format!("{}{at}", idp.issuer)
        } else {
            at.clone()
        };
        let r = if url.contains("/interaction/") && !posted {
            let page = b.get(&url).send().await.expect("login page");
            assert_eq!(page.status(), StatusCode::OK);
            let html = page.text().await.expect("html");
            let action = html
                .split("action=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .expect("the login form");
            posted = true;
            let mut form = vec![("login", login.to_string())];
            if mfa {
                form.push(("mfa", "yes".into()));
            }
            b.post(format!("{}{action}", idp.issuer))
                .form(&form)
                .send()
                .await
                .expect("login")
        } else {
            b.get(&url).send().await.expect("provider")
        };
        assert!(r.status().is_redirection(), "{url}: {}", r.status());
        at = location(&r);
    }
    assert!(
        at.starts_with(&format!("{}/auth/oidc/mora/callback?", app.address)),
        "{at}"
    );
    let back = b.get(&at).send().await.expect("callback");
    let status = back.status();
    let cookie = back.headers().get(SET_COOKIE).is_some();
    let to = location(&back);
    assert!(
        status != StatusCode::SEE_OTHER || cookie,
        "a session when signed in"
    );
    // The same answer again: the sign-in was used.
    let again = browser().get(&at).send().await.expect("replay");
    assert_eq!(
        again.status(),
        StatusCode::FORBIDDEN,
        "a replayed state is refused"
    );
    (status, to, b)
}

async fn get(app: &TestApp, b: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    let r = b
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("get");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn staff_sign_in_through_the_municipality(backend: Backend) {
    let Some((app, idp)) = app_and_idp(backend, "required").await else {
        return;
    };
    // The sign-in page offers the municipality's provider.
    let page = app
        .client
        .get(format!("{}/sign-in?lang=sv", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Logga in med Mora kommun"), "{page}");

    // First sign-in with the provider's MFA: an officer of Mora, made now, signed in.
    let (status, to, b) = sign_in(&app, &idp, "karin@mora.se", true).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/dashboard"));
    let (status, me) = get(&app, &b, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["role"], "officer");
    assert_eq!(me["municipalities"], json!(["SE-2062"]));
    assert_eq!(
        get(&app, &b, "/api/v1/needs").await.0,
        StatusCode::OK,
        "the provider's MFA counts"
    );

    // Without the provider's MFA, ours is asked: not set up yet, only the enrolment opens.
    let (status, _, b) = sign_in(&app, &idp, "karin@mora.se", false).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body) = get(&app, &b, "/api/v1/needs").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "second_factor_required");
    assert_eq!(
        app.count("users WHERE email = 'karin@mora.se'").await,
        1,
        "linked, not made twice"
    );

    // Refused: a domain no municipality maps, and a non-staff account with a mapped address.
    let (status, _, _) = sign_in(&app, &idp, "someone@gmail.com", true).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let company = app.register("kari@mora.se", "company", &[]).await;
    app.create(
        "organisations",
        &company,
        bodies::company("Sågen i Mora AB", "SE-2062"),
    )
    .await;
    let (status, _, _) = sign_in(&app, &idp, "kari@mora.se", true).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a company account is not made staff"
    );
    assert_eq!(
        app.count("users WHERE email = 'kari@mora.se' AND role = 'company'")
            .await,
        1
    );
    // A state this service never gave.
    let forged = browser()
        .get(format!(
            "{}/auth/oidc/mora/callback?code=x&state=forged",
            app.address
        ))
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

/// ID tokens as a provider would sign them, for the checks of their signature and claims.
fn id_token(key: &str, claims: Value) -> String {
    use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
    let pem = std::fs::read(fixture(key)).expect("key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key".into());
    encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(&pem).expect("pem"),
    )
    .expect("sign")
}

#[tokio::test]
async fn id_tokens_are_checked_against_the_providers_keys() {
    let idp = start_idp("http://127.0.0.1:1/auth/oidc/mora/callback");
    let p: Provider = serde_json::from_str::<Vec<Provider>>(&providers(&idp.issuer))
        .expect("providers")
        .remove(0);
    let d = discover(&p).await.expect("discovery");
    let jwks = keys(&d).await.expect("jwks");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let good = json!({"iss": idp.issuer, "aud": "heartland", "sub": "karin@mora.se",
                      "email": "karin@mora.se", "email_verified": true, "nonce": "n-1",
                      "iat": now, "exp": now + 300});
    let claims = verify_id_token(
        &id_token("provider-key.pem", good.clone()),
        &jwks,
        &d.issuer,
        "heartland",
        "n-1",
    )
    .expect("a good token holds");
    assert_eq!(claims.email.as_deref(), Some("karin@mora.se"));
    let mut cases: Vec<(&str, String, &str)> = vec![(
        "signed with another key",
        id_token("other-key.pem", good.clone()),
        "n-1",
    )];
    let mut old = good.clone();
    old["iat"] = json!(now - 7200);
    old["exp"] = json!(now - 3600);
    cases.push((
        "expired an hour ago",
        id_token("provider-key.pem", old),
        "n-1",
    ));
    let mut other_client = good.clone();
    other_client["aud"] = json!("another-client");
    cases.push((
        "for another client",
        id_token("provider-key.pem", other_client),
        "n-1",
    ));
    let mut other_issuer = good.clone();
    other_issuer["iss"] = json!("http://127.0.0.1:9/evil");
    cases.push((
        "from another issuer",
        id_token("provider-key.pem", other_issuer),
        "n-1",
    ));
    cases.push((
        "for another sign-in",
        id_token("provider-key.pem", good),
        "n-2",
    ));
    for (what, token, nonce) in cases {
        let refused = verify_id_token(&token, &jwks, &d.issuer, "heartland", nonce);
        assert!(refused.is_err(), "a token {what} is refused");
    }
}

#[tokio::test]
async fn sqlite_staff_sign_in_through_the_municipality() {
    staff_sign_in_through_the_municipality(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_staff_sign_in_through_the_municipality() {
    staff_sign_in_through_the_municipality(Backend::Postgres).await;
}

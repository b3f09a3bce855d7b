//! Single sign-on for staff through their municipality's identity provider: OpenID Connect,
//! authorisation code with PKCE (S256), a `state` kept server-side for ten minutes and used
//! once, a `nonce` in the ID token. The ID token is checked against the provider's JWKS (its
//! `kid`, RS256 only), its issuer, its audience (our client), its expiry (a minute of leeway)
//! and the nonce; the email must be verified by the provider and its domain mapped, in the
//! provider's settings, to a role and municipalities. A staff account is made at the first
//! sign-in, or an existing staff account with that address is used; a non-staff account is
//! never turned into staff this way. When the ID token's `amr` says the provider asked a
//! second factor, that counts as ours; else ours (TOTP) is asked as after a password.

use crate::config::Settings;
use crate::db::schema::oidc_flows as f;
use crate::db::{self, DbConn, User};
use crate::error::AppError;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use diesel::prelude::*;
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// A sign-in under way is good for this long.
const FLOW_MINUTES: i64 = 10;
/// `amr` values that mean a second factor was asked (RFC 8176).
const MFA: [&str; 8] = ["mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "sc"];

/// What a provider maps an email domain to.
#[derive(Debug, Clone, Deserialize)]
pub struct DomainRule {
    pub domain: String,
    /// `officer` or `admin`.
    pub role: String,
    #[serde(default)]
    pub municipalities: Vec<String>,
}

/// One municipality's identity provider, from the setting `oidc_providers` (a JSON list).
#[derive(Debug, Clone, Deserialize)]
pub struct Provider {
    /// In the sign-in address: `/auth/oidc/{name}/start`.
    pub name: String,
    /// On the sign-in page's button.
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub domains: Vec<DomainRule>,
}

/// The configured providers (none when unset; a setting that does not read is an error).
pub fn providers(settings: &Settings) -> Result<Vec<Provider>, AppError> {
    match settings.oidc_providers.as_deref().map(str::trim) {
        None | Some("") => Ok(Vec::new()),
        Some(json) => serde_json::from_str(json).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "HEARTLAND_OIDC_PROVIDERS does not read: {e}"
            ))
        }),
    }
}

fn provider(settings: &Settings, name: &str) -> Result<Provider, AppError> {
    providers(settings)?
        .into_iter()
        .find(|p| p.name == name)
        .ok_or(AppError::NotFound)
}

/// The provider's discovery document: the parts used.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

fn refused(why: impl Into<String>) -> AppError {
    AppError::forbidden(format!(
        "the sign-in through the identity provider was refused: {}",
        why.into()
    ))
}

fn client() -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::Internal(e.into()))
}

/// Reads the provider's discovery document; its issuer must be the one configured.
pub async fn discover(p: &Provider) -> Result<Discovery, AppError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        p.issuer.trim_end_matches('/')
    );
    let d: Discovery = client()?
        .get(&url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| refused(format!("the provider cannot be reached: {e}")))?
        .json()
        .await
        .map_err(|e| {
            refused(format!(
                "the provider's discovery document does not read: {e}"
            ))
        })?;
    if d.issuer.trim_end_matches('/') != p.issuer.trim_end_matches('/') {
        return Err(refused("the provider names another issuer"));
    }
    Ok(d)
}

fn random() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

fn redirect_uri(settings: &Settings, p: &Provider) -> String {
    format!("{}/auth/oidc/{}/callback", settings.base_url(), p.name)
}

/// Starts a sign-in: remembers the flow and returns where to send the browser.
pub async fn start(
    db: &db::Db,
    settings: &Settings,
    name: &str,
    next: &str,
) -> Result<String, AppError> {
    let p = provider(settings, name)?;
    let d = discover(&p).await?;
    let (state, nonce, verifier) = (random(), random(), random());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let (s, n, v, pn, nx) = (
        state.clone(),
        nonce.clone(),
        verifier,
        p.name.clone(),
        next.to_string(),
    );
    db.write(move |c| -> Result<(), AppError> {
        // Old flows nobody finished go.
        let old = db::now() - time::Duration::minutes(FLOW_MINUTES);
        diesel::delete(f::table.filter(f::created_at.lt(old))).execute(c)?;
        diesel::insert_into(f::table)
            .values((
                f::state.eq(&s),
                f::provider.eq(&pn),
                f::nonce.eq(&n),
                f::verifier.eq(&v),
                f::next.eq(&nx),
                f::created_at.eq(db::now()),
            ))
            .execute(c)?;
        Ok(())
    })
    .await?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", &redirect_uri(settings, &p))
        .append_pair("scope", "openid email profile")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let sep = if d.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    Ok(format!("{}{sep}{query}", d.authorization_endpoint))
}

/// The claims of an ID token that are used.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    pub nonce: Option<String>,
    #[serde(default)]
    pub amr: Vec<String>,
}

/// The provider's keys.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub kid: Option<String>,
    pub n: Option<String>,
    pub e: Option<String>,
}

/// Reads the provider's JWKS.
pub async fn keys(d: &Discovery) -> Result<Jwks, AppError> {
    client()?
        .get(&d.jwks_uri)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| refused(format!("the provider's keys cannot be read: {e}")))?
        .json()
        .await
        .map_err(|e| refused(format!("the provider's keys do not read: {e}")))
}

/// Checks an ID token: RS256 by a key of `jwks` (by `kid`), from `issuer`, for `client_id`,
/// not expired (a minute of leeway), with `nonce`. Its claims, or why it is refused.
pub fn verify_id_token(
    token: &str,
    jwks: &Jwks,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<Claims, AppError> {
    use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
    let header = decode_header(token).map_err(|e| refused(format!("the ID token: {e}")))?;
    if header.alg != Algorithm::RS256 {
        return Err(refused("the ID token is not signed with RS256"));
    }
    let key = jwks
        .keys
        .iter()
        .filter(|k| k.kty == "RSA")
        .find(|k| header.kid.is_none() || k.kid == header.kid)
        .ok_or_else(|| refused("the ID token's key is not the provider's"))?;
    let (Some(n), Some(e)) = (&key.n, &key.e) else {
        return Err(refused("the provider's key is incomplete"));
    };
    let key = DecodingKey::from_rsa_components(n, e)
        .map_err(|e| refused(format!("the provider's key: {e}")))?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[issuer.trim_end_matches('/'), issuer]);
    v.set_audience(&[client_id]);
    v.leeway = 60;
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = decode::<Claims>(token, &key, &v)
        .map_err(|e| refused(format!("the ID token does not hold: {e}")))?;
    if data.claims.nonce.as_deref() != Some(nonce) {
        return Err(refused("the ID token is not for this sign-in (nonce)"));
    }
    Ok(data.claims)
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
}

/// A finished sign-in: the staff account, and whether the provider asked a second factor.
pub struct SignedIn {
    pub user: User,
    pub provider_mfa: bool,
}

/// Finishes a sign-in the provider sent back: the flow (once), the code for tokens (with the
/// PKCE verifier), the ID token checked, the account found or made.
pub async fn finish(
    db: &db::Db,
    settings: &Settings,
    name: &str,
    code: &str,
    state: &str,
) -> Result<(SignedIn, String), AppError> {
    let p = provider(settings, name)?;
    let (st, pn) = (state.to_string(), p.name.clone());
    let flow: Option<(String, String, String, time::PrimitiveDateTime)> = db
        .write(move |c| -> Result<_, AppError> {
            let row: Option<(String, String, String, time::PrimitiveDateTime)> = f::table
                .find(&st)
                .filter(f::provider.eq(&pn))
                .select((f::nonce, f::verifier, f::next, f::created_at))
                .first(c)
                .optional()?;
            diesel::delete(f::table.find(&st)).execute(c)?;
            Ok(row)
        })
        .await?;
    let Some((nonce, verifier, next, at)) = flow else {
        return Err(refused(
            "this sign-in was not started here, or was used already",
        ));
    };
    if db::now() - at > time::Duration::minutes(FLOW_MINUTES) {
        return Err(refused("this sign-in took too long: start again"));
    }
    let d = discover(&p).await?;
    let answer: TokenAnswer = client()?
        .post(&d.token_endpoint)
        .basic_auth(&p.client_id, Some(&p.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect_uri(settings, &p)),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| refused(format!("the provider did not give tokens: {e}")))?
        .json()
        .await
        .map_err(|e| refused(format!("the provider's tokens do not read: {e}")))?;
    let jwks = keys(&d).await?;
    let claims = verify_id_token(&answer.id_token, &jwks, &d.issuer, &p.client_id, &nonce)?;
    let email = match (&claims.email, claims.email_verified) {
        (Some(e), true) => crate::domain::Email::parse(e)
            .map_err(|m| refused(format!("the provider's email: {m}")))?,
        _ => return Err(refused("the provider gave no verified email address")),
    };
    let domain = email
        .as_str()
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_string();
    let rule = p
        .domains
        .iter()
        .find(|r| r.domain.eq_ignore_ascii_case(&domain))
        .cloned()
        .ok_or_else(|| {
            refused(format!(
                "addresses at {domain} do not sign in through {}",
                p.label
            ))
        })?;
    if !crate::second_factor::is_staff(&rule.role) {
        return Err(refused(
            "the provider's settings map to a role that is not staff",
        ));
    }
    let provider_mfa = claims.amr.iter().any(|a| MFA.contains(&a.as_str()));
    let name = p.name.clone();
    let user = db
        .write(move |c| account_for(c, email.as_str(), &rule, &name))
        .await?;
    Ok((SignedIn { user, provider_mfa }, next))
}

/// The staff account of `email`: found (staff only), or made as the rule says.
fn account_for(
    conn: &mut DbConn,
    email: &str,
    rule: &DomainRule,
    provider: &str,
) -> Result<User, AppError> {
    if let Some(u) = User::by_email(conn, email)? {
        if !crate::second_factor::is_staff(&u.role) {
            return Err(refused(
                "this address belongs to an account that is not a staff account: sign in with its password",
            ));
        }
        if crate::moderation::is_suspended(conn, &u.id)? {
            return Err(refused("this account is suspended"));
        }
        db::audit(
            conn,
            Some(&u.id),
            "sso_sign_in",
            "user",
            Some(&u.id),
            json!({"provider": provider}),
        )?;
        return Ok(u);
    }
    let display = email.split('@').next().unwrap_or(email).to_string();
    let norwegian = rule.municipalities.iter().any(|m| m.starts_with("NO-"));
    let id = User::insert(
        conn,
        &db::NewUser {
            email,
            display_name: &display,
            phone: None,
            locale: if norwegian { "nb" } else { "sv" },
            role: &rule.role,
            password_hash: None,
            verified: true,
        },
    )?;
    for m in &rule.municipalities {
        if let Ok(m) = crate::domain::Municipality::parse_key(m) {
            User::add_scope(conn, &id, &m.key())?;
        }
    }
    db::audit(
        conn,
        None,
        "sso_account_created",
        "user",
        Some(&id),
        json!({"provider": provider, "role": rule.role}),
    )?;
    User::by_id(conn, &id)?.ok_or(AppError::NotFound)
}

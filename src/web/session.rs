//! The API's sign-in: tokens for systems, self-service registration, and the `Viewer`
//! extractor that every authorised handler takes.

use super::error::AppError;
use super::{body, AppState};
use crate::auth;
use crate::db::accounts;
use crate::db::{record_consents, User};
use crate::domain::{Email, FieldErrors};
use crate::policy::{Role, Viewer};
use crate::records::{ALL_PURPOSES, CONSENT_TEXT_VERSION, LOCALES};
use actix_web::http::Method;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Whether a cookie-authenticated request that changes something comes from our own pages:
/// its `Origin` (or, without one, its `Referer`) is the service's own.
pub(crate) fn same_origin(req: &HttpRequest, base_url: &str) -> bool {
    let own = origin_of(base_url);
    let header = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    match header(header::ORIGIN).or_else(|| header(header::REFERER)) {
        Some(o) => own.is_some() && origin_of(&o) == own,
        None => false,
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

pub(crate) use crate::auth::constant_time_eq;

pub(crate) fn viewer_of(conn: &mut crate::db::DbConn, user: User) -> Result<Viewer, AppError> {
    let role = Role::parse(&user.role).ok_or_else(|| anyhow::anyhow!("unknown role"))?;
    let (scopes, organisations) = User::scopes_and_organisations(conn, &user.id)?;
    Ok(Viewer {
        scopes,
        organisations,
        touched_recently: accounts::touched_recently(&user),
        user_id: user.id,
        role,
        locale: user.locale,
    })
}

/// Who calls, before it is looked up: a bearer token is read on the connection the handler
/// uses for its own work ([`Caller::viewer`]), one trip to the blocking pool instead of two; a
/// browser session is read at once, as it writes the session's last use.
pub enum Caller {
    Token {
        hash: String,
        path: String,
        /// Whether staff must have a second factor ([`crate::second_factor::required`]).
        factor_required: bool,
    },
    Signed(Viewer),
}

impl Caller {
    /// The signed-in user, on the caller's connection (401 for an unknown, revoked or expired
    /// token).
    pub fn viewer(self, conn: &mut crate::db::DbConn) -> Result<Viewer, AppError> {
        match self {
            Caller::Signed(viewer) => Ok(viewer),
            Caller::Token {
                hash,
                path,
                factor_required,
            } => match User::by_token(conn, &hash)? {
                Some(user) => gated_viewer(conn, factor_required, user, &path, false),
                None => Err(AppError::Unauthenticated),
            },
        }
    }
}

/// The signed-in user: by `Authorization: Bearer <token>`, or by the session cookie. A request
/// that changes something with the cookie must come from our own origin and carry the
/// session's CSRF token in `X-CSRF-Token`.
impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| auth::token_hash(t.trim()));
        let cookie = state.as_ref().and_then(|s| {
            req.cookie(s.settings.session_cookie())
                .map(|c| auth::token_hash(c.value()))
        });
        let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let path = req.path().to_string();
        let same_origin = state
            .as_ref()
            .is_some_and(|s| same_origin(req, &s.settings.base_url()));
        let csrf = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Box::pin(async move {
            let Some(state) = state else {
                return Err(AppError::Unauthenticated);
            };
            if let Some(hash) = token {
                return Ok(Caller::Token {
                    hash,
                    path,
                    factor_required: crate::second_factor::required(&state.settings),
                });
            }
            let Some(hash) = cookie else {
                return Err(AppError::Unauthenticated);
            };
            let idle = time::Duration::minutes(state.settings.session_idle_minutes.max(1));
            let session = state
                .db
                .read(move |conn| accounts::live_session(conn, &hash, idle).map_err(AppError::from))
                .await?
                .filter(|s| !s.factor_pending)
                .ok_or(AppError::Unauthenticated)?;
            if changes
                && !(same_origin
                    && csrf
                        .as_deref()
                        .is_some_and(|t| constant_time_eq(t, &session.csrf_token)))
            {
                return Err(AppError::forbidden(
                    "a change signed in with the session cookie must come from this site's own \
                     pages, with the session's CSRF token",
                ));
            }
            let factor_required = crate::second_factor::required(&state.settings);
            state
                .db
                .write(move |conn| -> Result<Viewer, AppError> {
                    accounts::touch_session(conn, &session)?;
                    let user =
                        User::by_id(conn, &session.user_id)?.ok_or(AppError::Unauthenticated)?;
                    gated_viewer(conn, factor_required, user, &path, session.sso_mfa)
                })
                .await
                .map(Caller::Signed)
        })
    }
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Viewer, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            match caller.await? {
                Caller::Signed(viewer) => Ok(viewer),
                token => match state {
                    Some(state) => state.db.read(move |conn| token.viewer(conn)).await,
                    None => Err(AppError::Unauthenticated),
                },
            }
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
    /// Staff with a second factor: a code from the authenticator app, or a recovery code.
    pub totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// Verifies a password on the blocking pool, a few at a time.
pub(crate) async fn verify_password(
    state: &AppState,
    password: String,
    hash: Option<String>,
) -> Result<bool, AppError> {
    let _permit = state
        .hash_permits
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || auth::verify_password(&password, hash.as_deref()))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// Hashes a new password on the blocking pool, a few at a time (as [`verify_password`]).
pub(crate) async fn hash_password(state: &AppState, password: String) -> Result<String, AppError> {
    let _permit = state
        .hash_permits
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

/// Checks an email address and password (rate limited per client and per account; unknown
/// address and wrong password answer alike) and that the address was confirmed.
pub(crate) async fn sign_in(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    email: &str,
    password: String,
) -> Result<User, AppError> {
    super::limits::check(
        &state.limiter,
        &state.settings,
        req,
        "sign-in",
        super::limits::SIGN_IN_PER_ADDRESS,
        Some((email, super::limits::SIGN_IN_PER_ACCOUNT)),
    )
    .await?;
    let email = Email::parse(email)
        .map(|e| e.to_string())
        .unwrap_or_default();
    let user = state
        .db
        .read(move |c| User::by_email(c, &email).map_err(AppError::from))
        .await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    if !verify_password(state, password, hash).await? {
        return Err(AppError::InvalidCredentials);
    }
    let user = user.ok_or(AppError::InvalidCredentials)?;
    if user.email_verified_at.is_none() {
        return Err(AppError::forbidden(
            "confirm your email address first: follow the link in the email we sent you",
        ));
    }
    let id = user.id.clone();
    let suspended = state
        .db
        .write(move |c| -> Result<bool, AppError> {
            if crate::moderation::is_suspended(c, &id)? {
                return Ok(true);
            }
            accounts::touch_user(c, &id)?;
            Ok(false)
        })
        .await?;
    if suspended {
        return Err(AppError::forbidden(
            "this account is suspended: contact your business officer",
        ));
    }
    Ok(user)
}

/// Whether `user` has a second factor to give at sign-in (staff who enrolled).
pub(crate) async fn factor_asked(state: &AppState, user: &User) -> Result<bool, AppError> {
    if !crate::second_factor::is_staff(&user.role) {
        return Ok(false);
    }
    let id = user.id.clone();
    state
        .db
        .read(move |c| crate::second_factor::enrolled(c, &id).map_err(AppError::from))
        .await
}

/// Checks the second factor of a staff member who enrolled (rate limited per client and per
/// account); passes for everyone else.
pub(crate) async fn second_factor(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &User,
    code: Option<String>,
) -> Result<(), AppError> {
    if !factor_asked(state, user).await? {
        return Ok(());
    }
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        return Err(AppError::SecondFactorRequired(
            "send totp: the code your authenticator app shows, or a recovery code".into(),
        ));
    };
    super::limits::check(
        &state.limiter,
        &state.settings,
        req,
        "second-factor",
        super::limits::SECOND_FACTOR_PER_ADDRESS,
        Some((&user.id, super::limits::SECOND_FACTOR_PER_ACCOUNT)),
    )
    .await?;
    let id = user.id.clone();
    let now = crate::second_factor::unix_now();
    let ok = state
        .write(move |c| crate::second_factor::check(c, &id, &code, now))
        .await?;
    if ok {
        Ok(())
    } else {
        Err(AppError::SecondFactorRequired(
            "the code is wrong, expired or used already: give the one your app shows now".into(),
        ))
    }
}

/// What a staff member who must still enrol may reach: their account and the enrolment.
pub(crate) fn enrolment_path(path: &str) -> bool {
    matches!(
        path,
        "/account"
            | "/account/totp"
            | "/account/totp/confirm"
            | "/sign-out"
            | "/api/v1/me"
            | "/api/v1/me/totp"
            | "/api/v1/me/totp/confirm"
            | "/api/v1/auth/logout"
    )
}

/// The signed-in user as a viewer, unless they must enrol first and `path` is not the way.
fn gated_viewer(
    conn: &mut crate::db::DbConn,
    factor_required: bool,
    user: User,
    path: &str,
    provider_mfa: bool,
) -> Result<Viewer, AppError> {
    if !provider_mfa
        && !enrolment_path(path)
        && crate::second_factor::must_enrol(conn, factor_required, &user)?
    {
        return Err(AppError::SecondFactorRequired(
            "set up your second factor first: POST /api/v1/me/totp, or the account page".into(),
        ));
    }
    viewer_of(conn, user)
}

pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: TokenRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let user = sign_in(&state, &req, &body.email, body.password).await?;
    second_factor(&state, &req, &user, body.totp).await?;
    let (token, token_hash) = auth::new_token();
    let expires = crate::db::now() + time::Duration::hours(state.settings.token_ttl_hours);
    state
        .db
        .write(move |c| {
            User::insert_token(c, &user.id, &token_hash, expires).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Created().json(TokenResponse {
        token,
        expires_at: super::rfc3339(expires),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub email: String,
    /// 12 to 1024 characters.
    pub password: String,
    pub display_name: String,
    /// `company`, `candidate`, `mentor` or `supplier`.
    pub role: String,
    /// `sv`, `nb` or `en`.
    pub locale: String,
    /// Any of `matching_ktp`, `matching_mentoring`, `matching_procurement`, `contact`.
    #[serde(default)]
    pub consents: Vec<String>,
}

/// Registers an account. The answer is the same whether or not the address was already
/// registered (no account enumeration); the owner of a taken address is told by email instead.
/// Registers an account (the API's and the page's registration): the same whether or not the
/// address was free.
pub(crate) async fn register_account(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    body: RegisterRequest,
) -> Result<(), AppError> {
    super::limits::check(
        &state.limiter,
        &state.settings,
        req,
        "register",
        super::limits::REGISTER_PER_ADDRESS,
        None,
    )
    .await?;
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(&body.email));
    errors.take("password", auth::check_new_password(&body.password));
    let mut check = crate::records::check::Check { errors };
    let name = check.line("display_name", &body.display_name, 200);
    check.one_of("role", &body.role, Role::SELF_SERVICE);
    check.one_of("locale", &body.locale, LOCALES);
    let consents = check.each_one_of("consents", &body.consents, ALL_PURPOSES);
    check.finish().map_err(AppError::Validation)?;
    let email = email.ok_or_else(|| AppError::invalid("email", "is invalid"))?;
    let password = body.password;
    let hash = hash_password(state, password).await?;
    let (domain, settings) = (state.settings.mail_domain(), state.settings.clone());
    let (role, locale) = (body.role, body.locale);
    state
        .write(move |c| -> Result<(), AppError> {
            if let Some(existing) = User::by_email(c, email.as_str())? {
                let note = crate::db::NewEmail {
                    recipient_user_id: Some(&existing.id),
                    to_address: &existing.email,
                    template: "registration_attempt_on_existing_account",
                    locale: &existing.locale,
                    params: json!({}),
                    introduction_id: None,
                };
                crate::db::enqueue_email(c, note, &domain)?;
                return Ok(());
            }
            let new = crate::db::NewUser {
                email: email.as_str(),
                display_name: &name,
                phone: None,
                locale: &locale,
                role: &role,
                password_hash: Some(&hash),
                verified: false,
            };
            let id = User::insert(c, &new)?;
            let purposes: Vec<&str> = consents.iter().map(String::as_str).collect();
            record_consents(c, &id, &purposes, CONSENT_TEXT_VERSION, None)?;
            crate::subscriptions::send_confirmation(
                c,
                &settings,
                &id,
                email.as_str(),
                &name,
                &locale,
            )
        })
        .await?;
    Ok(())
}

pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: RegisterRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    register_account(&state, &req, body).await?;
    Ok(HttpResponse::Accepted().json(json!({
        "status": "accepted",
        "message": "If the address can be registered, we have sent it a link: follow it to confirm the address, then sign in."
    })))
}

/// The signed-in person's own account.
pub async fn me(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let id = viewer.user_id.clone();
    let (user, bounce) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let user = User::by_id(c, &id)?.ok_or(AppError::NotFound)?;
            Ok((user, crate::db::bounces::of(c, &id)?))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "id": user.id, "email": user.email, "display_name": user.display_name,
            "phone": user.phone, "locale": user.locale, "role": user.role,
            "municipalities": viewer.scopes, "organisations": viewer.organisations,
            "created_at": super::rfc3339(user.created_at),
            "email_verified": user.email_verified_at.is_some(),
            "undeliverable": bounce.map(|b| json!({
                "reason": b.reason, "bounced_at": super::rfc3339(b.bounced_at),
            })),
        })))
}

//! The person's own account: browser sign-in and sign-out, confirming the email address,
//! password reset and change, consents, and the GDPR rights (export, erasure).

use super::error::AppError;

use super::session::sign_in;
use super::{body, rfc3339, AppState};
use crate::auth;
use crate::db::{self, accounts, User};
use crate::policy::Viewer;
use crate::records::{ALL_PURPOSES, CONSENT_TEXT_VERSION};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

fn no_store(mut res: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    res
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Staff with a second factor: a code from the authenticator app, or a recovery code.
    pub totp: Option<String>,
}

fn session_cookie(
    state: &AppState,
    value: String,
    max_age: Option<CookieDuration>,
) -> Cookie<'static> {
    let mut c = Cookie::build(state.settings.session_cookie(), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.tls())
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// Starts a session for `user` (ending any the browser already had: an id must not survive
/// a sign-in): the cookie to set, the CSRF token, and when it ends at the latest.
pub(crate) async fn start_session(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &str,
    factor_pending: bool,
) -> Result<(Cookie<'static>, String, time::PrimitiveDateTime), AppError> {
    start_session_with(state, req, user, factor_pending, false).await
}

/// [`start_session`], saying whether an identity provider asked a second factor.
pub(crate) async fn start_session_with(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &str,
    factor_pending: bool,
    sso_mfa: bool,
) -> Result<(Cookie<'static>, String, time::PrimitiveDateTime), AppError> {
    let old = req
        .cookie(state.settings.session_cookie())
        .map(|c| auth::token_hash(c.value()));
    let (session, hash) = auth::new_token();
    let (csrf, _) = auth::new_token();
    let absolute = time::Duration::hours(state.settings.session_absolute_hours.max(1));
    let (uid, csrf2) = (user.to_string(), csrf.clone());
    let expires = state
        .write(move |c| -> Result<time::PrimitiveDateTime, AppError> {
            if let Some(old) = old {
                accounts::revoke_session(c, &old)?;
            }
            Ok(accounts::create_session(
                c,
                &hash,
                &uid,
                &csrf2,
                absolute,
                factor_pending,
                sso_mfa,
            )?)
        })
        .await?;
    let cookie = session_cookie(
        state,
        session,
        Some(CookieDuration::hours(
            state.settings.session_absolute_hours.max(1),
        )),
    );
    Ok((cookie, csrf, expires))
}

/// A cookie that removes the session cookie.
pub(crate) fn removal_cookie(state: &AppState) -> Cookie<'static> {
    let mut gone = session_cookie(state, String::new(), Some(CookieDuration::ZERO));
    gone.make_removal();
    gone
}

/// `POST /api/v1/auth/login`: a new server-side session (a new id at every sign-in), in an
/// `HttpOnly`, `SameSite=Lax` cookie; the answer carries the CSRF token that changes made
/// with the cookie must send.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: LoginRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let user = sign_in(&state, &req, &body.email, body.password).await?;
    super::session::second_factor(&state, &req, &user, body.totp).await?;
    let (cookie, csrf, expires) = start_session(&state, &req, &user.id, false).await?;
    Ok(no_store(HttpResponse::Ok())
        .cookie(cookie)
        .json(json!({"csrf_token": csrf, "expires_at": rfc3339(expires),
                     "user": {"id": user.id, "role": user.role, "locale": user.locale}})))
}

/// `POST /api/v1/auth/logout`: ends the session (or, with a token, revokes that token).
pub async fn logout(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let session = req
        .cookie(state.settings.session_cookie())
        .map(|c| auth::token_hash(c.value()));
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| auth::token_hash(t.trim()));
    let _ = viewer;
    state
        .write(move |c| -> Result<(), AppError> {
            if let Some(t) = bearer {
                User::revoke_token(c, &t)?;
            } else if let Some(s) = session {
                accounts::revoke_session(c, &s)?;
            }
            Ok(())
        })
        .await?;
    let mut gone = session_cookie(&state, String::new(), Some(CookieDuration::ZERO));
    gone.make_removal();
    Ok(no_store(HttpResponse::NoContent()).cookie(gone).finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub token: String,
}

pub(crate) async fn verify_token(
    state: &web::Data<AppState>,
    token: String,
) -> Result<(), AppError> {
    let hash = auth::token_hash(token.trim());
    state
        .write(move |c| -> Result<(), AppError> {
            let user = accounts::use_user_token(c, &hash, "verify")?.ok_or_else(|| {
                AppError::invalid("token", "is not a valid link: it was used, or it expired")
            })?;
            accounts::mark_verified(c, &user)?;
            db::audit(
                c,
                Some(&user),
                "email_verified",
                "user",
                Some(&user),
                json!({}),
            )?;
            Ok(())
        })
        .await
}

/// `POST /api/v1/auth/verify`: the token of the emailed link confirms the address.
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: TokenBody = body::json(&req, payload, state.settings.max_body_bytes).await?;
    verify_token(&state, body.token).await?;
    Ok(no_store(HttpResponse::Ok()).json(json!({"status": "verified"})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// `POST /api/v1/auth/reset-request`: emails a single-use link (1 hour) when the address has
/// an account; the answer is the same either way.
pub async fn reset_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: ResetRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    send_reset(&state, &req, &body.email).await?;
    Ok(no_store(HttpResponse::Accepted()).json(json!({
        "status": "accepted",
        "message": "If the address has an account, a link to choose a new password is on its way (valid for one hour)."
    })))
}

/// Emails a single-use link (1 hour) to choose a new password when `email` has an account;
/// nothing tells whether it has (the API and the sign-in page's "forgot" form share this).
pub(crate) async fn send_reset(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    email: &str,
) -> Result<(), AppError> {
    super::limits::check(
        &state.limiter,
        &state.settings,
        req,
        "reset",
        super::limits::RESET_PER_ADDRESS,
        Some((email, super::limits::RESET_PER_ACCOUNT)),
    )
    .await?;
    let email = crate::domain::Email::parse(email)
        .map(|e| e.to_string())
        .unwrap_or_default();
    let (base, domain) = (state.settings.base_url(), state.settings.mail_domain());
    state
        .write(move |c| -> Result<(), AppError> {
            let Some(user) = User::by_email(c, &email)? else {
                return Ok(());
            };
            if user.id == crate::db::ERASED_USER {
                return Ok(());
            }
            let (token, hash) = auth::new_token();
            accounts::insert_user_token(c, &hash, &user.id, "reset", time::Duration::hours(1))?;
            db::enqueue_email(
                c,
                db::NewEmail {
                    recipient_user_id: Some(&user.id),
                    to_address: &user.email,
                    template: "password_reset",
                    locale: &user.locale,
                    params: json!({"recipient_name": user.display_name,
                                   "link": format!("{base}/reset?token={token}")}),
                    introduction_id: None,
                },
                &domain,
            )?;
            Ok(())
        })
        .await?;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    pub token: String,
    /// The new password: 12 to 1024 characters, not one of the most common.
    pub password: String,
}

async fn hash_new(state: &AppState, password: String) -> Result<String, AppError> {
    auth::check_new_password(&password).map_err(|m| AppError::invalid("password", m))?;
    super::session::hash_password(state, password).await
}

pub(crate) async fn reset_with(
    state: &web::Data<AppState>,
    token: String,
    password: String,
) -> Result<(), AppError> {
    let hash = hash_new(state, password).await?;
    let token = auth::token_hash(token.trim());
    state
        .write(move |c| -> Result<(), AppError> {
            let user = accounts::use_user_token(c, &token, "reset")?.ok_or_else(|| {
                AppError::invalid("token", "is not a valid link: it was used, or it expired")
            })?;
            User::set_password(c, &user, &hash)?;
            // Following the link proves the address too.
            accounts::mark_verified(c, &user)?;
            accounts::revoke_all(c, &user)?;
            db::audit(
                c,
                Some(&user),
                "password_reset",
                "user",
                Some(&user),
                json!({}),
            )?;
            Ok(())
        })
        .await
}

/// `POST /api/v1/auth/reset`: a new password with the emailed token; every session and token
/// of the account ends.
pub async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: ResetBody = body::json(&req, payload, state.settings.max_body_bytes).await?;
    reset_with(&state, body.token, body.password).await?;
    Ok(no_store(HttpResponse::Ok()).json(json!({"status": "password_changed"})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /api/v1/me/password`: every session and token ends, this one too.
pub async fn change_password(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: PasswordChange = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let id = viewer.user_id.clone();
    let user = state
        .db
        .read(move |c| User::by_id(c, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let ok =
        super::session::verify_password(&state, body.current_password, user.password_hash.clone())
            .await?;
    if !ok {
        return Err(AppError::invalid(
            "current_password",
            "is not your password",
        ));
    }
    auth::check_new_password(&body.new_password)
        .map_err(|m| AppError::invalid("new_password", m))?;
    let hash = hash_new(&state, body.new_password).await?;
    state
        .write(move |c| -> Result<(), AppError> {
            User::set_password(c, &user.id, &hash)?;
            accounts::revoke_all(c, &user.id)?;
            db::audit(
                c,
                Some(&user.id),
                "password_changed",
                "user",
                Some(&user.id),
                json!({}),
            )?;
            Ok(())
        })
        .await?;
    let mut gone = session_cookie(&state, String::new(), Some(CookieDuration::ZERO));
    gone.make_removal();
    Ok(no_store(HttpResponse::NoContent()).cookie(gone).finish())
}

/// `GET /api/v1/me/consents`.
pub async fn consents(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let id = viewer.user_id.clone();
    let active = state
        .db
        .read(move |c| db::active_consents(c, &id).map_err(AppError::from))
        .await?;
    Ok(no_store(HttpResponse::Ok()).json(json!({
        "consents": active, "purposes": ALL_PURPOSES, "text_version": CONSENT_TEXT_VERSION,
    })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentsBody {
    /// The purposes consented to from now on; the others are withdrawn.
    pub consents: Vec<String>,
}

/// `PUT /api/v1/me/consents`: gives what is new, withdraws what is left out. Withdrawing takes
/// the person's profiles out of matching at once (the database check) and out of the index
/// within a second.
pub async fn set_consents(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: ConsentsBody = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let mut check = crate::records::check::Check {
        errors: crate::domain::FieldErrors::new(),
    };
    let wanted = check.each_one_of("consents", &body.consents, ALL_PURPOSES);
    check.finish().map_err(AppError::Validation)?;
    let active = apply_consents(&state, &viewer.user_id, wanted).await?;
    Ok(no_store(HttpResponse::Ok()).json(json!({
        "consents": active, "purposes": ALL_PURPOSES, "text_version": CONSENT_TEXT_VERSION,
    })))
}

/// Gives the purposes in `wanted` that are new and withdraws those left out (each a known
/// purpose), re-indexing the person's profiles; the consents active after.
pub(crate) async fn apply_consents(
    state: &web::Data<AppState>,
    user_id: &str,
    wanted: Vec<String>,
) -> Result<Vec<String>, AppError> {
    let id = user_id.to_string();
    let active = state
        .write(move |c| crate::privacy::set_consents(c, &id, &wanted))
        .await?;
    Ok(active)
}

/// `GET /api/v1/me/export`: everything held about the person, as versioned JSON.
pub async fn export(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let body = state
        .write(move |c| crate::privacy::export(c, &viewer.user_id, &st.settings))
        .await?;
    Ok(no_store(HttpResponse::Ok())
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"heartland-match-export.json\"",
        ))
        .json(body))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    /// The account's password (required when it has one).
    pub password: Option<String>,
}

/// `DELETE /api/v1/me`: erases the account, with the password as confirmation.
pub async fn erase(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: EraseBody = body::json(&req, payload, state.settings.max_body_bytes).await?;
    erase_account(&state, &viewer.user_id, body.password.unwrap_or_default()).await?;
    Ok(no_store(HttpResponse::NoContent())
        .cookie(removal_cookie(&state))
        .finish())
}

/// Erases the account once its password (when it has one) confirms it.
pub(crate) async fn erase_account(
    state: &web::Data<AppState>,
    user_id: &str,
    password: String,
) -> Result<(), AppError> {
    let id = user_id.to_string();
    let user = state
        .db
        .read(move |c| User::by_id(c, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if user.password_hash.is_some()
        && !super::session::verify_password(state.get_ref(), password, user.password_hash.clone())
            .await?
    {
        return Err(AppError::invalid(
            "password",
            "give your password to confirm the erasure",
        ));
    }
    let id = user_id.to_string();
    state
        .write(move |c| crate::privacy::erase(c, &id, Some(&id)))
        .await?;
    Ok(())
}

/// Starts setting up a second factor (officers and admins only).
pub(crate) async fn start_totp(
    state: &web::Data<AppState>,
    viewer: &Viewer,
) -> Result<crate::second_factor::Enrolment, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden(
            "a second factor is for officers and administrators",
        ));
    }
    let id = viewer.user_id.clone();
    state
        .write(move |c| -> Result<_, AppError> {
            let user = crate::db::User::by_id(c, &id)?.ok_or(AppError::NotFound)?;
            crate::second_factor::start(c, &user)
        })
        .await
}

/// `POST /api/v1/me/totp`: a new secret as an `otpauth://` address and its QR code (SVG).
pub async fn totp_start(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let e = start_totp(&state, &viewer).await?;
    Ok(no_store(HttpResponse::Ok()).json(json!({"secret_uri": e.secret_uri, "qr_svg": e.qr_svg})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirm {
    /// The six digits the app shows now.
    pub code: String,
}

/// `POST /api/v1/me/totp/confirm`: the first code; the factor holds from now on, and the ten
/// recovery codes are given (once).
pub async fn totp_confirm(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: TotpConfirm = body::json(&req, payload, state.settings.max_body_bytes).await?;
    if !viewer.is_officer() {
        return Err(AppError::forbidden(
            "a second factor is for officers and administrators",
        ));
    }
    let id = viewer.user_id.clone();
    let now = crate::second_factor::unix_now();
    let codes = state
        .write(move |c| crate::second_factor::confirm(c, &id, &body.code, now))
        .await?;
    Ok(no_store(HttpResponse::Ok()).json(json!({"recovery_codes": codes})))
}

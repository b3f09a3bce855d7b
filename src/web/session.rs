//! The API's sign-in: tokens for systems, self-service registration, and the `Viewer`
//! extractor that every authorised handler takes.

use super::error::AppError;
use super::{body, AppState};
use crate::auth;
use crate::db::{record_consents, User};
use crate::domain::{Email, FieldErrors};
use crate::policy::{Role, Viewer};
use crate::records::{CONSENT_TEXT_VERSION, LOCALES, PURPOSES};
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Viewer, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| auth::token_hash(t.trim()));
        Box::pin(async move {
            let (Some(state), Some(hash)) = (state, token) else {
                return Err(AppError::Unauthenticated);
            };
            state
                .db
                .read(move |conn| -> Result<Option<Viewer>, AppError> {
                    let Some(user) = User::by_token(conn, &hash)? else {
                        return Ok(None);
                    };
                    let role =
                        Role::parse(&user.role).ok_or_else(|| anyhow::anyhow!("unknown role"))?;
                    Ok(Some(Viewer {
                        scopes: User::scopes(conn, &user.id)?,
                        organisations: User::organisations(conn, &user.id)?,
                        user_id: user.id,
                        role,
                        locale: user.locale,
                    }))
                })
                .await?
                .ok_or(AppError::Unauthenticated)
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// Verifies a password on the blocking pool, a few at a time.
async fn verify(
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

pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: TokenRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let email = Email::parse(&body.email)
        .map(|e| e.to_string())
        .unwrap_or_default();
    let user = state
        .db
        .read(move |c| User::by_email(c, &email).map_err(AppError::from))
        .await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    if !verify(&state, body.password, hash).await? {
        return Err(AppError::InvalidCredentials);
    }
    let user = user.ok_or(AppError::InvalidCredentials)?;
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
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: RegisterRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let mut errors = FieldErrors::new();
    let email = errors.take("email", Email::parse(&body.email));
    errors.take("password", auth::check_new_password(&body.password));
    let mut check = crate::records::check::Check { errors };
    let name = check.line("display_name", &body.display_name, 200);
    check.one_of("role", &body.role, Role::SELF_SERVICE);
    check.one_of("locale", &body.locale, LOCALES);
    let consents = check.each_one_of("consents", &body.consents, PURPOSES);
    check.finish().map_err(AppError::Validation)?;
    let email = email.ok_or_else(|| AppError::invalid("email", "is invalid"))?;
    let password = body.password;
    let hash = {
        let _permit = state
            .hash_permits
            .acquire()
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(|e| AppError::Internal(e.into()))??
    };
    let domain = state.settings.mail_domain();
    let (role, locale) = (body.role, body.locale);
    state
        .db
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
            };
            let id = User::insert(c, &new)?;
            let purposes: Vec<&str> = consents.iter().map(String::as_str).collect();
            record_consents(c, &id, &purposes, CONSENT_TEXT_VERSION, None)?;
            Ok(())
        })
        .await?;
    state.mailer.wake();
    Ok(HttpResponse::Accepted().json(json!({
        "status": "accepted",
        "message": "If the address can be registered, the account is ready: sign in with it."
    })))
}

/// The signed-in person's own account.
pub async fn me(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let id = viewer.user_id.clone();
    let user = state
        .db
        .read(move |c| User::by_id(c, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "id": user.id, "email": user.email, "display_name": user.display_name,
            "phone": user.phone, "locale": user.locale, "role": user.role,
            "municipalities": viewer.scopes, "organisations": viewer.organisations,
            "created_at": super::rfc3339(user.created_at),
        })))
}

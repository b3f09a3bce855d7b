//! The second factor on the pages: the code asked after the password (`/sign-in/code`), and
//! setting it up on the account page (`/account/totp`: the QR code and the secret written
//! out; `/account/totp/confirm`: a code from the app, then the recovery codes, shown once).
//! The API's twins are `POST /api/v1/me/totp` and `/api/v1/me/totp/confirm`.

use super::{checked_post, error_page, next_of, respond, safe_next, see_other, Ctx, Nav, SignedIn};
use crate::db::{accounts, User};
use crate::i18n::Tr;
use crate::second_factor::{self, Enrolment};
use crate::web::error::AppError;
use crate::web::{session, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/sign_in_code.html")]
struct CodePage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    next: String,
    failed: bool,
}

/// The session waiting for a second factor, if the browser has one.
async fn pending(
    state: &web::Data<AppState>,
    req: &HttpRequest,
) -> Result<Option<(String, User)>, AppError> {
    let Some(hash) = req
        .cookie(state.settings.session_cookie())
        .map(|c| crate::auth::token_hash(c.value()))
    else {
        return Ok(None);
    };
    let idle = time::Duration::minutes(state.settings.session_idle_minutes.max(1));
    state
        .db
        .read(move |c| -> Result<Option<(String, User)>, AppError> {
            match accounts::live_session(c, &hash, idle)? {
                Some(s) if s.factor_pending => Ok(User::by_id(c, &s.user_id)?.map(|u| (hash, u))),
                _ => Ok(None),
            }
        })
        .await
}

/// `GET /sign-in/code`.
pub async fn code_page(state: web::Data<AppState>, req: HttpRequest, c: Ctx) -> HttpResponse {
    match pending(&state, &req).await {
        Ok(Some(_)) => {
            let page = CodePage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                next: next_of(&req),
                failed: false,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Ok(None) => see_other("/sign-in"),
        Err(e) => error_page(&c, e, "/sign-in"),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    pub code: String,
    #[serde(default)]
    pub next: String,
}

/// `POST /sign-in/code`: the code (or a recovery code); right, the session counts.
pub async fn code(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CodeForm>,
    c: Ctx,
) -> HttpResponse {
    if !session::same_origin(&req, &state.settings.base_url()) {
        return error_page(&c, AppError::forbidden("cross-site"), "/sign-in");
    }
    let f = form.into_inner();
    let (hash, user) = match pending(&state, &req).await {
        Ok(Some(p)) => p,
        Ok(None) => return see_other("/sign-in"),
        Err(e) => return error_page(&c, e, "/sign-in"),
    };
    match session::second_factor(&state, &req, &user, Some(f.code)).await {
        Ok(()) => {
            let passed = state
                .db
                .write(move |conn| accounts::pass_factor(conn, &hash).map_err(AppError::from))
                .await;
            match passed {
                Ok(_) => see_other(&safe_next(&f.next)),
                Err(e) => error_page(&c, e, "/sign-in"),
            }
        }
        Err(AppError::SecondFactorRequired(_)) => {
            let page = CodePage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                next: safe_next(&f.next),
                failed: true,
            };
            respond(&c, StatusCode::UNAUTHORIZED, page.render())
        }
        Err(e) => error_page(&c, e, "/sign-in"),
    }
}

#[derive(Template)]
#[template(path = "pages/totp.html")]
struct SetUpPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    enrolment: Option<Enrolment>,
    codes: Vec<String>,
    failed: bool,
}

fn set_up_page(
    c: &Ctx,
    enrolment: Option<Enrolment>,
    codes: Vec<String>,
    failed: bool,
) -> HttpResponse {
    let page = SetUpPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        enrolment,
        codes,
        failed,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    respond(c, status, page.render())
}

#[derive(Deserialize)]
pub struct TokenForm {
    pub csrf_token: String,
}

/// `POST /account/totp`: a new secret, its QR code, and the form for the first code.
pub async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
    SignedIn { c, .. }: SignedIn,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/account"),
    };
    match crate::web::account::start_totp(&state, &viewer).await {
        Ok(e) => set_up_page(&c, Some(e), Vec::new(), false),
        Err(e) => error_page(&c, e, "/account"),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    pub csrf_token: String,
    pub code: String,
}

/// `POST /account/totp/confirm`: the first code; right, the recovery codes (shown once).
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ConfirmForm>,
    SignedIn { c, .. }: SignedIn,
) -> HttpResponse {
    let f = form.into_inner();
    let viewer = match checked_post(&state, &req, &c, &f.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/account"),
    };
    let id = viewer.user_id.clone();
    let now = second_factor::unix_now();
    let done = state
        .write(move |conn| second_factor::confirm(conn, &id, &f.code, now))
        .await;
    match done {
        Ok(codes) => set_up_page(&c, None, codes, false),
        Err(AppError::Validation(_)) => set_up_page(&c, None, Vec::new(), true),
        Err(e) => error_page(&c, e, "/account"),
    }
}

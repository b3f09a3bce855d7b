//! The pages the emailed links open: confirming an address, choosing a new password.

use super::*;
use crate::web::account::{reset_with, verify_token};

// The pages the emailed links open: a GET asks, a POST does.

/// A page the emailed links open: the link's token in a form that a person must send (a GET
/// never acts: mail scanners follow links), with a new password where one is chosen.
#[derive(Template)]
#[template(path = "pages/token_form.html")]
struct TokenFormPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    title_key: &'static str,
    action: &'static str,
    token: String,
    /// Ask for a new password (the reset link).
    password: bool,
    button_key: &'static str,
    error_key: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    pub token: Option<String>,
}

fn token_of(req: &HttpRequest) -> String {
    body::query::<TokenQuery>(req)
        .ok()
        .and_then(|q| q.token)
        .unwrap_or_default()
}

fn token_page(
    c: &Ctx,
    reset: bool,
    token: String,
    error_key: Option<&'static str>,
) -> HttpResponse {
    let page = TokenFormPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        title_key: if reset {
            "forgot.title"
        } else {
            "verify.title"
        },
        action: if reset { "/reset" } else { "/verify" },
        token,
        password: reset,
        button_key: if reset { "intro.save" } else { "verify.button" },
        error_key,
    };
    let status = if error_key.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    respond(c, status, page.render())
}

fn said(c: &Ctx, title_key: &str, text_key: &str) -> HttpResponse {
    message_page(
        c,
        c.tr.t(title_key).to_string(),
        vec![c.tr.t(text_key).to_string()],
    )
}

/// `GET /verify?token=`: asks to confirm.
pub async fn verify_page(req: HttpRequest, c: Ctx) -> HttpResponse {
    token_page(&c, false, token_of(&req), None)
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub token: String,
}

/// `POST /verify` (the page's form).
pub async fn verify_form(
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
    c: Ctx,
) -> HttpResponse {
    match verify_token(&state, form.into_inner().token).await {
        Ok(()) => said(&c, "verify.title", "verify.done"),
        Err(AppError::Validation(_)) => said(&c, "verify.title", "verify.invalid"),
        Err(e) => error_page(&c, e, "/"),
    }
}

/// `GET /reset?token=`: the form for a new password.
pub async fn reset_page(req: HttpRequest, c: Ctx) -> HttpResponse {
    token_page(&c, true, token_of(&req), None)
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
}

/// `POST /reset` (the page's form): a password refused shows the form again, saying why.
pub async fn reset_form(
    state: web::Data<AppState>,
    form: web::Form<ResetForm>,
    c: Ctx,
) -> HttpResponse {
    let form = form.into_inner();
    let token = form.token.clone();
    match reset_with(&state, form.token, form.password).await {
        Ok(()) => said(&c, "forgot.title", "reset.done"),
        Err(AppError::Validation(f)) => {
            let v: Value = serde_json::to_value(&f).unwrap_or_default();
            if v.get("password").is_some() {
                token_page(&c, true, token, Some("reset.weak"))
            } else {
                said(&c, "forgot.title", "reset.invalid")
            }
        }
        Err(e) => error_page(&c, e, "/forgot"),
    }
}

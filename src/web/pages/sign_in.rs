//! The front page, signing in and out, a forgotten password, and registration.

use super::*;

#[derive(Template)]
#[template(path = "pages/home.html")]
struct Home<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    erased: bool,
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match context(&state, &req).await {
        Ok(c) => {
            let page = Home {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                erased: req.query_string().contains("erased=1"),
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => fallback(e),
    }
}

#[derive(Template)]
#[template(path = "pages/sign_in.html")]
struct SignIn<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    failed: bool,
    next: String,
    email: String,
    /// The municipalities' identity providers: (name, label).
    providers: Vec<(String, String)>,
}

fn providers(state: &AppState) -> Vec<(String, String)> {
    crate::sso::providers(&state.settings)
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.name, p.label))
        .collect()
}

pub async fn sign_in_page(state: web::Data<AppState>, req: HttpRequest, c: Ctx) -> HttpResponse {
    let next = next_of(&req);
    let page = SignIn {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        failed: false,
        next,
        email: String::new(),
        providers: providers(&state),
    };
    respond(&c, StatusCode::OK, page.render())
}

#[derive(Deserialize)]
pub struct SignInForm {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// The answer that sets a new session's cookie and goes on to `next` — or first to the second
/// factor's page when the session waits for it.
pub(crate) fn signed_in(
    cookie: actix_web::cookie::Cookie<'static>,
    next: &str,
    pending: bool,
) -> HttpResponse {
    let next = safe_next(next);
    let to = if pending {
        let n: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        format!("/sign-in/code?next={n}")
    } else {
        next
    };
    let mut res = see_other(&to);
    if let Err(e) = res.add_cookie(&cookie) {
        tracing::error!(error = %e, "cannot set the session cookie");
    }
    res
}

/// A session for `user`: waiting for the second factor when they have one.
async fn start(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &User,
) -> Result<(actix_web::cookie::Cookie<'static>, bool), AppError> {
    let pending = session::factor_asked(state, user).await?;
    let (cookie, _, _) = account::start_session(state, req, &user.id, pending).await?;
    Ok((cookie, pending))
}

pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SignInForm>,
    c: Ctx,
) -> HttpResponse {
    let form = form.into_inner();
    // Sign-in CSRF: only from our own pages.
    if !session::same_origin(&req, &state.settings.base_url()) {
        return error_page(&c, AppError::forbidden("cross-site"), "/sign-in");
    }
    match session::sign_in(&state, &req, &form.email, form.password).await {
        Ok(user) => match start(&state, &req, &user).await {
            Ok((cookie, pending)) => signed_in(cookie, &form.next, pending),
            Err(e) => error_page(&c, e, "/sign-in"),
        },
        Err(AppError::InvalidCredentials) | Err(AppError::Forbidden(_)) => {
            let page = SignIn {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                failed: true,
                next: safe_next(&form.next),
                email: form.email,
                providers: providers(&state),
            };
            respond(&c, StatusCode::UNAUTHORIZED, page.render())
        }
        Err(e) => error_page(&c, e, "/sign-in"),
    }
}

#[derive(Template)]
#[template(path = "pages/forgot.html")]
struct ForgotPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
}

/// `GET /forgot`: asks for the address to send a link to choose a new password.
pub async fn forgot_page(_state: web::Data<AppState>, _req: HttpRequest, c: Ctx) -> HttpResponse {
    let page = ForgotPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
    };
    respond(&c, StatusCode::OK, page.render())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub email: String,
}

/// `POST /forgot`: sends the link if the address has an account, and says the same either way.
pub async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ForgotForm>,
    c: Ctx,
) -> HttpResponse {
    if !session::same_origin(&req, &state.settings.base_url()) {
        return error_page(&c, AppError::forbidden("cross-site"), "/forgot");
    }
    match account::send_reset(&state, &req, form.email.trim()).await {
        Ok(()) => message_page(
            &c,
            c.tr.t("register.sent_title").to_string(),
            vec![c.tr.t("forgot.sent").to_string()],
        ),
        Err(e) => error_page(&c, e, "/forgot"),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    pub csrf_token: String,
}

pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
    c: Ctx,
) -> HttpResponse {
    if let Err(e) = checked_post(&state, &req, &c, &form.csrf_token) {
        return error_page(&c, e, "/");
    }
    let session = req
        .cookie(state.settings.session_cookie())
        .map(|k| crate::auth::token_hash(k.value()));
    if let Some(s) = session {
        let _ = state
            .write(move |conn| accounts::revoke_session(conn, &s).map_err(AppError::from))
            .await;
    }
    let mut res = see_other("/");
    let _ = res.add_cookie(&account::removal_cookie(&state));
    res
}

// Registration, and the company's own pages.

#[derive(Template)]
#[template(path = "pages/register.html")]
struct RegisterPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    errors: Vec<String>,
    display_name: String,
    email: String,
}

pub async fn register_page(_state: web::Data<AppState>, _req: HttpRequest, c: Ctx) -> HttpResponse {
    let page = RegisterPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        errors: Vec::new(),
        display_name: String::new(),
        email: String::new(),
    };
    respond(&c, StatusCode::OK, page.render())
}

#[derive(Deserialize)]
pub struct RegisterForm {
    pub display_name: String,
    pub email: String,
    pub password: String,
    pub role: String,
    pub matching_ktp: Option<String>,
    pub matching_mentoring: Option<String>,
    pub matching_procurement: Option<String>,
    pub contact: Option<String>,
    pub digest: Option<String>,
    pub newsletter: Option<String>,
}

pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<RegisterForm>,
    c: Ctx,
) -> HttpResponse {
    if !session::same_origin(&req, &state.settings.base_url()) {
        return error_page(&c, AppError::forbidden("cross-site"), "/register");
    }
    let f = form.into_inner();
    let consents = [
        ("matching_ktp", &f.matching_ktp),
        ("matching_mentoring", &f.matching_mentoring),
        ("matching_procurement", &f.matching_procurement),
        ("contact", &f.contact),
        ("digest", &f.digest),
        ("newsletter", &f.newsletter),
    ]
    .iter()
    .filter(|(_, v)| v.is_some())
    .map(|(k, _)| k.to_string())
    .collect();
    let body = session::RegisterRequest {
        email: f.email.clone(),
        password: f.password,
        display_name: f.display_name.clone(),
        // A newcomer who wants to start a business has a candidate's profile with a
        // business idea: the profile page asks for it.
        role: if f.role == "newcomer" {
            "candidate".to_string()
        } else {
            f.role
        },
        locale: c.tr.locale.to_string(),
        consents,
    };
    match session::register_account(&state, &req, body).await {
        Ok(()) => message_page(
            &c,
            c.tr.t("register.sent_title").to_string(),
            vec![c.tr.t("register.sent").to_string()],
        ),
        Err(e @ AppError::Validation(_)) => {
            let page = RegisterPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                errors: field_messages(c.tr, &e),
                display_name: f.display_name,
                email: f.email,
            };
            respond(&c, StatusCode::UNPROCESSABLE_ENTITY, page.render())
        }
        Err(e) => error_page(&c, e, "/register"),
    }
}

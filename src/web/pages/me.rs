//! `/account`: the person's own account: who they are to the service, what they have agreed
//! to (changed here, withdrawn at once), their data as a file, and erasure of the account.

use super::error::AppError;
use super::SignedIn;
use super::{account, AppState};
use super::{checked_post, error_page, respond, see_other, Ctx, Nav};
use crate::db::{self, User};
use crate::i18n::Tr;
use crate::policy::Viewer;
use crate::records::ALL_PURPOSES;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub struct Purpose {
    pub name: &'static str,
    pub given: bool,
}

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    name: String,
    email: String,
    role_key: String,
    purposes: Vec<Purpose>,
    saved: bool,
    erase_failed: bool,
    /// The mail server's reply, when the present address bounced.
    bounce: Option<String>,
    address_note: Option<&'static str>,
    address_errors: Vec<String>,
    /// Officers and admins: whether a second factor is set up, and whether it is asked for.
    staff: bool,
    factor: bool,
    enrol_asked: bool,
}

/// What the account page says besides the account.
#[derive(Default)]
struct Said {
    saved: bool,
    erase_failed: bool,
    address_note: Option<&'static str>,
    address_errors: Vec<String>,
    enrol_asked: bool,
}

impl AccountPage<'_> {
    fn consent_text(&self, purpose: &str) -> String {
        self.tr.t(&format!("consent.{purpose}")).to_string()
    }
}

async fn show(state: &web::Data<AppState>, c: &Ctx, viewer: Viewer, said: Said) -> HttpResponse {
    let id = viewer.user_id.clone();
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let user = User::by_id(conn, &id)?.ok_or(AppError::Unauthenticated)?;
            let active = db::active_consents(conn, &id)?;
            let bounce = crate::db::bounces::of(conn, &id)?;
            let factor = crate::second_factor::enrolled(conn, &id)?;
            Ok((user, active, bounce, factor))
        })
        .await;
    let (user, active, bounce, factor) = match data {
        Ok(d) => d,
        Err(e) => return error_page(c, e, "/"),
    };
    let page = AccountPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        name: user.display_name,
        email: user.email,
        role_key: format!("role.{}", user.role),
        purposes: ALL_PURPOSES
            .iter()
            .map(|p| Purpose {
                name: p,
                given: active.iter().any(|a| a == p),
            })
            .collect(),
        saved: said.saved,
        erase_failed: said.erase_failed,
        bounce: bounce.map(|b| b.reason),
        address_note: said.address_note,
        address_errors: said.address_errors.clone(),
        staff: crate::second_factor::is_staff(&user.role),
        factor,
        enrol_asked: said.enrol_asked,
    };
    let status = if said.erase_failed || !said.address_errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    respond(c, status, page.render())
}

/// `GET /account`.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let q = req.query_string();
    let said = Said {
        saved: q.contains("saved=1"),
        address_note: if q.contains("address=changed") {
            Some("account.address_changed")
        } else if q.contains("address=confirmed") {
            Some("account.address_confirmed")
        } else {
            None
        },
        enrol_asked: q.contains("enrol=1"),
        ..Said::default()
    };
    show(&state, &c, viewer, said).await
}

/// `POST /account/consents`: the boxes ticked are given, the others withdrawn.
pub async fn consents(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let mut token = String::new();
    let mut wanted = Vec::new();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf_token" => token = v.into_owned(),
            "consent" => {
                if let Some(p) = ALL_PURPOSES.iter().find(|p| **p == v) {
                    wanted.push(p.to_string());
                }
            }
            _ => {}
        }
    }
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/account"),
    };
    match account::apply_consents(&state, &viewer.user_id, wanted).await {
        Ok(_) => see_other("/account?saved=1"),
        Err(e) => error_page(&c, e, "/account"),
    }
}

#[derive(serde::Deserialize)]
pub struct EraseForm {
    pub csrf_token: String,
    #[serde(default)]
    pub password: String,
}

/// `POST /account/erase`: erases the account (the password confirms), signs out, and says so.
pub async fn erase(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<EraseForm>,
    c: Ctx,
) -> HttpResponse {
    let f = form.into_inner();
    let viewer = match checked_post(&state, &req, &c, &f.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/account"),
    };
    match account::erase_account(&state, &viewer.user_id, f.password).await {
        Ok(()) => {
            let mut res = see_other("/?erased=1");
            if let Err(e) = res.add_cookie(&account::removal_cookie(&state)) {
                tracing::error!(error = %e, "cannot remove the session cookie");
            }
            res
        }
        Err(AppError::Validation(_)) => {
            let said = Said {
                erase_failed: true,
                ..Said::default()
            };
            show(&state, &c, viewer, said).await
        }
        Err(e) => error_page(&c, e, "/account"),
    }
}

#[derive(serde::Deserialize)]
pub struct AddressForm {
    pub csrf_token: String,
    #[serde(default)]
    pub email: String,
}

/// `POST /account/address`: a new address (confirmed by the link sent there).
pub async fn address(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<AddressForm>,
    c: Ctx,
) -> HttpResponse {
    let f = form.into_inner();
    let viewer = match checked_post(&state, &req, &c, &f.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/account"),
    };
    let (id, settings) = (viewer.user_id.clone(), state.settings.clone());
    match state
        .write(move |conn| crate::subscriptions::change_address(conn, &settings, &id, &f.email))
        .await
    {
        Ok(()) => see_other("/account?address=changed"),
        Err(e @ (AppError::Validation(_) | AppError::ConflictOn { .. })) => {
            let said = Said {
                address_errors: super::field_messages(c.tr, &e),
                ..Said::default()
            };
            show(&state, &c, viewer, said).await
        }
        Err(e) => error_page(&c, e, "/account"),
    }
}

/// `POST /account/address-ok`: the bounced address is right after all; send to it again.
pub async fn address_ok(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<EraseForm>,
    c: Ctx,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/account"),
    };
    let id = viewer.user_id.clone();
    match state
        .write(move |conn| crate::db::bounces::clear(conn, &id).map_err(AppError::from))
        .await
    {
        Ok(_) => see_other("/account?address=confirmed"),
        Err(e) => error_page(&c, e, "/account"),
    }
}

//! The server-rendered pages (askama, `templates/pages/`), in the reader's language. No script
//! is needed: forms post, and each post that changes something carries the session's CSRF
//! token in a hidden field and must come from our own origin. This is the officer's path:
//! sign in, see what needs attention, open a need, read its ranked matches with every factor
//! drawn as a bar, introduce, follow the introduction and record its outcome.

use super::error::AppError;
use super::{account, body, error, session, AppState};
use crate::db::{self, accounts, Record, User};
use crate::i18n::{self, Tr};
use crate::introductions::{self as intro, Introduction, ProposeRequest, SideRef};
use crate::policy::Viewer;
use actix_web::cookie::Cookie;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

pub(crate) mod admin;
mod company;
mod dashboard;
pub(crate) mod dialogue;
mod dialogue_officer;
pub(crate) mod factor;
pub(crate) mod forms;
pub(crate) mod freshness;
pub(crate) mod imports;
mod introductions;
pub(crate) mod letters;
pub(crate) mod links;
pub(crate) mod me;
pub(crate) mod mentor;
pub(crate) mod mentoring;
mod mentoring_record;
pub(crate) mod moderation;
mod need;
pub(crate) mod need_form;
pub(crate) mod notices;
pub(crate) mod offers;
pub(crate) mod organisation;
mod procurement_form;
pub(crate) mod profile;
pub(crate) mod relationships;
pub(crate) mod search;
mod sign_in;
pub(crate) mod sso;

pub(crate) use company::*;
pub(crate) use dashboard::*;
pub(crate) use introductions::*;
pub(crate) use need::*;
pub(crate) use sign_in::*;

/// What every page needs: the words, who is signed in, the CSRF token of their session.
pub struct Ctx {
    pub tr: Tr,
    pub viewer: Option<Viewer>,
    pub csrf: String,
    /// A language picked with `?lang=`, to remember in a cookie.
    set_lang: Option<&'static str>,
    /// The page's query without `lang`, for the language links.
    query: String,
    /// A staff member who must set up a second factor before anything but the account page.
    pub enrol_only: bool,
}

/// The links of the page's header, by who is signed in: each role sees where it can go.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// The page's query without `lang` (`token=…&`, or empty): the language links keep it.
    pub query: String,
    pub signed_in: bool,
    /// The role's own start page and its label key.
    pub home: &'static str,
    pub home_key: &'static str,
    /// Officers and admins: the indicators.
    pub staff: bool,
    /// Admins: users and roles.
    pub admin: bool,
}

impl Ctx {
    pub fn nav(&self) -> Nav {
        use crate::policy::Role;
        let Some(v) = &self.viewer else {
            return Nav {
                query: self.query.clone(),
                ..Nav::default()
            };
        };
        let (home, home_key) = match v.role {
            Role::Company | Role::Supplier => ("/company", "nav.company"),
            Role::Candidate | Role::Mentor => ("/profile", "nav.profile"),
            Role::Officer | Role::Admin => ("/dashboard", "nav.dashboard"),
        };
        Nav {
            query: self.query.clone(),
            signed_in: true,
            home,
            home_key,
            staff: v.is_officer(),
            admin: v.role == Role::Admin,
        }
    }
}

/// A page's context, as a handler's argument. When even it cannot be had (the database is
/// down), the visitor gets the plain [`fallback`] page and the handler does not run.
impl actix_web::FromRequest for Ctx {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Ctx, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                let e = AppError::Internal(anyhow::anyhow!("no application state"));
                return Err(page_error(e));
            };
            context(&state, &req).await.map_err(page_error)
        })
    }
}

fn page_error(e: AppError) -> actix_web::Error {
    actix_web::error::InternalError::from_response("the page's context failed", fallback(e)).into()
}

/// The context of a page only a signed-in person sees, with who that is: a visitor who is
/// not signed in is sent to the sign-in page, which comes back here.
pub struct SignedIn {
    pub c: Ctx,
    pub viewer: Viewer,
}

impl actix_web::FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<SignedIn, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let (req, ctx) = (req.clone(), Ctx::from_request(req, payload));
        Box::pin(async move {
            let c = ctx.await?;
            match c.viewer.clone() {
                Some(viewer) => Ok(SignedIn { c, viewer }),
                None if c.enrol_only => Err(actix_web::error::InternalError::from_response(
                    "set up the second factor first",
                    see_other("/account?enrol=1#second-factor"),
                )
                .into()),
                None => Err(actix_web::error::InternalError::from_response(
                    "sign in first",
                    to_sign_in(&req),
                )
                .into()),
            }
        })
    }
}

const LANG_COOKIE: &str = "hm_lang";

pub(crate) fn query_lang(req: &HttpRequest) -> Option<&'static str> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| i18n::LOCALES.iter().find(|l| **l == v).copied())
}

pub(crate) async fn context(
    state: &web::Data<AppState>,
    req: &HttpRequest,
) -> Result<Ctx, AppError> {
    let picked = query_lang(req);
    let remembered = req
        .cookie(LANG_COOKIE)
        .and_then(|c| i18n::LOCALES.iter().find(|l| **l == c.value()).copied());
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let session = req
        .cookie(state.settings.session_cookie())
        .map(|c| crate::auth::token_hash(c.value()));
    let idle = time::Duration::minutes(state.settings.session_idle_minutes.max(1));
    let (settings, path) = (state.settings.clone(), req.path().to_string());
    let mut enrol_only = false;
    let signed_in = match session {
        None => None,
        Some(hash) => {
            let found = state
                .db
                .write(
                    move |c| -> Result<Option<(Viewer, String, bool)>, AppError> {
                        let Some(s) = accounts::live_session(c, &hash, idle)? else {
                            return Ok(None);
                        };
                        // Waiting for the second factor: not signed in yet.
                        if s.factor_pending {
                            return Ok(None);
                        }
                        accounts::touch_session(c, &s)?;
                        let Some(user) = User::by_id(c, &s.user_id)? else {
                            return Ok(None);
                        };
                        let gated = !s.sso_mfa
                            && crate::second_factor::must_enrol(
                                c,
                                crate::second_factor::required(&settings),
                                &user,
                            )?
                            && !session::enrolment_path(&path);
                        Ok(Some((session::viewer_of(c, user)?, s.csrf_token, gated)))
                    },
                )
                .await?;
            match found {
                Some((_, _, true)) => {
                    enrol_only = true;
                    None
                }
                Some((v, csrf, false)) => Some((v, csrf)),
                None => None,
            }
        }
    };
    let locale = match (picked.or(remembered), &signed_in) {
        (Some(l), _) => l,
        (None, Some((v, _))) => Tr::new(&v.locale).locale,
        (None, None) => i18n::negotiate(None, accept.as_deref()),
    };
    let (viewer, csrf) = match signed_in {
        Some((v, c)) => (Some(v), c),
        None => (None, String::new()),
    };
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "lang" {
            kept.append_pair(&k, &v);
        }
    }
    let mut query = kept.finish();
    if !query.is_empty() {
        query.push('&');
    }
    Ok(Ctx {
        tr: Tr::new(locale),
        viewer,
        csrf,
        set_lang: picked,
        query,
        enrol_only,
    })
}

pub(crate) fn respond(
    ctx: &Ctx,
    status: StatusCode,
    body: Result<String, askama::Error>,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8");
    if let Some(l) = ctx.set_lang {
        res.cookie(
            Cookie::build(LANG_COOKIE, l)
                .path("/")
                .same_site(actix_web::cookie::SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::days(365))
                .finish(),
        );
    }
    match body {
        Ok(html) => res.body(html),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("500")
        }
    }
}

pub(crate) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    message_key: String,
    details: Vec<String>,
    back: &'a str,
}

/// An error as a page in the reader's language, with a way back; never a stack trace.
pub(crate) fn error_page(ctx: &Ctx, err: AppError, back: &str) -> HttpResponse {
    let (status, key, details) = match &err {
        AppError::NotFound | AppError::NoRoute => {
            (StatusCode::NOT_FOUND, "error.not_found", vec![])
        }
        AppError::Forbidden(_) | AppError::Unauthenticated => {
            (StatusCode::FORBIDDEN, "error.forbidden", vec![])
        }
        AppError::Validation(f) => {
            let v: Value = serde_json::to_value(f).unwrap_or_default();
            let details = v
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, m)| ctx.tr.field_error(k, m[0].as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            (StatusCode::UNPROCESSABLE_ENTITY, "error.invalid", details)
        }
        AppError::Conflict(m) => (StatusCode::CONFLICT, "error.conflict", vec![m.clone()]),
        AppError::ConflictOn { field, message } => (
            StatusCode::CONFLICT,
            "error.conflict",
            vec![ctx.tr.field_error(field, message)],
        ),
        AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "error.conflict", vec![]),
        AppError::Malformed { message, .. } => (
            StatusCode::BAD_REQUEST,
            "error.invalid",
            vec![message.clone()],
        ),
        AppError::StorageUnavailable(cause) => {
            tracing::error!(cause = %cause, "the database refused a write (disk full or read-only): answered 503, nothing changed");
            (StatusCode::SERVICE_UNAVAILABLE, "error.storage", vec![])
        }
        _ => {
            tracing::error!(error = ?err, "a page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error.internal", vec![])
        }
    };
    let page = ErrorPage {
        tr: ctx.tr,
        nav: ctx.nav(),
        csrf: &ctx.csrf,
        message_key: key.to_string(),
        details,
        back,
    };
    respond(ctx, status, page.render())
}

/// To the sign-in page, which comes back here.
pub(crate) fn to_sign_in(req: &HttpRequest) -> HttpResponse {
    let next: String = form_urlencoded::byte_serialize(req.path().as_bytes()).collect();
    see_other(&format!("/sign-in?next={next}"))
}

/// A post that changes something: from our own origin, with the session's token.
pub(crate) fn checked_post(
    state: &AppState,
    req: &HttpRequest,
    ctx: &Ctx,
    token: &str,
) -> Result<Viewer, AppError> {
    let viewer = ctx.viewer.clone().ok_or(AppError::Unauthenticated)?;
    if !session::same_origin(req, &state.settings.base_url())
        || !session::constant_time_eq(token, &ctx.csrf)
    {
        return Err(AppError::forbidden("cross-site request refused"));
    }
    Ok(viewer)
}

/// When even the context cannot be had (the database is down): a plain English page.
pub(crate) fn fallback(e: AppError) -> HttpResponse {
    tracing::error!(error = ?e, "a page's context failed");
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain; charset=utf-8")
        .body("Heartland Match is unavailable for a moment. Please try again shortly.")
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../assets/app.css"))
}

/// Only a path of this site: `/…`, never `//host`, a scheme, a backslash, or any control or
/// space character (browsers drop tabs and line breaks from a URL, so `/\t/evil.example/`
/// would become `//evil.example/`; and a header cannot carry them). Anything else goes to the
/// start page, which sends each role to its own.
pub(crate) fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if local {
        next.to_string()
    } else {
        "/dashboard".to_string()
    }
}

/// Where a sign-in goes on to: the page's `?next=` when it is one of ours, else the dashboard.
pub(crate) fn next_of(req: &HttpRequest) -> String {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| safe_next(&v))
        .unwrap_or_else(|| "/dashboard".into())
}

/// One line of a list: an introduction and its two sides' titles.
pub struct IntroLine {
    pub id: String,
    pub a_title: String,
    pub b_title: String,
    pub track_key: String,
    pub status_key: String,
    pub created: String,
}

pub(crate) fn intro_line(conn: &mut db::DbConn, i: &Introduction) -> Result<IntroLine, AppError> {
    let (a, _, _) = intro::describe(conn, &i.a_kind, &i.a_id)?;
    let (b, _, _) = intro::describe(conn, &i.b_kind, &i.b_id)?;
    Ok(IntroLine {
        id: i.id.clone(),
        a_title: a,
        b_title: b,
        track_key: format!("track.{}", i.track),
        status_key: format!("status.{}", i.status),
        created: i.created_at.date().to_string(),
    })
}

pub struct FactorLine {
    pub key: String,
    pub score: f64,
    pub detail: String,
}

pub struct MatchLine {
    /// `need`, `candidate`, …: what the line is (its report link says so).
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    pub score: f64,
    pub factors: Vec<FactorLine>,
    /// Shown only because nobody holds what was asked: experience in the same trade.
    pub related: bool,
}

/// Ranked hits as the pages show them: each factor's name and detail in the reader's language.
pub(crate) fn match_lines(hits: Vec<heartland_index::Hit>, locale: &str) -> Vec<MatchLine> {
    hits.into_iter()
        .map(|h| MatchLine {
            kind: h.kind.as_str(),
            id: h.id,
            title: h.title,
            score: h.score,
            related: h.related,
            factors: h
                .factors
                .into_iter()
                .map(|f| FactorLine {
                    key: format!("factor.{}", f.name),
                    score: f.score,
                    detail: crate::mail::views::localize_detail(locale, &f.detail),
                })
                .collect(),
        })
        .collect()
}

/// A record whose own page the viewer may open: an officer who sees it, or whoever may change
/// it (its company, its supplier); anyone else is told it is not there.
pub(crate) fn record_page_row(
    conn: &mut db::DbConn,
    viewer: &Viewer,
    record: Record,
    id: &str,
) -> Result<db::RecordRow, AppError> {
    let row = record.find(conn, id)?.ok_or(AppError::NotFound)?;
    viewer.view_of(record, &row).ok_or(AppError::NotFound)?;
    if !(viewer.is_officer() || viewer.may_change(record, &row)) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    title: String,
    paragraphs: Vec<String>,
}

/// A page that says something (a title and paragraphs), in the reader's language.
pub(crate) fn message_page(c: &Ctx, title: String, paragraphs: Vec<String>) -> HttpResponse {
    message_page_with(c, StatusCode::OK, title, paragraphs)
}

/// [`message_page`] with another status.
pub(crate) fn message_page_with(
    c: &Ctx,
    status: StatusCode,
    title: String,
    paragraphs: Vec<String>,
) -> HttpResponse {
    let page = MessagePage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        title,
        paragraphs,
    };
    respond(c, status, page.render())
}

/// The messages of a rejected form, one per field, in the page's language.
pub(crate) fn field_messages(tr: Tr, e: &AppError) -> Vec<String> {
    match e {
        AppError::SecondFactorRequired(_) => vec![tr.t("factor.reconfirm").to_string()],
        AppError::Validation(f) => {
            let v: Value = serde_json::to_value(f).unwrap_or_default();
            v.as_object()
                .map(|o| {
                    o.iter()
                        .flat_map(|(k, ms)| {
                            ms.as_array()
                                .cloned()
                                .unwrap_or_default()
                                .into_iter()
                                .map(move |m| tr.field_error(k, m.as_str().unwrap_or_default()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        other => vec![other.to_string()],
    }
}

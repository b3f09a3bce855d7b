//! The server-rendered pages (askama, `templates/pages/`), in the reader's language. No script
//! is needed: forms post, and each post that changes something carries the session's CSRF
//! token in a hidden field and must come from our own origin. This is the officer's path:
//! sign in, see what needs attention, open a need, read its ranked matches with every factor
//! drawn as a bar, introduce, follow the introduction and record its outcome.

use super::error::AppError;
use super::{account, session, AppState};
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

/// What every page needs: the words, who is signed in, the CSRF token of their session.
pub struct Ctx {
    pub tr: Tr,
    pub viewer: Option<Viewer>,
    pub csrf: String,
    /// A language picked with `?lang=`, to remember in a cookie.
    set_lang: Option<&'static str>,
    /// The page's query without `lang`, for the language links.
    query: String,
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
    let signed_in = match session {
        None => None,
        Some(hash) => {
            state
                .db
                .write(move |c| -> Result<Option<(Viewer, String)>, AppError> {
                    let Some(s) = accounts::live_session(c, &hash, idle)? else {
                        return Ok(None);
                    };
                    accounts::touch_session(c, &s)?;
                    let Some(user) = User::by_id(c, &s.user_id)? else {
                        return Ok(None);
                    };
                    Ok(Some((session::viewer_of(c, user)?, s.csrf_token)))
                })
                .await?
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
        .body(include_str!("../../assets/app.css"))
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

pub async fn sign_in_page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let next = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| safe_next(&v))
        .unwrap_or_else(|| "/dashboard".into());
    let page = SignIn {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        failed: false,
        next,
        email: String::new(),
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

pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SignInForm>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let form = form.into_inner();
    // Sign-in CSRF: only from our own pages.
    if !session::same_origin(&req, &state.settings.base_url()) {
        return error_page(&c, AppError::forbidden("cross-site"), "/sign-in");
    }
    match session::sign_in(&state, &req, &form.email, form.password).await {
        Ok(user) => match account::start_session(&state, &req, &user.id).await {
            Ok((cookie, _, _)) => {
                let mut res = see_other(&safe_next(&form.next));
                if let Err(e) = res.add_cookie(&cookie) {
                    tracing::error!(error = %e, "cannot set the session cookie");
                }
                res
            }
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
pub async fn forgot_page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
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
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
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
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    if let Err(e) = checked_post(&state, &req, &c, &form.csrf_token) {
        return error_page(&c, e, "/");
    }
    let session = req
        .cookie(state.settings.session_cookie())
        .map(|k| crate::auth::token_hash(k.value()));
    if let Some(s) = session {
        let _ = state
            .db
            .write(move |conn| accounts::revoke_session(conn, &s).map_err(AppError::from))
            .await;
    }
    let mut res = see_other("/");
    let _ = res.add_cookie(&account::removal_cookie(&state));
    res
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

pub struct RecordLine {
    pub id: String,
    pub title: String,
    pub organisation: String,
    pub place: String,
    pub created: String,
}

pub struct FailedLine {
    pub template: String,
    pub error: String,
    pub introduction_id: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
struct Dashboard<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    needs: Vec<RecordLine>,
    procurements: Vec<RecordLine>,
    waiting: Vec<IntroLine>,
    failed: Vec<FailedLine>,
}

fn recent(
    conn: &mut db::DbConn,
    record: Record,
    viewer: &Viewer,
    status: &str,
) -> Result<Vec<RecordLine>, AppError> {
    let filter = db::ListFilter {
        status: Some(status.to_string()),
        limit: 200,
        ..Default::default()
    };
    let mut rows = record.list(conn, &viewer.visible(record), &filter)?;
    // The officer's own municipalities first, newest first.
    rows.sort_by(|a, b| {
        (
            !viewer.in_scope(&a.municipality),
            std::cmp::Reverse(a.created_at),
        )
            .cmp(&(
                !viewer.in_scope(&b.municipality),
                std::cmp::Reverse(b.created_at),
            ))
    });
    rows.truncate(10);
    rows.iter()
        .map(|r| {
            let (title, place, org) = intro::describe(conn, record.name(), &r.id)?;
            Ok(RecordLine {
                id: r.id.clone(),
                title,
                organisation: org,
                place,
                created: r.created_at.date().to_string(),
            })
        })
        .collect()
}

pub async fn dashboard(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let Some(viewer) = c.viewer.clone() else {
        return to_sign_in(&req);
    };
    if matches!(
        viewer.role,
        crate::policy::Role::Company | crate::policy::Role::Supplier
    ) {
        return see_other("/company");
    }
    if matches!(
        viewer.role,
        crate::policy::Role::Candidate | crate::policy::Role::Mentor
    ) {
        return see_other("/profile");
    }
    if !viewer.is_officer() {
        return see_other("/introductions");
    }
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let needs = recent(conn, Record::Need, &viewer, "open")?;
            let procurements = recent(conn, Record::Procurement, &viewer, "planned")?;
            let waiting = intro::list(conn, &viewer, Some("proposed"), None, 10)?
                .into_iter()
                .chain(intro::list(conn, &viewer, Some("accepted"), None, 10)?)
                .map(|i| intro_line(conn, &i))
                .collect::<Result<Vec<_>, _>>()?;
            let failed = db::outbox::by_status(conn, "failed", 10)?
                .into_iter()
                .map(|e| FailedLine {
                    template: e.template,
                    error: e.last_error.unwrap_or_default(),
                    introduction_id: e.introduction_id,
                })
                .collect();
            Ok((needs, procurements, waiting, failed))
        })
        .await;
    match data {
        Ok((needs, procurements, waiting, failed)) => {
            let page = Dashboard {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                needs,
                procurements,
                waiting,
                failed,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/"),
    }
}

pub struct FactorLine {
    pub key: String,
    pub score: f64,
    pub detail: String,
}

pub struct MatchLine {
    pub id: String,
    pub title: String,
    pub score: f64,
    pub factors: Vec<FactorLine>,
}

/// Ranked hits as the pages show them: each factor's name and detail in the reader's language.
pub(crate) fn match_lines(hits: Vec<heartland_index::Hit>, locale: &str) -> Vec<MatchLine> {
    hits.into_iter()
        .map(|h| MatchLine {
            id: h.id,
            title: h.title,
            score: h.score,
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

#[derive(Template)]
#[template(path = "pages/need.html")]
struct NeedPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    officer: bool,
    /// The company that may change it (or an officer in scope): may close or reopen it.
    owner: bool,
    status: String,
    id: String,
    title: String,
    description: String,
    organisation: String,
    place: String,
    start_date: String,
    months: i64,
    matches: Vec<MatchLine>,
}

impl NeedPage<'_> {
    fn status_word(&self) -> String {
        self.tr
            .t(&format!("need.status.{}", self.status))
            .to_string()
    }
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

pub async fn need(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let Some(viewer) = c.viewer.clone() else {
        return to_sign_in(&req);
    };
    let (id, st, locale) = (id.into_inner(), state.clone(), c.tr.locale);
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let row = record_page_row(conn, &viewer, Record::Need, &id)?;
            let d: Value = serde_json::from_str(&row.data).unwrap_or_default();
            let (title, place, organisation) = intro::describe(conn, "need", &row.id)?;
            let query = crate::search::load(conn, Record::Need, &id)?.ok_or(AppError::NotFound)?;
            let (hits, _) = super::matches::ranked_page(
                &st,
                conn,
                &query,
                heartland_index::Kind::Candidate,
                10,
                0,
            )?;
            let matches = match_lines(hits, locale);
            Ok((
                row.id.clone(),
                title,
                d["description"].as_str().unwrap_or_default().to_string(),
                organisation,
                place,
                d["start_date"].as_str().unwrap_or_default().to_string(),
                d["duration_months"].as_i64().unwrap_or(0),
                matches,
                viewer.is_officer(),
                (viewer.may_change(Record::Need, &row), row.status.clone()),
            ))
        })
        .await;
    match data {
        Ok((
            id,
            title,
            description,
            organisation,
            place,
            start_date,
            months,
            matches,
            officer,
            (owner, status),
        )) => {
            let page = NeedPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                officer,
                owner,
                status,
                id,
                title,
                description,
                organisation,
                place,
                start_date,
                months,
                matches,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/dashboard"),
    }
}

#[derive(Deserialize)]
pub struct IntroduceForm {
    pub csrf_token: String,
    pub candidate_id: String,
    #[serde(default)]
    pub note: String,
}

pub async fn introduce(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<IntroduceForm>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let back = format!("/needs/{}", id.as_str());
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let form = form.into_inner();
    let request = ProposeRequest {
        track: "ktp".into(),
        a: SideRef {
            kind: "need".into(),
            id: id.into_inner(),
        },
        b: SideRef {
            kind: "candidate".into(),
            id: form.candidate_id,
        },
        note: form.note,
    };
    let st = state.clone();
    let made = state
        .db
        .write(move |conn| {
            intro::propose(
                conn,
                &viewer,
                &request,
                None,
                &st.settings,
                &st.search.index,
            )
        })
        .await;
    match made {
        Ok(p) => {
            state.mailer.wake();
            see_other(&format!("/introductions/{}", p.introduction.id))
        }
        Err(e) => error_page(&c, e, &back),
    }
}

#[derive(Template)]
#[template(path = "pages/introductions.html")]
struct IntroList<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    items: Vec<IntroLine>,
}

pub async fn introductions(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let Some(viewer) = c.viewer.clone() else {
        return to_sign_in(&req);
    };
    let data = state
        .db
        .read(move |conn| -> Result<Vec<IntroLine>, AppError> {
            intro::list(conn, &viewer, None, None, 100)?
                .iter()
                .map(|i| intro_line(conn, i))
                .collect()
        })
        .await;
    match data {
        Ok(items) => {
            let page = IntroList {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                items,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/"),
    }
}

pub struct EmailLine {
    pub template: String,
    pub status_key: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "pages/introduction.html")]
struct IntroPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    officer: bool,
    can_record: bool,
    summary: IntroLine,
    outcome_key: Option<String>,
    note: String,
    emails: Vec<EmailLine>,
    /// The viewer is a party who has not answered yet.
    can_answer: bool,
    /// The viewer is a party, and the introduction is under way or made.
    can_withdraw: bool,
    /// The other side's name and email, once both have said yes.
    contact: Option<(String, String)>,
}

pub async fn introduction(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let Some(viewer) = c.viewer.clone() else {
        return to_sign_in(&req);
    };
    let id = id.into_inner();
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let i = intro::find(conn, &id)?.ok_or(AppError::NotFound)?;
            if !(viewer.is_officer() || i.party_of(&viewer.user_id).is_some()) {
                return Err(AppError::NotFound);
            }
            let emails = if viewer.is_officer() {
                db::outbox::of_introduction(conn, &i.id)?
                    .into_iter()
                    .map(|e| EmailLine {
                        template: e.template,
                        status_key: format!("status.{}", e.status),
                        error: e.last_error.unwrap_or_default(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let me = i.party_of(&viewer.user_id);
            let can_answer = me.is_some_and(|p| i.side(p).3.is_none())
                && intro::OPEN.contains(&i.status.as_str());
            let can_withdraw =
                me.is_some() && matches!(i.status.as_str(), "proposed" | "accepted" | "introduced");
            let contact = match me {
                Some(p) if i.status == "introduced" => match i.side(p.other()).2 {
                    Some(u) => User::by_id(conn, u)?.map(|u| (u.display_name, u.email)),
                    None => None,
                },
                _ => None,
            };
            Ok((
                intro_line(conn, &i)?,
                i.outcome.as_ref().map(|o| format!("outcome.{o}")),
                i.note.clone(),
                emails,
                viewer.is_officer(),
                matches!(i.status.as_str(), "introduced" | "withdrawn"),
                (can_answer, can_withdraw),
                contact,
            ))
        })
        .await;
    match data {
        Ok((
            summary,
            outcome_key,
            note,
            emails,
            officer,
            can_record,
            (can_answer, can_withdraw),
            contact,
        )) => {
            let page = IntroPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                officer,
                can_record,
                summary,
                outcome_key,
                note,
                emails,
                can_answer,
                can_withdraw,
                contact,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/introductions"),
    }
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    pub csrf_token: String,
    pub outcome: String,
}

pub async fn record_outcome(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<OutcomeForm>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let id = id.into_inner();
    let back = format!("/introductions/{id}");
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let outcome = form.into_inner().outcome;
    let done = state
        .db
        .write(move |conn| intro::record_outcome(conn, &viewer, &id, &outcome))
        .await;
    match done {
        Ok(_) => see_other(&back),
        Err(e) => error_page(&c, e, &back),
    }
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

pub async fn register_page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
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

pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<RegisterForm>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    if !session::same_origin(&req, &state.settings.base_url()) {
        return error_page(&c, AppError::forbidden("cross-site"), "/register");
    }
    let f = form.into_inner();
    let consents = [
        ("matching_ktp", &f.matching_ktp),
        ("matching_mentoring", &f.matching_mentoring),
        ("matching_procurement", &f.matching_procurement),
        ("contact", &f.contact),
    ]
    .iter()
    .filter(|(_, v)| v.is_some())
    .map(|(k, _)| k.to_string())
    .collect();
    let body = session::RegisterRequest {
        email: f.email.clone(),
        password: f.password,
        display_name: f.display_name.clone(),
        role: f.role,
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

#[derive(Template)]
#[template(path = "pages/company.html")]
struct CompanyPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    has_organisation: bool,
    /// A supplier: its offers, not needs.
    supplier: bool,
    needs: Vec<RecordLine>,
    errors: Vec<String>,
    /// The organisation's form: empty, or what was typed.
    org: OrganisationForm,
    places: &'static [String],
    organisation_id: String,
}

async fn company_page(
    state: &web::Data<AppState>,
    c: &Ctx,
    viewer: Viewer,
    errors: Vec<String>,
    org: OrganisationForm,
    status: StatusCode,
) -> HttpResponse {
    let v = viewer.clone();
    let supplier = viewer.role == crate::policy::Role::Supplier;
    let record = if supplier {
        Record::Offer
    } else {
        Record::Need
    };
    let data = state
        .db
        .read(move |conn| -> Result<Vec<RecordLine>, AppError> {
            let mut out = Vec::new();
            for org in &v.organisations {
                let filter = db::ListFilter {
                    organisation_id: Some(org.clone()),
                    limit: 200,
                    ..Default::default()
                };
                for r in record.list(conn, &v.visible(record), &filter)? {
                    let (title, place, organisation) = intro::describe(conn, record.name(), &r.id)?;
                    out.push(RecordLine {
                        id: r.id.clone(),
                        title,
                        organisation,
                        place,
                        created: r.created_at.date().to_string(),
                    });
                }
            }
            Ok(out)
        })
        .await;
    match data {
        Ok(needs) => {
            let page = CompanyPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                has_organisation: !viewer.organisations.is_empty(),
                supplier,
                needs,
                errors,
                places: if viewer.organisations.is_empty() {
                    super::profile::place_labels()
                } else {
                    &[]
                },
                org,
                organisation_id: viewer.organisations.first().cloned().unwrap_or_default(),
            };
            respond(c, status, page.render())
        }
        Err(e) => error_page(c, e, "/"),
    }
}

/// `/company`: the company's needs, or first its organisation.
pub async fn company(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let Some(viewer) = c.viewer.clone() else {
        return to_sign_in(&req);
    };
    company_page(
        &state,
        &c,
        viewer,
        Vec::new(),
        OrganisationForm::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct OrganisationForm {
    pub csrf_token: String,
    pub name: String,
    pub country: String,
    pub org_number: String,
    pub municipality: String,
    pub size: Option<String>,
    /// `women`, `men`, `mixed`; empty: not given.
    #[serde(default)]
    pub leadership: String,
}

impl OrganisationForm {
    pub(crate) fn size_is(&self, size: &str) -> bool {
        self.size.as_deref() == Some(size)
    }

    /// What a saved organisation shows in the form.
    pub(crate) fn from_saved(d: &Value) -> OrganisationForm {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        OrganisationForm {
            csrf_token: String::new(),
            name: s(&d["name"]),
            country: s(&d["country"]),
            org_number: s(&d["org_number"]),
            municipality: d["municipality"]
                .as_str()
                .map(super::profile::place_label)
                .unwrap_or_default(),
            size: d["size"].as_str().map(str::to_string),
            leadership: s(&d["leadership"]),
        }
    }

    /// The API's fields (without the kind): the same validation as `/api/v1/organisations`.
    pub(crate) fn body(&self) -> Value {
        serde_json::json!({"name": self.name.trim(), "org_number": self.org_number.trim(),
            "country": self.country,
            "municipality": super::profile::municipality_key(&self.municipality),
            "size": self.size,
            "leadership": (!self.leadership.is_empty()).then_some(&self.leadership)})
    }
}

/// Creates a record from a page's form, through the API's own validation and rules.
pub(crate) async fn create_record<R: crate::records::RecordType>(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    body: Value,
) -> Result<String, AppError> {
    let input: R::Input = super::body::from_value(body)?;
    let valid = R::validate(input).map_err(AppError::Validation)?;
    let (st, v) = (state.clone(), viewer.clone());
    let row = state
        .db
        .write(move |conn| super::records::insert::<R>(conn, &v, valid, &st.settings))
        .await?;
    state.search.wake();
    Ok(row.id)
}

pub async fn new_organisation(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<OrganisationForm>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/company"),
    };
    let f = form.into_inner();
    let kind = if viewer.role == crate::policy::Role::Supplier {
        "supplier"
    } else {
        "company"
    };
    let mut body = f.body();
    body["kind"] = serde_json::json!(kind);
    match create_record::<crate::records::organisation::Organisation>(&state, &viewer, body).await {
        Ok(_) => see_other("/company"),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => {
            company_page(
                &state,
                &c,
                viewer,
                field_messages(c.tr, &e),
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(&c, e, "/company"),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    pub csrf_token: String,
    pub status: String,
}

/// `POST /needs/{id}/status`: the company closes a need (filled, or no longer wanted: it
/// leaves matching at once) or opens it again.
pub async fn need_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<StatusForm>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let id = id.into_inner();
    let back = format!("/needs/{id}");
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let status = form.into_inner().status;
    if !matches!(status.as_str(), "open" | "closed") {
        return error_page(
            &c,
            AppError::invalid("status", "must be open or closed"),
            &back,
        );
    }
    let target = id.clone();
    let done = state
        .db
        .write(move |conn| {
            super::records::change::<crate::records::need::Need>(
                conn,
                &viewer,
                &target,
                serde_json::json!({ "status": status }),
                false,
            )
        })
        .await;
    match done {
        Ok(_) => {
            state.search.wake();
            see_other(&back)
        }
        Err(e) => error_page(&c, e, &back),
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    pub csrf_token: String,
    pub answer: String,
}

/// A party answers on the introduction's page (signed in).
pub async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<AnswerForm>,
) -> HttpResponse {
    let c = match context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return fallback(e),
    };
    let id = id.into_inner();
    let back = format!("/introductions/{id}");
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let action = match form.answer.as_str() {
        "accept" => intro::Action::Accept,
        "decline" => intro::Action::Decline,
        "withdraw" => intro::Action::Withdraw,
        _ => {
            return error_page(
                &c,
                AppError::invalid("answer", "accept, decline or withdraw"),
                &back,
            )
        }
    };
    let (st, i) = (state.clone(), id.clone());
    let done = state
        .db
        .write(move |conn| -> Result<(), AppError> {
            let found = intro::find(conn, &i)?.ok_or(AppError::NotFound)?;
            let party = found.party_of(&viewer.user_id).ok_or(AppError::NotFound)?;
            intro::answer(conn, &i, party, action, Some(&viewer.user_id), &st.settings)?;
            Ok(())
        })
        .await;
    match done {
        Ok(()) => {
            state.mailer.wake();
            state.search.wake();
            see_other(&back)
        }
        Err(e) => error_page(&c, e, &back),
    }
}

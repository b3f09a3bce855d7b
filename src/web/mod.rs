//! The HTTP side: every route in one table ([`endpoints`]), which both registers the routes
//! and generates the OpenAPI document, so the two cannot disagree.

pub mod account;
mod admin;
pub mod body;
pub mod error;
mod health;
pub mod introductions;
pub mod limits;
pub(crate) mod matches;
mod me_page;
mod mentor_page;
mod need_form;
mod offers_page;
pub mod openapi;
mod org_page;
pub mod pages;
mod profile;
pub(crate) mod records;
mod reports;
mod search_page;
pub(crate) mod session;

use crate::config::Settings;
use crate::db::Db;
use crate::records::RecordType;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{from_fn, Next};
use actix_web::{body::MessageBody, web, App, HttpResponse, HttpServer};
use error::{AppError, REQUEST_ID};
use std::net::TcpListener;
use std::sync::Arc;
use tracing::Instrument;

/// What every handler shares.
pub struct AppState {
    pub db: Db,
    pub settings: Settings,
    /// Limits how many password hashes are computed at once.
    pub hash_permits: Arc<tokio::sync::Semaphore>,
    /// The search index and its indexer.
    pub search: Arc<crate::search::Search>,
    pub counters: health::Counters,
    /// The outbox's sender.
    pub mailer: Arc<crate::mail::Mailer>,
    /// Rate limits of sign-in, registration and reset.
    pub limiter: limits::Limiter,
}

/// One route: what it does (for the OpenAPI document) and its handler.
pub struct Endpoint {
    pub method: Method,
    pub path: String,
    pub summary: String,
    pub tag: &'static str,
    /// Whether a bearer token is required.
    pub auth: bool,
    /// The name and schema of the JSON body it takes.
    pub body: Option<openapi::SchemaDef>,
    /// The statuses it answers with, beside the errors every route may give.
    pub responses: &'static [(u16, &'static str)],
    pub route: actix_web::Route,
}

fn endpoint(
    method: Method,
    path: impl Into<String>,
    summary: impl Into<String>,
    tag: &'static str,
) -> Endpoint {
    let route =
        web::method(method.clone()).to(|| async { HttpResponse::NotImplemented().finish() });
    Endpoint {
        method,
        path: path.into(),
        summary: summary.into(),
        tag,
        auth: true,
        body: None,
        responses: &[(200, "OK")],
        route,
    }
}

impl Endpoint {
    fn to<F, Args>(mut self, handler: F) -> Self
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        self.route = web::method(self.method.clone()).to(handler);
        self
    }
    fn public(mut self) -> Self {
        self.auth = false;
        self
    }
    fn body(mut self, schema: openapi::SchemaDef) -> Self {
        self.body = Some(schema);
        self
    }
    fn responses(mut self, r: &'static [(u16, &'static str)]) -> Self {
        self.responses = r;
        self
    }
}

const CREATED: &[(u16, &str)] = &[(201, "Created")];
const ACCEPTED: &[(u16, &str)] = &[(202, "Accepted")];
const NO_CONTENT: &[(u16, &str)] = &[(204, "Deleted")];
const PAGE_GET: &[(u16, &str)] = &[(200, "The page"), (303, "To the sign-in page")];
const PAGE_POST: &[(u16, &str)] = &[(303, "Done: to the next page"), (200, "The page again")];

/// The five routes of one record type.
fn record_endpoints<R: RecordType>(out: &mut Vec<Endpoint>) {
    let (p, name) = (R::PATH, R::RECORD.name());
    let collection = format!("/api/v1/{p}");
    let item = format!("/api/v1/{p}/{{id}}");
    let schema = || openapi::schema_of::<R::Input>();
    out.push(endpoint(Method::GET, &collection, format!("List {p}"), p).to(records::list::<R>));
    out.push(
        endpoint(Method::POST, &collection, format!("Create a {name}"), p)
            .to(records::create::<R>)
            .body(schema())
            .responses(CREATED),
    );
    out.push(endpoint(Method::GET, &item, format!("Read a {name}"), p).to(records::show::<R>));
    out.push(
        endpoint(Method::PUT, &item, format!("Replace a {name}"), p)
            .to(records::replace::<R>)
            .body(schema()),
    );
    out.push(
        endpoint(
            Method::PATCH,
            &item,
            format!("Change some fields of a {name}"),
            p,
        )
        .to(records::update::<R>)
        .body(schema()),
    );
    out.push(
        endpoint(Method::DELETE, &item, format!("Delete a {name}"), p)
            .to(records::delete::<R>)
            .responses(NO_CONTENT),
    );
}

/// Every route the server has.
pub fn endpoints() -> Vec<Endpoint> {
    use crate::records::{
        candidate::Candidate, mentor::Mentor, need::Need, offer::Offer, organisation::Organisation,
        procurement::Procurement,
    };
    let mut e = vec![
        endpoint(Method::GET, "/healthz", "Liveness", "operations")
            .to(health::healthz)
            .public(),
        endpoint(
            Method::GET,
            "/readyz",
            "Readiness: database reachable, migrations applied, the search index caught up (and how far it lags)",
            "operations",
        )
        .to(health::readyz)
        .responses(&[(200, "Ready"), (503, "Not ready, saying why")])
        .public(),
        endpoint(Method::GET, "/metrics", "Prometheus metrics (with the configured metrics_token as a bearer token; off without one)", "operations")
            .to(health::metrics)
            .public(),
        endpoint(
            Method::GET,
            "/api/v1/openapi.json",
            "This document",
            "operations",
        )
        .to(openapi::serve)
        .public(),
        endpoint(
            Method::POST,
            "/api/v1/auth/token",
            "Get an API token",
            "auth",
        )
        .to(session::create_token)
        .public()
        .body(openapi::schema_of::<session::TokenRequest>())
        .responses(CREATED),
        endpoint(
            Method::POST,
            "/api/v1/auth/register",
            "Register an account",
            "auth",
        )
        .to(session::register)
        .public()
        .body(openapi::schema_of::<session::RegisterRequest>())
        .responses(ACCEPTED),
        endpoint(Method::GET, "/api/v1/me", "Your own account", "auth").to(session::me),
        endpoint(
            Method::POST,
            "/api/v1/auth/login",
            "Sign in a browser: a session cookie, and the CSRF token changes must send",
            "auth",
        )
        .to(account::login)
        .public()
        .body(openapi::schema_of::<account::LoginRequest>()),
        endpoint(
            Method::POST,
            "/api/v1/auth/logout",
            "Sign out: ends the session (or revokes the token used)",
            "auth",
        )
        .to(account::logout)
        .responses(NO_CONTENT),
        endpoint(
            Method::POST,
            "/api/v1/auth/verify",
            "Confirm an email address with the emailed token",
            "auth",
        )
        .to(account::verify)
        .public()
        .body(openapi::schema_of::<account::TokenBody>()),
        endpoint(
            Method::POST,
            "/api/v1/auth/reset-request",
            "Ask for a password reset link by email (the same answer whether or not the address \
             has an account)",
            "auth",
        )
        .to(account::reset_request)
        .public()
        .body(openapi::schema_of::<account::ResetRequest>())
        .responses(ACCEPTED),
        endpoint(
            Method::POST,
            "/api/v1/auth/reset",
            "Choose a new password with the emailed token; ends every session and token",
            "auth",
        )
        .to(account::reset)
        .public()
        .body(openapi::schema_of::<account::ResetBody>()),
        endpoint(
            Method::POST,
            "/api/v1/me/password",
            "Change your password; ends every session and token",
            "auth",
        )
        .to(account::change_password)
        .body(openapi::schema_of::<account::PasswordChange>())
        .responses(NO_CONTENT),
        endpoint(
            Method::GET,
            "/api/v1/me/consents",
            "Your consents",
            "privacy",
        )
        .to(account::consents),
        endpoint(
            Method::PUT,
            "/api/v1/me/consents",
            "Give or withdraw consents: the list is what you consent to from now on",
            "privacy",
        )
        .to(account::set_consents)
        .body(openapi::schema_of::<account::ConsentsBody>()),
        endpoint(
            Method::GET,
            "/api/v1/me/export",
            "Everything held about you, as versioned JSON",
            "privacy",
        )
        .to(account::export),
        endpoint(
            Method::DELETE,
            "/api/v1/me",
            "Erase your account (your password confirms it)",
            "privacy",
        )
        .to(account::erase)
        .body(openapi::schema_of::<account::EraseBody>())
        .responses(NO_CONTENT),
        endpoint(
            Method::GET,
            "/verify",
            "The page the confirmation email links to",
            "pages",
        )
        .to(account::verify_page)
        .public(),
        endpoint(Method::POST, "/verify", "Confirms the address", "pages")
            .to(account::verify_form)
            .public(),
        endpoint(
            Method::GET,
            "/reset",
            "The page the reset email links to",
            "pages",
        )
        .to(account::reset_page)
        .public(),
        endpoint(Method::POST, "/reset", "Sets the new password", "pages")
            .to(account::reset_form)
            .public(),
    ];
    record_endpoints::<Organisation>(&mut e);
    record_endpoints::<Need>(&mut e);
    record_endpoints::<Candidate>(&mut e);
    record_endpoints::<Mentor>(&mut e);
    record_endpoints::<Procurement>(&mut e);
    record_endpoints::<Offer>(&mut e);
    let m = "matches";
    e.extend([
        endpoint(
            Method::GET,
            "/api/v1/needs/{id}/matches",
            "Candidates ranked for a KTP need",
            m,
        )
        .to(matches::of::<Need>),
        endpoint(
            Method::GET,
            "/api/v1/candidates/{id}/matches",
            "Needs (track=ktp) or mentors (track=mentoring) ranked for a candidate",
            m,
        )
        .to(matches::of::<Candidate>),
        endpoint(
            Method::GET,
            "/api/v1/mentors/{id}/matches",
            "Mentees ranked for a mentor",
            m,
        )
        .to(matches::of::<Mentor>),
        endpoint(
            Method::GET,
            "/api/v1/procurements/{id}/matches",
            "Supplier offers ranked for a planned procurement",
            m,
        )
        .to(matches::of::<Procurement>),
        endpoint(
            Method::GET,
            "/api/v1/offers/{id}/matches",
            "Planned procurements ranked for an offer",
            m,
        )
        .to(matches::of::<Offer>),
        endpoint(
            Method::GET,
            "/api/v1/search",
            "Full-text search over what you may see",
            "search",
        )
        .to(matches::search),
    ]);
    let i = "introductions";
    e.extend([
        endpoint(
            Method::POST,
            "/api/v1/introductions",
            "Propose an introduction (officers); both parties are asked by email. Send an \
             Idempotency-Key header to make a retry safe",
            i,
        )
        .to(introductions::propose)
        .body(openapi::schema_of::<crate::introductions::ProposeRequest>())
        .responses(CREATED),
        endpoint(
            Method::GET,
            "/api/v1/introductions",
            "Introductions: all for officers, your own for a party",
            i,
        )
        .to(introductions::list),
        endpoint(
            Method::GET,
            "/api/v1/introductions/{id}",
            "One introduction; officers also see its emails and their delivery",
            i,
        )
        .to(introductions::show),
        endpoint(
            Method::PATCH,
            "/api/v1/introductions/{id}",
            "Record the outcome (officers)",
            i,
        )
        .to(introductions::record_outcome)
        .body(openapi::schema_of::<introductions::OutcomeRequest>()),
        endpoint(
            Method::POST,
            "/api/v1/introductions/{id}/accept",
            "Accept, as a party: signed in, or with the party, expires and sig of the emailed link",
            i,
        )
        .to(introductions::accept)
        .public(),
        endpoint(
            Method::POST,
            "/api/v1/introductions/{id}/decline",
            "Decline, as a party: signed in, or with the party, expires and sig of the emailed link",
            i,
        )
        .to(introductions::decline)
        .public(),
        endpoint(
            Method::POST,
            "/api/v1/introductions/{id}/withdraw",
            "Withdraw, as a party (signed in): before or after the introduction",
            i,
        )
        .to(introductions::withdraw),
        endpoint(
            Method::GET,
            "/api/v1/emails",
            "Emails by delivery status (officers): status=failed (the default) shows what did \
             not go out and the mail server's reply",
            i,
        )
        .to(introductions::emails),
        endpoint(
            Method::GET,
            "/api/v1/admin/users",
            "Accounts by email (admins): q finds part of an email or a name, role narrows",
            "admin",
        )
        .to(admin::list),
        endpoint(
            Method::PUT,
            "/api/v1/admin/users/{id}/role",
            "Give an account a role, and an officer the municipalities they act for (admins)",
            "admin",
        )
        .to(admin::put_role)
        .body(openapi::schema_of::<admin::RoleRequest>()),
        endpoint(Method::GET, "/search", "Free-text search across what the reader may see", "pages")
            .to(search_page::page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/admin/users", "Accounts and their roles (admins)", "pages")
            .to(admin::users)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/admin/users/{id}", "An account's role and municipalities (admins)", "pages")
            .to(admin::user)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/admin/users/{id}", "Changes an account's role and municipalities (the page's form)", "pages")
            .to(admin::save_user)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/", "The front page", "pages")
            .to(pages::home)
            .public(),
        endpoint(Method::GET, "/static/app.css", "The stylesheet", "pages")
            .to(pages::stylesheet)
            .public(),
        endpoint(Method::GET, "/sign-in", "The sign-in page", "pages")
            .to(pages::sign_in_page)
            .public(),
        endpoint(Method::POST, "/sign-in", "Signs in (the page's form)", "pages")
            .to(pages::sign_in)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/forgot", "Asks for the address to send a new-password link to", "pages")
            .to(pages::forgot_page)
            .public(),
        endpoint(Method::POST, "/forgot", "Sends the new-password link (the page's form)", "pages")
            .to(pages::forgot)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::POST, "/sign-out", "Signs out (the page's form)", "pages")
            .to(pages::sign_out)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/dashboard", "What needs the officer's attention", "pages")
            .to(pages::dashboard)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/register", "The registration page", "pages")
            .to(pages::register_page)
            .public(),
        endpoint(Method::POST, "/register", "Registers (the page's form)", "pages")
            .to(pages::register)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/profile", "A candidate's own profile and its matches", "pages")
            .to(profile::page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/profile", "Saves the candidate's profile (the page's form)", "pages")
            .to(profile::save)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/account", "Your account: consents, your data, erasure", "pages")
            .to(me_page::page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/account/consents", "Changes your consents (the page's form)", "pages")
            .to(me_page::consents)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::POST, "/account/erase", "Erases your account (the page's form)", "pages")
            .to(me_page::erase)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/offers/new", "The form for a new offer", "pages")
            .to(offers_page::new_page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/offers/new", "Finds CPV codes or publishes an offer (the page's form)", "pages")
            .to(offers_page::create)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/offers/{id}", "An offer and the procurements that match it", "pages")
            .to(offers_page::show)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/company", "The company's needs", "pages")
            .to(pages::company)
            .public()
            .responses(PAGE_GET),
        endpoint(
            Method::POST,
            "/organisations/new",
            "Creates the company's organisation (the page's form)",
            "pages",
        )
        .to(pages::new_organisation)
        .public()
        .responses(PAGE_POST),
        endpoint(Method::GET, "/organisations/{id}/edit", "The form that changes an organisation", "pages")
            .to(org_page::edit_page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/organisations/{id}/edit", "Changes an organisation (the page's form)", "pages")
            .to(org_page::edit)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/needs/new", "The form for a new need", "pages")
            .to(need_form::new_page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/needs/new", "Publishes a need (the page's form)", "pages")
            .to(need_form::create)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/needs/{id}", "A need and its ranked matches", "pages")
            .to(pages::need)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/needs/{id}/edit", "The form that changes a need", "pages")
            .to(need_form::edit_page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/needs/{id}/edit", "Changes a need (the page's form)", "pages")
            .to(need_form::edit)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::POST, "/needs/{id}/status", "Closes or reopens a need (the page's form)", "pages")
            .to(pages::need_status)
            .public()
            .responses(PAGE_POST),
        endpoint(
            Method::POST,
            "/needs/{id}/introduce",
            "Introduces a candidate to the need (the page's form)",
            "pages",
        )
        .to(pages::introduce)
        .public()
        .responses(PAGE_POST),
        endpoint(
            Method::GET,
            "/api/v1/reports/indicators",
            "Programme indicators (officers): from, to (dates, default this year), municipality, \
             format=json|csv; counts of people under 5 are given as \"<5\"",
            "reports",
        )
        .to(reports::indicators),
        endpoint(Method::GET, "/reports", "The programme indicators page", "pages")
            .to(reports::page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/introductions", "The introductions", "pages")
            .to(pages::introductions)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/introductions/{id}", "One introduction", "pages")
            .to(pages::introduction)
            .public()
            .responses(PAGE_GET),
        endpoint(
            Method::POST,
            "/introductions/{id}",
            "Records the outcome (the page's form)",
            "pages",
        )
        .to(pages::record_outcome)
        .public()
        .responses(PAGE_POST),
        endpoint(
            Method::POST,
            "/introductions/{id}/answer",
            "A party's answer, signed in (the introduction page's form)",
            "pages",
        )
        .to(pages::answer)
        .public()
        .responses(PAGE_POST),
        endpoint(
            Method::GET,
            "/introductions/{id}/{action}",
            "The page an emailed link opens: asks to confirm (changes nothing)",
            "pages",
        )
        .to(introductions::link_page)
        .public(),
        endpoint(
            Method::POST,
            "/introductions/{id}/{action}",
            "Answers as the signed link says (the page's button)",
            "pages",
        )
        .to(introductions::link_answer)
        .public(),
    ]);
    e
}

/// Registers the table, one resource per path; a known path with another method gets 405.
fn register(cfg: &mut web::ServiceConfig) {
    let mut by_path: Vec<(String, Vec<actix_web::Route>)> = Vec::new();
    for e in endpoints() {
        match by_path.iter_mut().find(|(p, _)| *p == e.path) {
            Some((_, routes)) => routes.push(e.route),
            None => by_path.push((e.path, vec![e.route])),
        }
    }
    for (path, routes) in by_path {
        let resource = routes
            .into_iter()
            .fold(web::resource(path), |r, route| r.route(route))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(AppError::MethodNotAllowed)
            }));
        cfg.service(resource);
    }
}

/// The Content-Security-Policy of every response that sets none of its own: no inline script,
/// no plugins, no framing.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Gives each request an id (in error bodies, logs and the `X-Request-Id` header) and the
/// headers every response carries.
async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    // The path only: query strings may hold what people typed.
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    let mut res = REQUEST_ID
        .scope(id.clone(), next.call(req))
        .instrument(span.clone())
        .await?;
    span.in_scope(|| tracing::info!(status = res.status().as_u16(), "answered"));
    let mut tls = false;
    if let Some(state) = res.request().app_data::<web::Data<AppState>>() {
        state.counters.count(res.status().as_u16());
        tls = state.settings.tls();
    }
    let personal = {
        let path = res.request().path();
        path.starts_with("/api/v1/") && path != "/api/v1/openapi.json"
    };
    let headers = res.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(CSP),
        );
    }
    if personal && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        headers.insert(header::HeaderName::from_static("x-request-id"), v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: with it, browsers send `Origin: null` on our own form posts, and the
    // CSRF check could not tell them from another site's. `same-origin` sends nothing away.
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    Ok(res)
}

/// The running service, for `main` and for the tests.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    search: Arc<crate::search::Search>,
    mailer: Arc<crate::mail::Mailer>,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and builds the server.
    pub fn build(mut settings: Settings, db: Db) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.bind)?;
        let address = listener.local_addr()?;
        let port = address.port();
        if settings
            .base_url
            .as_deref()
            .is_none_or(|b| b.trim().is_empty())
        {
            // Links in emails lead here; behind a proxy or a domain, set HEARTLAND_BASE_URL.
            let host = if address.ip().is_unspecified() {
                "localhost".to_string()
            } else {
                address.ip().to_string()
            };
            settings.base_url = Some(format!("http://{host}:{port}"));
        }
        let search = crate::search::Search::start(db.clone(), &settings.data_dir.join("index"))?;
        // Made now, so that a data directory that cannot hold it fails the start, not an email.
        settings.link_key()?;
        let mailer = crate::mail::Mailer::start(db.clone(), settings.clone())?;
        let state = web::Data::new(AppState {
            limiter: limits::Limiter::default(),
            mailer: mailer.clone(),
            search: search.clone(),
            counters: health::Counters::default(),
            hash_permits: Arc::new(tokio::sync::Semaphore::new(
                settings.password_hash_concurrency.max(1),
            )),
            db,
            settings,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(from_fn(request_context))
                .configure(register)
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(AppError::NoRoute)
                }))
        })
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            search,
            mailer,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The search index and its indexer.
    pub fn search(&self) -> Arc<crate::search::Search> {
        self.search.clone()
    }

    /// The outbox's sender.
    pub fn mailer(&self) -> Arc<crate::mail::Mailer> {
        self.mailer.clone()
    }

    /// Serves until the server is stopped (SIGINT or SIGTERM), then stops the mailer and the
    /// indexer.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        // The workers let go of the database before `main` returns, so that no pooled
        // connection is closed while the process's TLS state is being torn down.
        self.mailer.shutdown().await;
        let search = self.search;
        let _ = tokio::task::spawn_blocking(move || search.stop()).await;
        result
    }
}

pub fn rfc3339(t: time::PrimitiveDateTime) -> String {
    t.assume_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

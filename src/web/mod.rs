//! The HTTP side: API handlers and pages over the use cases. Every route is in one table
//! (`routes`), which both registers the routes and generates the OpenAPI document.

pub mod account;
pub mod body;
pub(crate) mod dialogue;
mod endpoint;
pub mod error;
pub(crate) mod feeds;
mod health;
pub(crate) mod imports;
mod introduction_links;
pub mod introductions;
pub mod limits;
pub(crate) mod matches;
pub(crate) mod mentoring;
mod moderation;
mod newsletters;
pub mod openapi;
pub mod pages;
pub(crate) mod reads;
pub(crate) mod records;
mod reports;
mod routes;
pub(crate) mod session;

pub use endpoint::Endpoint;
pub use routes::endpoints;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{from_fn, Next};
use actix_web::{body::MessageBody, web, App, HttpResponse, HttpServer};
use error::{AppError, REQUEST_ID};
use std::net::TcpListener;
use std::sync::Arc;
use tracing::Instrument;

/// What every handler shares: the use cases' services (`state.db`, `state.write(..)`, ...)
/// and what only the web keeps.
pub struct AppState {
    pub services: crate::services::Services,
    /// Limits how many password hashes are computed at once.
    pub hash_permits: Arc<tokio::sync::Semaphore>,
    pub counters: health::Counters,
    /// Rate limits of sign-in, registration and reset.
    pub limiter: limits::Limiter,
}

impl std::ops::Deref for AppState {
    type Target = crate::services::Services;
    fn deref(&self) -> &Self::Target {
        &self.services
    }
}

impl AppState {
    pub fn new(services: crate::services::Services) -> AppState {
        AppState {
            limiter: limits::Limiter::for_db(&services.db),
            counters: health::Counters::default(),
            hash_permits: Arc::new(tokio::sync::Semaphore::new(
                services.settings.password_hash_concurrency.max(1),
            )),
            services,
        }
    }
}

/// The HTTP server over `state`, on `listener`; it runs when awaited.
pub fn serve(state: AppState, listener: TcpListener) -> std::io::Result<actix_web::dev::Server> {
    let state = web::Data::new(state);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(from_fn(request_context))
            .configure(endpoint::register)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(AppError::NoRoute)
            }))
    })
    .listen(listener)?
    .run())
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

pub use crate::error::rfc3339;

//! One route as the table in `routes` gives it: its handler and what the OpenAPI document
//! says of it; and the registration of the table with actix.

use super::error::AppError;
use super::openapi;
use super::routes::endpoints;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};

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
    /// The body's media type: `application/json`, or `text/csv` for an import.
    pub body_type: &'static str,
    /// The statuses it answers with, beside the errors every route may give.
    pub responses: &'static [(u16, &'static str)],
    pub route: actix_web::Route,
}

pub(super) fn endpoint(
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
        body_type: "application/json",
        responses: &[(200, "OK")],
        route,
    }
}

impl Endpoint {
    pub(super) fn to<F, Args>(mut self, handler: F) -> Self
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        self.route = web::method(self.method.clone()).to(handler);
        self
    }
    pub(super) fn public(mut self) -> Self {
        self.auth = false;
        self
    }
    pub(super) fn body(mut self, schema: openapi::SchemaDef) -> Self {
        self.body = Some(schema);
        self
    }
    /// A CSV file as the body.
    pub(super) fn csv_body(mut self) -> Self {
        self.body = Some(openapi::csv_schema());
        self.body_type = "text/csv";
        self
    }
    pub(super) fn responses(mut self, r: &'static [(u16, &'static str)]) -> Self {
        self.responses = r;
        self
    }
}

/// Registers the table, one resource per path; a known path with another method gets 405.
pub(super) fn register(cfg: &mut web::ServiceConfig) {
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

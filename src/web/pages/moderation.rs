//! The officer's moderation page (organisations to verify, reports, what is suspended, what went
//! stale) and the report form anyone signed in reaches from what they see.

use super::{checked_post, error_page, message_page, respond, see_other, Ctx, Nav, SignedIn};
use crate::i18n::Tr;
use crate::moderation::{self, reports, Subject};
use crate::web::error::AppError;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/moderation.html")]
struct ModerationPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    q: reports::Queue,
}

impl ModerationPage<'_> {
    fn place(&self, key: &str) -> String {
        super::forms::place_label(key)
    }
    fn kind_word(&self, kind: &str) -> String {
        self.tr.t(&format!("search.kind.{kind}")).to_string()
    }
    fn when(&self, rfc3339: &str) -> String {
        self.tr.date(rfc3339.get(..10).unwrap_or(rfc3339))
    }
    /// Where the reported record is seen by an officer.
    fn href(&self, kind: &str, id: &str) -> String {
        match kind {
            "need" => format!("/needs/{id}"),
            "mentor" => format!("/mentors/{id}"),
            "offer" => format!("/offers/{id}"),
            "procurement" => format!("/procurements/{id}"),
            "candidate" => format!("/candidates/{id}"),
            _ => format!("/organisations/{id}/edit"),
        }
    }
}

/// `GET /moderation`.
pub async fn page(state: web::Data<AppState>, SignedIn { c, viewer }: SignedIn) -> HttpResponse {
    let q = state
        .db
        .read(move |conn| reports::queue(conn, &viewer))
        .await;
    match q {
        Ok(q) => {
            let p = ModerationPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                q,
            };
            respond(&c, StatusCode::OK, p.render())
        }
        Err(e) => error_page(&c, e, "/dashboard"),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    pub csrf_token: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /moderation/organisations/{id}/{action}` (verify, suspend, reinstate) and
/// `POST /moderation/users/{id}/{action}` (suspend, reinstate), from the page's forms.
pub async fn decide<const USER: bool>(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<DecisionForm>,
    c: Ctx,
) -> HttpResponse {
    let (id, action) = path.into_inner();
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/moderation"),
    };
    let subject = if USER {
        Subject::User
    } else {
        Subject::Organisation
    };
    let (settings, reason) = (state.settings.clone(), form.into_inner().reason);
    let done = state
        .write(move |conn| match (subject, action.as_str()) {
            (Subject::Organisation, "verify") => moderation::verify(conn, &viewer, &id, &settings),
            (_, "suspend") => moderation::suspend(conn, &viewer, subject, &id, &reason, &settings),
            (_, "reinstate") => moderation::reinstate(conn, &viewer, subject, &id, &settings),
            _ => Err(AppError::NotFound),
        })
        .await;
    match done {
        Ok(_) => see_other("/moderation"),
        Err(e) => error_page(&c, e, "/moderation"),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf_token: String,
}

/// `POST /moderation/reports/{id}/resolve`.
pub async fn resolve(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
    c: Ctx,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/moderation"),
    };
    let id = id.into_inner();
    match state
        .write(move |conn| reports::resolve(conn, &viewer, &id))
        .await
    {
        Ok(()) => see_other("/moderation"),
        Err(e) => error_page(&c, e, "/moderation"),
    }
}

#[derive(Template)]
#[template(path = "pages/report.html")]
struct ReportPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    kind: String,
    id: String,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub kind: String,
    pub id: String,
    /// The page's language (read by the page's context).
    #[allow(dead_code)]
    pub lang: Option<String>,
}

/// `GET /report?kind=&id=`: what is wrong with something the reader saw.
pub async fn report_page(req: HttpRequest, SignedIn { c, .. }: SignedIn) -> HttpResponse {
    let q: ReportQuery = match crate::web::body::query(&req) {
        Ok(q) => q,
        Err(e) => return error_page(&c, e, "/"),
    };
    let p = ReportPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        kind: q.kind,
        id: q.id,
        error: None,
    };
    respond(&c, StatusCode::OK, p.render())
}

#[derive(Deserialize)]
pub struct ReportForm {
    pub csrf_token: String,
    pub kind: String,
    pub id: String,
    pub reason: String,
}

/// `POST /report`.
pub async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ReportForm>,
    c: Ctx,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/"),
    };
    let f = form.into_inner();
    let body = reports::ReportRequest {
        kind: f.kind.clone(),
        id: f.id.clone(),
        reason: f.reason,
    };
    match state
        .write(move |conn| reports::report(conn, &viewer, &body))
        .await
    {
        Ok(_) => message_page(
            &c,
            c.tr.t("flag.thanks_title").to_string(),
            vec![c.tr.t("flag.thanks").to_string()],
        ),
        Err(AppError::Validation(e)) => {
            let p = ReportPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                kind: f.kind,
                id: f.id,
                error: Some(
                    e.iter()
                        .flat_map(|(k, m)| m.iter().map(move |m| c.tr.field_error(k, m)))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            };
            respond(&c, StatusCode::UNPROCESSABLE_ENTITY, p.render())
        }
        Err(e) => error_page(&c, e, "/"),
    }
}

//! Moderation's API: verify, suspend and reinstate organisations and accounts; reports; the
//! officer's queue.

use super::endpoint::{endpoint, Endpoint};
use super::error::AppError;
use super::openapi::schema_of;
use super::{body, AppState};
use crate::moderation::{self, reports, Subject, SuspendRequest};
use crate::policy::Viewer;
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};

fn ok(v: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(v)
}

/// `POST /api/v1/organisations/{id}/verify`.
pub async fn verify(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, settings) = (id.into_inner(), state.settings.clone());
    let s = state
        .write(move |c| moderation::verify(c, &viewer, &id, &settings))
        .await?;
    Ok(ok(s))
}

async fn suspend(
    state: web::Data<AppState>,
    viewer: Viewer,
    subject: Subject,
    id: String,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: SuspendRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let settings = state.settings.clone();
    let s = state
        .write(move |c| moderation::suspend(c, &viewer, subject, &id, &body.reason, &settings))
        .await?;
    Ok(ok(s))
}

async fn reinstate(
    state: web::Data<AppState>,
    viewer: Viewer,
    subject: Subject,
    id: String,
) -> Result<HttpResponse, AppError> {
    let settings = state.settings.clone();
    let s = state
        .write(move |c| moderation::reinstate(c, &viewer, subject, &id, &settings))
        .await?;
    Ok(ok(s))
}

pub async fn suspend_organisation(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    suspend(
        state,
        viewer,
        Subject::Organisation,
        id.into_inner(),
        req,
        payload,
    )
    .await
}

pub async fn suspend_user(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    suspend(state, viewer, Subject::User, id.into_inner(), req, payload).await
}

pub async fn reinstate_organisation(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    reinstate(state, viewer, Subject::Organisation, id.into_inner()).await
}

pub async fn reinstate_user(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    reinstate(state, viewer, Subject::User, id.into_inner()).await
}

/// `GET /api/v1/moderation`.
pub async fn queue(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let q = state.db.read(move |c| reports::queue(c, &viewer)).await?;
    Ok(ok(q))
}

/// `POST /api/v1/moderation/reports`.
pub async fn report(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body: reports::ReportRequest =
        body::json(&req, payload, state.settings.max_body_bytes).await?;
    let id = state
        .write(move |c| reports::report(c, &viewer, &body))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({"id": id})))
}

/// `POST /api/v1/moderation/reports/{id}/resolve`.
pub async fn resolve(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .write(move |c| reports::resolve(c, &viewer, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn endpoints(e: &mut Vec<Endpoint>) {
    let t = "moderation";
    e.extend([
        endpoint(Method::POST, "/api/v1/organisations/{id}/verify", "An officer in scope verifies an organisation that registered itself: its needs and offers are seen and matched from now on (audited; its members told)", t)
            .to(verify),
        endpoint(Method::POST, "/api/v1/organisations/{id}/suspend", "Suspends an organisation: out of matching and out of sight at once, its open introductions withdrawn and the parties told (officer in scope; audited)", t)
            .to(suspend_organisation)
            .body(schema_of::<SuspendRequest>()),
        endpoint(Method::POST, "/api/v1/organisations/{id}/reinstate", "Lifts an organisation's suspension", t)
            .to(reinstate_organisation),
        endpoint(Method::POST, "/api/v1/users/{id}/suspend", "Suspends an account: out of matching, signed out everywhere, sign-in refused, open introductions withdrawn (officer in scope; staff accounts by an admin)", t)
            .to(suspend_user)
            .body(schema_of::<SuspendRequest>()),
        endpoint(Method::POST, "/api/v1/users/{id}/reinstate", "Lifts an account's suspension", t)
            .to(reinstate_user),
        endpoint(Method::GET, "/api/v1/moderation", "What waits for the officer in scope: organisations to verify, open reports, what is suspended, what went stale", t)
            .to(queue),
        endpoint(Method::POST, "/api/v1/moderation/reports", "Reports something the viewer sees (the same open report again returns it)", t)
            .to(report)
            .body(schema_of::<reports::ReportRequest>())
            .responses(&[(201, "Created")]),
        endpoint(Method::POST, "/api/v1/moderation/reports/{id}/resolve", "Marks a report dealt with (officer in scope)", t)
            .to(resolve)
            .responses(&[(204, "Resolved")]),
        endpoint(Method::GET, "/moderation", "The officer's moderation page", "pages")
            .to(super::pages::moderation::page)
            .public()
            .responses(super::routes::PAGE_GET),
        endpoint(Method::POST, "/moderation/organisations/{id}/{action}", "Verifies (verify), suspends (suspend) or reinstates (reinstate) an organisation (the page's forms)", "pages")
            .to(super::pages::moderation::decide::<false>)
            .public()
            .responses(super::routes::PAGE_POST),
        endpoint(Method::POST, "/moderation/users/{id}/{action}", "Suspends (suspend) or reinstates (reinstate) an account (the page's forms)", "pages")
            .to(super::pages::moderation::decide::<true>)
            .public()
            .responses(super::routes::PAGE_POST),
        endpoint(Method::POST, "/moderation/reports/{id}/resolve", "Marks a report dealt with (the page's form)", "pages")
            .to(super::pages::moderation::resolve)
            .public()
            .responses(super::routes::PAGE_POST),
        endpoint(Method::GET, "/still-current/{kind}/{id}/{answer}", "The page a \"still current?\" email's link opens (keep, update, close): asks to confirm, changes nothing", "pages")
            .to(super::pages::freshness::ask)
            .public(),
        endpoint(Method::POST, "/still-current/{kind}/{id}/{answer}", "Answers as the signed link says: keep (a stale record comes back), update (then to its edit page), close", "pages")
            .to(super::pages::freshness::answer)
            .public()
            .responses(&[(200, "Done"), (303, "To the edit page"), (403, "The link is not genuine or has expired")]),
        endpoint(Method::GET, "/follow-ups/{id}/{answer}", "The page a follow-up email's link opens (a placement at 6 or 12 months: yes, no; a procurement at tender: local, cross_border, both, none): asks, changes nothing", "pages")
            .to(super::pages::freshness::follow_up_ask)
            .public(),
        endpoint(Method::POST, "/follow-ups/{id}/{answer}", "Answers the follow-up as the signed link says", "pages")
            .to(super::pages::freshness::follow_up_answer)
            .public()
            .responses(&[(200, "Thanks"), (403, "The link is not genuine or has expired")]),
        endpoint(Method::GET, "/report", "What is wrong with something the reader saw: the report form", "pages")
            .to(super::pages::moderation::report_page)
            .public()
            .responses(super::routes::PAGE_GET),
        endpoint(Method::POST, "/report", "Sends a report (the page's form)", "pages")
            .to(super::pages::moderation::report)
            .public()
            .responses(&[(200, "Thanks"), (422, "The form again, saying what to correct")]),
    ]);
}

//! The API and routes of newsletters (drafts, preview counts, sending, the archive) and of
//! unsubscribing; the use cases are `crate::newsletters` and `crate::subscriptions`.

use super::endpoint::{endpoint, Endpoint};
use super::error::AppError;
use super::openapi::schema_of;
use super::{body, AppState};
use crate::newsletters::{self, NewsletterInput};
use crate::policy::Viewer;
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::Deserialize;
use serde_json::json;

fn no_store(mut b: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    b.insert_header((header::CACHE_CONTROL, "no-store"));
    b
}

/// `POST /api/v1/newsletters`: a draft, with how many it would reach now.
pub async fn create(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: NewsletterInput = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let letter = state
        .write(move |c| newsletters::create(c, &viewer, &input))
        .await?;
    Ok(no_store(HttpResponse::Created())
        .insert_header((
            header::LOCATION,
            format!("/api/v1/newsletters/{}", letter.id),
        ))
        .json(letter.json()))
}

/// `POST /api/v1/newsletters/{id}/send`.
pub async fn send(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, settings) = (id.into_inner(), state.settings.clone());
    let letter = state
        .write(move |c| newsletters::send(c, &settings, &viewer, &id))
        .await?;
    Ok(no_store(HttpResponse::Ok()).json(letter.json()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// `GET /api/v1/newsletters`: sent ones newest first (officers: drafts first).
pub async fn list(
    state: web::Data<AppState>,
    viewer: Option<Viewer>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q: ListQuery = body::query(&req)?;
    let limit = q.limit.unwrap_or(20);
    let mut errors = crate::domain::FieldErrors::new();
    if !(1..=100).contains(&limit) {
        errors.add("limit", "must be between 1 and 100");
    }
    let offset = match q.cursor.as_deref() {
        None => 0,
        Some(c) => errors
            .take(
                "cursor",
                URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse::<i64>().ok()))
                    .filter(|n| (0..1_000_000).contains(n))
                    .ok_or_else(|| "is not a cursor this service gave".to_string()),
            )
            .unwrap_or(0),
    };
    errors.into_result().map_err(AppError::Validation)?;
    let letters = state
        .db
        .read(move |c| newsletters::list(c, viewer.as_ref(), limit + 1, offset))
        .await?;
    let more = letters.len() as i64 > limit;
    let items: Vec<_> = letters
        .iter()
        .take(limit as usize)
        .map(|l| l.json())
        .collect();
    let next = more.then(|| URL_SAFE_NO_PAD.encode(format!("o:{}", offset + limit)));
    Ok(no_store(HttpResponse::Ok()).json(json!({"items": items, "next_cursor": next})))
}

/// `GET /api/v1/newsletters/{id}`.
pub async fn show(
    state: web::Data<AppState>,
    viewer: Option<Viewer>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let letter = state
        .db
        .read(move |c| newsletters::find(c, viewer.as_ref(), &id))
        .await?;
    Ok(no_store(HttpResponse::Ok()).json(letter.json()))
}

pub fn endpoints(e: &mut Vec<Endpoint>) {
    let t = "newsletters";
    e.extend([
        endpoint(Method::POST, "/api/v1/newsletters", "An officer's newsletter, saved as a draft: `recipients` is how many it would reach now (people who asked for newsletters, whose address works, in the segment and, for an officer, in their municipalities)", t)
            .to(create)
            .body(schema_of::<NewsletterInput>())
            .responses(&[(201, "The draft")]),
        endpoint(Method::POST, "/api/v1/newsletters/{id}/send", "Sends a draft to its segment as it stands now, through the outbox at the configured rate, each email with its one-click unsubscribe (RFC 8058); a second send is a conflict", t)
            .to(send)
            .responses(&[(409, "Sent already")]),
        endpoint(Method::GET, "/api/v1/newsletters", "The archive: sent newsletters, newest first (officers also see drafts)", t)
            .to(list)
            .public(),
        endpoint(Method::GET, "/api/v1/newsletters/{id}", "One newsletter (a draft: officers only)", t)
            .to(show)
            .public(),
        endpoint(Method::GET, "/newsletters", "The newsletters' public archive (officers: drafts and the way to write one)", "pages")
            .to(super::pages::letters::archive)
            .public(),
        endpoint(Method::GET, "/newsletters/new", "The officer's newsletter form", "pages")
            .to(super::pages::letters::new_form)
            .public()
            .responses(super::routes::PAGE_GET),
        endpoint(Method::POST, "/newsletters", "Saves the draft and shows its preview (the form)", "pages")
            .to(super::pages::letters::create)
            .public()
            .responses(&[(303, "To the draft's preview"), (422, "The form again, saying what to correct")]),
        endpoint(Method::GET, "/newsletters/{id}", "One newsletter in the reader's language (a draft: its preview, for officers)", "pages")
            .to(super::pages::letters::letter)
            .public(),
        endpoint(Method::POST, "/newsletters/{id}/send", "Sends the draft (the preview's button)", "pages")
            .to(super::pages::letters::send)
            .public()
            .responses(super::routes::PAGE_POST),
        endpoint(Method::GET, "/unsubscribe", "The page an unsubscribe link opens: asks, changes nothing", "pages")
            .to(super::pages::letters::unsubscribe_page)
            .public(),
        endpoint(Method::POST, "/unsubscribe", "Withdraws the signed link's purpose (digest or newsletter): the page's button, or a mail program's RFC 8058 one-click POST", "pages")
            .to(super::pages::letters::unsubscribe)
            .public()
            .responses(&[(200, "Done"), (403, "The link is not genuine or has expired")]),
    ]);
}

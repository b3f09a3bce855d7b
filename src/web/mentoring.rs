//! `/api/v1/mentoring/…`: a mentee asks for an introduction to a mentor; officers read the
//! requests and the mentees waiting, match a cohort and propose it.

use super::endpoint::{endpoint, Endpoint};
use super::error::AppError;
use super::{body, rfc3339, AppState};
use crate::db::{DbConn, RecordRow};
use crate::mentoring::{self, cohort, relationships as rel, Request};
use crate::policy::Viewer;
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// The mentee's own candidate profile.
    pub candidate_id: String,
    /// A word to the business officer (at most 1,000 characters).
    #[serde(default)]
    pub note: String,
}

fn request_json(r: &Request) -> Value {
    json!({"id": r.id, "candidate_id": r.candidate_id, "note": r.note,
           "created_at": rfc3339(r.created_at),
           "status": if r.handled_at.is_some() { "handled" } else { "open" }})
}

use super::introductions::private;

/// `POST /api/v1/mentoring/requests`: 201 with the new request, 200 with the one still open.
pub async fn ask(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: AskRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let (request, made) = state
        .write(move |c| mentoring::ask(c, &viewer, &input.candidate_id, &input.note))
        .await?;
    let res = if made {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(private(res, request_json(&request)))
}

/// A mentee as officers' lists show them: no name or contact, the profile's headline, place,
/// business and support needs.
fn mentee_json(conn: &mut DbConn, row: &RecordRow) -> Result<Value, AppError> {
    let (title, place, _) = crate::introductions::describe(conn, "candidate", &row.id)?;
    let data: Value = serde_json::from_str(&row.data).unwrap_or_default();
    Ok(
        json!({"id": row.id, "title": title, "place": place, "municipality": row.municipality,
              "business": data["business"], "waiting_since": rfc3339(row.created_at)}),
    )
}

/// `GET /api/v1/mentoring/requests`: the requests waiting in the officer's municipalities.
pub async fn requests(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let items = state
        .db
        .read(move |c| -> Result<Vec<Value>, AppError> {
            mentoring::open_requests(c, &viewer, 200)?
                .iter()
                .map(|(r, row)| {
                    let mut v = request_json(r);
                    v["mentee"] = mentee_json(c, row)?;
                    Ok(v)
                })
                .collect()
        })
        .await?;
    Ok(private(
        HttpResponse::Ok(),
        json!({"items": items, "next_cursor": null}),
    ))
}

/// `GET /api/v1/mentoring/waiting`: the mentees in the officer's municipalities waiting for a
/// mentor, those who asked first.
pub async fn waiting(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let items = state
        .db
        .read(move |c| -> Result<Vec<Value>, AppError> {
            mentoring::waiting(c, &viewer)?
                .iter()
                .map(|row| mentee_json(c, row))
                .collect()
        })
        .await?;
    Ok(private(
        HttpResponse::Ok(),
        json!({"items": items, "next_cursor": null}),
    ))
}

/// `POST /api/v1/mentoring/cohorts`: the optimal assignment, kept for review.
pub async fn plan(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: cohort::CohortRequest =
        body::json(&req, payload, state.settings.max_body_bytes).await?;
    let plan = cohort::plan(&state, &viewer, input).await?;
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/api/v1/mentoring/cohorts/{}", plan.id),
    ));
    Ok(private(res, plan.to_json()))
}

/// `GET /api/v1/mentoring/cohorts/{id}`: a plan of the officer's.
pub async fn show_plan(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let plan = state
        .db
        .read(move |c| cohort::find(c, &viewer, &id))
        .await?;
    Ok(private(HttpResponse::Ok(), plan.to_json()))
}

/// `POST /api/v1/mentoring/cohorts/{id}/propose`: every pair (or those given) at once.
pub async fn propose(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: cohort::ProposeCohort = if req.headers().contains_key(header::CONTENT_TYPE) {
        body::json(&req, payload, state.settings.max_body_bytes).await?
    } else {
        cohort::ProposeCohort::default()
    };
    let (id, st) = (id.into_inner(), state.clone());
    let made = state
        .write(move |c| cohort::propose(c, &viewer, &id, input, &st))
        .await?;
    let items: Vec<Value> = made
        .iter()
        .map(|i| {
            json!({"id": i.id, "a": {"kind": i.a_kind, "id": i.a_id},
                        "b": {"kind": i.b_kind, "id": i.b_id}, "status": i.status})
        })
        .collect();
    Ok(private(
        HttpResponse::Created(),
        json!({"introductions": items}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationshipQuery {
    /// `active`, `quiet` or `ended`.
    pub status: Option<String>,
}

/// `GET /api/v1/mentoring/relationships`: the two people see theirs, officers those of their
/// municipalities.
pub async fn relationships(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q: RelationshipQuery = body::query(&req)?;
    if let Some(s) = &q.status {
        if !["active", "quiet", "ended"].contains(&s.as_str()) {
            return Err(AppError::invalid(
                "status",
                "must be one of: active, quiet, ended",
            ));
        }
    }
    let items = state
        .db
        .read(move |c| rel::list(c, &viewer, q.status.as_deref(), 200))
        .await?;
    let items: Vec<Value> = items.iter().map(|r| r.to_json()).collect();
    Ok(private(
        HttpResponse::Ok(),
        json!({"items": items, "next_cursor": null}),
    ))
}

/// `GET /api/v1/mentoring/relationships/{id}` (the introduction's id).
pub async fn relationship(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let r = state.db.read(move |c| rel::find(c, &viewer, &id)).await?;
    Ok(private(HttpResponse::Ok(), r.to_json()))
}

/// `PATCH /api/v1/mentoring/relationships/{id}`: the start, or the outcome.
pub async fn change_relationship(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: rel::RelationshipChange =
        body::json(&req, payload, state.settings.max_body_bytes).await?;
    let id = id.into_inner();
    let r = state
        .write(move |c| rel::change(c, &viewer, &id, input))
        .await?;
    Ok(private(HttpResponse::Ok(), r.to_json()))
}

/// The mentoring track's API.
pub fn endpoints(e: &mut Vec<Endpoint>) {
    let m = "mentoring";
    e.extend([
        endpoint(
            Method::POST,
            "/api/v1/mentoring/requests",
            "A mentee asks the business officers for an introduction to a mentor (201; 200 \
             with the request still open)",
            m,
        )
        .to(ask)
        .body(super::openapi::schema_of::<AskRequest>())
        .responses(&[(201, "Created")]),
        endpoint(
            Method::GET,
            "/api/v1/mentoring/requests",
            "The requests for a mentor waiting in your municipalities (officers)",
            m,
        )
        .to(requests),
        endpoint(
            Method::GET,
            "/api/v1/mentoring/waiting",
            "The mentees in your municipalities waiting for a mentor (officers)",
            m,
        )
        .to(waiting),
        endpoint(
            Method::POST,
            "/api/v1/mentoring/cohorts",
            "The best assignment of these mentees to mentors under places and hard rules \
             (officers); kept for review",
            m,
        )
        .to(plan)
        .body(super::openapi::schema_of::<
            crate::mentoring::cohort::CohortRequest,
        >())
        .responses(&[(201, "Created")]),
        endpoint(
            Method::GET,
            "/api/v1/mentoring/cohorts/{id}",
            "A cohort plan of yours",
            m,
        )
        .to(show_plan),
        endpoint(
            Method::POST,
            "/api/v1/mentoring/cohorts/{id}/propose",
            "Proposes the plan's pairs, or those given, at once: all or none",
            m,
        )
        .to(propose)
        .body(super::openapi::schema_of::<
            crate::mentoring::cohort::ProposeCohort,
        >())
        .responses(&[(201, "Created")]),
        endpoint(
            Method::GET,
            "/api/v1/mentoring/relationships",
            "Mentoring relationships (introductions both accepted): yours, or those of your \
             municipalities (officers); status=active|quiet|ended",
            m,
        )
        .to(relationships),
        endpoint(
            Method::GET,
            "/api/v1/mentoring/relationships/{id}",
            "One relationship: its start, check-ins, status and outcome",
            m,
        )
        .to(relationship),
        endpoint(
            Method::PATCH,
            "/api/v1/mentoring/relationships/{id}",
            "Records the start or the outcome (the two people, officers)",
            m,
        )
        .to(change_relationship)
        .body(super::openapi::schema_of::<rel::RelationshipChange>()),
    ]);
}

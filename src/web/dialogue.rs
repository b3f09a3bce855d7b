//! `/api/v1/procurements/{id}/dialogue/…`: the market dialogue through the API (API.md "Market
//! dialogue"). Every rule is the use case's ([`crate::dialogue`]); here are bodies and statuses.

use super::endpoint::{endpoint, Endpoint};
use super::error::AppError;
use super::introductions::private;
use super::openapi::schema_of;
use super::{body, rfc3339, AppState};
use crate::dialogue::exchange::{self, Publication, Register, TextBody};
use crate::dialogue::invitations::{self, OpenDialogue};
use crate::dialogue::meetings::{self, MinutesInput, SlotsInput};
use crate::dialogue::{self, record};
use crate::policy::Viewer;
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

fn publication_json(p: &Publication) -> Value {
    json!({"id": p.id, "kind": p.kind, "question_id": p.question_id, "slot_id": p.slot_id,
           "version": p.version, "text": p.text, "published_at": rfc3339(p.published_at)})
}

/// `GET /api/v1/procurements/{id}/dialogue/invitations`: who the invitations would go to.
pub async fn preview(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let list = invitations::ranked(&state, &viewer, &id).await?;
    Ok(private(HttpResponse::Ok(), json!({"items": list})))
}

/// `POST /api/v1/procurements/{id}/dialogue`: opens the dialogue and sends the invitations.
pub async fn open(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: OpenDialogue = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let id = id.into_inner();
    let ranked = invitations::ranked(&state, &viewer, &id).await?;
    let settings = state.settings.clone();
    let opened = state
        .write(move |c| invitations::open(c, &viewer, &id, input, ranked, &settings))
        .await?;
    let removed: Vec<Value> = opened
        .removed
        .iter()
        .map(|(s, reason)| json!({"organisation_id": s.organisation_id, "name": s.name, "reason": reason}))
        .collect();
    Ok(private(
        HttpResponse::Created(),
        json!({"status": "dialogue", "invitations": opened.invited, "removed": removed}),
    ))
}

/// `GET /api/v1/procurements/{id}/dialogue`.
pub async fn show(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let v = state
        .db
        .read(move |c| record::view(c, &viewer, &id))
        .await?;
    Ok(private(HttpResponse::Ok(), v))
}

/// `POST /api/v1/procurements/{id}/dialogue/registrations`: 201, or 200 with the registration
/// already made.
pub async fn register(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: Register = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let (id, settings) = (id.into_inner(), state.settings.clone());
    let (r, made) = state
        .write(move |c| exchange::register(c, &viewer, &id, input, &settings))
        .await?;
    let res = if made {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(private(
        res,
        json!({"id": r.id, "organisation_id": r.organisation_id,
               "contact": {"name": r.contact_name, "email": r.contact_email, "phone": r.contact_phone},
               "registered_at": rfc3339(r.created_at)}),
    ))
}

/// `POST /api/v1/procurements/{id}/dialogue/questions`.
pub async fn ask(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: TextBody = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let id = id.into_inner();
    let q = state
        .write(move |c| exchange::ask(c, &viewer, &id, input))
        .await?;
    Ok(private(
        HttpResponse::Created(),
        json!({"id": q.id, "text": q.text, "asked_at": rfc3339(q.created_at)}),
    ))
}

/// `GET /api/v1/procurements/{id}/dialogue/questions/{qid}`: the asker's and the buyer's only.
pub async fn question(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, qid) = path.into_inner();
    let (q, answers) = state
        .db
        .read(move |c| exchange::question(c, &viewer, &id, &qid))
        .await?;
    let answers: Vec<Value> = answers.iter().map(publication_json).collect();
    Ok(private(
        HttpResponse::Ok(),
        json!({"id": q.id, "text": q.text, "asked_at": rfc3339(q.created_at), "answers": answers}),
    ))
}

/// `POST /api/v1/procurements/{id}/dialogue/questions/{qid}/answer`.
pub async fn answer(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: TextBody = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let ((id, qid), settings) = (path.into_inner(), state.settings.clone());
    let p = state
        .write(move |c| exchange::answer(c, &viewer, &id, &qid, input, &settings))
        .await?;
    Ok(private(HttpResponse::Created(), publication_json(&p)))
}

/// `POST /api/v1/procurements/{id}/dialogue/slots`.
pub async fn slots(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: SlotsInput = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let (id, settings) = (id.into_inner(), state.settings.clone());
    let made = state
        .write(move |c| meetings::offer(c, &viewer, &id, input, &settings))
        .await?;
    let items: Vec<Value> = made
        .iter()
        .map(|s| {
            json!({"id": s.id, "kind": s.kind, "starts_at": s.starts_at, "minutes": s.minutes,
                   "place": s.place, "time_zone": s.time_zone})
        })
        .collect();
    Ok(private(HttpResponse::Created(), json!({"items": items})))
}

/// `POST /api/v1/procurements/{id}/dialogue/slots/{sid}/booking`.
pub async fn book(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let ((id, sid), settings) = (path.into_inner(), state.settings.clone());
    let b = state
        .write(move |c| meetings::book(c, &viewer, &id, &sid, &settings))
        .await?;
    Ok(private(
        HttpResponse::Created(),
        json!({"slot_id": b.slot_id, "booked_at": rfc3339(b.booked_at)}),
    ))
}

/// `DELETE /api/v1/procurements/{id}/dialogue/slots/{sid}/booking`.
pub async fn cancel(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let ((id, sid), settings) = (path.into_inner(), state.settings.clone());
    state
        .write(move |c| meetings::cancel(c, &viewer, &id, &sid, &settings))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/procurements/{id}/dialogue/meetings/{sid}/minutes`.
pub async fn minutes(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: MinutesInput = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let ((id, sid), settings) = (path.into_inner(), state.settings.clone());
    let p = state
        .write(move |c| meetings::minutes(c, &viewer, &id, &sid, input, &settings))
        .await?;
    Ok(private(HttpResponse::Created(), publication_json(&p)))
}

/// `GET /api/v1/procurements/{id}/dialogue/meetings/{sid}/minutes`: the buyer's only.
pub async fn read_minutes(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, sid) = path.into_inner();
    let (slot, summary) = state
        .db
        .read(move |c| meetings::read_minutes(c, &viewer, &id, &sid))
        .await?;
    Ok(private(
        HttpResponse::Ok(),
        json!({"slot_id": slot.id, "public_summary": summary, "confidential": slot.confidential}),
    ))
}

/// `POST /api/v1/procurements/{id}/dialogue/tender`: the procurement goes to tender.
pub async fn tender(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (v, i) = (viewer.clone(), id.clone());
    state.write(move |c| dialogue::tender(c, &v, &i)).await?;
    let v = state
        .db
        .read(move |c| record::view(c, &viewer, &id))
        .await?;
    Ok(private(HttpResponse::Ok(), v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// `GET /api/v1/procurements/{id}/dialogue/record?format=json|csv`.
pub async fn dialogue_record(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q: RecordQuery = body::query(&req)?;
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(AppError::invalid("format", "must be json or csv")),
    };
    let id = id.into_inner();
    let file = format!("dialogue-{id}.csv");
    let v = state
        .db
        .read(move |c| record::record(c, &viewer, &id))
        .await?;
    if csv {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ))
            .content_type("text/csv; charset=utf-8")
            .body(record::record_csv(&v)));
    }
    Ok(private(HttpResponse::Ok(), v))
}

/// The market dialogue's API.
pub fn endpoints(e: &mut Vec<Endpoint>) {
    let t = "dialogue";
    let base = "/api/v1/procurements/{id}/dialogue";
    e.extend([
        endpoint(Method::POST, base, "Opens the dialogue: the notice and the invitations, the same day with the same text, to every supplier the ranking finds plus those given, less those removed with a reason (officers in scope)", t)
            .to(open)
            .body(schema_of::<OpenDialogue>())
            .responses(&[(201, "Created")]),
        endpoint(Method::GET, base, "The dialogue: all of it for the buyer's officers; a registered supplier's own registration and questions, the published answers, slots and public summaries", t)
            .to(show),
        endpoint(Method::GET, format!("{base}/invitations"), "The suppliers the invitations would go to, before opening (officers in scope)", t)
            .to(preview),
        endpoint(Method::POST, format!("{base}/registrations"), "A supplier registers its interest; its business contact is shared with the buyer (201; 200 when registered already; 409 after tender)", t)
            .to(register)
            .body(schema_of::<Register>())
            .responses(&[(200, "OK"), (201, "Created")]),
        endpoint(Method::POST, format!("{base}/questions"), "A registered supplier asks; never shown to other suppliers", t)
            .to(ask)
            .body(schema_of::<TextBody>())
            .responses(&[(201, "Created")]),
        endpoint(Method::GET, format!("{base}/questions/{{qid}}"), "A question, for the supplier who asked and the buyer's officers", t)
            .to(question),
        endpoint(Method::POST, format!("{base}/questions/{{qid}}/answer"), "Answers: published to every registered supplier at once; again = a new version", t)
            .to(answer)
            .body(schema_of::<TextBody>())
            .responses(&[(201, "Created")]),
        endpoint(Method::POST, format!("{base}/slots"), "Offers 1:1 slots of equal length, or the conference (kind=conference)", t)
            .to(slots)
            .body(schema_of::<SlotsInput>())
            .responses(&[(201, "Created")]),
        endpoint(Method::POST, format!("{base}/slots/{{sid}}/booking"), "Books a 1:1 slot: one per supplier, first come; emailed with an .ics", t)
            .to(book)
            .responses(&[(201, "Created")]),
        endpoint(Method::DELETE, format!("{base}/slots/{{sid}}/booking"), "Cancels the supplier's booking; emailed with a cancelling .ics", t)
            .to(cancel)
            .responses(&[(204, "No Content")]),
        endpoint(Method::POST, format!("{base}/meetings/{{sid}}/minutes"), "Records a meeting's minutes: the public summary is published to every registered supplier, the confidential part stays with the buyer", t)
            .to(minutes)
            .body(schema_of::<MinutesInput>())
            .responses(&[(201, "Created")]),
        endpoint(Method::GET, format!("{base}/meetings/{{sid}}/minutes"), "A meeting's minutes with the confidential part (the buyer's officers only)", t)
            .to(read_minutes),
        endpoint(Method::POST, format!("{base}/tender"), "The procurement goes to tender: registrations, questions and bookings close", t)
            .to(tender),
        endpoint(Method::GET, format!("{base}/record"), "The dialogue record with the equal-treatment check, format=json|csv (officers in scope)", t)
            .to(dialogue_record),
    ]);
}

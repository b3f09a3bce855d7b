//! `/api/v1/introductions`: the officer proposes, the parties answer (signed in, or through
//! the signed links of their emails), the officer records the outcome. The pages those links
//! open are `introduction_links`.

use super::error::AppError;
use super::{body, rfc3339, AppState};
use crate::db::{self, outbox::OutboxRow, DbConn, User};
use crate::domain::FieldErrors;
use crate::introductions::{self as intro, links, Action, Introduction, Party, ProposeRequest};
use crate::policy::Viewer;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// How one viewer sees an introduction: parties see their own side, the other's title, and
/// the other's contact details once both have said yes; officers also see its emails.
fn render(conn: &mut DbConn, i: &Introduction, viewer: Option<&Viewer>) -> Result<Value, AppError> {
    let side = |conn: &mut DbConn, p: Party| -> Result<Value, AppError> {
        let (kind, id, _, answer) = i.side(p);
        let (title, place, org) = intro::describe(conn, kind, id)?;
        Ok(
            json!({"kind": kind, "id": id, "title": title, "place": place,
                  "organisation": (!org.is_empty()).then_some(org), "answer": answer}),
        )
    };
    let mut v = json!({
        "id": i.id, "track": i.track, "a": side(conn, Party::A)?, "b": side(conn, Party::B)?,
        "status": i.status, "outcome": i.outcome, "note": i.note,
        "outcome_on": i.outcome_on.map(|d| d.to_string()),
        "follow_ups": intro::follow_ups::of(conn, &i.id)?,
        "explanation": {"factors": i.factors()}, "cross_border": i.cross_border,
        "municipality": i.municipality, "expires_at": rfc3339(i.expires_at),
        "introduced_at": i.introduced_at.map(rfc3339), "created_at": rfc3339(i.created_at),
        "updated_at": rfc3339(i.updated_at),
    });
    let Some(viewer) = viewer else {
        return Ok(v);
    };
    if viewer.is_officer() {
        let emails: Vec<Value> = db::outbox::of_introduction(conn, &i.id)?
            .iter()
            .map(|e| email_view(i, e))
            .collect();
        v["emails"] = json!(emails);
    } else if let Some(me) = i.party_of(&viewer.user_id) {
        v["you_are"] = json!(me.as_str());
        if i.status == "introduced" {
            let (_, _, other, _) = i.side(me.other());
            if let Some(u) = other.map(|o| User::by_id(conn, o)).transpose()?.flatten() {
                v["contact"] = json!({"name": u.display_name, "email": u.email, "phone": u.phone});
            }
        }
    }
    Ok(v)
}

fn email_view(i: &Introduction, e: &OutboxRow) -> Value {
    let to = match e.recipient_user_id.as_deref() {
        Some(u) if i.a_user_id.as_deref() == Some(u) => "a",
        Some(u) if i.b_user_id.as_deref() == Some(u) => "b",
        _ => "officer",
    };
    json!({"id": e.id, "to": to, "template": e.template, "status": e.status,
           "attempts": e.attempts, "last_error": e.last_error,
           "sent_at": e.sent_at.map(rfc3339), "created_at": rfc3339(e.created_at)})
}

pub(crate) fn private(mut res: actix_web::HttpResponseBuilder, body: Value) -> HttpResponse {
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// `POST /api/v1/introductions`.
pub async fn propose(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: ProposeRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let key = match req.headers().get(IDEMPOTENCY_KEY) {
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if !k.trim().is_empty() && k.len() <= 200 => Some(k.trim().to_string()),
            _ => {
                return Err(AppError::malformed(
                    "the Idempotency-Key header must be 1 to 200 visible ASCII characters",
                    Some("Idempotency-Key".into()),
                ))
            }
        },
    };
    let attempt = |state: web::Data<AppState>,
                   viewer: Viewer,
                   input: ProposeRequest,
                   key: Option<String>| async move {
        let st = state.clone();
        state
            .write(move |c| -> Result<(intro::Proposed, Value), AppError> {
                let p = intro::propose(
                    c,
                    &viewer,
                    &input,
                    key.as_deref(),
                    &st.settings,
                    &st.search.index,
                )?;
                let body = render(c, &p.introduction, Some(&viewer))?;
                Ok((p, body))
            })
            .await
    };
    let result = match attempt(state.clone(), viewer.clone(), input.clone(), key.clone()).await {
        // The same key raced in from another request, which won: answer as it did.
        Err(AppError::Conflict(_)) if key.is_some() => {
            attempt(state.clone(), viewer, input, key).await
        }
        other => other,
    };
    let (proposed, body) = result?;
    let id = proposed.introduction.id.clone();
    let res = if proposed.created {
        HttpResponse::Created()
    } else {
        let mut r = HttpResponse::Ok();
        r.insert_header(("Idempotent-Replayed", "true"));
        r
    };
    let mut res = res;
    res.insert_header((header::LOCATION, format!("/api/v1/introductions/{id}")));
    Ok(private(res, body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

const STATUSES: &[&str] = &[
    "proposed",
    "accepted",
    "declined",
    "expired",
    "introduced",
    "withdrawn",
];

/// `GET /api/v1/introductions`: officers see all, a party their own.
pub async fn list(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q: ListQuery = body::query(&req)?;
    let mut errors = FieldErrors::new();
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errors.add("limit", "must be between 1 and 200");
    }
    if let Some(s) = &q.status {
        if !STATUSES.contains(&s.as_str()) {
            errors.add("status", format!("must be one of: {}", STATUSES.join(", ")));
        }
    }
    let after = body::cursor(&mut errors, q.cursor.as_deref());
    errors.into_result().map_err(AppError::Validation)?;
    let body = state
        .db
        .read(move |c| -> Result<Value, AppError> {
            let mut rows =
                intro::list(c, &viewer, q.status.as_deref(), after.as_deref(), limit + 1)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next = more
                .then(|| rows.last().map(|r| body::next_cursor(&r.id)))
                .flatten();
            let items = rows
                .iter()
                .map(|r| render(c, r, Some(&viewer)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json!({"items": items, "next_cursor": next}))
        })
        .await?;
    Ok(private(HttpResponse::Ok(), body))
}

/// The introduction, if the viewer is an officer or one of its parties; else 404.
fn visible(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<Introduction, AppError> {
    let i = intro::find(conn, id)?.ok_or(AppError::NotFound)?;
    if viewer.is_officer() || i.party_of(&viewer.user_id).is_some() {
        Ok(i)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn show(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = state
        .db
        .read(move |c| -> Result<Value, AppError> {
            let i = visible(c, &viewer, &id)?;
            render(c, &i, Some(&viewer))
        })
        .await?;
    Ok(private(HttpResponse::Ok(), body))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// placement, mentoring_started, meeting_held or no_result.
    pub outcome: String,
    /// When it happened, `YYYY-MM-DD` (default: today); follow-ups count from it.
    pub outcome_on: Option<String>,
}

/// `PATCH /api/v1/introductions/{id}`: the outcome.
pub async fn record_outcome(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: OutcomeRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let id = id.into_inner();
    let body = state
        .write(move |c| -> Result<Value, AppError> {
            visible(c, &viewer, &id)?;
            let on = match input.outcome_on.as_deref() {
                None => None,
                Some(d) => Some(
                    time::Date::parse(d, &time::format_description::well_known::Iso8601::DATE)
                        .map_err(|_| {
                            AppError::invalid("outcome_on", "is not a date of the form YYYY-MM-DD")
                        })?,
                ),
            };
            let i = intro::record_outcome(c, &viewer, &id, &input.outcome, on)?;
            render(c, &i, Some(&viewer))
        })
        .await?;
    Ok(private(HttpResponse::Ok(), body))
}

/// The signature of a link, as its query gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signed {
    pub party: Option<String>,
    pub expires: Option<i64>,
    pub sig: Option<String>,
    /// The language picked on the page (not part of the signature).
    #[serde(default)]
    pub lang: Option<String>,
}

/// The party a signed link names, when it carries a signature: checked for this introduction,
/// this action and its time (403 when expired or changed). `None`: the link carries none.
pub(super) fn signed_party(
    state: &AppState,
    id: &str,
    action: Action,
    signed: &Signed,
) -> Result<Option<Party>, AppError> {
    let (Some(p), Some(expires), Some(sig)) = (&signed.party, signed.expires, &signed.sig) else {
        return Ok(None);
    };
    let party = Party::parse(p).ok_or_else(|| AppError::invalid("party", "must be a or b"))?;
    let key = state.settings.link_key().map_err(AppError::Internal)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if !links::verify(&key, id, party, action, expires, sig, now) {
        return Err(AppError::forbidden(
            "this link is not valid: it has expired, or it was changed",
        ));
    }
    Ok(Some(party))
}

/// Which party answers: the one the link was signed for, else the signed-in party.
fn party_for(
    state: &AppState,
    id: &str,
    action: Action,
    signed: &Signed,
    viewer: Option<&Viewer>,
    i: &Introduction,
) -> Result<(Party, Option<String>), AppError> {
    if let Some(party) = signed_party(state, id, action, signed)? {
        let (_, _, user, _) = i.side(party);
        return Ok((party, user.map(str::to_string)));
    }
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let party = i.party_of(&viewer.user_id).ok_or(AppError::NotFound)?;
    Ok((party, Some(viewer.user_id.clone())))
}

pub(super) async fn act(
    state: &web::Data<AppState>,
    id: String,
    action: Action,
    signed: Signed,
    viewer: Option<Viewer>,
) -> Result<(Introduction, Party), AppError> {
    let st = state.clone();
    let out = state
        .write(move |c| -> Result<(Introduction, Party), AppError> {
            let i = intro::find(c, &id)?.ok_or(AppError::NotFound)?;
            let (party, actor) = party_for(&st, &id, action, &signed, viewer.as_ref(), &i)?;
            let i = intro::answer(c, &id, party, action, actor.as_deref(), &st.settings)?;
            Ok((i, party))
        })
        .await?;
    Ok(out)
}

/// The answers a party (or the officer, withdrawing) gives.
pub const ANSWERS: [Action; 3] = [Action::Accept, Action::Decline, Action::Withdraw];

/// `POST /api/v1/introductions/{id}/{accept|decline|withdraw}`: `ACTION` is the index of
/// the answer in [`ANSWERS`].
pub async fn answer<const ACTION: usize>(
    state: web::Data<AppState>,
    viewer: Option<Viewer>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (id, action) = (id.into_inner(), ANSWERS[ACTION]);
    let signed: Signed = body::query(&req)?;
    let (i, _) = act(&state, id, action, signed, viewer.clone()).await?;
    let body = state
        .db
        .read(move |c| render(c, &i, viewer.as_ref()))
        .await?;
    Ok(private(HttpResponse::Ok(), body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailQuery {
    pub status: Option<String>,
    pub limit: Option<i64>,
}

const EMAIL_STATUSES: &[&str] = &["pending", "sending", "sent", "failed", "cancelled"];

/// `GET /api/v1/emails?status=failed`: for officers, what was (not) delivered and the server's
/// reply. The addresses are not shown: the introduction and the template say whose it was.
pub async fn emails(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden(
            "only officers see the emails' delivery",
        ));
    }
    let q: EmailQuery = body::query(&req)?;
    let mut errors = FieldErrors::new();
    let status = q.status.unwrap_or_else(|| "failed".into());
    if !EMAIL_STATUSES.contains(&status.as_str()) {
        errors.add(
            "status",
            format!("must be one of: {}", EMAIL_STATUSES.join(", ")),
        );
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errors.add("limit", "must be between 1 and 200");
    }
    errors.into_result().map_err(AppError::Validation)?;
    let body = state
        .db
        .read(move |c| -> Result<Value, AppError> {
            let items: Vec<Value> = db::outbox::by_status(c, &status, limit)?
                .iter()
                .map(|e| {
                    json!({"id": e.id, "template": e.template, "locale": e.locale,
                           "status": e.status, "attempts": e.attempts, "last_error": e.last_error,
                           "introduction_id": e.introduction_id,
                           "created_at": rfc3339(e.created_at), "sent_at": e.sent_at.map(rfc3339)})
                })
                .collect();
            Ok(json!({"items": items}))
        })
        .await?;
    Ok(private(HttpResponse::Ok(), body))
}

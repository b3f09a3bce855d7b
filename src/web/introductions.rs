//! `/api/v1/introductions`: the officer proposes, the parties answer (signed in, or through
//! the signed links of their emails), the officer records the outcome. And the two small
//! pages those links open: a GET that only asks, and a POST that answers, so that a mail
//! scanner following links can never answer for anyone.

use super::error::AppError;
use super::pages::{self, context, respond, Ctx, Nav};
use super::{body, rfc3339, AppState};
use crate::db::{self, outbox::OutboxRow, DbConn, User};
use crate::domain::FieldErrors;
use crate::i18n::Tr;
use crate::introductions::{self as intro, links, Action, Introduction, Party, ProposeRequest};
use crate::policy::Viewer;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
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
            let i = intro::record_outcome(c, &viewer, &id, &input.outcome)?;
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

/// Which party answers: the one the link was signed for, else the signed-in party.
fn party_for(
    state: &AppState,
    id: &str,
    action: Action,
    signed: &Signed,
    viewer: Option<&Viewer>,
    i: &Introduction,
) -> Result<(Party, Option<String>), AppError> {
    if let (Some(p), Some(expires), Some(sig)) = (&signed.party, signed.expires, &signed.sig) {
        let party = Party::parse(p).ok_or_else(|| AppError::invalid("party", "must be a or b"))?;
        let key = state.settings.link_key().map_err(AppError::Internal)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if !links::verify(&key, id, party, action, expires, sig, now) {
            return Err(AppError::forbidden(
                "this link is not valid: it has expired, or it was changed",
            ));
        }
        let (_, _, user, _) = i.side(party);
        return Ok((party, user.map(str::to_string)));
    }
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let party = i.party_of(&viewer.user_id).ok_or(AppError::NotFound)?;
    Ok((party, Some(viewer.user_id.clone())))
}

async fn act(
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

// The pages the email links open.

/// The locale of the party a signed link names (English when it cannot be told).
async fn party_locale(state: &web::Data<AppState>, id: String, party: Option<String>) -> String {
    let party = party.as_deref().and_then(Party::parse);
    state
        .db
        .read(move |c| -> Result<String, AppError> {
            let Some(i) = intro::find(c, &id)? else {
                return Ok("en".into());
            };
            let user = party.and_then(|p| i.side(p).2.map(str::to_string));
            Ok(match user {
                Some(u) => User::by_id(c, &u)?.map(|u| u.locale),
                None => None,
            }
            .unwrap_or_else(|| "en".into()))
        })
        .await
        .unwrap_or_else(|_| "en".into())
}

fn page_action(path: &(String, String)) -> Result<Action, AppError> {
    match Action::parse(&path.1) {
        Some(a @ (Action::Accept | Action::Decline)) => Ok(a),
        _ => Err(AppError::NotFound),
    }
}

/// The page's words: the language picked on the page (`?lang=`), else the party's own (the
/// link is opened from their email, often where they have never signed in).
async fn link_context(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    id: String,
    signed: &Signed,
) -> Result<Ctx, AppError> {
    let mut c = context(state, req).await?;
    if pages::query_lang(req).is_none() {
        c.tr = Tr::new(&party_locale(state, id, signed.party.clone()).await);
    }
    Ok(c)
}

fn title_key(action: Action) -> &'static str {
    match action {
        Action::Accept => "link.title_accept",
        _ => "link.title_decline",
    }
}

#[derive(Template)]
#[template(path = "pages/intro_link.html")]
struct LinkPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    title_key: &'static str,
    ask_key: &'static str,
    /// What the introduction is about: the party's own record, the other side (title,
    /// organisation, place: no person's name), the officer's note and name.
    own: String,
    other: (String, String, String),
    note: String,
    officer: String,
    /// The link's own answer first, then the other one, each with its signed query.
    answers: Vec<LinkAnswer>,
}

pub struct LinkAnswer {
    pub path: String,
    pub query: String,
    pub button_key: &'static str,
    pub primary: bool,
}

/// What a party who followed a valid link sees of the introduction.
type About = (String, (String, String, String), String, String);

fn about(c: &mut DbConn, i: &Introduction, party: Party) -> Result<About, AppError> {
    let (own_kind, own_id, _, _) = i.side(party);
    let (other_kind, other_id, _, _) = i.side(party.other());
    let (own, _, _) = intro::describe(c, own_kind, own_id)?;
    let (title, place, org) = intro::describe(c, other_kind, other_id)?;
    let officer = match &i.proposed_by {
        Some(u) => User::by_id(c, u)?
            .map(|u| u.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok((own, (title, org, place), i.note.clone(), officer))
}

/// `GET /introductions/{id}/{accept|decline}`: what the introduction is about and the two
/// answers (the one the link was for first); changes nothing.
pub async fn link_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let action = page_action(&path)?;
    let signed: Signed = body::query(&req)?;
    let c = link_context(&state, &req, path.0.clone(), &signed).await?;
    let invalid = || {
        pages::message_page_with(
            &c,
            StatusCode::FORBIDDEN,
            c.tr.t(title_key(action)).to_string(),
            vec![c.tr.t("link.invalid").to_string()],
        )
    };
    let (Some(p), Some(expires), Some(sig)) = (
        signed.party.as_deref().and_then(Party::parse),
        signed.expires,
        signed.sig.as_deref(),
    ) else {
        return Ok(invalid());
    };
    let id = path.0.clone();
    let key = state.settings.link_key().map_err(AppError::Internal)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if !links::verify(&key, &id, p, action, expires, sig, now) {
        return Ok(invalid());
    }
    let i_id = id.clone();
    let found = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let i = intro::find(conn, &i_id)?.ok_or(AppError::NotFound)?;
            about(conn, &i, p)
        })
        .await;
    let (own, other, note, officer) = match found {
        Ok(x) => x,
        Err(AppError::NotFound) => return Ok(invalid()),
        Err(e) => return Err(e),
    };
    let lang = signed
        .lang
        .as_deref()
        .map(|l| format!("&lang={l}"))
        .unwrap_or_default();
    let answer = |a: Action, primary: bool| LinkAnswer {
        path: format!("/introductions/{id}/{}", a.as_str()),
        query: format!(
            "party={}&expires={expires}&sig={}{lang}",
            p.as_str(),
            links::sign(&key, &id, p, a, expires)
        ),
        button_key: match a {
            Action::Accept => "link.button_accept",
            _ => "link.button_decline",
        },
        primary,
    };
    let (ask_key, answers) = match action {
        Action::Accept => (
            "link.ask_accept",
            vec![answer(Action::Accept, true), answer(Action::Decline, false)],
        ),
        _ => (
            "link.ask_decline",
            vec![
                answer(Action::Decline, false),
                answer(Action::Accept, false),
            ],
        ),
    };
    let page = LinkPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        title_key: title_key(action),
        ask_key,
        own,
        other,
        note,
        officer,
        answers,
    };
    Ok(respond(&c, StatusCode::OK, page.render()))
}

/// `POST /introductions/{id}/{accept|decline}`: answers, as the signed link says.
pub async fn link_answer(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let action = page_action(&path)?;
    let signed: Signed = body::query(&req)?;
    let c = link_context(&state, &req, path.0.clone(), &signed).await?;
    // One paragraph in the party's language.
    let said = |status: StatusCode, key: &str| {
        pages::message_page_with(
            &c,
            status,
            c.tr.t(title_key(action)).to_string(),
            vec![c.tr.t(key).to_string()],
        )
    };
    if signed.sig.is_none() {
        return Ok(said(StatusCode::FORBIDDEN, "link.invalid"));
    }
    match act(&state, path.0.clone(), action, signed, None).await {
        Ok((i, _)) => Ok(said(
            StatusCode::OK,
            match (action, i.status.as_str()) {
                (Action::Accept, "introduced") => "link.done_introduced",
                (Action::Accept, _) => "link.done_accept",
                _ => "link.done_decline",
            },
        )),
        Err(AppError::Forbidden(_)) | Err(AppError::NotFound) => {
            Ok(said(StatusCode::FORBIDDEN, "link.invalid"))
        }
        Err(AppError::Conflict(_)) => Ok(said(StatusCode::CONFLICT, "link.closed")),
        Err(e) => Err(e),
    }
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

//! The pages a "still current?" email's signed links open: `GET` asks (and changes nothing:
//! mail scanners follow links), the button `POST`s the answer.

use super::relationships::{link_said, AskPage};
use super::{context, query_lang, see_other, Ctx};
use crate::freshness;
use crate::i18n::Tr;
use crate::web::error::AppError;
use crate::web::{body, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signed {
    pub expires: Option<i64>,
    pub sig: Option<String>,
    /// The page's language (read by the page's context).
    #[allow(dead_code)]
    pub lang: Option<String>,
}

fn genuine(state: &AppState, kind: &str, id: &str, answer: &str, s: &Signed) -> bool {
    match (s.expires, s.sig.as_deref()) {
        (Some(e), Some(sig)) => freshness::verify(&state.settings, kind, id, answer, e, sig),
        _ => false,
    }
}

/// The page in the language of the person the email went to.
async fn link_context(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    kind: &str,
    id: &str,
) -> Result<Ctx, AppError> {
    let mut c = context(state, req).await?;
    if query_lang(req).is_none() {
        let (k, i) = (kind.to_string(), id.to_string());
        if let Some(l) = state
            .db
            .read(move |conn| freshness::owner_locale(conn, &k, &i))
            .await?
        {
            c.tr = Tr::new(&l);
        }
    }
    Ok(c)
}

/// `GET /still-current/{kind}/{id}/{answer}`.
pub async fn ask(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (kind, id, answer) = path.into_inner();
    let signed: Signed = body::query(&req)?;
    let c = link_context(&state, &req, &kind, &id).await?;
    if !genuine(&state, &kind, &id, &answer, &signed) {
        return Ok(link_said(
            &c,
            StatusCode::FORBIDDEN,
            "fresh.title",
            "link.invalid",
        ));
    }
    let (ask_key, button_key) = match answer.as_str() {
        "keep" => ("fresh.ask_keep", "fresh.keep"),
        "update" => ("fresh.ask_update", "fresh.update"),
        _ => ("fresh.ask_close", "fresh.close"),
    };
    Ok(AskPage::answer(
        &c,
        &req,
        "fresh.title",
        ask_key,
        button_key,
    ))
}

/// `POST /still-current/{kind}/{id}/{answer}`: answers as the signed link says.
pub async fn answer(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (kind, id, answer) = path.into_inner();
    let signed: Signed = body::query(&req)?;
    let c = link_context(&state, &req, &kind, &id).await?;
    let said = |status: StatusCode, key: &str| link_said(&c, status, "fresh.title", key);
    if !genuine(&state, &kind, &id, &answer, &signed) {
        return Ok(said(StatusCode::FORBIDDEN, "link.invalid"));
    }
    let a = answer.clone();
    let done = state
        .write(move |conn| freshness::answer(conn, &kind, &id, &a))
        .await;
    match (done, answer.as_str()) {
        (Ok(edit), "update") => Ok(see_other(&edit)),
        (Ok(_), "close") => Ok(said(StatusCode::OK, "fresh.closed")),
        (Ok(_), _) => Ok(said(StatusCode::OK, "fresh.kept")),
        (Err(AppError::NotFound), _) => Ok(said(StatusCode::FORBIDDEN, "link.invalid")),
        (Err(e), _) => Err(e),
    }
}

fn follow_up_keys(answer: &str) -> Option<&'static str> {
    Some(match answer {
        "yes" => "follow_up.yes",
        "no" => "follow_up.no",
        "local" => "follow_up.local",
        "cross_border" => "follow_up.cross_border",
        "both" => "follow_up.both",
        "none" => "follow_up.none",
        _ => return None,
    })
}

async fn follow_up_context(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    id: &str,
) -> Result<Ctx, AppError> {
    let mut c = context(state, req).await?;
    if query_lang(req).is_none() {
        let i = id.to_string();
        if let Some(l) = state
            .db
            .read(move |conn| crate::introductions::follow_ups::locale_of(conn, &i))
            .await?
        {
            c.tr = Tr::new(&l);
        }
    }
    Ok(c)
}

fn follow_up_genuine(state: &AppState, id: &str, answer: &str, s: &Signed) -> bool {
    match (s.expires, s.sig.as_deref()) {
        (Some(e), Some(sig)) => {
            crate::introductions::follow_ups::verify(&state.settings, id, answer, e, sig)
        }
        _ => false,
    }
}

/// `GET /follow-ups/{id}/{answer}`: asks, and changes nothing.
pub async fn follow_up_ask(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (id, answer) = path.into_inner();
    let signed: Signed = body::query(&req)?;
    let c = follow_up_context(&state, &req, &id).await?;
    let button = follow_up_keys(&answer);
    let Some(button_key) = button.filter(|_| follow_up_genuine(&state, &id, &answer, &signed))
    else {
        return Ok(link_said(
            &c,
            StatusCode::FORBIDDEN,
            "follow_up.title",
            "link.invalid",
        ));
    };
    Ok(AskPage::answer(
        &c,
        &req,
        "follow_up.title",
        "follow_up.ask",
        button_key,
    ))
}

/// `POST /follow-ups/{id}/{answer}`: answers as the signed link says.
pub async fn follow_up_answer(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (id, answer) = path.into_inner();
    let signed: Signed = body::query(&req)?;
    let c = follow_up_context(&state, &req, &id).await?;
    let said = |status: StatusCode, key: &str| link_said(&c, status, "follow_up.title", key);
    if !follow_up_genuine(&state, &id, &answer, &signed) {
        return Ok(said(StatusCode::FORBIDDEN, "link.invalid"));
    }
    let done = state
        .write(move |conn| crate::introductions::follow_ups::answer(conn, &id, &answer))
        .await;
    match done {
        Ok(()) => Ok(said(StatusCode::OK, "follow_up.thanks")),
        Err(AppError::NotFound) => Ok(said(StatusCode::FORBIDDEN, "link.invalid")),
        Err(e) => Err(e),
    }
}

//! The pages the emailed links of an introduction open: what it is about and the two answers
//! (a GET only asks: mail scanners follow links), then the answer the page's button posts.

use super::error::AppError;
use super::introductions::{act, signed_party, Signed};
use super::pages::{self, context, respond, Ctx, Nav};
use super::{body, AppState};
use crate::db::{DbConn, User};
use crate::i18n::Tr;
use crate::introductions::{self as intro, links, Action, Introduction, Party};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

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

/// What both link routes read first: the answer the path names, the signed query, the page's
/// words.
async fn opened(
    state: &web::Data<AppState>,
    path: &(String, String),
    req: &HttpRequest,
) -> Result<(Action, Signed, Ctx), AppError> {
    let action = page_action(path)?;
    let signed: Signed = body::query(req)?;
    let c = link_context(state, req, path.0.clone(), &signed).await?;
    Ok((action, signed, c))
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
    let (action, signed, c) = opened(&state, &path, &req).await?;
    let invalid = || {
        pages::message_page_with(
            &c,
            StatusCode::FORBIDDEN,
            c.tr.t(title_key(action)).to_string(),
            vec![c.tr.t("link.invalid").to_string()],
        )
    };
    let id = path.0.clone();
    let (Ok(Some(p)), Some(expires)) = (signed_party(&state, &id, action, &signed), signed.expires)
    else {
        return Ok(invalid());
    };
    let key = state.settings.link_key().map_err(AppError::Internal)?;
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
    let (action, signed, c) = opened(&state, &path, &req).await?;
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

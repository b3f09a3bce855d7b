//! A mentoring relationship on the pages: on the introduction's page, the pair (or the
//! officer) records when it started and how it ended; the check-in links of the emails open a
//! page that asks, and its button answers (a mail scanner following links answers nothing).

use super::*;
use crate::mentoring::relationships::{self as rel, Relationship, RelationshipChange};
use crate::web::endpoint::{endpoint, Endpoint};
use actix_web::http::Method;

/// The pages' routes.
pub fn endpoints(e: &mut Vec<Endpoint>) {
    e.extend([
        endpoint(
            Method::POST,
            "/mentoring/relationships/{id}",
            "Records when a mentoring relationship started or how it ended (the page's form)",
            "pages",
        )
        .to(record)
        .public()
        .responses(&[(303, "Done: back to the introduction")]),
        endpoint(
            Method::GET,
            "/check-ins/{id}/{answer}",
            "The page a check-in email's link opens: asks to confirm (changes nothing)",
            "pages",
        )
        .to(check_in_page)
        .public(),
        endpoint(
            Method::POST,
            "/check-ins/{id}/{answer}",
            "Answers the check-in as the signed link says (the page's button)",
            "pages",
        )
        .to(check_in_answer)
        .public(),
    ]);
}

pub struct CheckInLine {
    pub months: i32,
    pub due_on: String,
    /// Each side's answer as words, or a dash.
    pub a: String,
    pub b: String,
}

/// What the introduction's page shows of the relationship.
pub struct RelationshipView {
    pub started_on: String,
    pub status_key: String,
    pub outcome_key: Option<String>,
    pub org_number: Option<String>,
    pub check_ins: Vec<CheckInLine>,
    pub outcomes: &'static [&'static str],
}

pub(crate) fn view_of(tr: Tr, r: &Relationship) -> RelationshipView {
    let word = |a: &Option<String>| match a {
        Some(a) => tr.t(&format!("check_in.{a}")).to_string(),
        None => "–".to_string(),
    };
    RelationshipView {
        started_on: r.start().map(|d| d.to_string()).unwrap_or_default(),
        status_key: format!("relationship.{}", r.status),
        outcome_key: r
            .recorded
            .outcome
            .as_ref()
            .map(|o| format!("relationship.outcome.{o}")),
        org_number: r.recorded.org_number.clone(),
        check_ins: r
            .check_ins
            .iter()
            .map(|c| CheckInLine {
                months: c.months,
                due_on: c.due_on.clone(),
                a: word(&c.a_answer),
                b: word(&c.b_answer),
            })
            .collect(),
        outcomes: &rel::OUTCOMES,
    }
}

/// The relationship of an introduction, when it is one and the viewer may see it.
pub(crate) fn relationship_of(
    conn: &mut db::DbConn,
    viewer: &Viewer,
    i: &Introduction,
    tr: Tr,
) -> Result<Option<RelationshipView>, AppError> {
    if i.track != "mentoring" || i.status != "introduced" {
        return Ok(None);
    }
    match rel::find(conn, viewer, &i.id) {
        Ok(r) => Ok(Some(view_of(tr, &r))),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `POST /mentoring/relationships/{id}`.
pub async fn record(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/introductions/{id}");
    let mut token = String::new();
    let mut change = RelationshipChange::default();
    for (k, v) in form_urlencoded::parse(&body) {
        let v = v.trim().to_string();
        match k.as_ref() {
            "csrf_token" => token = v,
            "started_on" if !v.is_empty() => change.started_on = Some(v),
            "outcome" if !v.is_empty() => change.outcome = Some(v),
            "org_number" if !v.is_empty() => change.org_number = Some(v),
            _ => {}
        }
    }
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let done = state
        .write(move |conn| rel::change(conn, &viewer, &id, change))
        .await;
    match done {
        Ok(_) => see_other(&format!("{back}#relationship")),
        Err(e) => error_page(&c, e, &back),
    }
}

use crate::web::introductions::Signed;

/// The link's party, if the link is genuine and in force.
fn signed_party(state: &AppState, id: &str, answer: &str, s: &Signed) -> Option<intro::Party> {
    let party = intro::Party::parse(s.party.as_deref()?)?;
    rel::verify_link(
        &state.settings,
        id,
        party,
        answer,
        s.expires?,
        s.sig.as_deref()?,
    )
    .then_some(party)
}

/// The page in the language of the person the link was sent to.
async fn link_context(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    id: &str,
    party: Option<intro::Party>,
) -> Result<Ctx, AppError> {
    let mut c = context(state, req).await?;
    if let (None, Some(p)) = (query_lang(req), party) {
        let id = id.to_string();
        let locale = state
            .db
            .read(move |conn| rel::party_locale(conn, &id, p))
            .await?;
        if let Some(l) = locale {
            c.tr = Tr::new(&l);
        }
    }
    Ok(c)
}

/// The page an emailed one-click link opens: it asks, and its button answers.
#[derive(Template)]
#[template(path = "pages/link.html")]
pub(crate) struct AskPage<'a> {
    pub tr: Tr,
    pub nav: Nav,
    pub csrf: &'a str,
    pub title_key: &'static str,
    pub ask_key: &'static str,
    pub button_key: &'static str,
    pub query: String,
}

impl AskPage<'_> {
    /// The page a signed link opens (`GET`): asks `ask_key` under `title_key`, and its one
    /// button POSTs the same address.
    pub(crate) fn answer(
        c: &Ctx,
        req: &HttpRequest,
        title_key: &'static str,
        ask_key: &'static str,
        button_key: &'static str,
    ) -> HttpResponse {
        let page = AskPage {
            tr: c.tr,
            nav: c.nav(),
            csrf: &c.csrf,
            title_key,
            ask_key,
            button_key,
            query: req.query_string().to_string(),
        };
        respond(c, StatusCode::OK, page.render())
    }
}

/// What a signed link's page says: one message (`key`) under its title — done, or the link
/// does not hold.
pub(crate) fn link_said(c: &Ctx, status: StatusCode, title_key: &str, key: &str) -> HttpResponse {
    message_page_with(
        c,
        status,
        c.tr.t(title_key).to_string(),
        vec![c.tr.t(key).to_string()],
    )
}

/// `GET /check-ins/{id}/{answer}`: asks, and changes nothing.
pub async fn check_in_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (id, answer) = path.into_inner();
    let signed: Signed = body::query(&req)?;
    let party = signed_party(&state, &id, &answer, &signed);
    let c = link_context(&state, &req, &id, party).await?;
    if party.is_none() || !rel::ANSWERS.contains(&answer.as_str()) {
        return Ok(link_said(
            &c,
            StatusCode::FORBIDDEN,
            "check_in.title",
            "link.invalid",
        ));
    }
    let button = match answer.as_str() {
        "weekly" => "check_in.weekly",
        "monthly" => "check_in.monthly",
        "rarely" => "check_in.rarely",
        _ => "check_in.stopped",
    };
    Ok(AskPage::answer(
        &c,
        &req,
        "check_in.title",
        "check_in.ask",
        button,
    ))
}

/// `POST /check-ins/{id}/{answer}`: answers, as the signed link says.
pub async fn check_in_answer(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (id, answer) = path.into_inner();
    let signed: Signed = body::query(&req)?;
    let party = signed_party(&state, &id, &answer, &signed);
    let c = link_context(&state, &req, &id, party).await?;
    let said = |status: StatusCode, key: &str| link_said(&c, status, "check_in.title", key);
    let Some(party) = party else {
        return Ok(said(StatusCode::FORBIDDEN, "link.invalid"));
    };
    let done = state
        .write(move |conn| rel::answer(conn, &id, party, &answer))
        .await;
    match done {
        Ok(()) => Ok(said(StatusCode::OK, "check_in.thanks")),
        Err(AppError::NotFound) => Ok(said(StatusCode::FORBIDDEN, "link.invalid")),
        Err(e) => Err(e),
    }
}

//! Newsletters on the pages: the public archive (`/newsletters`, each one at
//! `/newsletters/{id}` in the reader's language), the officer's form (`/newsletters/new`), the
//! draft's preview — how many it reaches, how it reads in each language — and its send
//! button; and the page an unsubscribe link opens (`/unsubscribe`: GET asks, POST withdraws —
//! also the RFC 8058 one-click POST a mail program sends, which needs no cookie or token).

use super::relationships::{link_said, AskPage};
use super::{
    checked_post, context, error_page, field_messages, message_page_with, query_lang, respond,
    see_other, Ctx, Nav,
};
use crate::domain::markup;
use crate::i18n::Tr;
use crate::newsletters::{self, Newsletter, NewsletterInput, Segment};
use crate::web::error::AppError;
use crate::web::{body, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// One newsletter in the archive's list.
pub struct Line {
    pub id: String,
    pub subject: String,
    pub date: String,
    pub draft: bool,
}

#[derive(Template)]
#[template(path = "pages/newsletters.html")]
struct ArchivePage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    lines: Vec<Line>,
    staff: bool,
}

/// One language of a newsletter as the page shows it.
pub struct Version {
    pub lang: String,
    pub subject: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "pages/newsletter.html")]
struct LetterPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    id: String,
    /// The reader's language first; a draft shows every language written.
    versions: Vec<Version>,
    draft: bool,
    recipients: i64,
    sent_now: bool,
    date: String,
}

#[derive(Template)]
#[template(path = "pages/newsletter_form.html")]
struct FormPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    form: Posted,
    errors: Vec<String>,
}

impl FormPage<'_> {
    fn label(&self, key: &str) -> String {
        self.tr.t(key).to_string()
    }
}

/// The form as posted (and shown again when something is wrong).
#[derive(Default)]
pub struct Posted {
    pub subject: [String; 3],
    pub body: [String; 3],
    pub roles: Vec<String>,
    pub tracks: Vec<String>,
    pub languages: Vec<String>,
    pub municipalities: String,
    pub counties: String,
}

impl Posted {
    pub fn has(&self, list: &str, v: &str) -> bool {
        let l = match list {
            "roles" => &self.roles,
            "tracks" => &self.tracks,
            _ => &self.languages,
        };
        l.iter().any(|x| x == v)
    }
}

fn date(tr: Tr, t: time::PrimitiveDateTime) -> String {
    tr.date(&t.date().to_string())
}

/// `GET /newsletters`: the archive (officers also see drafts and the way to write one).
pub async fn archive(state: web::Data<AppState>, c: Ctx) -> HttpResponse {
    let viewer = c.viewer.clone();
    let letters = state
        .db
        .read(move |conn| newsletters::list(conn, viewer.as_ref(), 100, 0))
        .await;
    let letters = match letters {
        Ok(l) => l,
        Err(e) => return error_page(&c, e, "/"),
    };
    let lines = letters
        .iter()
        .map(|l| Line {
            id: l.id.clone(),
            subject: l
                .subject
                .get(&l.language_for(c.tr.locale))
                .cloned()
                .unwrap_or_default(),
            date: date(c.tr, l.sent_at.unwrap_or(l.created_at)),
            draft: l.status != "sent",
        })
        .collect();
    let page = ArchivePage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        lines,
        staff: c.viewer.as_ref().is_some_and(|v| v.is_officer()),
    };
    respond(&c, StatusCode::OK, page.render())
}

fn show(c: &Ctx, letter: &Newsletter, sent_now: bool) -> HttpResponse {
    let draft = letter.status != "sent";
    let first = letter.language_for(c.tr.locale);
    let mut langs: Vec<String> = vec![first.clone()];
    if draft {
        langs.extend(letter.subject.keys().filter(|l| **l != first).cloned());
    }
    let versions = langs
        .into_iter()
        .map(|lang| Version {
            subject: letter.subject.get(&lang).cloned().unwrap_or_default(),
            html: markup::to_html(letter.body.get(&lang).map(String::as_str).unwrap_or("")),
            lang,
        })
        .collect();
    let page = LetterPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        id: letter.id.clone(),
        versions,
        draft,
        recipients: letter.recipients,
        sent_now,
        date: date(c.tr, letter.sent_at.unwrap_or(letter.created_at)),
    };
    respond(c, StatusCode::OK, page.render())
}

/// `GET /newsletters/{id}`.
pub async fn letter(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    c: Ctx,
) -> HttpResponse {
    let (id, viewer) = (id.into_inner(), c.viewer.clone());
    match state
        .db
        .read(move |conn| newsletters::find(conn, viewer.as_ref(), &id))
        .await
    {
        Ok(l) => show(&c, &l, req.query_string().contains("sent=1")),
        Err(e) => error_page(&c, e, "/newsletters"),
    }
}

fn form_page(c: &Ctx, form: Posted, errors: Vec<String>, status: StatusCode) -> HttpResponse {
    let page = FormPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        form,
        errors,
    };
    respond(c, status, page.render())
}

/// `GET /newsletters/new`: the officer's form.
pub async fn new_form(c: Ctx, req: HttpRequest) -> HttpResponse {
    match &c.viewer {
        None => super::to_sign_in(&req),
        Some(v) if !v.is_officer() => error_page(
            &c,
            AppError::forbidden("only officers write newsletters"),
            "/newsletters",
        ),
        Some(_) => form_page(&c, Posted::default(), Vec::new(), StatusCode::OK),
    }
}

fn list(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `POST /newsletters`: saves the draft and shows its preview.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    bytes: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let mut token = String::new();
    let mut f = Posted::default();
    for (k, v) in form_urlencoded::parse(&bytes) {
        let v = v.into_owned();
        match k.as_ref() {
            "csrf_token" => token = v,
            "role" => f.roles.push(v),
            "track" => f.tracks.push(v),
            "language" => f.languages.push(v),
            "municipalities" => f.municipalities = v,
            "counties" => f.counties = v,
            k => {
                for (i, l) in newsletters::LANGUAGES.iter().enumerate() {
                    if k == format!("subject_{l}") {
                        f.subject[i] = v.clone();
                    } else if k == format!("body_{l}") {
                        f.body[i] = v.clone();
                    }
                }
            }
        }
    }
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/newsletters/new"),
    };
    let pick = |texts: &[String; 3]| {
        newsletters::LANGUAGES
            .iter()
            .zip(texts.iter())
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(l, t)| (l.to_string(), t.clone()))
            .collect()
    };
    let input = NewsletterInput {
        subject: pick(&f.subject),
        body: pick(&f.body),
        segment: Segment {
            roles: f.roles.clone(),
            tracks: f.tracks.clone(),
            municipalities: list(&f.municipalities),
            counties: list(&f.counties),
            languages: f.languages.clone(),
        },
    };
    match state
        .write(move |conn| newsletters::create(conn, &viewer, &input))
        .await
    {
        Ok(l) => see_other(&format!("/newsletters/{}", l.id)),
        Err(e @ AppError::Validation(_)) => {
            let errors = field_messages(c.tr, &e);
            form_page(&c, f, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => error_page(&c, e, "/newsletters/new"),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    pub csrf_token: String,
}

/// `POST /newsletters/{id}/send`.
pub async fn send(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
    c: Ctx,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/newsletters"),
    };
    let (id, settings) = (id.into_inner(), state.settings.clone());
    let back = format!("/newsletters/{id}");
    match state
        .write(move |conn| newsletters::send(conn, &settings, &viewer, &id))
        .await
    {
        Ok(l) => see_other(&format!("/newsletters/{}?sent=1", l.id)),
        Err(e) => error_page(&c, e, &back),
    }
}

#[derive(Debug, Deserialize)]
pub struct Unsubscribe {
    pub user: Option<String>,
    pub purpose: Option<String>,
    pub expires: Option<i64>,
    pub sig: Option<String>,
    /// The page's language (read by the page's context).
    #[allow(dead_code)]
    pub lang: Option<String>,
}

/// The link's person and purpose, when the link is genuine and in force.
fn genuine(state: &AppState, q: &Unsubscribe) -> Option<(String, String)> {
    match (&q.user, &q.purpose, q.expires, &q.sig) {
        (Some(u), Some(p), Some(e), Some(s))
            if crate::subscriptions::verify(&state.settings, u, p, e, s) =>
        {
            Some((u.clone(), p.clone()))
        }
        _ => None,
    }
}

/// The page in the language of the person the email went to.
async fn link_context(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: Option<&str>,
) -> Result<Ctx, AppError> {
    let mut c = context(state, req).await?;
    if let (None, Some(u)) = (query_lang(req), user) {
        let u = u.to_string();
        if let Some(user) = state
            .db
            .read(move |conn| Ok::<_, AppError>(crate::db::User::by_id(conn, &u)?))
            .await?
        {
            c.tr = Tr::new(&user.locale);
        }
    }
    Ok(c)
}

fn purpose_key(purpose: &str) -> &'static str {
    if purpose == "digest" {
        "letters.stop_digest"
    } else {
        "letters.stop_newsletter"
    }
}

/// `GET /unsubscribe`: asks (a mail scanner that follows the link changes nothing).
pub async fn unsubscribe_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q: Unsubscribe = body::query(&req)?;
    let link = genuine(&state, &q);
    let c = link_context(&state, &req, link.as_ref().map(|(u, _)| u.as_str())).await?;
    let Some((_, purpose)) = link else {
        return Ok(link_said(
            &c,
            StatusCode::FORBIDDEN,
            "letters.unsubscribe",
            "link.invalid",
        ));
    };
    let ask = purpose_key(&purpose);
    Ok(AskPage::answer(
        &c,
        &req,
        "letters.unsubscribe",
        ask,
        "letters.unsubscribe_button",
    ))
}

/// `POST /unsubscribe`: withdraws the link's purpose (the page's button, or a mail program's
/// one-click `List-Unsubscribe=One-Click`). Done twice, it is done once.
pub async fn unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q: Unsubscribe = body::query(&req)?;
    let link = genuine(&state, &q);
    let c = link_context(&state, &req, link.as_ref().map(|(u, _)| u.as_str())).await?;
    let Some((user, purpose)) = link else {
        return Ok(link_said(
            &c,
            StatusCode::FORBIDDEN,
            "letters.unsubscribe",
            "link.invalid",
        ));
    };
    state
        .write(move |conn| crate::subscriptions::withdraw(conn, &user, &purpose))
        .await?;
    Ok(message_page_with(
        &c,
        StatusCode::OK,
        c.tr.t("letters.unsubscribe").to_string(),
        vec![
            c.tr.t("letters.unsubscribed").to_string(),
            c.tr.t("letters.unsubscribed_more").to_string(),
        ],
    ))
}

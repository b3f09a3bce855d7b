//! `/search`: free text across everything the reader may see — for an officer, every need,
//! profile, procurement and offer in their municipalities — in the three languages at once, as
//! `GET /api/v1/search` finds it (the same visibility check), twenty at a time.

use super::error::AppError;
use super::AppState;
use super::SignedIn;
use super::{error_page, field_messages, respond, Nav};
use crate::domain::FieldErrors;
use crate::i18n::Tr;
use crate::introductions as intro;
use crate::matching::search_visible;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use heartland_index::Kind;
use serde::Deserialize;

const PAGE: usize = 20;
const KINDS: [&str; 5] = ["need", "candidate", "mentor", "procurement", "offer"];

pub struct ResultLine {
    pub kind_key: String,
    pub title: String,
    pub place: String,
    pub organisation: String,
    /// The record's page, where there is one.
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/search.html")]
struct SearchPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    q: String,
    kind: String,
    kinds: [&'static str; 5],
    searched: bool,
    results: Vec<ResultLine>,
    next: Option<String>,
    errors: Vec<String>,
}

impl SearchPage<'_> {
    fn kind_word(&self, kind: &str) -> String {
        self.tr.t(&format!("search.kind.{kind}")).to_string()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub from: Option<usize>,
}

/// `GET /search?q=&kind=&from=`.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let form: SearchForm = match super::body::query(&req) {
        Ok(f) => f,
        Err(e) => return error_page(&c, e, "/search"),
    };
    let q = form.q.unwrap_or_default().trim().to_string();
    let kind = form.kind.unwrap_or_default();
    let from = form.from.unwrap_or(0).min(10_000);
    let mut errors = FieldErrors::new();
    if q.chars().count() > 500 {
        errors.add("q", "must be at most 500 characters");
    }
    let kinds: Vec<Kind> = match Kind::parse(&kind) {
        Some(k) => vec![k],
        None if kind.is_empty() => Kind::ALL.to_vec(),
        None => {
            errors.add("kind", format!("must be one of: {}", KINDS.join(", ")));
            Vec::new()
        }
    };
    let mut page = SearchPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        q: q.clone(),
        kind: kind.clone(),
        kinds: KINDS,
        searched: false,
        results: Vec::new(),
        next: None,
        errors: Vec::new(),
    };
    if let Err(f) = errors.into_result() {
        page.errors = field_messages(c.tr, &AppError::Validation(f));
        return respond(&c, StatusCode::UNPROCESSABLE_ENTITY, page.render());
    }
    if q.is_empty() {
        return respond(&c, StatusCode::OK, page.render());
    }
    let (hits, more) = match search_visible(&state, viewer, q.clone(), kinds, from, PAGE).await {
        Ok(found) => found,
        Err(e) => return error_page(&c, e, "/search"),
    };
    let described = state
        .db
        .read(move |conn| -> Result<Vec<ResultLine>, AppError> {
            hits.iter()
                .map(|h| {
                    let (title, place, organisation) =
                        intro::describe(conn, h.kind.as_str(), &h.id)?;
                    let href = match h.kind {
                        Kind::Need => Some(format!("/needs/{}", h.id)),
                        Kind::Offer => Some(format!("/offers/{}", h.id)),
                        _ => None,
                    };
                    Ok(ResultLine {
                        kind_key: format!("search.kind.{}", h.kind.as_str()),
                        title,
                        place,
                        organisation,
                        href,
                    })
                })
                .collect()
        })
        .await;
    match described {
        Ok(results) => {
            page.searched = true;
            page.results = results;
            page.next = more.then(|| {
                let mut s = form_urlencoded::Serializer::new(String::new());
                s.append_pair("q", &q).append_pair("kind", &kind);
                s.append_pair("from", &(from + PAGE).to_string());
                format!("/search?{}", s.finish())
            });
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/search"),
    }
}

//! A supplier's offers: `/offers/new` (CPV codes picked by searching words in Swedish,
//! Norwegian or English — a button asks, ticked boxes choose; no script) and `/offers/{id}`
//! (the offer with its codes in the reader's language, and the upcoming procurements that
//! match it, each factor drawn as a bar).

use super::error::AppError;
use super::forms::{municipality_key, place_label, place_labels};
use super::AppState;
use super::SignedIn;
use super::{
    checked_post, error_page, field_messages, match_lines, respond, see_other, to_sign_in, Ctx,
    MatchLine, Nav,
};
use crate::db::Record;
use crate::i18n::Tr;
use crate::records::offer::Offer;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use heartland_index::{Cpv, Kind};
use serde_json::{json, Value};

/// A code offered to tick: its code, its label in the reader's language, whether ticked.
pub struct CpvChoice {
    pub code: String,
    pub label: String,
    pub chosen: bool,
}

#[derive(Default)]
pub struct OfferForm {
    pub title: String,
    pub description: String,
    pub query: String,
    pub codes: Vec<String>,
    pub serves: String,
    pub cross_border_ok: bool,
    /// `search` (find codes) or `publish`.
    pub action: String,
}

impl OfferForm {
    fn from_post(body: &[u8]) -> (OfferForm, String) {
        let mut f = OfferForm::default();
        let mut csrf = String::new();
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf_token" => csrf = v,
                "title" => f.title = v,
                "description" => f.description = v,
                "cpv_q" => f.query = v,
                "cpv" if !f.codes.contains(&v) => f.codes.push(v),
                "serves" => f.serves = v,
                "cross_border_ok" => f.cross_border_ok = true,
                "action" => f.action = v,
                _ => {}
            }
        }
        (f, csrf)
    }

    fn body(&self, organisation: &str) -> Value {
        let serves: Vec<String> = if self.serves.trim().is_empty() {
            Vec::new()
        } else {
            vec![municipality_key(&self.serves)]
        };
        json!({
            "organisation_id": organisation, "title": self.title.trim(),
            "description": self.description.trim(), "cpv_codes": self.codes,
            "serves": serves, "cross_border_ok": self.cross_border_ok,
        })
    }

    fn choices(&self, locale: &str) -> Vec<CpvChoice> {
        cpv_choices(&self.codes, &self.query, locale)
    }
}

/// The codes ticked so far, then what the search for `query` found, each once: the picker of
/// the offer form and of the procurement form.
pub(crate) fn cpv_choices(codes: &[String], query: &str, locale: &str) -> Vec<CpvChoice> {
    let cpv = Cpv::get();
    let mut out: Vec<CpvChoice> = codes
        .iter()
        .map(|c| CpvChoice {
            code: c.clone(),
            label: cpv.label(c, locale).unwrap_or_default().to_string(),
            chosen: true,
        })
        .collect();
    for e in cpv.search(query, 30) {
        if !codes.contains(&e.code) {
            out.push(CpvChoice {
                code: e.code.clone(),
                label: cpv.label(&e.code, locale).unwrap_or_default().to_string(),
                chosen: false,
            });
        }
    }
    out
}

#[derive(Template)]
#[template(path = "pages/offer_new.html")]
struct OfferNew<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    errors: Vec<String>,
    form: OfferForm,
    choices: Vec<CpvChoice>,
    searched: bool,
    places: &'static [String],
}

fn form_page(c: &Ctx, form: OfferForm, errors: Vec<String>, status: StatusCode) -> HttpResponse {
    let searched = !form.query.trim().is_empty();
    let page = OfferNew {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        errors,
        choices: form.choices(c.tr.locale),
        searched,
        form,
        places: place_labels(),
    };
    respond(c, status, page.render())
}

/// `GET /offers/new`.
pub async fn new_page(_state: web::Data<AppState>, req: HttpRequest, c: Ctx) -> HttpResponse {
    if c.viewer.is_none() {
        return to_sign_in(&req);
    }
    form_page(&c, OfferForm::default(), Vec::new(), StatusCode::OK)
}

/// `POST /offers/new`: finds codes, or publishes the offer through the API's own validation.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let (form, token) = OfferForm::from_post(&body);
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/offers/new"),
    };
    if form.action != "publish" {
        return form_page(&c, form, Vec::new(), StatusCode::OK);
    }
    let Some(org) = viewer.organisations.first().cloned() else {
        return see_other("/company");
    };
    let body = form.body(&org);
    let (v, st) = (viewer.clone(), state.clone());
    let result = state
        .write(move |conn| -> Result<String, AppError> {
            let input = super::body::from_value(body)?;
            let valid = <Offer as crate::records::RecordType>::validate(input)
                .map_err(AppError::Validation)?;
            Ok(crate::records::store::create::<Offer>(conn, &v, valid, &st.settings)?.id)
        })
        .await;
    match result {
        Ok(id) => see_other(&format!("/offers/{id}")),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => {
            let errors = field_messages(c.tr, &e);
            form_page(&c, form, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => error_page(&c, e, "/company"),
    }
}

#[derive(Template)]
#[template(path = "pages/offer.html")]
struct OfferPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    title: String,
    description: String,
    organisation: String,
    codes: Vec<CpvChoice>,
    serves: Vec<String>,
    matches: Vec<MatchLine>,
}

/// `GET /offers/{id}`: for the supplier who owns it and for officers.
pub async fn show(
    state: web::Data<AppState>,
    _req: HttpRequest,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let (id, locale) = (id.into_inner(), c.tr.locale);
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let row = super::record_page_row(conn, &viewer, Record::Offer, &id)?;
            let d: Value = serde_json::from_str(&row.data).unwrap_or_default();
            let (title, _, organisation) = crate::introductions::describe(conn, "offer", &row.id)?;
            let query = crate::search::load_row(conn, Record::Offer, &row)?;
            Ok((query, d, title, organisation))
        })
        .await;
    let data = match data {
        Ok((query, d, title, organisation)) => {
            crate::matching::top(&state, query, Kind::Procurement, 10)
                .await
                .map(|hits| ((d, title, organisation), match_lines(hits, locale)))
        }
        Err(e) => Err(e),
    };
    let ((d, title, organisation), matches) = match data {
        Ok(x) => x,
        Err(e) => return error_page(&c, e, "/company"),
    };
    let cpv = Cpv::get();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let page = OfferPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        title,
        description: d["description"].as_str().unwrap_or_default().to_string(),
        organisation,
        codes: strings(&d["cpv_codes"])
            .into_iter()
            .map(|code| CpvChoice {
                label: cpv.label(&code, locale).unwrap_or_default().to_string(),
                code,
                chosen: true,
            })
            .collect(),
        serves: strings(&d["serves"])
            .iter()
            .map(|k| place_label(k))
            .collect(),
        matches,
    };
    respond(&c, StatusCode::OK, page.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_keeps_the_ticked_codes_and_adds_what_it_finds() {
        let (form, csrf) = OfferForm::from_post(
            b"csrf_token=t&title=Skolmat&cpv=55500000-5&cpv_q=kantine&action=search",
        );
        assert_eq!(csrf, "t");
        let choices = form.choices("nb");
        assert_eq!(choices[0].code, "55500000-5");
        assert!(choices[0].chosen);
        assert_eq!(choices[0].label, "Kantine- og cateringtjenester");
        assert_eq!(
            choices.iter().filter(|c| c.code == "55500000-5").count(),
            1,
            "once"
        );
        let body = form.body("org");
        assert_eq!(body["cpv_codes"], json!(["55500000-5"]));
        assert_eq!(body["serves"], json!([]));
    }
}

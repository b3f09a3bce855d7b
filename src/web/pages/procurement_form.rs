//! The buyer's officer plans procurements on the pages: `/procurements/manage` lists those of
//! the officer's municipalities in every status (`planned → dialogue → tendered → closed`),
//! `/procurements/new` and `/procurements/{id}/edit` write one (the buyer, CPV codes found by
//! words in sv/nb/en as on the offer form, the estimated value, the dialogue deadline and the
//! planned tender), and `/procurements/{id}/close` ends it. Saved through the API's own
//! validation; what was typed is kept when a field is refused. The dialogue itself is run on
//! `/procurements/{id}/dialogue`.

use super::dialogue::{notice_line, NoticeLine};
use super::error::AppError;
use super::offers::{cpv_choices, CpvChoice};
use super::{
    checked_post, error_page, field_messages, respond, see_other, AppState, Ctx, Nav, SignedIn,
};
use crate::db::{self, Record};
use crate::dialogue;
use crate::i18n::Tr;
use crate::policy::Viewer;
use crate::records::procurement::Procurement;
use crate::web::endpoint::{endpoint, Endpoint};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::{json, Value};

pub fn endpoints(e: &mut Vec<Endpoint>) {
    let p = "pages";
    e.extend([
        endpoint(
            Method::GET,
            "/procurements/manage",
            "The procurements of the officer's municipalities, in every status",
            p,
        )
        .to(list),
        endpoint(
            Method::GET,
            "/procurements/new",
            "The form for a planned procurement",
            p,
        )
        .to(new_page),
        endpoint(
            Method::POST,
            "/procurements/new",
            "Finds CPV codes or saves a planned procurement (the page's form)",
            p,
        )
        .to(create)
        .public()
        .responses(&[(303, "Saved: to the procurement's dialogue page")]),
        endpoint(
            Method::GET,
            "/procurements/{id}/edit",
            "The form that changes a procurement",
            p,
        )
        .to(edit_page),
        endpoint(
            Method::POST,
            "/procurements/{id}/edit",
            "Finds CPV codes or changes a procurement (the page's form)",
            p,
        )
        .to(edit)
        .public()
        .responses(&[(303, "Saved: to the procurement's dialogue page")]),
        endpoint(
            Method::POST,
            "/procurements/{id}/close",
            "Closes a procurement (the page's form)",
            p,
        )
        .to(close)
        .public()
        .responses(&[(303, "Closed: to the procurement's dialogue page")]),
    ]);
}

/// What the form shows: the saved procurement, or what was just posted.
#[derive(Default, Clone)]
pub struct ProcurementForm {
    pub organisation_id: String,
    pub title: String,
    pub description: String,
    pub query: String,
    pub codes: Vec<String>,
    pub amount: String,
    pub currency: String,
    pub deadline: String,
    pub tender: String,
    /// `search` (find codes) or `save`.
    pub action: String,
}

/// A typed amount: spaces and a decimal comma as Swedes and Norwegians write them; anything
/// else becomes a value the validation names.
fn amount(s: &str) -> Value {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|a| a.is_finite())
        .map(Value::from)
        .unwrap_or_else(|| Value::from(-1))
}

impl ProcurementForm {
    fn from_saved(d: &Value) -> ProcurementForm {
        let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
        ProcurementForm {
            organisation_id: s("organisation_id"),
            title: s("title"),
            description: s("description"),
            codes: d["cpv_codes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect(),
            amount: d["estimated_value"]["amount"]
                .as_f64()
                .map(|a| format!("{}", a.round() as i64))
                .unwrap_or_default(),
            currency: d["estimated_value"]["currency"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            deadline: s("dialogue_deadline"),
            tender: s("tender_planned"),
            ..ProcurementForm::default()
        }
    }

    fn from_post(body: &[u8]) -> (ProcurementForm, String) {
        let mut f = ProcurementForm::default();
        let mut csrf = String::new();
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf_token" => csrf = v,
                "organisation_id" => f.organisation_id = v,
                "title" => f.title = v,
                "description" => f.description = v,
                "cpv_q" => f.query = v,
                "cpv" if !f.codes.contains(&v) => f.codes.push(v),
                "amount" => f.amount = v,
                "currency" => f.currency = v,
                "dialogue_deadline" => f.deadline = v,
                "tender_planned" => f.tender = v,
                "action" => f.action = v,
                _ => {}
            }
        }
        (f, csrf)
    }

    /// The API's fields: the same validation as `POST /api/v1/procurements`. The place is the
    /// buyer's municipality.
    fn body(&self, municipality: &str) -> Value {
        let value = (!self.amount.trim().is_empty())
            .then(|| json!({"amount": amount(&self.amount), "currency": self.currency}));
        json!({
            "organisation_id": self.organisation_id, "title": self.title.trim(),
            "description": self.description.trim(), "cpv_codes": self.codes,
            "estimated_value": value, "dialogue_deadline": self.deadline.trim(),
            "tender_planned": self.tender.trim(), "municipality": municipality,
        })
    }
}

#[derive(Template)]
#[template(path = "pages/procurement_form.html")]
struct FormPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    action: String,
    editing: bool,
    errors: Vec<String>,
    form: ProcurementForm,
    choices: Vec<CpvChoice>,
    searched: bool,
    /// (id, name and place) of the municipalities' organisations the officer may buy for.
    buyers: Vec<(String, String)>,
    currencies: [&'static str; 3],
}

fn form_page(
    c: &Ctx,
    action: String,
    editing: bool,
    form: ProcurementForm,
    buyers: Vec<(String, String)>,
    errors: Vec<String>,
) -> HttpResponse {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FormPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        action,
        editing,
        errors,
        choices: cpv_choices(&form.codes, &form.query, c.tr.locale),
        searched: !form.query.trim().is_empty(),
        form,
        buyers,
        currencies: ["SEK", "NOK", "EUR"],
    };
    respond(c, status, page.render())
}

/// The municipalities' own organisations in the officer's scope: who may be the buyer.
fn buyers(conn: &mut db::DbConn, viewer: &Viewer) -> Result<Vec<(String, String)>, AppError> {
    let filter = db::ListFilter {
        kind: Some("municipality".into()),
        limit: 1000,
        ..Default::default()
    };
    let rows = Record::Organisation.list(conn, &viewer.visible(Record::Organisation), &filter)?;
    Ok(rows
        .into_iter()
        .filter(|r| viewer.in_scope(&r.municipality))
        .map(|r| {
            let d: Value = serde_json::from_str(&r.data).unwrap_or_default();
            let name = d["name"].as_str().unwrap_or_default();
            (
                r.id.clone(),
                format!("{name} – {}", super::forms::place_label(&r.municipality)),
            )
        })
        .collect())
}

async fn buyers_of(
    state: &web::Data<AppState>,
    viewer: &Viewer,
) -> Result<Vec<(String, String)>, AppError> {
    let v = viewer.clone();
    state.db.read(move |conn| buyers(conn, &v)).await
}

fn officer_only(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.is_officer() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "procurements are planned by the business officers of the buying municipality",
        ))
    }
}

#[derive(Template)]
#[template(path = "pages/procurements_manage.html")]
struct ListPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    items: Vec<NoticeLine>,
}

/// `GET /procurements/manage`.
pub async fn list(state: web::Data<AppState>, SignedIn { c, viewer }: SignedIn) -> HttpResponse {
    if let Err(e) = officer_only(&viewer) {
        return error_page(&c, e, "/procurements");
    }
    let tr = c.tr;
    let items = state
        .db
        .read(move |conn| -> Result<Vec<NoticeLine>, AppError> {
            let filter = db::ListFilter {
                limit: 1000,
                ..Default::default()
            };
            let rows =
                Record::Procurement.list(conn, &viewer.visible(Record::Procurement), &filter)?;
            let mut out = Vec::new();
            for r in rows.iter().filter(|r| viewer.in_scope(&r.municipality)) {
                let b = dialogue::buyer(conn, &r.id)?;
                out.push(notice_line(conn, &b, tr)?);
            }
            // The soonest dialogue deadline first; what is closed last.
            out.sort_by(|a, b| {
                (a.status_key.ends_with("closed"), &a.deadline_iso)
                    .cmp(&(b.status_key.ends_with("closed"), &b.deadline_iso))
            });
            Ok(out)
        })
        .await;
    match items {
        Ok(items) => {
            let page = ListPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                items,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/dashboard"),
    }
}

/// `GET /procurements/new`.
pub async fn new_page(
    state: web::Data<AppState>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    if let Err(e) = officer_only(&viewer) {
        return error_page(&c, e, "/procurements");
    }
    match buyers_of(&state, &viewer).await {
        Ok(buyers) => {
            let form = ProcurementForm {
                organisation_id: buyers.first().map(|b| b.0.clone()).unwrap_or_default(),
                ..ProcurementForm::default()
            };
            form_page(
                &c,
                "/procurements/new".into(),
                false,
                form,
                buyers,
                Vec::new(),
            )
        }
        Err(e) => error_page(&c, e, "/procurements/manage"),
    }
}

/// The buyer's municipality, which is the procurement's place; empty if there is no such
/// organisation (the validation then names the field).
fn buyer_place(conn: &mut db::DbConn, organisation: &str) -> Result<String, AppError> {
    Ok(Record::Organisation
        .find(conn, organisation)?
        .map(|o| o.municipality)
        .unwrap_or_default())
}

/// `POST /procurements/new`: finds codes, or saves the procurement as `planned`.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let (form, token) = ProcurementForm::from_post(&body);
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/procurements/new"),
    };
    let buyers = match buyers_of(&state, &viewer).await {
        Ok(b) => b,
        Err(e) => return error_page(&c, e, "/procurements/manage"),
    };
    if form.action != "save" {
        return form_page(
            &c,
            "/procurements/new".into(),
            false,
            form,
            buyers,
            Vec::new(),
        );
    }
    let (v, st, fields) = (viewer.clone(), state.clone(), form.clone());
    let result = state
        .write(move |conn| -> Result<String, AppError> {
            let place = buyer_place(conn, &fields.organisation_id)?;
            let input = super::body::from_value(fields.body(&place))?;
            let valid = <Procurement as crate::records::RecordType>::validate(input)
                .map_err(AppError::Validation)?;
            Ok(crate::records::store::create::<Procurement>(conn, &v, valid, &st.settings)?.id)
        })
        .await;
    match result {
        Ok(id) => see_other(&format!("/procurements/{id}/dialogue")),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => {
            let errors = field_messages(c.tr, &e);
            form_page(&c, "/procurements/new".into(), false, form, buyers, errors)
        }
        Err(e) => error_page(&c, e, "/procurements/manage"),
    }
}

/// `GET /procurements/{id}/edit`: the form, filled in (until it goes to tender).
pub async fn edit_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/procurements/{id}/dialogue");
    let (v, i) = (viewer.clone(), id.clone());
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let b = dialogue::editable(conn, &v, &i)?;
            Ok((b.data, buyers(conn, &v)?))
        })
        .await;
    match data {
        Ok((d, buyers)) => form_page(
            &c,
            format!("/procurements/{id}/edit"),
            true,
            ProcurementForm::from_saved(&d),
            buyers,
            Vec::new(),
        ),
        Err(e) => error_page(&c, e, &back),
    }
}

/// `POST /procurements/{id}/edit`: finds codes, or saves the change.
pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let (action, back) = (
        format!("/procurements/{id}/edit"),
        format!("/procurements/{id}/dialogue"),
    );
    let (form, token) = ProcurementForm::from_post(&body);
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let buyers = match buyers_of(&state, &viewer).await {
        Ok(b) => b,
        Err(e) => return error_page(&c, e, &back),
    };
    if form.action != "save" {
        return form_page(&c, action, true, form, buyers, Vec::new());
    }
    let fields = form.clone();
    let target = id.clone();
    let done = state
        .write(move |conn| -> Result<(), AppError> {
            let place = buyer_place(conn, &fields.organisation_id)?;
            dialogue::edit(conn, &viewer, &target, fields.body(&place))
        })
        .await;
    match done {
        Ok(()) => see_other(&back),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => {
            let errors = field_messages(c.tr, &e);
            form_page(&c, action, true, form, buyers, errors)
        }
        Err(e) => error_page(&c, e, &back),
    }
}

/// `POST /procurements/{id}/close`.
pub async fn close(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/procurements/{id}/dialogue");
    let token = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    match state
        .write(move |conn| dialogue::close(conn, &viewer, &id))
        .await
    {
        Ok(()) => see_other(&back),
        Err(e) => error_page(&c, e, &back),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_people_in_the_region_write_them() {
        assert_eq!(amount("9 000 000"), json!(9_000_000.0));
        assert_eq!(amount("2\u{a0}500\u{a0}000,50"), json!(2_500_000.5));
        assert_eq!(amount("many"), json!(-1));
        let (f, csrf) = ProcurementForm::from_post(
            b"csrf_token=t&organisation_id=o&title=Skoleskyss&cpv=60130000-8&cpv=60130000-8&amount=&currency=NOK&action=save",
        );
        assert_eq!(csrf, "t");
        let body = f.body("NO-3421");
        assert_eq!(body["cpv_codes"], json!(["60130000-8"]));
        assert_eq!(body["estimated_value"], Value::Null, "no amount: no value");
        assert_eq!(body["municipality"], "NO-3421");
        let found = cpv_choices(&[], "skoleskyss", "nb");
        assert!(
            found.iter().any(|c| c.code == "60130000-8"),
            "school transport is found by its Norwegian word"
        );
    }
}

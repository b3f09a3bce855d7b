//! `/organisations/{id}/edit`: a company or supplier changes its organisation's details (name,
//! number, municipality by name, size, who leads it), checked as the API checks them.

use super::error::AppError;
use super::forms::place_labels;
use super::AppState;
use super::SignedIn;
use super::{
    checked_post, error_page, field_messages, respond, see_other, Ctx, Nav, OrganisationForm,
};
use crate::db::Record;
use crate::i18n::Tr;
use crate::records::organisation::Organisation;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

#[derive(Template)]
#[template(path = "pages/org_edit.html")]
struct OrgEditPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    id: String,
    org: OrganisationForm,
    places: &'static [String],
    errors: Vec<String>,
}

fn form_page(c: &Ctx, id: String, org: OrganisationForm, errors: Vec<String>) -> HttpResponse {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OrgEditPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        id,
        org,
        places: place_labels(),
        errors,
    };
    respond(c, status, page.render())
}

/// `GET /organisations/{id}/edit`.
pub async fn edit_page(
    state: web::Data<AppState>,
    _req: HttpRequest,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let id = id.into_inner();
    let target = id.clone();
    let found = state
        .db
        .read(move |conn| -> Result<Value, AppError> {
            let row = Record::Organisation
                .find(conn, &target)?
                .ok_or(AppError::NotFound)?;
            if !viewer.may_change(Record::Organisation, &row) {
                return Err(AppError::forbidden("you may not change this organisation"));
            }
            Ok(serde_json::from_str(&row.data).unwrap_or_default())
        })
        .await;
    match found {
        Ok(data) => form_page(&c, id, OrganisationForm::from_saved(&data), Vec::new()),
        Err(e) => error_page(&c, e, "/company"),
    }
}

/// `POST /organisations/{id}/edit`: the change, merged and checked as the API checks it.
pub async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<OrganisationForm>,
    c: Ctx,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/company"),
    };
    let (id, f) = (id.into_inner(), form.into_inner());
    let (target, patch) = (id.clone(), f.body());
    let done = state
        .write(move |conn| {
            crate::records::store::change::<Organisation>(conn, &viewer, &target, patch, false)
        })
        .await;
    match done {
        Ok(_) => see_other("/company"),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => {
            let errors = field_messages(c.tr, &e);
            form_page(&c, id, f, errors)
        }
        Err(e) => error_page(&c, e, "/company"),
    }
}

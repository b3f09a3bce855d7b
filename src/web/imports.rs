//! `POST /api/v1/imports/{kind}` (a CSV body) and `GET /api/v1/imports/{kind}/template`.

use super::endpoint::{endpoint, Endpoint};
use super::error::AppError;
use super::{body, AppState};
use crate::imports::{self, OnDuplicate, Options, Stopped};
use crate::policy::Viewer;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    pub dry_run: Option<bool>,
    pub on_duplicate: Option<OnDuplicate>,
}

fn kind_of(name: &str) -> Result<crate::db::Record, AppError> {
    imports::kind(name).ok_or(AppError::NotFound)
}

/// The content types a CSV file arrives with (spreadsheet programs and browsers differ).
fn is_csv(req: &HttpRequest) -> bool {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    matches!(
        ct.as_deref(),
        Some("text/csv" | "text/plain" | "application/csv" | "application/vnd.ms-excel")
    )
}

async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, AppError> {
    if !is_csv(req) {
        return Err(AppError::malformed(
            "send the file as text/csv",
            Some("content-type".into()),
        ));
    }
    Ok(body::bounded(payload, limit).await?.to_vec())
}

/// Runs an import in one transaction and answers as the API does: 200 with the report when
/// written or a clean dry run, 422 with the report and the error envelope when rows have
/// errors (nothing written).
pub(crate) async fn import(
    state: &web::Data<AppState>,
    viewer: Viewer,
    record: crate::db::Record,
    file: Vec<u8>,
    opts: Options,
) -> Result<(StatusCode, imports::Report), AppError> {
    let settings = state.settings.clone();
    let out = state
        .write(move |c| imports::run(c, &viewer, record, &file, opts, &settings, &mut |_, _| {}))
        .await;
    match out {
        Ok(report) => Ok((StatusCode::OK, report)),
        Err(Stopped::Report(r)) if r.errors.is_empty() => Ok((StatusCode::OK, r)),
        Err(Stopped::Report(r)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, r)),
        Err(Stopped::Error(e)) => Err(e),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    viewer: Viewer,
    kind: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let record = kind_of(&kind)?;
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only officers and admins import"));
    }
    let q: ImportQuery = body::query(&req)?;
    let opts = Options {
        dry_run: q.dry_run.unwrap_or(false),
        on_duplicate: q.on_duplicate.unwrap_or_default(),
    };
    let file = read_body(&req, payload, state.settings.import_max_bytes).await?;
    let (status, report) = import(&state, viewer, record, file, opts).await?;
    let body = if status == StatusCode::OK {
        serde_json::to_value(&report).unwrap_or_default()
    } else {
        imports::rejected(&report)
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

pub async fn template(viewer: Viewer, kind: web::Path<String>) -> Result<HttpResponse, AppError> {
    let record = kind_of(&kind)?;
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only officers and admins import"));
    }
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"heartland-{}.csv\"", record.path()),
        ))
        .content_type("text/csv; charset=utf-8")
        .body(imports::columns::template(record)))
}

pub fn endpoints(e: &mut Vec<Endpoint>) {
    let t = "operations";
    e.extend([
        endpoint(Method::POST, "/api/v1/imports/{kind}", "Imports a CSV file of organisations, needs, candidates, mentors, offers or procurements (officers, admins): the whole file or nothing; dry_run reports without writing; on_duplicate=skip|update; 422 with each row's errors by column", t)
            .to(create)
            .csv_body(),
        endpoint(Method::GET, "/api/v1/imports/{kind}/template", "The kind's CSV template: the header and one example row", t)
            .to(template),
        endpoint(Method::GET, "/imports", "The import page: templates, a preview of every row's errors, the import (officers)", "pages")
            .to(super::pages::imports::show)
            .public()
            .responses(super::routes::PAGE_GET),
        endpoint(Method::POST, "/imports", "Previews or imports the chosen file (the page's multipart form)", "pages")
            .to(super::pages::imports::post)
            .public()
            .responses(&[(200, "The page with the report"), (422, "The page with each row's errors")]),
    ]);
}

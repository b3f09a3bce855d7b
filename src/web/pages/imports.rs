//! The officer's import page: download a template, choose a file, preview (a dry run that
//! reports every row's errors by column, in the reader's language) and import.

use super::{checked_post, error_page, respond, Ctx, Nav, SignedIn};
use crate::db::Record;
use crate::i18n::Tr;
use crate::imports::{OnDuplicate, Options, Report};
use crate::web::error::AppError;
use crate::web::AppState;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

/// One row's errors as the page shows them.
pub struct RowLine {
    pub row: usize,
    pub messages: Vec<String>,
}

#[derive(Template)]
#[template(path = "pages/imports.html")]
struct ImportPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    kinds: Vec<&'static str>,
    kind: String,
    update: bool,
    /// The report of what was sent, and whether it was written.
    report: Option<Report>,
    written: bool,
    rows: Vec<RowLine>,
    error: Option<String>,
}

impl ImportPage<'_> {
    fn kind_word(&self, kind: &str) -> String {
        self.tr.t(&format!("import.kind.{kind}")).to_string()
    }
}

fn page<'a>(c: &'a Ctx) -> ImportPage<'a> {
    ImportPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        kinds: Record::ALL.iter().map(|r| r.path()).collect(),
        kind: "candidates".into(),
        update: false,
        report: None,
        written: false,
        rows: Vec::new(),
        error: None,
    }
}

/// `GET /imports`.
pub async fn show(SignedIn { c, viewer }: SignedIn) -> HttpResponse {
    if !viewer.is_officer() {
        return error_page(&c, AppError::forbidden("officers only"), "/");
    }
    let p = page(&c);
    respond(&c, StatusCode::OK, p.render())
}

/// The posted form: its fields and the file.
#[derive(Default)]
struct Posted {
    csrf_token: String,
    kind: String,
    on_duplicate: String,
    action: String,
    file: Vec<u8>,
}

async fn posted(mut form: Multipart, limit: usize) -> Result<Posted, AppError> {
    let mut p = Posted::default();
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| AppError::malformed(format!("the form cannot be read: {e}"), None))?;
        let name = field.name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk
                .map_err(|e| AppError::malformed(format!("the file cannot be read: {e}"), None))?;
            if bytes.len() + chunk.len() > limit {
                return Err(AppError::TooLarge(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "csrf_token" => p.csrf_token = text(),
            "kind" => p.kind = text(),
            "on_duplicate" => p.on_duplicate = text(),
            "action" => p.action = text(),
            "file" => p.file = bytes,
            _ => {}
        }
    }
    Ok(p)
}

/// `POST /imports`: `action=preview` (a dry run) or `action=import`.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    c: Ctx,
    form: Multipart,
) -> HttpResponse {
    let p = match posted(form, state.settings.import_max_bytes).await {
        Ok(p) => p,
        Err(e) => return error_page(&c, e, "/imports"),
    };
    let viewer = match checked_post(&state, &req, &c, &p.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/imports"),
    };
    let Some(record) = crate::imports::kind(&p.kind) else {
        return error_page(&c, AppError::invalid("kind", "is not a kind"), "/imports");
    };
    let opts = Options {
        dry_run: p.action != "import",
        on_duplicate: if p.on_duplicate == "update" {
            OnDuplicate::Update
        } else {
            OnDuplicate::Skip
        },
    };
    let mut out = page(&c);
    out.kind = record.path().to_string();
    out.update = opts.on_duplicate == OnDuplicate::Update;
    if p.file.is_empty() {
        out.error = Some(c.tr.t("import.no_file").to_string());
        return respond(&c, StatusCode::UNPROCESSABLE_ENTITY, out.render());
    }
    let status = match crate::web::imports::import(&state, viewer, record, p.file, opts).await {
        Ok((status, report)) => {
            out.written = !report.dry_run && status == StatusCode::OK;
            out.rows = report
                .errors
                .iter()
                .map(|e| RowLine {
                    row: e.row,
                    messages: e
                        .fields
                        .iter()
                        .flat_map(|(col, ms)| {
                            ms.iter()
                                .map(move |m| format!("{col}: {}", c.tr.message_of(m)))
                        })
                        .collect(),
                })
                .collect();
            out.report = Some(report);
            status
        }
        Err(AppError::Validation(f)) => {
            out.error = Some(
                f.iter()
                    .flat_map(|(_, m)| m.to_vec())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => return error_page(&c, e, "/imports"),
    };
    respond(&c, status, out.render())
}

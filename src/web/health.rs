use super::error::AppError;
use super::AppState;
use actix_web::{web, HttpResponse};
use serde_json::json;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers, every migration is applied and the search index has been
/// built or replayed once.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db = state.db.clone();
    let ready = tokio::task::spawn_blocking(move || db.ready())
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let search = &state.search;
    // Read once: the indexer may become ready while this answer is written.
    let index_ready = search.is_ready();
    let index = json!({
        "ready": index_ready,
        "applied_seq": search.index.applied_seq(),
        "documents": search.index.len(),
    });
    let database = state.db.backend_name();
    Ok(match ready {
        Ok(()) if index_ready => HttpResponse::Ok().json(json!({"status": "ready", "database": database, "index": index})),
        Ok(()) => HttpResponse::ServiceUnavailable().json(json!({"status": "not_ready", "reason": "the search index is being built", "index": index})),
        Err(e) => HttpResponse::ServiceUnavailable().json(json!({"status": "not_ready", "reason": e.to_string(), "index": index})),
    })
}

/// Requests answered, by status class (1xx … 5xx), for `/metrics`.
#[derive(Default)]
pub struct Counters {
    by_class: [std::sync::atomic::AtomicU64; 5],
}

impl Counters {
    pub fn count(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Prometheus text: requests by status class, and the search index's state.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP heartland_http_requests_total Requests answered, by status class."
    );
    let _ = writeln!(out, "# TYPE heartland_http_requests_total counter");
    for (i, c) in state.counters.by_class.iter().enumerate() {
        let n = c.load(std::sync::atomic::Ordering::Relaxed);
        let _ = writeln!(
            out,
            "heartland_http_requests_total{{class=\"{}xx\"}} {n}",
            i + 1
        );
    }
    let search = &state.search;
    let _ = writeln!(
        out,
        "# HELP heartland_index_documents Records in the search index."
    );
    let _ = writeln!(out, "# TYPE heartland_index_documents gauge");
    let _ = writeln!(out, "heartland_index_documents {}", search.index.len());
    let _ = writeln!(
        out,
        "# HELP heartland_index_applied_seq The last change of index_events the index has applied."
    );
    let _ = writeln!(out, "# TYPE heartland_index_applied_seq gauge");
    let _ = writeln!(
        out,
        "heartland_index_applied_seq {}",
        search.index.applied_seq().unwrap_or(0)
    );
    let _ = writeln!(
        out,
        "# HELP heartland_index_ready Whether the index has been built or replayed once."
    );
    let _ = writeln!(out, "# TYPE heartland_index_ready gauge");
    let _ = writeln!(out, "heartland_index_ready {}", u8::from(search.is_ready()));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}

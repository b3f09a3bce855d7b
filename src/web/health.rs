use super::error::AppError;
use super::AppState;
use actix_web::{web, HttpResponse, ResponseError};
use serde_json::json;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers, every migration is applied, the search index has caught
/// up with the change feed once since the start, and it is now no further behind the database
/// than `ready_max_lag_seconds`. The answer says how far behind it is: changes not yet applied
/// (`lag_events`) and the age of the oldest of them (`lag_seconds`).
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db = state.db.clone();
    let search = state.search.clone();
    // Read once: the indexer may become ready while this answer is written.
    let index_ready = search.is_ready();
    let applied = search.index.applied_seq().unwrap_or(0);
    let checked = tokio::task::spawn_blocking(move || -> anyhow::Result<(i64, i64)> {
        db.ready()?;
        let mut conn = db.conn()?;
        let (events, oldest) = crate::db::feed_lag(&mut conn, applied)?;
        let seconds = oldest
            .map(|t| (crate::db::now() - t).whole_seconds().max(0))
            .unwrap_or(0);
        Ok((events, seconds))
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let (lag_events, lag_seconds) = checked.as_ref().map(|l| *l).unwrap_or((0, 0));
    let index = json!({
        "ready": index_ready,
        "applied_seq": search.index.applied_seq(),
        "documents": search.index.len(),
        "lag_events": lag_events,
        "watched_gaps": search.index.watched().len(),
        "lag_seconds": lag_seconds,
    });
    let bound = state.settings.ready_max_lag_seconds;
    let database = state.db.backend_name();
    Ok(match checked {
        Ok(_) if !index_ready => HttpResponse::ServiceUnavailable().json(json!({"status": "not_ready", "reason": "the search index is being built", "index": index})),
        Ok(_) if lag_seconds as u64 > bound => HttpResponse::ServiceUnavailable().json(json!({"status": "not_ready", "reason": format!("the search index is {lag_seconds} s behind the database (the bound is {bound} s)"), "index": index})),
        Ok(_) => HttpResponse::Ok().json(json!({"status": "ready", "database": database, "index": index})),
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

/// Prometheus text: requests by status class, and the search index's state. Only with the
/// configured `metrics_token` as a bearer token; without one configured, off (404).
pub async fn metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    use secrecy::ExposeSecret;
    use std::fmt::Write;
    let expected = state
        .settings
        .metrics_token
        .as_ref()
        .map(|t| t.expose_secret().to_string())
        .filter(|t| !t.is_empty());
    let Some(expected) = expected else {
        return AppError::NotFound.error_response();
    };
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !super::session::constant_time_eq(given.trim(), &expected) {
        return AppError::Unauthenticated.error_response();
    }
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

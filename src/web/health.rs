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
    let index = json!({
        "ready": search.is_ready(),
        "applied_seq": search.index.applied_seq(),
        "documents": search.index.len(),
    });
    let database = state.db.backend_name();
    Ok(match ready {
        Ok(()) if search.is_ready() => HttpResponse::Ok().json(json!({"status": "ready", "database": database, "index": index})),
        Ok(()) => HttpResponse::ServiceUnavailable().json(json!({"status": "not_ready", "reason": "the search index is being built", "index": index})),
        Err(e) => HttpResponse::ServiceUnavailable().json(json!({"status": "not_ready", "reason": e.to_string(), "index": index})),
    })
}

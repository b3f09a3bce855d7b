use super::error::AppError;
use super::AppState;
use actix_web::{web, HttpResponse};
use serde_json::json;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers and every migration is applied.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db = state.db.clone();
    let ready = tokio::task::spawn_blocking(move || db.ready())
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(match ready {
        Ok(()) => {
            HttpResponse::Ok().json(json!({"status": "ready", "database": state.db.backend_name()}))
        }
        Err(e) => HttpResponse::ServiceUnavailable()
            .json(json!({"status": "not_ready", "reason": e.to_string()})),
    })
}

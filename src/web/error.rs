//! The HTTP face of [`AppError`]: its status, headers and the JSON shape of API.md. A 500
//! says nothing of its cause: that goes to the log with the request id.

pub use crate::error::AppError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

tokio::task_local! {
    /// The id of the request being served, for error bodies and log lines.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Malformed { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated
            | AppError::InvalidCredentials
            | AppError::SecondFactorRequired(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::NoRoute => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) | AppError::ConflictOn { .. } => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::StorageUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = current_request_id();
        if let AppError::Internal(cause) = self {
            tracing::error!(request_id = %request_id, error = ?cause, "request failed");
        }
        if let AppError::StorageUnavailable(cause) = self {
            tracing::error!(request_id = %request_id, cause = %cause, "the database refused a write (disk full or read-only): answered 503, nothing changed");
        }
        let fields = match self {
            AppError::Validation(f) => serde_json::to_value(f).unwrap_or_default(),
            AppError::Malformed {
                field: Some(f),
                message,
            } => serde_json::json!({ f: [message] }),
            AppError::ConflictOn { field, message } => serde_json::json!({ field: [message] }),
            _ => serde_json::json!({}),
        };
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::RateLimited { retry_after_secs } = self {
            res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if matches!(self, AppError::StorageUnavailable(_)) {
            res.insert_header((header::RETRY_AFTER, "60"));
        }
        if matches!(self, AppError::Unauthenticated) {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.json(serde_json::json!({
            "error": {
                "code": self.code(),
                "message": self.to_string(),
                "fields": fields,
                "request_id": request_id,
            }
        }))
    }
}

//! One error type at the edge: each kind has its status and code here, in one table; the JSON
//! shape is API.md's. A 500 says nothing of its cause: that goes to the log with the request id.

use crate::db::DbError;
use crate::domain::FieldErrors;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

tokio::task_local! {
    /// The id of the request being served, for error bodies and log lines.
    pub static REQUEST_ID: String;
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Malformed {
        message: String,
        field: Option<String>,
    },
    #[error("sign in first: send Authorization: Bearer <token>")]
    Unauthenticated,
    #[error("the email address or password is wrong")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("no such endpoint")]
    NoRoute,
    #[error("this endpoint does not take that method")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    /// A conflict with what one field names (an address that has an account already).
    #[error("{message}")]
    ConflictOn { field: String, message: String },
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("some fields are invalid")]
    Validation(FieldErrors),
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error("an internal error occurred")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn malformed(message: impl Into<String>, field: Option<String>) -> Self {
        AppError::Malformed {
            message: message.into(),
            field,
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::single(field, message))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Malformed { .. } => "malformed_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::NoRoute => "no_route",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Conflict(_) | AppError::ConflictOn { .. } => "conflict",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Validation(_) => "validation_failed",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Internal(_) => "internal_error",
        }
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Query(q) => q.into(),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => AppError::NotFound,
            E::DatabaseError(K::ForeignKeyViolation, _) => {
                AppError::Conflict("other records still refer to this one".into())
            }
            E::DatabaseError(K::UniqueViolation, _) => {
                AppError::Conflict("it already exists".into())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Malformed { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::NoRoute => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) | AppError::ConflictOn { .. } => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = current_request_id();
        if let AppError::Internal(cause) = self {
            tracing::error!(request_id = %request_id, error = ?cause, "request failed");
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

//! The one error type of the use cases and the web: each kind has its code here, in one
//! table (API.md's `error.code`). The web gives each its HTTP status and body
//! (`web::error`); a 500 says nothing of its cause: that goes to the log with the request id.

use crate::db::DbError;
use crate::domain::FieldErrors;
use serde::de::DeserializeOwned;

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
    /// A staff member's second factor: missing or wrong, or not set up yet where required.
    #[error("{0}")]
    SecondFactorRequired(String),
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
    /// The database cannot take writes now (its disk is full, or it is read-only): nothing
    /// was changed, and trying again later may work. The cause is logged.
    #[error(
        "the service cannot save anything right now: nothing was changed; try again in a while"
    )]
    StorageUnavailable(String),
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

    /// The stable code API.md gives each kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Malformed { .. } => "malformed_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::SecondFactorRequired(_) => "second_factor_required",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::NoRoute => "no_route",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Conflict(_) | AppError::ConflictOn { .. } => "conflict",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Validation(_) => "validation_failed",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::StorageUnavailable(_) => "storage_unavailable",
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
            E::DatabaseError(K::ReadOnlyTransaction, info) => AppError::StorageUnavailable(
                format!("the database is read-only: {}", info.message()),
            ),
            E::DatabaseError(_, info) if storage_refused(info.message()) => {
                AppError::StorageUnavailable(info.message().to_string())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// Whether a database error says its storage refused the write: a full disk or a read-only
/// file or server (SQLite's and PostgreSQL's words for them).
pub fn storage_refused(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "database or disk is full",
        "no space left on device",
        "disk i/o error",
        "readonly database",
        "read-only",
        "could not extend file",
    ]
    .iter()
    .any(|w| m.contains(w))
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

/// A UTC timestamp as RFC 3339, as the API and exports show it.
pub fn rfc3339(t: time::PrimitiveDateTime) -> String {
    t.assume_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A JSON value as `T`, or a 400 naming the field that does not fit.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        AppError::malformed(e.inner().to_string(), field)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_or_read_only_store_is_storage_unavailable() {
        for message in [
            "database or disk is full",
            "attempt to write a readonly database",
            "disk I/O error",
            "could not extend file \"base/16384/2619\": No space left on device",
            "cannot execute INSERT in a read-only transaction",
        ] {
            assert!(storage_refused(message), "{message}");
        }
        assert!(!storage_refused("UNIQUE constraint failed: users.email"));
        assert!(!storage_refused("no such table: needs"));
    }
}

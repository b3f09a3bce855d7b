//! Reading request bodies and query strings: JSON only, bounded in size, with errors that
//! name the field (400 for what is not the documented shape, 415 for another content type, 413
//! past the limit). Invalid *values* are the validators' business (422).

use super::error::AppError;
use actix_web::{http::header, web, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

/// The body as a JSON value, after the content type and size checks.
pub async fn json_value(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<serde_json::Value, AppError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(AppError::UnsupportedMediaType);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::TooLarge(limit));
    }
    let body = bounded(payload, limit).await?;
    serde_json::from_slice(&body)
        .map_err(|e| AppError::malformed(format!("the body is not valid JSON: {e}"), None))
}

/// The body's bytes, 413 past `limit`.
pub async fn bounded(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, AppError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| AppError::malformed(format!("the body could not be read: {e}"), None))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a JSON value into `T`, naming the field that does not fit.
pub use crate::error::from_value;

/// A page's `cursor` parameter decoded, or an error on the field when this service did not
/// give it.
pub fn cursor(errors: &mut crate::domain::FieldErrors, cursor: Option<&str>) -> Option<String> {
    use base64::Engine;
    cursor.and_then(|c| {
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        errors.take(
            "cursor",
            decoded.ok_or_else(|| "is not a cursor this service gave".to_string()),
        )
    })
}

/// The cursor that continues after `last`.
pub fn next_cursor(last: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last)
}

/// The body read straight into `T`.
pub async fn json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<T, AppError> {
    from_value(json_value(req, payload, limit).await?)
}

/// The query string read into `T` (which should deny unknown fields).
pub fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, AppError> {
    let de =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(req.query_string().as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        AppError::malformed(e.inner().to_string(), (path != ".").then_some(path))
    })
}

//! What every handler shares: answers, failures, and running store work off the async
//! threads (redb is blocking).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::protocol::{CONTENT_TYPE, encode};

pub type Failure = (StatusCode, String);

pub fn reply<T: serde::Serialize>(value: &T) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], encode(value)).into_response()
}

pub fn bad_request(e: impl std::fmt::Display) -> Failure {
    (StatusCode::BAD_REQUEST, e.to_string())
}

pub fn unavailable(e: impl std::fmt::Display) -> Failure {
    (StatusCode::SERVICE_UNAVAILABLE, e.to_string())
}

/// Runs store work on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f).await.map_err(unavailable)?
}

pub fn finish(result: Result<Response, Failure>) -> Response {
    result.unwrap_or_else(|e| e.into_response())
}

//! Enrolment: a workstation (or a relay hub) joins with a one-time code and gets its token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::Hub;
use super::auth::{self, hash_secret, random_secret};
use super::common::*;
use crate::protocol::*;
use storage::EnrolOutcome;

pub async fn enrol(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    finish(
        async move {
            auth::check_version(&headers)?;
            let req: EnrolRequest = decode(&body).map_err(bad_request)?;
            let now = hub.store.clock().now_ms();
            blocking(move || {
                let token = random_secret(32);
                let outcome = hub
                    .store
                    .enrol_device(
                        &hash_secret(&normalise_code(&req.code)),
                        &hash_secret(&token),
                        &req.device,
                        now,
                    )
                    .map_err(unavailable)?;
                match outcome {
                    EnrolOutcome::Enrolled(device) => Ok(reply(&EnrolResponse {
                        token,
                        facility: device.facility,
                    })),
                    EnrolOutcome::NoSuchCode => Err((
                        StatusCode::UNAUTHORIZED,
                        "unknown, used or expired enrolment code".to_string(),
                    )),
                    EnrolOutcome::DeviceTaken => Err((
                        StatusCode::CONFLICT,
                        "a device with this id is enrolled already: enrol a new workstation \
                         from its own data file"
                            .to_string(),
                    )),
                }
            })
            .await
        }
        .await,
    )
}

/// Codes are typed by people: case, spaces and dashes do not matter.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

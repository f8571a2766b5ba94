//! Admin routes, from the hub's own machine with the admin token: enrolment codes,
//! revocation.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::Hub;
use super::auth::{self, hash_secret};
use super::common::*;
use crate::protocol::*;
use storage::{Enrolment, Store};

/// An admin request: the admin token from a loopback peer, then the decoded body handled on
/// the blocking pool.
pub async fn admin_call<Req, F>(
    hub: Arc<Hub>,
    peer: SocketAddr,
    headers: HeaderMap,
    body: Bytes,
    handle: F,
) -> Response
where
    Req: serde::de::DeserializeOwned + Send + 'static,
    F: FnOnce(&Hub, Req) -> Result<Response, Failure> + Send + 'static,
{
    finish(
        async move {
            auth::admin(&hub, &headers, peer)?;
            let req: Req = decode(&body).map_err(bad_request)?;
            blocking(move || handle(&hub, req)).await
        }
        .await,
    )
}

pub async fn admin_enrol(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    admin_call(hub, peer, headers, body, |hub, req: AdminEnrolRequest| {
        let code = issue_enrolment(&hub.store, &req.facility, &req.name, req.relay)
            .map_err(unavailable)?;
        Ok(reply(&AdminEnrolResponse { code }))
    })
    .await
}

pub async fn admin_revoke(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    admin_call(
        hub,
        peer,
        headers,
        body,
        |hub, req: AdminRevokeRequest| match hub
            .store
            .revoke_device(&req.device)
            .map_err(unavailable)?
        {
            true => Ok(StatusCode::NO_CONTENT.into_response()),
            false => Err((StatusCode::NOT_FOUND, format!("no device {}", req.device))),
        },
    )
    .await
}

/// Enrolment codes stay valid this long.
const CODE_VALID_MS: i64 = 7 * 86_400_000;

/// Makes a one-time enrolment code (12 characters, shown as XXXX-XXXX-XXXX) for `facility`.
pub fn issue_enrolment(
    store: &Store,
    facility: &str,
    name: &str,
    relay: bool,
) -> storage::Result<String> {
    // No 0/O, 1/I/L: the code is read aloud and typed.
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let raw: String = (0..12)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect();
    let enrolment = Enrolment {
        facility: facility.into(),
        name: name.into(),
        expires_at: store.clock().now_ms() + CODE_VALID_MS,
        relay,
    };
    store.add_enrolment(&hash_secret(&raw), &enrolment)?;
    Ok(format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..]))
}

//! Device and admin authentication: bearer tokens, stored only as SHA-256 hashes.

use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use storage::Device;

use super::Hub;
use crate::protocol::{OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION};

/// A random secret of `bytes` bytes, as lowercase hex.
pub fn random_secret(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn bearer<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix(scheme)?
        .strip_prefix(' ')
}

/// Refuses protocol versions this hub does not speak before anything else; returns the
/// request's version (bodies whose form changed are decoded by it).
pub fn check_version(headers: &HeaderMap) -> Result<u32, (StatusCode, String)> {
    let v = headers
        .get("x-clinic-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    match v {
        Some(v @ OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION) => Ok(v),
        _ => Err((
            StatusCode::CONFLICT,
            format!(
                "this hub speaks protocol versions {OLDEST_PROTOCOL_VERSION} to {PROTOCOL_VERSION}"
            ),
        )),
    }
}

/// The enrolled, active device making the request, or 401 (the same answer for unknown and
/// revoked tokens).
pub fn device(hub: &Hub, headers: &HeaderMap) -> Result<Device, (StatusCode, String)> {
    check_version(headers)?;
    let unauthorised = || {
        (
            StatusCode::UNAUTHORIZED,
            "unknown or revoked device".to_string(),
        )
    };
    let token = bearer(headers, "Bearer").ok_or_else(unauthorised)?;
    let unavailable = |e: storage::Error| (StatusCode::SERVICE_UNAVAILABLE, e.to_string());
    let device = hub
        .store
        .device_by_token(&hash_secret(token))
        .map_err(unavailable)?
        .ok_or_else(unauthorised)?;
    // From its first request on, the device's enrolment code cannot be used again.
    hub.store
        .mark_device_seen(&device.id, hub.store.clock().now_ms())
        .map_err(unavailable)?;
    Ok(device)
}

/// Admin requests carry the admin token and come from this machine.
pub fn admin(
    hub: &Hub,
    headers: &HeaderMap,
    peer: std::net::SocketAddr,
) -> Result<(), (StatusCode, String)> {
    check_version(headers)?;
    let ok = peer.ip().is_loopback()
        && bearer(headers, "Admin").is_some_and(|t| hash_secret(t) == hub.admin_hash);
    if ok {
        Ok(())
    } else {
        Err((
            StatusCode::UNAUTHORIZED,
            "admin only, from the hub's machine".into(),
        ))
    }
}

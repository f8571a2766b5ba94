//! Request handlers. Store work is blocking (redb) and runs on the blocking pool.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use storage::model::{AuditAction, AuditEntry, Body, Change};
use storage::{Applied, Device, EnrolOutcome, Enrolment, Store};

use super::Hub;
use super::auth::{self, hash_secret, random_secret};
use crate::protocol::*;

type Failure = (StatusCode, String);

fn reply<T: serde::Serialize>(value: &T) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], encode(value)).into_response()
}

fn bad_request(e: impl std::fmt::Display) -> Failure {
    (StatusCode::BAD_REQUEST, e.to_string())
}

fn unavailable(e: impl std::fmt::Display) -> Failure {
    (StatusCode::SERVICE_UNAVAILABLE, e.to_string())
}

/// Runs store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f).await.map_err(unavailable)?
}

fn finish(result: Result<Response, Failure>) -> Response {
    result.unwrap_or_else(|e| e.into_response())
}

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

/// May this device push this change? A workstation pushes its own changes; a relay hub pushes
/// changes of facilities in its township.
fn may_push(store: &Store, device: &Device, change: &Change) -> Result<(), String> {
    // Claim decisions and policies are made by hubs; a workstation cannot forge them.
    if matches!(change.body, Body::ClaimStatus { .. } | Body::Policy(_)) && !device.relay {
        return Err(format!(
            "a workstation may not push a {} change",
            change.body.kind()
        ));
    }
    if change.origin.device == device.id {
        return Ok(());
    }
    if device.relay {
        let township = |code: &str| store.facility(code).ok().flatten().map(|f| f.township);
        let own = township(&device.facility);
        if own.is_some() && township(&change.origin.facility) == own {
            return Ok(());
        }
    }
    Err(format!(
        "device {} may not push changes made by {}",
        device.id, change.origin.device
    ))
}

pub async fn push(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    finish(
        async move {
            let device = auth::device(&hub, &headers)?;
            let req: PushRequest = decode(&body).map_err(bad_request)?;
            blocking(move || {
                let mut results: Vec<(storage::Id, u32, EntryResult)> =
                    Vec::with_capacity(req.entries.len());
                let mut accepted: Vec<(usize, Change)> = Vec::new();
                // Audit entries must extend their device's hash chain.
                let mut chain = hub.store.audit_chain_check();
                for e in &req.entries {
                    // A resend of something already held is a duplicate, whoever sends it.
                    if hub.store.change_bytes(e.id).map_err(unavailable)?.is_some() {
                        results.push((e.id, e.version, EntryResult::Duplicate));
                        continue;
                    }
                    let verdict = match Change::decode(&e.change) {
                        Err(err) => Err(format!("malformed change: {err}")),
                        Ok(c) if c.id != e.id => {
                            Err("the change id does not match the entry".into())
                        }
                        Ok(c) => may_push(&hub.store, &device, &c)
                            .and_then(|_| {
                                chain.accept(&hub.store, &c).map_err(|e| e.to_string())?
                            })
                            .map(|_| c),
                    };
                    match verdict {
                        Ok(c) => {
                            accepted.push((results.len(), c));
                            results.push((e.id, e.version, EntryResult::Stored));
                        }
                        Err(reason) => {
                            results.push((e.id, e.version, EntryResult::Rejected(reason)))
                        }
                    }
                }
                let changes: Vec<Change> = accepted.iter().map(|(_, c)| c.clone()).collect();
                let outcomes = hub
                    .store
                    .apply_remote_at(&changes, true, None)
                    .map_err(unavailable)?;
                let mut new_claims = false;
                for ((slot, change), outcome) in accepted.iter().zip(outcomes) {
                    results[*slot].2 = match outcome {
                        Ok(Applied::New(_)) => {
                            new_claims |= matches!(change.body, Body::Claim(_));
                            EntryResult::Stored
                        }
                        Ok(Applied::Duplicate) => EntryResult::Duplicate,
                        Err(e) => EntryResult::Rejected(e.to_string()),
                    };
                }
                // The claims are stored whatever happens next; one the service fails to
                // decide now is decided after the next push or at restart.
                if new_claims && let Err(e) = hub.settle_claims() {
                    eprintln!("clinic-hub: settling claims failed: {e:#}");
                }
                Ok(reply(&PushResponse { results }))
            })
            .await
        }
        .await,
    )
}

/// Hub changes examined per pull request at most, so one request stays short.
const SCAN_LIMIT: usize = 50_000;

/// Serves the changes after the cursor for the device's catchment, with consent applied:
/// clinical records made at another facility go to a workstation only when the resident's
/// consent held here allows its facility that category today ([`Store::hub_may_send`]).
/// Everything else in the catchment flows (registrations, household links, consents,
/// check-ins, claims and their decisions, payments, audit entries, facilities, policies).
///
/// A consent naming the device's facility (its own consents included) releases the records
/// withheld before it came: their journal places may be behind the client's cursor, so they
/// are added at the end of the page, except those already sent in this request. A relay hub
/// receives its whole region: it is a hub, not a facility, and applies the rule to its own
/// workstations.
pub async fn pull(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    finish(
        async move {
            let device = auth::device(&hub, &headers)?;
            let req: PullRequest = decode(&body).map_err(bad_request)?;
            blocking(move || {
                let store = &hub.store;
                let own = store.facility(&device.facility).map_err(unavailable)?;
                let township = own.as_ref().map(|f| f.township.clone());
                let level = own.as_ref().map(|f| f.level);
                let consent_applies = !device.relay;
                let today = store.clock().today();
                let mut cursor = if req.epoch == hub.epoch {
                    req.cursor
                } else {
                    0
                };
                // From the start, every record is judged under today's consents: none is
                // behind the cursor waiting for release.
                let from_start = cursor == 0;
                let limit = req.limit.clamp(1, 5_000) as usize;
                let mut changes = Vec::new();
                let mut examined = 0;
                let mut more = false;
                let mut sent_records: HashSet<storage::Id> = HashSet::new();
                let mut released_for: Vec<storage::Id> = Vec::new();
                'pages: loop {
                    let page = store.journal_after(cursor, 1_000).map_err(unavailable)?;
                    if page.is_empty() {
                        break;
                    }
                    for (seq, change) in page {
                        if changes.len() >= limit || examined >= SCAN_LIMIT {
                            more = true;
                            break 'pages;
                        }
                        examined += 1;
                        cursor = seq;
                        let mine = change.origin.device == device.id; // it has them already
                        let releases = consent_applies
                            && !from_start
                            && matches!(&change.body, Body::Consent(c)
                                if c.names(&device.facility, level));
                        if mine && !releases {
                            continue;
                        }
                        let scope = store.township_of(&change).map_err(unavailable)?;
                        if !(scope.is_none()
                            || scope == township
                            || device.relay && township.is_none())
                        {
                            continue;
                        }
                        if releases && let Some(r) = change.body.resident() {
                            released_for.push(r);
                        }
                        if mine
                            || consent_applies
                                && !store
                                    .hub_may_send(&change, &device.facility, level, today)
                                    .map_err(unavailable)?
                        {
                            continue;
                        }
                        if matches!(change.body, Body::Record(_)) {
                            sent_records.insert(change.id);
                        }
                        changes.push(change.encode().map_err(unavailable)?);
                    }
                }
                released_for.sort();
                released_for.dedup();
                for resident in released_for {
                    let released = store
                        .released_records(resident, &device.facility, level, today)
                        .map_err(unavailable)?;
                    for record in released {
                        if sent_records.insert(record.id) {
                            changes.push(record.encode().map_err(unavailable)?);
                        }
                    }
                }
                Ok(reply(&PullResponse {
                    changes,
                    cursor,
                    more,
                    epoch: hub.epoch,
                }))
            })
            .await
        }
        .await,
    )
}

pub async fn fetch(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    finish(
        async move {
            let device = auth::device(&hub, &headers)?;
            let version = auth::check_version(&headers)?;
            let req = FetchRequest::decode_versioned(&body, version).map_err(bad_request)?;
            let break_glass = req.break_glass_reason().map(str::to_string);
            if break_glass
                .as_ref()
                .is_some_and(|r| r.chars().count() < storage::roles::MIN_REASON_CHARS)
            {
                return Err(bad_request(
                    "break-glass needs a reason (at least a few words)",
                ));
            }
            let now = hub.store.clock().now_ms();
            {
                let mut counts = hub.fetches.lock().unwrap_or_else(|p| p.into_inner());
                let entry = counts.entry(device.id.clone()).or_insert((now / 60_000, 0));
                if entry.0 != now / 60_000 {
                    *entry = (now / 60_000, 0);
                }
                entry.1 += 1;
                if entry.1 > hub.fetch_per_minute {
                    return Err((
                        StatusCode::TOO_MANY_REQUESTS,
                        "too many look-ups: wait a minute".into(),
                    ));
                }
            }
            blocking(move || {
                let store = &hub.store;
                let county = |code: &str| store.facility(code).ok().flatten().map(|f| f.county);
                let found = store
                    .find_by_identifier(&req.identifier)
                    .map_err(unavailable)?;
                let resident = match found {
                    Some(id) => store.resident(id).map_err(unavailable)?,
                    None => None,
                };
                // Outside the caller's region looks exactly like unknown: no existence leaks.
                let in_region = resident
                    .as_ref()
                    .is_some_and(|r| county(&r.home_facility) == county(&device.facility));
                let changes = match resident.filter(|_| in_region) {
                    Some(r) => {
                        // The hub audits the look-up on its own chain, naming the device; a
                        // break-glass look-up as such, with the clinician's reason.
                        let hub_actor = storage::Actor {
                            staff: format!("device:{}", device.id),
                            facility: device.facility.clone(),
                            role: storage::model::Role::Admin,
                        };
                        let audit = match &break_glass {
                            Some(reason) => AuditEntry::new(
                                AuditAction::BreakGlass,
                                Some(r.id),
                                format!("fetched from the hub: {reason}"),
                            ),
                            None => AuditEntry::new(
                                AuditAction::ViewHistory,
                                Some(r.id),
                                "fetched from the hub",
                            ),
                        };
                        store
                            .commit_one(&hub_actor, Body::Audit(audit))
                            .map_err(unavailable)?;
                        // Consent applies to workstations, unless the glass is broken.
                        let level = store
                            .facility(&device.facility)
                            .map_err(unavailable)?
                            .map(|f| f.level);
                        let today = store.clock().today();
                        let everything = device.relay || break_glass.is_some();
                        let mut out = Vec::new();
                        for c in store.resident_changes(r.id).map_err(unavailable)? {
                            if everything
                                || store
                                    .hub_may_send(&c, &device.facility, level, today)
                                    .map_err(unavailable)?
                            {
                                out.extend(c.encode().ok());
                            }
                        }
                        out
                    }
                    None => Vec::new(),
                };
                Ok(reply(&FetchResponse {
                    changes,
                    keep_days: hub.keep_days,
                }))
            })
            .await
        }
        .await,
    )
}

pub async fn trust_list(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Response {
    finish(
        async move {
            auth::device(&hub, &headers)?;
            match &hub.trust_list {
                Some(bytes) => Ok((
                    [(header::CONTENT_TYPE, "application/octet-stream")],
                    bytes.clone(),
                )
                    .into_response()),
                None => Err((
                    StatusCode::NOT_FOUND,
                    "this hub distributes no trust list".into(),
                )),
            }
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
    finish(
        async move {
            auth::admin(&hub, &headers, peer)?;
            let req: AdminEnrolRequest = decode(&body).map_err(bad_request)?;
            blocking(move || {
                let code = issue_enrolment(&hub.store, &req.facility, &req.name, req.relay)
                    .map_err(unavailable)?;
                Ok(reply(&AdminEnrolResponse { code }))
            })
            .await
        }
        .await,
    )
}

pub async fn admin_revoke(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    finish(
        async move {
            auth::admin(&hub, &headers, peer)?;
            let req: AdminRevokeRequest = decode(&body).map_err(bad_request)?;
            blocking(
                move || match hub.store.revoke_device(&req.device).map_err(unavailable)? {
                    true => Ok(StatusCode::NO_CONTENT.into_response()),
                    false => Err((StatusCode::NOT_FOUND, format!("no device {}", req.device))),
                },
            )
            .await
        }
        .await,
    )
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

//! Push: a device hands over its outbox entries. Each is checked against the device and the
//! domain's invariants before it is stored (`storage::authority`), in one transaction; every
//! refusal is audited on the hub's own chain and logged; the answer carries the hub's signed
//! receipt of the device's audit chain.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use storage::authority::{Pushed, Pusher};
use storage::model::{AuditAction, AuditEntry, Body, Change};
use storage::{Device, Id};

use super::Hub;
use super::auth;
use super::common::*;
use crate::protocol::*;

pub async fn push(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    finish(
        async move {
            let device = auth::device(&hub, &headers)?;
            let version = auth::check_version(&headers)?;
            let req: PushRequest = decode(&body).map_err(bad_request)?;
            blocking(move || {
                let mut results: Vec<(Id, u32, EntryResult)> =
                    Vec::with_capacity(req.entries.len());
                let mut refused: Vec<Refusal> = Vec::new();
                let mut slots = Vec::new();
                let mut changes = Vec::new();
                for e in &req.entries {
                    let reason = match Change::decode(&e.change) {
                        Err(err) => format!("malformed change: {err}"),
                        Ok(c) if c.id != e.id => "the change id does not match the entry".into(),
                        Ok(c) => {
                            slots.push(results.len());
                            changes.push(c);
                            results.push((e.id, e.version, EntryResult::Stored));
                            continue;
                        }
                    };
                    refused.push(Refusal::of(e.id, "entry", None, &reason, false));
                    results.push((e.id, e.version, EntryResult::Rejected(reason)));
                }
                let presence = |code: &str, at: u64| hub.trust.presence(code, at);
                let pusher = Pusher {
                    device: &device,
                    now_ms: hub.store.clock().now_ms(),
                    presence: &presence,
                };
                let outcomes = hub
                    .store
                    .apply_pushed(&pusher, &changes)
                    .map_err(unavailable)?;
                let mut new_claims = false;
                let mut forks = Vec::new();
                for ((slot, change), outcome) in slots.iter().zip(&changes).zip(outcomes) {
                    results[*slot].2 = match outcome {
                        Pushed::Stored(_) => {
                            new_claims |= matches!(change.body, Body::Claim(_));
                            if let Body::Audit(e) = &change.body
                                && e.action == AuditAction::ChainFork
                            {
                                forks.push((change.origin.device.clone(), e.reason.clone()));
                            }
                            EntryResult::Stored
                        }
                        Pushed::Duplicate => EntryResult::Duplicate,
                        // Older clients know no "later": for them it is a rejection they can
                        // retry, as before.
                        Pushed::Later(reason) if version >= 3 => EntryResult::Later(reason),
                        Pushed::Later(reason) => EntryResult::Rejected(reason),
                        Pushed::Rejected { reason, tampering } => {
                            let resident = change.body.resident();
                            let kind = change.body.kind();
                            refused
                                .push(Refusal::of(change.id, kind, resident, &reason, tampering));
                            EntryResult::Rejected(reason)
                        }
                    };
                }
                record(&hub, &device, &refused, &forks).map_err(unavailable)?;
                // The claims are stored whatever happens next; one the service fails to
                // decide now is decided after the next push or at restart.
                if new_claims && let Err(e) = hub.settle_claims() {
                    eprintln!("clinic-hub: settling claims failed: {e:#}");
                }
                let receipt = hub.receipt(&device.id).map_err(unavailable)?;
                Ok(reply(&PushResponse { results, receipt }))
            })
            .await
        }
        .await,
    )
}

/// One refused entry, as the hub records it.
struct Refusal {
    id: Id,
    kind: &'static str,
    resident: Option<Id>,
    reason: String,
    tampering: bool,
}

impl Refusal {
    fn of(id: Id, kind: &'static str, resident: Option<Id>, reason: &str, tampering: bool) -> Self {
        // A hostile device chooses the reason's inputs: keep the audit entry short.
        let reason = reason.chars().take(300).collect();
        Refusal {
            id,
            kind,
            resident,
            reason,
            tampering,
        }
    }
}

/// Audits each refusal and each declared fork on the hub's chain, and logs them: the hub's
/// administrator sees them with `clinic-hub rejections` and in the service's log.
fn record(
    hub: &Hub,
    device: &Device,
    refused: &[Refusal],
    forks: &[(String, String)],
) -> storage::Result<()> {
    let mut bodies = Vec::new();
    for r in refused {
        let action = if r.tampering {
            AuditAction::Tampering
        } else {
            AuditAction::Rejected
        };
        let reason = format!(
            "device {} ({}): {} {} refused: {}",
            device.id, device.facility, r.kind, r.id, r.reason
        );
        eprintln!("clinic-hub: {reason}");
        let mut entry = AuditEntry::new(action, r.resident, reason);
        entry.target = Some(r.id);
        bodies.push(Body::Audit(entry));
    }
    for (origin, why) in forks {
        let reason = format!(
            "device {origin} declared a fork of its audit chain (through {}): {}",
            device.id,
            why.chars().take(300).collect::<String>()
        );
        eprintln!("clinic-hub: {reason}");
        bodies.push(Body::Audit(AuditEntry::new(
            AuditAction::ChainFork,
            None,
            reason,
        )));
    }
    if !bodies.is_empty() {
        hub.store.commit(&super::hub_actor(), bodies)?;
    }
    Ok(())
}

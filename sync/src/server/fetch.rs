//! Fetch on demand: one resident the workstation does not hold, by identifier.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::Hub;
use super::auth;
use super::common::*;
use crate::protocol::*;
use storage::model::{AuditAction, AuditEntry, Body};

/// A device's look-ups in the current minute and the current day.
#[derive(Default)]
pub struct Counts {
    minute: i64,
    in_minute: u32,
    day: u32,
    in_day: u32,
}

impl Counts {
    /// Counts one look-up at `now_ms`; the refusal, when a limit is passed. A front desk
    /// never comes near either (a look-up happens only for a resident unknown here); a device
    /// harvesting guessable numbers does.
    fn count(&mut self, now_ms: i64, per_minute: u32, per_day: u32) -> Option<&'static str> {
        let (minute, day) = (
            now_ms / 60_000,
            storage::Date::of_instant(now_ms).ymd_number(),
        );
        if self.minute != minute {
            (self.minute, self.in_minute) = (minute, 0);
        }
        if self.day != day {
            (self.day, self.in_day) = (day, 0);
        }
        self.in_minute = self.in_minute.saturating_add(1);
        self.in_day = self.in_day.saturating_add(1);
        if self.in_day > per_day {
            Some("too many look-ups today: the hub's administrator was told")
        } else if self.in_minute > per_minute {
            Some("too many look-ups: wait a minute")
        } else {
            None
        }
    }
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
                let entry = counts.entry(device.id.clone()).or_default();
                if let Some(refusal) = entry.count(now, hub.fetch_per_minute, hub.fetch_per_day) {
                    return Err((StatusCode::TOO_MANY_REQUESTS, refusal.into()));
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
                    None => {
                        // A miss is audited too (a device probing numbers shows up), without
                        // the number itself, and answered exactly like any other miss.
                        let miss = AuditEntry::new(
                            AuditAction::Search,
                            None,
                            format!(
                                "device {} looked up a {} that names nobody in its region",
                                device.id,
                                req.identifier.kind()
                            ),
                        );
                        store
                            .commit_one(&super::hub_actor(), Body::Audit(miss))
                            .map_err(unavailable)?;
                        Vec::new()
                    }
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

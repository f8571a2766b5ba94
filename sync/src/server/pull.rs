//! Pull: the changes after a cursor for the device's catchment, with consent applied.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::Hub;
use super::auth;
use super::common::*;
use crate::protocol::*;
use storage::model::Body;

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

//! A hub that is also the client of the hub above it: it forwards what its workstations
//! pushed, and brings down what the upstream hub holds for its township.
//!
//! Forwarding walks the hub's own journal (by a cursor kept in the store); changes that came
//! from upstream are not sent back. Pulled changes are marked as from upstream.

use storage::model::Change;
use storage::{Applied, Store};

use crate::client::{HubClient, PULL_PAGE, PUSH_BATCH, Summary, SyncError};
use crate::protocol::{EntryResult, PushEntry};

pub const FORWARD_KEY: &str = "relay_forwarded";
pub const CURSOR_KEY: &str = "relay_cursor";
pub const EPOCH_KEY: &str = "relay_epoch";

/// The file of a relay hub's upstream settings, in its data directory.
pub const UPSTREAM_FILE: &str = "upstream.json";

/// Upstream settings of a relay hub, kept as `upstream.json` in its data directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UpstreamConfig {
    pub hub_url: String,
    pub token: String,
    pub facility: String,
    pub fingerprint: String,
}

/// One relay round: forward up, then pull down.
pub fn relay_round(store: &Store, upstream: &HubClient) -> Result<Summary, SyncError> {
    let mut s = Summary::default();
    loop {
        let after = store.meta_u64(FORWARD_KEY)?;
        let page = store.journal_after(after, PUSH_BATCH)?;
        let Some((last, _)) = page.last() else { break };
        let last = *last;
        let mut entries = Vec::new();
        for (_, change) in &page {
            if !store.is_from_upstream(change.id)? {
                entries.push(PushEntry {
                    id: change.id,
                    version: 1,
                    change: change.encode().map_err(storage::Error::from)?,
                });
            }
        }
        if !entries.is_empty() {
            for (_, _, result) in upstream.push(entries)?.results {
                match result {
                    EntryResult::Stored => s.pushed += 1,
                    EntryResult::Duplicate => s.duplicates += 1,
                    // Kept here; the upstream's reason is in its own log.
                    EntryResult::Rejected(_) => s.rejected += 1,
                }
            }
        }
        store.set_meta_u64(FORWARD_KEY, last)?;
    }
    loop {
        let cursor = store.meta_u64(CURSOR_KEY)?;
        let epoch = store.meta_u64(EPOCH_KEY)?;
        let page = upstream.pull(cursor, PULL_PAGE, epoch)?;
        let changes: Vec<Change> = page
            .changes
            .iter()
            .filter_map(|b| Change::decode(b).ok())
            .collect();
        store.mark_from_upstream(&changes.iter().map(|c| c.id).collect::<Vec<_>>())?;
        if page.epoch != epoch {
            store.set_meta_u64(EPOCH_KEY, page.epoch)?;
        }
        for o in store.apply_remote_at(&changes, true, Some((CURSOR_KEY, page.cursor)))? {
            match o {
                Ok(Applied::New(_)) => s.pulled += 1,
                Ok(Applied::Duplicate) => {}
                Err(_) => s.pull_failures += 1,
            }
        }
        if !page.more {
            break;
        }
    }
    Ok(s)
}

//! A hub that is also the client of the hub above it: it forwards what its workstations
//! pushed, and brings down what the upstream hub holds for its township.
//!
//! Forwarding walks the hub's own journal (by a cursor kept in the store); changes that came
//! from upstream are not sent back. Pulled changes are marked as from upstream.

use storage::Store;
use storage::model::Change;

use crate::client::{HubClient, PUSH_BATCH, Summary, SyncError, pull_all};
use crate::protocol::{EntryResult, PushEntry};

pub const FORWARD_KEY: storage::Counter = storage::Counter::RelayForwarded;
pub const CURSOR_KEY: storage::Counter = storage::Counter::RelayCursor;
pub const EPOCH_KEY: storage::Counter = storage::Counter::RelayEpoch;

/// Where older versions kept a relay's upstream settings, in the clear in its data directory;
/// moved into the encrypted store on sight.
pub const UPSTREAM_FILE: &str = "upstream.json";
/// The store's local key of the upstream settings (they hold the relay's device token).
const UPSTREAM_KEY: storage::Local = storage::Local::UpstreamConfig;

/// Upstream settings of a relay hub, kept inside its encrypted store.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UpstreamConfig {
    pub hub_url: String,
    pub token: String,
    pub facility: String,
    pub fingerprint: String,
}

/// The relay's upstream settings, if it has an upstream; an `upstream.json` left by an older
/// version is moved into the store and removed.
pub fn upstream_config(
    store: &Store,
    data_dir: &std::path::Path,
) -> Result<Option<UpstreamConfig>, SyncError> {
    let bad = |e: serde_json::Error| SyncError::Protocol(format!("upstream settings: {e}"));
    if let Some(bytes) = store.local_value(UPSTREAM_KEY)? {
        return serde_json::from_slice(&bytes).map(Some).map_err(bad);
    }
    let legacy = data_dir.join(UPSTREAM_FILE);
    match std::fs::read(&legacy) {
        Ok(bytes) => {
            let config: UpstreamConfig = serde_json::from_slice(&bytes).map_err(bad)?;
            save_upstream(store, &config)?;
            std::fs::remove_file(&legacy)
                .map_err(|e| SyncError::Storage(storage::Error::from(e)))?;
            Ok(Some(config))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SyncError::Storage(storage::Error::from(e))),
    }
}

pub fn save_upstream(store: &Store, config: &UpstreamConfig) -> Result<(), SyncError> {
    let bytes = serde_json::to_vec(config).map_err(|e| SyncError::Protocol(e.to_string()))?;
    store.set_local_value(UPSTREAM_KEY, &bytes)?;
    Ok(())
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
        let mut seqs = Vec::new();
        for (seq, change) in &page {
            if !store.is_from_upstream(change.id)? {
                seqs.push(*seq);
                entries.push(PushEntry {
                    id: change.id,
                    version: 1,
                    change: change.encode().map_err(storage::Error::from)?,
                });
            }
        }
        // Forwarded up to here; an entry the upstream defers holds the cursor before it.
        let mut forwarded = last;
        if !entries.is_empty() {
            let results = upstream.push(entries)?.results;
            for ((_, _, result), seq) in results.into_iter().zip(seqs) {
                match result {
                    EntryResult::Stored => s.pushed += 1,
                    EntryResult::Duplicate => s.duplicates += 1,
                    // Kept here; the upstream audits the reason.
                    EntryResult::Rejected(_) => s.rejected += 1,
                    EntryResult::Later(_) => forwarded = forwarded.min(seq - 1),
                }
            }
        }
        store.set_meta_u64(FORWARD_KEY, forwarded)?;
        if forwarded < last {
            break;
        }
    }
    // Changes from upstream are marked before they are applied, so they are never sent back.
    let mark = |changes: &[Change]| {
        let ids: Vec<storage::Id> = changes.iter().map(|c| c.id).collect();
        Ok(store.mark_from_upstream(&ids)?)
    };
    let pulled = pull_all(store, upstream, (CURSOR_KEY, EPOCH_KEY), mark, &mut |_| {})?;
    (s.pulled, s.pull_failures) = (pulled.new, pulled.failures);
    Ok(s)
}

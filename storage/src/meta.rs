//! What a store keeps about itself beside the change log (the `meta` table): counters and
//! cursors, and values this workstation alone keeps. Every key is named once, here, so no two
//! crates spell one differently and a misspelt key is a compile error. The key strings are in
//! every existing store: never change one.

/// A number a store keeps about itself (0 until first set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// The hub's pull sequence this workstation has applied up to.
    PullCursor,
    /// The hub's epoch that cursor counts in (a restored hub starts a new one).
    PullEpoch,
    /// When this workstation last finished a sync round (ms since the epoch).
    LastSyncMs,
    /// A relay hub: its upstream pull cursor and epoch, and how far it has forwarded.
    RelayCursor,
    RelayEpoch,
    RelayForwarded,
    /// A hub: the epoch its pull sequence counts in.
    HubEpoch,
}

impl Counter {
    pub const fn key(self) -> &'static str {
        match self {
            Counter::PullCursor => "pull_cursor",
            Counter::PullEpoch => "pull_epoch",
            Counter::LastSyncMs => "last_sync_ms",
            Counter::RelayCursor => "relay_cursor",
            Counter::RelayEpoch => "relay_epoch",
            Counter::RelayForwarded => "relay_forwarded",
            Counter::HubEpoch => "hub_epoch",
        }
    }
}

/// A value this workstation alone keeps (never synced), inside the encrypted file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Local {
    /// The hub's address, this device's token and the hub certificate's fingerprint.
    SyncConfig,
    /// A relay hub's upstream hub, likewise.
    UpstreamConfig,
    /// The newest trust list version installed: an older one is refused.
    TrustListVersion,
    /// The hub's last signed receipt of this device's audit chain, and the hub's key.
    AuditReceipt,
    ReceiptSigner,
    /// The catalogue (目录) installed in this store, as its tab-separated text.
    Catalogue,
}

impl Local {
    pub const fn key(self) -> &'static str {
        match self {
            Local::SyncConfig => "local/sync_config",
            Local::UpstreamConfig => "local/upstream_config",
            Local::TrustListVersion => "local/trust_list_version",
            Local::AuditReceipt => "local/audit_receipt",
            Local::ReceiptSigner => "local/hub_receipt_key",
            Local::Catalogue => "local/catalogue",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys are on disk in every store: each must stay what it was, and unique.
    #[test]
    fn the_keys_are_the_ones_stores_hold() {
        let counters = [
            (Counter::PullCursor, "pull_cursor"),
            (Counter::PullEpoch, "pull_epoch"),
            (Counter::LastSyncMs, "last_sync_ms"),
            (Counter::RelayCursor, "relay_cursor"),
            (Counter::RelayEpoch, "relay_epoch"),
            (Counter::RelayForwarded, "relay_forwarded"),
            (Counter::HubEpoch, "hub_epoch"),
        ];
        let locals = [
            (Local::SyncConfig, "local/sync_config"),
            (Local::UpstreamConfig, "local/upstream_config"),
            (Local::TrustListVersion, "local/trust_list_version"),
            (Local::AuditReceipt, "local/audit_receipt"),
            (Local::ReceiptSigner, "local/hub_receipt_key"),
            (Local::Catalogue, "local/catalogue"),
        ];
        let mut all: Vec<&str> = counters
            .iter()
            .map(|(c, k)| {
                assert_eq!(c.key(), *k);
                *k
            })
            .collect();
        all.extend(locals.iter().map(|(l, k)| {
            assert_eq!(l.key(), *k);
            *k
        }));
        // Keys the store itself writes.
        all.extend(["hlc", "schema_version", crate::apply::TRUST_LIST_VERSION]);
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "two meta keys are the same");
    }
}

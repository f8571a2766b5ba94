//! The audit log: a hash chain per device, its verification, and searching it.
//!
//! Every audit entry carries the SHA-256 of its device's previous audit change (`prev`). The
//! store sets it when it commits, and `audit_chain` lists each device's entries in chain order.
//! Removing or altering an entry breaks the chain at that point: the workstation checks its own
//! chain when it opens, and the hub checks every pushed entry against the device's chain before
//! storing it. Entries that arrive from elsewhere out of chain (a resident fetched from the hub
//! brings audit entries of other devices) are kept and searchable, but not linked.

use std::collections::HashMap;

use redb::ReadableTable;
use sha2::{Digest, Sha256};

use crate::apply::Tables;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{AuditEntry, Body, ChainHash, Change};
use crate::store::Store;
use crate::tables::{AUDIT_BY_RESIDENT, AUDIT_BY_TIME, AUDIT_CHAIN, CHANGES};

const GENESIS: ChainHash = [0; 32];

/// The hash that links the next entry to this one: of the change as stored.
pub fn hash(bytes: &[u8]) -> ChainHash {
    Sha256::digest(bytes).into()
}

/// Appends an applied audit change to its device's chain when it follows the chain's head.
pub(crate) fn link(
    t: &mut Tables,
    change: &Change,
    bytes: &[u8],
    entry: &AuditEntry,
) -> Result<()> {
    let device = change.origin.device.as_str();
    let last = t
        .audit_chain
        .range((device, 0u64)..=(device, u64::MAX))?
        .next_back()
        .transpose()?
        .map(|(k, v)| (k.value().1, v.value().0));
    let position = match last {
        None if entry.prev == GENESIS => 0,
        Some((n, head)) if head == entry.prev => n + 1,
        _ => return Ok(()),
    };
    t.audit_chain
        .insert((device, position), (hash(bytes), change.id.0))?;
    Ok(())
}

/// What checking a device's chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub device: String,
    /// Entries checked, in chain order.
    pub entries: u64,
    /// Where the chain breaks, and how; `None` when it holds.
    pub broken: Option<String>,
}

/// Checks pushed audit entries against each device's chain, batch by batch: an entry must
/// follow the device's head (or the entry before it in the same batch).
pub struct ChainCheck {
    heads: HashMap<String, ChainHash>,
}

impl ChainCheck {
    /// Accepts `change` if it is not an audit entry or extends its device's chain.
    pub fn accept(
        &mut self,
        store: &Store,
        change: &Change,
    ) -> Result<std::result::Result<(), String>> {
        let Body::Audit(entry) = &change.body else {
            return Ok(Ok(()));
        };
        let device = &change.origin.device;
        let head = match self.heads.get(device) {
            Some(h) => *h,
            None => store.audit_head(device)?.unwrap_or(GENESIS),
        };
        if entry.prev != head {
            return Ok(Err(format!(
                "audit chain broken: entry {} of device {device} does not follow the entry before it",
                change.id
            )));
        }
        self.heads.insert(device.clone(), hash(&change.encode()?));
        Ok(Ok(()))
    }
}

impl Store {
    /// The hash of the last entry of a device's audit chain.
    pub fn audit_head(&self, device: &str) -> Result<Option<ChainHash>> {
        let tx = self.read()?;
        let t = tx.open_table(AUDIT_CHAIN)?;
        Ok(t.range((device, 0u64)..=(device, u64::MAX))?
            .next_back()
            .transpose()?
            .map(|(_, v)| v.value().0))
    }

    /// A checker for a batch of pushed changes (the hub's push).
    pub fn audit_chain_check(&self) -> ChainCheck {
        ChainCheck {
            heads: HashMap::new(),
        }
    }

    /// Walks a device's audit chain from its first entry: every entry must be stored as
    /// hashed, and point at the one before it.
    /// Every device with an audit chain in this store.
    pub fn audit_devices(&self) -> Result<Vec<String>> {
        let tx = self.read()?;
        let chain = tx.open_table(AUDIT_CHAIN)?;
        let mut devices: Vec<String> = Vec::new();
        let mut next = chain.first()?.map(|(k, _)| k.value().0.to_string());
        while let Some(device) = next {
            // Jump past this device's entries to the next device's first.
            next = chain
                .range((device.as_str(), u64::MAX)..)?
                .find_map(|row| row.ok().map(|(k, _)| k.value().0.to_string()))
                .filter(|d| *d != device);
            devices.push(device);
        }
        Ok(devices)
    }

    pub fn verify_audit_chain(&self, device: &str) -> Result<ChainReport> {
        let tx = self.read()?;
        let chain = tx.open_table(AUDIT_CHAIN)?;
        let changes = tx.open_table(CHANGES)?;
        let mut report = ChainReport {
            device: device.to_string(),
            entries: 0,
            broken: None,
        };
        let mut prev = GENESIS;
        for row in chain.range((device, 0u64)..=(device, u64::MAX))? {
            let (key, value) = row?;
            let (position, (stored_hash, id)) = (key.value().1, value.value());
            let broken = |why: &str| Some(format!("entry {position} ({}): {why}", Id(id)));
            let Some(bytes) = changes.get(id)? else {
                report.broken = broken("missing");
                break;
            };
            let bytes = bytes.value();
            report.broken = match Change::decode(bytes).map(|c| c.body) {
                _ if position != report.entries => broken("a gap in the chain"),
                _ if hash(bytes) != stored_hash => broken("altered after it was written"),
                Ok(Body::Audit(e)) if e.prev == prev => None,
                Ok(Body::Audit(_)) => broken("does not follow the entry before it"),
                _ => broken("not an audit entry"),
            };
            if report.broken.is_some() {
                break;
            }
            prev = stored_hash;
            report.entries += 1;
        }
        Ok(report)
    }

    /// Audit entries about a resident, oldest first, with who made them.
    pub fn audit_for_resident(&self, resident: Id) -> Result<Vec<(Change, AuditEntry)>> {
        let tx = self.read()?;
        let index = tx.open_table(AUDIT_BY_RESIDENT)?;
        let ids: Vec<u128> = index
            .range((resident.0, i64::MIN, 0u128)..=(resident.0, i64::MAX, u128::MAX))?
            .map(|row| row.map(|(k, _)| k.value().2))
            .collect::<std::result::Result<_, _>>()?;
        self.audit_entries(ids)
    }

    /// Audit entries between two instants (ms), oldest first, optionally only one staff
    /// member's or about one resident; at most `limit`.
    pub fn search_audit(
        &self,
        from_ms: i64,
        to_ms: i64,
        staff: Option<&str>,
        resident: Option<Id>,
        limit: usize,
    ) -> Result<Vec<(Change, AuditEntry)>> {
        let ids: Vec<u128> = {
            let tx = self.read()?;
            let index = tx.open_table(AUDIT_BY_TIME)?;
            index
                .range((from_ms, 0u128)..(to_ms, 0u128))?
                .map(|row| row.map(|(k, _)| k.value().1))
                .collect::<std::result::Result<_, _>>()?
        };
        let mut out = self.audit_entries(ids)?;
        out.retain(|(c, e)| {
            staff.is_none_or(|s| c.origin.staff == s)
                && resident.is_none_or(|r| e.resident == Some(r))
        });
        out.truncate(limit);
        Ok(out)
    }

    fn audit_entries(&self, ids: Vec<u128>) -> Result<Vec<(Change, AuditEntry)>> {
        let tx = self.read()?;
        let changes = tx.open_table(CHANGES)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let bytes = changes.get(id)?.ok_or_else(|| {
                Error::Corrupt(format!("audit index points to missing {}", Id(id)))
            })?;
            let change = Change::decode(bytes.value())?;
            if let Body::Audit(entry) = &change.body {
                let entry = entry.clone();
                out.push((change, entry));
            }
        }
        Ok(out)
    }
}

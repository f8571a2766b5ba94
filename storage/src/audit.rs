//! The audit log: a hash chain per device, its verification, and searching it.
//!
//! Every audit entry carries the SHA-256 of its device's previous audit change (`prev`). The
//! store sets it when it commits, and `audit_chain` lists each device's entries in chain order.
//! Removing or altering an entry breaks the chain at that point: the workstation checks its own
//! chain when it opens, and the hub checks every pushed entry against the device's chain before
//! storing it. Entries that arrive from elsewhere out of chain (a resident fetched from the hub
//! brings audit entries of other devices) are kept and searchable, but not linked.

use std::collections::HashSet;

use redb::ReadableTable;
use sha2::{Digest, Sha256};

use crate::apply::Tables;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{AuditAction, AuditEntry, Body, ChainHash, Change};
use crate::store::Store;
use crate::tables::{AUDIT_BY_RESIDENT, AUDIT_BY_TIME, AUDIT_CHAIN, CHANGES};

const GENESIS: ChainHash = [0; 32];

/// The hash that links the next entry to this one: of the change as stored.
pub fn hash(bytes: &[u8]) -> ChainHash {
    Sha256::digest(bytes).into()
}

/// The last entry of a device's chain: its position and hash.
fn chain_head(t: &Tables, device: &str) -> Result<Option<(u64, ChainHash)>> {
    Ok(t.audit_chain
        .range((device, 0u64)..=(device, u64::MAX))?
        .next_back()
        .transpose()?
        .map(|(k, v)| (k.value().1, v.value().0)))
}

/// Whether `hash` is that of an entry of the device's chain (a fork may continue from any).
fn chain_holds(t: &Tables, device: &str, hash: &ChainHash) -> Result<bool> {
    for row in t.audit_chain.range((device, 0u64)..=(device, u64::MAX))? {
        if row?.1.value().0 == *hash {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Where an audit entry goes in its device's chain: next after the head when it follows the
/// head (or, a declared fork, any entry of the chain); `None` when it follows neither.
fn next_position(t: &Tables, device: &str, entry: &AuditEntry) -> Result<Option<u64>> {
    Ok(match chain_head(t, device)? {
        None => (entry.prev == GENESIS).then_some(0),
        Some((n, head)) if head == entry.prev => Some(n + 1),
        Some((n, _)) if entry.action == AuditAction::ChainFork => {
            chain_holds(t, device, &entry.prev)?.then_some(n + 1)
        }
        Some(_) => None,
    })
}

/// Appends an applied audit change to its device's chain when it follows the chain.
pub(crate) fn link(
    t: &mut Tables,
    change: &Change,
    bytes: &[u8],
    entry: &AuditEntry,
) -> Result<()> {
    let device = change.origin.device.as_str();
    let Some(position) = next_position(t, device, entry)? else {
        return Ok(());
    };
    t.audit_chain
        .insert((device, position), (hash(bytes), change.id.0))?;
    Ok(())
}

/// Why a pushed audit entry does not extend its device's chain at the hub, if it does not:
/// the reason, and whether it points at tampering (an entry that follows nothing the hub
/// holds: the device's chain was cut short or rewritten) rather than a missing predecessor.
pub(crate) fn push_verdict(
    t: &Tables,
    change: &Change,
    entry: &AuditEntry,
) -> Result<Option<String>> {
    let device = change.origin.device.as_str();
    if next_position(t, device, entry)?.is_some() {
        return Ok(None);
    }
    let held = chain_head(t, device)?.map_or(0, |(n, _)| n + 1);
    Ok(Some(format!(
        "audit chain broken: entry {} of device {device} does not follow the {held} entries \
         the hub holds; its chain was cut short or rewritten (a store restored from a backup \
         declares a fork first)",
        change.id
    )))
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

impl Store {
    /// How many entries of a device's chain this store holds, and the hash of the last one.
    pub fn audit_chain_end(&self, device: &str) -> Result<Option<(u64, ChainHash)>> {
        let tx = self.read()?;
        let t = tx.open_table(AUDIT_CHAIN)?;
        Ok(t.range((device, 0u64)..=(device, u64::MAX))?
            .next_back()
            .transpose()?
            .map(|(k, v)| (k.value().1 + 1, v.value().0)))
    }

    /// Whether an entry of a device's chain has this hash.
    pub fn audit_chain_contains(&self, device: &str, hash: &ChainHash) -> Result<bool> {
        let tx = self.read()?;
        let t = tx.open_table(AUDIT_CHAIN)?;
        for row in t.range((device, 0u64)..=(device, u64::MAX))? {
            if row?.1.value().0 == *hash {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The hash of the last entry of a device's audit chain.
    pub fn audit_head(&self, device: &str) -> Result<Option<ChainHash>> {
        let tx = self.read()?;
        let t = tx.open_table(AUDIT_CHAIN)?;
        Ok(t.range((device, 0u64)..=(device, u64::MAX))?
            .next_back()
            .transpose()?
            .map(|(_, v)| v.value().0))
    }

    /// Declares that this store's chain continues from its current head after entries were
    /// lost (a restore from a backup): the hub accepts the fork, records it on its own chain
    /// and takes the entries after it. Without it, the hub reports those entries as tampering.
    pub fn declare_fork(&self, actor: &crate::store::Actor, reason: &str) -> Result<Id> {
        self.commit_one(
            actor,
            Body::Audit(AuditEntry::new(AuditAction::ChainFork, None, reason)),
        )
    }

    /// A resident found and shown (at the front desk: name, identifiers, contact), by a search
    /// or a scan; `reason` says how (the scanner, the screen).
    pub fn audit_lookup(
        &self,
        actor: &crate::store::Actor,
        resident: Id,
        action: AuditAction,
        reason: &str,
    ) -> Result<Id> {
        if !matches!(action, AuditAction::Search | AuditAction::Scan) {
            return Err(Error::Invalid(format!("{action:?} is not a look-up")));
        }
        self.commit_one(
            actor,
            Body::Audit(AuditEntry::new(action, Some(resident), reason)),
        )
    }

    /// An administrator's decision to go on using a store whose audit log failed its check:
    /// audited as tampering, with the problem and the reason (at least a few words).
    pub fn acknowledge_tampering(
        &self,
        actor: &crate::store::Actor,
        problem: &str,
        reason: &str,
    ) -> Result<Id> {
        if reason.trim().chars().count() < crate::roles::MIN_REASON_CHARS {
            return Err(Error::Invalid(
                "give the reason for going on (a few words)".into(),
            ));
        }
        let text = format!("went on after: {problem}; because: {}", reason.trim());
        let text: String = text.chars().take(900).collect();
        self.commit_one(
            actor,
            Body::Audit(AuditEntry::new(AuditAction::Tampering, None, text)),
        )
    }

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

    /// Walks a device's audit chain from its first entry: every entry must be stored as
    /// hashed, and point at the one before it (a declared fork, at an earlier one).
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
        let mut earlier: HashSet<ChainHash> = HashSet::new();
        for row in chain.range((device, 0u64)..=(device, u64::MAX))? {
            let (key, value) = row?;
            let (position, (stored_hash, id)) = (key.value().1, value.value());
            let broken = |why: &str| Some(format!("entry {position} ({}): {why}", Id(id)));
            let Some(bytes) = changes.get(id)? else {
                report.broken = broken("missing");
                break;
            };
            // The chain hashes the change's canonical encoding, not its compressed form.
            let change = crate::codec::unpack_change(id, bytes.value());
            let canonical = change.as_ref().ok().and_then(|c| c.encode().ok());
            report.broken = match change.map(|c| c.body) {
                _ if position != report.entries => broken("a gap in the chain"),
                _ if canonical.map(|b| hash(&b)) != Some(stored_hash) => {
                    broken("altered after it was written")
                }
                Ok(Body::Audit(e)) if e.prev == prev => None,
                Ok(Body::Audit(e))
                    if e.action == AuditAction::ChainFork && earlier.contains(&e.prev) =>
                {
                    None
                }
                Ok(Body::Audit(_)) => broken("does not follow the entry before it"),
                _ => broken("not an audit entry"),
            };
            if report.broken.is_some() {
                break;
            }
            earlier.insert(stored_hash);
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
            let change = crate::codec::unpack_change(id, bytes.value())?;
            if let Body::Audit(entry) = &change.body {
                let entry = entry.clone();
                out.push((change, entry));
            }
        }
        Ok(out)
    }
}

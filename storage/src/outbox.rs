//! The outbox: changes waiting to be pushed, acknowledged exactly by id and version.

use redb::{ReadableTable, ReadableTableMetadata};

use crate::apply::Tables;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::Change;
use crate::store::Store;
use crate::tables::{CHANGES, OUTBOX, OUTBOX_BY_CHANGE, OUTBOX_REJECTED};

/// A change waiting to be pushed.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEntry {
    pub seq: u64,
    pub version: u32,
    pub change: Change,
}

/// Queues a change in the outbox, inside the caller's write transaction.
pub(crate) fn push(t: &mut Tables, change: Id, version: u32) -> Result<u64> {
    let seq = t.outbox.last()?.map_or(0, |(k, _)| k.value()) + 1;
    t.outbox.insert(seq, (change.0, version))?;
    t.outbox_by_change.insert(change.0, seq)?;
    Ok(seq)
}

impl Store {
    /// Up to `limit` entries with sequence greater than `after`, oldest first.
    pub fn outbox_after(&self, after: u64, limit: usize) -> Result<Vec<OutboxEntry>> {
        let tx = self.read()?;
        let outbox = tx.open_table(OUTBOX)?;
        let changes = tx.open_table(CHANGES)?;
        let mut out = Vec::new();
        for row in outbox.range(after + 1..)?.take(limit) {
            let (seq, v) = row?;
            let (id, version) = v.value();
            let bytes = changes.get(id)?.ok_or_else(|| {
                Error::Corrupt(format!("outbox entry for missing change {}", Id(id)))
            })?;
            out.push(OutboxEntry {
                seq: seq.value(),
                version,
                change: crate::codec::unpack_change(id, bytes.value())?,
            });
        }
        Ok(out)
    }

    /// Entries to push next: after `after`, skipping those the hub rejected.
    pub fn pending(&self, after: u64, limit: usize) -> Result<Vec<OutboxEntry>> {
        let tx = self.read()?;
        let rejected = tx.open_table(OUTBOX_REJECTED)?;
        let mut out = Vec::new();
        let mut cursor = after;
        while out.len() < limit {
            let page = self.outbox_after(cursor, limit)?;
            let Some(last) = page.last() else { break };
            cursor = last.seq;
            for e in page {
                if rejected.get(e.change.id.0)?.is_none() && out.len() < limit {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    /// Remembers why the hub refused an entry; it stays in the outbox, visible to staff.
    pub fn mark_rejected(&self, id: Id, reason: &str) -> Result<()> {
        let tx = self.begin_write_raw()?;
        {
            let by_change = tx.open_table(OUTBOX_BY_CHANGE)?;
            if by_change.get(id.0)?.is_some() {
                tx.open_table(OUTBOX_REJECTED)?.insert(id.0, reason)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Entries the hub refused, with its reasons.
    pub fn rejected(&self) -> Result<Vec<(OutboxEntry, String)>> {
        let tx = self.read()?;
        let rejected = tx.open_table(OUTBOX_REJECTED)?;
        let by_change = tx.open_table(OUTBOX_BY_CHANGE)?;
        let outbox = tx.open_table(OUTBOX)?;
        let changes = tx.open_table(CHANGES)?;
        let mut out = Vec::new();
        for row in rejected.iter()? {
            let (id, reason) = row?;
            let Some(seq) = by_change.get(id.value())?.map(|v| v.value()) else {
                continue;
            };
            let Some(version) = outbox.get(seq)?.map(|v| v.value().1) else {
                continue;
            };
            let Some(bytes) = changes.get(id.value())? else {
                continue;
            };
            let change = crate::codec::unpack_change(id.value(), bytes.value())?;
            out.push((
                OutboxEntry {
                    seq,
                    version,
                    change,
                },
                reason.value().to_string(),
            ));
        }
        Ok(out)
    }

    /// Sends a rejected entry again (after the cause was fixed): a new version, no longer
    /// skipped.
    pub fn retry_rejected(&self, id: Id) -> Result<()> {
        let tx = self.begin_write_raw()?;
        {
            let mut rejected = tx.open_table(OUTBOX_REJECTED)?;
            let by_change = tx.open_table(OUTBOX_BY_CHANGE)?;
            let mut outbox = tx.open_table(OUTBOX)?;
            let seq = by_change.get(id.0)?.map(|v| v.value());
            if let Some(seq) = seq {
                let current = outbox.get(seq)?.map(|v| v.value());
                if let Some((change, version)) = current {
                    outbox.insert(seq, (change, version + 1))?;
                }
            }
            rejected.remove(id.0)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Number of changes waiting to be pushed.
    pub fn outbox_len(&self) -> Result<u64> {
        let tx = self.read()?;
        Ok(tx.open_table(OUTBOX)?.len()?)
    }

    /// Removes exactly the acknowledged entries: an entry whose version changed since it was
    /// sent stays pending. Returns how many were removed.
    pub fn acknowledge(&self, acked: &[(Id, u32)]) -> Result<usize> {
        let tx = self.begin_write_raw()?;
        let mut removed = 0;
        {
            let mut outbox = tx.open_table(OUTBOX)?;
            let mut by_change = tx.open_table(OUTBOX_BY_CHANGE)?;
            let mut rejected = tx.open_table(OUTBOX_REJECTED)?;
            for (id, version) in acked {
                let Some(seq) = by_change.get(id.0)?.map(|v| v.value()) else {
                    continue;
                };
                let current = outbox.get(seq)?.map(|v| v.value().1);
                if current == Some(*version) {
                    outbox.remove(seq)?;
                    by_change.remove(id.0)?;
                    rejected.remove(id.0)?;
                    removed += 1;
                }
            }
        }
        tx.commit()?;
        Ok(removed)
    }
}

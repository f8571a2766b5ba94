//! The audit log, read side.

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{AuditEntry, Body, Change};
use crate::store::Store;
use crate::tables::{AUDIT_BY_RESIDENT, CHANGES};

impl Store {
    /// Audit entries about a resident, oldest first, with who made them.
    pub fn audit_for_resident(&self, resident: Id) -> Result<Vec<(Change, AuditEntry)>> {
        let tx = self.read()?;
        let index = tx.open_table(AUDIT_BY_RESIDENT)?;
        let changes = tx.open_table(CHANGES)?;
        let mut out = Vec::new();
        for row in index.range((resident.0, i64::MIN, 0u128)..=(resident.0, i64::MAX, u128::MAX))? {
            let id = row?.0.value().2;
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

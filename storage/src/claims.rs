//! Claims by status, payments by resident.

use crate::apply::decode;
use crate::error::Result;
use crate::ids::Id;
use crate::model::{Claim, ClaimStatus};
use crate::store::Store;
use crate::tables::{CLAIMS, CLAIMS_BY_STATUS, PAYMENTS};

impl Store {
    /// Claims currently in `status`, oldest first.
    pub fn claims_by_status(&self, status: ClaimStatus) -> Result<Vec<Claim>> {
        let tx = self.read()?;
        let index = tx.open_table(CLAIMS_BY_STATUS)?;
        let claims = tx.open_table(CLAIMS)?;
        let code = status.code();
        let mut out = Vec::new();
        for row in index.range((code, 0u128)..=(code, u128::MAX))? {
            if let Some(v) = claims.get(row?.0.value().1)? {
                out.push(decode(v.value())?);
            }
        }
        Ok(out)
    }

    pub fn claim(&self, id: Id) -> Result<Option<Claim>> {
        let tx = self.read()?;
        let t = tx.open_table(CLAIMS)?;
        t.get(id.0)?.map(|v| decode(v.value())).transpose()
    }

    /// Total paid by a resident, in fen.
    pub fn payments_total(&self, resident: Id) -> Result<i64> {
        let tx = self.read()?;
        let t = tx.open_table(PAYMENTS)?;
        let mut total = 0;
        for row in t.range((resident.0, i64::MIN, 0u128)..=(resident.0, i64::MAX, u128::MAX))? {
            total += row?.1.value();
        }
        Ok(total)
    }
}

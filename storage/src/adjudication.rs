//! The hub's settlement service: adjudicates queued claims one by one, oldest first, each
//! against the claims already settled, so the authoritative accumulator decides who reaches
//! the annual cap. Running it again does nothing to a claim it has settled.

use std::sync::Mutex;

use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::ids::Id;
use crate::model::{Body, ClaimStatus};
use crate::settlement::{ClaimContext, adjudicate};
use crate::store::{Actor, Store};

/// Adjudications must not interleave: each reads the accumulator the previous one wrote.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

impl Store {
    /// Adjudicates every queued claim as `actor` (a [`Role::Settlement`] account) and returns
    /// what it decided. Each decision is its own transaction: a crash loses none already made.
    ///
    /// [`Role::Settlement`]: crate::model::Role::Settlement
    pub fn adjudicate_queued(
        &self,
        actor: &Actor,
        catalogue: &Catalogue,
    ) -> Result<Vec<(Id, ClaimStatus)>> {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let policies = self.policies()?;
        let mut decided = Vec::new();
        for claim in self.claims_by_status(ClaimStatus::Queued)? {
            let resident = self.resident(claim.resident)?;
            let year = crate::date::Date::of_instant(claim.opened_at()).year();
            let duplicate_of = match claim.encounter {
                None => None,
                Some(enc) => self
                    .claims_of_resident(claim.resident)?
                    .into_iter()
                    .find(|c| {
                        c.id != claim.id
                            && c.encounter == Some(enc)
                            && matches!(c.status(), ClaimStatus::Accepted | ClaimStatus::Adjusted)
                    })
                    .map(|c| c.id),
            };
            let ctx = ClaimContext {
                level: self.facility(&claim.facility)?.map(|f| f.level),
                insured: resident
                    .as_ref()
                    .and_then(|r| r.insurance())
                    .is_some_and(|(scheme, _)| scheme == claim.scheme),
                before: self
                    .accumulator(claim.resident, &claim.scheme, year, true)?
                    .0,
                duplicate_of,
            };
            let mut change = adjudicate(&claim, &ctx, &policies, catalogue);
            change.at = self.clock().now_ms().max(claim.opened_at());
            let status = change.status;
            self.commit_one(
                actor,
                Body::ClaimStatus {
                    claim: claim.id,
                    change,
                },
            )?;
            decided.push((claim.id, status));
        }
        Ok(decided)
    }
}

//! What a hub sends a device that pulls: the changes after its cursor for its catchment, with
//! the resident's consent applied. The hub's pull route only decodes the request and encodes
//! this answer.

use std::collections::{HashMap, HashSet};

use crate::error::Result;
use crate::hub::Device;
use crate::model::{Body, Change};
use crate::store::Store;

/// A page of changes for one device.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PullPage {
    pub changes: Vec<Change>,
    /// The journal place to pull after next time.
    pub cursor: u64,
    /// More changes wait after `cursor`.
    pub more: bool,
}

impl Store {
    /// The changes after journal place `after` that `device` may have, at most `limit`, having
    /// looked at `scan_limit` changes at most (so one request stays short): those of the
    /// device's township (or of none), except its own; clinical records made at another
    /// facility only when the resident's consent held here allows the device's facility that
    /// category today ([`Store::hub_may_send`]). Everything else in the catchment flows
    /// (registrations, household links, consents, check-ins, claims and their decisions,
    /// payments, audit entries, facilities, policies).
    ///
    /// A consent naming the device's facility (its own consents included) releases the records
    /// withheld before it came: their journal places may be behind the cursor, so they are
    /// added at the end of the page, except those already in it. From the start (`after` 0)
    /// every record is judged under today's consents, so none waits for a release. A relay
    /// hub receives its whole region: it is a hub, not a facility, and applies the rule to
    /// its own workstations.
    pub fn pull_page(
        &self,
        device: &Device,
        after: u64,
        limit: usize,
        scan_limit: usize,
    ) -> Result<PullPage> {
        let own = self.facility(&device.facility)?;
        let township = own.as_ref().map(|f| f.township.clone());
        let level = own.as_ref().map(|f| f.level);
        let consent_applies = !device.relay;
        let today = self.clock().today();
        let from_start = after == 0;
        let mut page = PullPage {
            cursor: after,
            ..PullPage::default()
        };
        let mut examined = 0;
        let mut sent_records: HashSet<crate::Id> = HashSet::new();
        let mut released_for: Vec<crate::Id> = Vec::new();
        let mut townships: HashMap<crate::Id, Option<String>> = HashMap::new();
        'journal: loop {
            let batch = self.journal_after(page.cursor, 1_000)?;
            if batch.is_empty() {
                break;
            }
            for (seq, change) in batch {
                if page.changes.len() >= limit || examined >= scan_limit {
                    page.more = true;
                    break 'journal;
                }
                examined += 1;
                page.cursor = seq;
                let mine = change.origin.device == device.id; // it has them already
                let releases = consent_applies
                    && !from_start
                    && matches!(&change.body, Body::Consent(c)
                        if c.names(&device.facility, level));
                if mine && !releases {
                    continue;
                }
                // A resident's township is looked up once a page (a bootstrap's page holds
                // many changes of each resident).
                let scope = match change.body.resident() {
                    Some(r) => match townships.get(&r) {
                        Some(scope) => scope.clone(),
                        None => {
                            let scope = self.township_of(&change)?;
                            townships.insert(r, scope.clone());
                            scope
                        }
                    },
                    None => self.township_of(&change)?,
                };
                if !(scope.is_none() || scope == township || device.relay && township.is_none()) {
                    continue;
                }
                if releases && let Some(r) = change.body.resident() {
                    released_for.push(r);
                }
                if mine
                    || consent_applies
                        && !self.hub_may_send(&change, &device.facility, level, today)?
                {
                    continue;
                }
                if matches!(change.body, Body::Record(_)) {
                    sent_records.insert(change.id);
                }
                page.changes.push(change);
            }
        }
        released_for.sort();
        released_for.dedup();
        for resident in released_for {
            for record in self.released_records(resident, &device.facility, level, today)? {
                if sent_records.insert(record.id) {
                    page.changes.push(record);
                }
            }
        }
        Ok(page)
    }
}

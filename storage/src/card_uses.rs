//! Card-use reports: recorded where a card is scanned, read back by time where they are
//! reported upstream (the hub).

use crate::error::Result;
use crate::ids::Id;
use crate::model::{Body, CardUse, Change};
use crate::store::{Actor, Store};
use crate::tables::CHANGES;

impl Store {
    /// Records that `actor` used the resident's card; the report travels in the outbox.
    pub fn record_card_use(&self, actor: &Actor, card_use: CardUse) -> Result<Id> {
        self.commit_one(actor, Body::CardUse(card_use))
    }

    /// The card uses made between two instants (milliseconds since the Unix epoch, `to`
    /// excluded), oldest first, wherever they were made. Change ids are UUIDv7, ordered by
    /// the time they were made, so this reads only that window of the change log.
    pub fn card_uses(&self, from_ms: i64, to_ms: i64) -> Result<Vec<(Change, CardUse)>> {
        let at = |ms: i64| Id::from_parts(ms.max(0) as u64, [0; 10]).0;
        let tx = self.read()?;
        let changes = tx.open_table(CHANGES)?;
        let mut out = Vec::new();
        for row in changes.range(at(from_ms)..at(to_ms))? {
            let (id, bytes) = row?;
            let change = crate::codec::unpack_change(id.value(), bytes.value())?;
            if let Body::CardUse(u) = &change.body {
                let u = u.clone();
                out.push((change, u));
            }
        }
        Ok(out)
    }
}

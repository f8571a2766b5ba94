//! Keeping the file small after a bulk load (a bootstrap, the demo township).
//!
//! A b-tree filled in random key order leaves its pages about two-thirds full, and every
//! index here (by resident, by name, by identifier) is filled in the order changes arrive,
//! not in key order; redb then keeps the pages a large load freed inside the file. So:
//! - [`Store::repack`] rewrites each table in key order (one transaction per table: a crash
//!   leaves every table either as it was or rewritten, never half), which fills each page;
//! - [`Store::compact`] moves the pages in use to the front of the file and cuts the rest off.
//!   It needs the store to itself, so [`Store::open`] runs it when the file has much room to
//!   give back, and whoever holds the store alone (the command line, a benchmark) may run it.

use redb::{
    Database, Key, ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition,
    TableHandle, Value,
};

use crate::Store;
use crate::backup::{EachTable, each_table};
use crate::error::{Error, Result};

/// Compact at open when the file is at least this much larger than its pages in use: below it
/// the space is soon reused by new writes, and compacting would only cost time.
const SLACK_RATIO: f64 = 1.25;
const SLACK_MIN: u64 = 1 << 20;

struct Repack<'a>(&'a Database);

impl EachTable for Repack<'_> {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        _src: &ReadTransaction,
        def: TableDefinition<K, V>,
    ) -> Result<()> {
        let scratch = format!("{}.repack", def.name());
        let scratch: TableDefinition<K, V> = TableDefinition::new(&scratch);
        let tx = self.0.begin_write()?;
        {
            let from = tx.open_table(def)?;
            if from.len()? == 0 {
                return Ok(());
            }
            let mut to = tx.open_table(scratch)?;
            for row in from.iter()? {
                let (k, v) = row?;
                to.insert(k.value(), v.value())?;
            }
        }
        tx.delete_table(def)?;
        tx.rename_table(scratch, def)?;
        tx.commit()?;
        Ok(())
    }
}

impl Store {
    /// Rewrites every table in key order, so each page is full. The data is the same before
    /// and after; only its layout changes. Run after a bulk load; the room it frees goes back
    /// to the disk at the next [`Store::compact`] (or the next open).
    pub fn repack(&self) -> Result<()> {
        let _writer = self.writer();
        let tx = self.read()?;
        each_table(&tx, &mut Repack(&self.db))
    }

    /// Gives the file's unused pages back to the disk. Needs the store to itself: while
    /// another program reads it, nothing is done and `false` is returned.
    pub fn compact(&mut self) -> Result<bool> {
        compact(&mut self.db)
    }
}

/// Compacts until redb finds nothing more to move. `false` when another reader is in the way.
fn compact(db: &mut Database) -> Result<bool> {
    loop {
        match db.compact() {
            Ok(true) => {}
            Ok(false) => return Ok(true),
            Err(redb::CompactionError::TransactionInProgress) => return Ok(false),
            Err(e) => return Err(Error::Db(redb::Error::from(e))),
        }
    }
}

/// At open: compacts when the file holds much more than its pages in use (after a bulk load
/// and [`Store::repack`]). Skipped, not failed, when another program has the file open.
pub(crate) fn compact_if_slack(db: &mut Database, file_bytes: u64) -> Result<()> {
    let in_use = {
        let tx = db.begin_write()?;
        let stats = tx.stats()?;
        let bytes = stats.allocated_pages() * stats.page_size() as u64;
        tx.abort()?;
        bytes
    };
    let slack = file_bytes.saturating_sub(in_use);
    // Moving pages copies what they hold: a damaged file (a page rolled back) is left as it is
    // for the integrity check to report, never compacted.
    if slack >= SLACK_MIN
        && file_bytes as f64 >= in_use as f64 * SLACK_RATIO
        && db.check_integrity().unwrap_or(false)
    {
        compact(db)?;
    }
    Ok(())
}

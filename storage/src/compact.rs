//! Keeping the file small after a bulk load (a bootstrap, the demo township).
//!
//! A b-tree filled in random key order leaves its pages about two-thirds full, and every
//! index here (by resident, by name, by identifier) is filled in the order changes arrive,
//! not in key order; redb then keeps the pages a large load freed inside the file. So when
//! the file holds much more than its pages in use, [`Store::open`] rewrites it: every table
//! copied in key order into a new file beside it (each page full), which then takes the
//! file's place. One sequential pass, run once at the open after the load: the load itself
//! (a bootstrap, with the clinic waiting) pays nothing for it.

use std::path::Path;

use redb::{Database, ReadableDatabase};

use crate::Store;
use crate::error::{Error, Result};
use crate::store::OpenOptions;

/// Rewrite at open when the file is at least this much larger than what it stores (rows and
/// b-tree metadata): below it the room is soon reused by new writes, and rewriting would only
/// cost time. A file just rewritten has its pages about nine-tenths full; after a bulk load
/// they are a third empty, and the pages the load freed come on top.
const SLACK_RATIO: f64 = 1.5;
const SLACK_MIN: u64 = 256 << 10;

impl Store {
    /// Rewrites the file now, whatever room it has to give back (a program that holds the
    /// store alone after a bulk load: a benchmark, the hub's demo loader).
    pub fn compact(&mut self) -> Result<()> {
        self.db = rewrite(&self.db, &self.path, &self.reopen_options())?;
        Ok(())
    }
}

/// At open: rewrites the file when it is much larger than what it holds (after a bulk load).
/// A file that fails the integrity check is left as it is for the check to report, never
/// copied; a rewrite that fails (a full disk) leaves the file as it was, and the store opens
/// as it is.
pub(crate) fn compact_at_open(
    mut db: Database,
    path: &Path,
    options: &OpenOptions,
) -> Result<Database> {
    let held = {
        let tx = db.begin_write()?;
        let stats = tx.stats()?;
        tx.abort()?;
        stats.stored_bytes() + stats.metadata_bytes()
    };
    let file_bytes = std::fs::metadata(path)?.len();
    let slack = file_bytes.saturating_sub(held);
    if slack >= SLACK_MIN
        && file_bytes as f64 >= held as f64 * SLACK_RATIO
        && db.check_integrity().unwrap_or(false)
        && let Ok(copy) = rewrite(&db, path, options)
    {
        return Ok(copy);
    }
    Ok(db)
}

/// Copies every table of `db` in key order into a new file beside `path` (locked by the same
/// secret under a new data key) and puts it in `path`'s place; returns it, open. The rename
/// happens while both files are open as this program's: whoever opens `path` meanwhile finds
/// one whole file or the other, and this program holds the writer's lock on both.
fn rewrite(db: &Database, path: &Path, options: &OpenOptions) -> Result<Database> {
    let part = path.with_extension("compacting");
    let mut copy = crate::backup::copy_into(&db.begin_read()?, &part, options)?;
    // The copy's pages are packed at the front; redb grows a file in steps, so its tail is
    // cut off (nothing else has the copy open yet).
    let placed = trim(&mut copy).and_then(|()| Ok(std::fs::rename(&part, path)?));
    if let Err(e) = placed {
        drop(copy);
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    // Once renamed, the copy is the store: the old file must not be written again, so a
    // directory that fails to sync is not a failed rewrite (at worst a crash brings back the
    // old file's name, and the old file whole).
    let _ = crate::backup::sync_dir(path);
    Ok(copy)
}

/// Moves pages to the front of the file until redb finds nothing more to move, and cuts off
/// the rest.
fn trim(db: &mut Database) -> Result<()> {
    while db.compact().map_err(|e| Error::Db(redb::Error::from(e)))? {}
    Ok(())
}

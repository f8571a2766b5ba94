//! A property test of the encrypted file (`storage/src/encrypted_file.rs`, under redb as
//! every store runs it) against an in-memory model, with power cuts in the middle of commits.
//!
//! Random transactions put and delete values of up to three pages in a table opened through
//! `Store::open_raw`; the model is a `BTreeMap` of what was committed. A power cut is
//! simulated on the file's bytes from the copy before a commit and the copy after it: redb
//! (two-phase commit, as the store's single-writer mode has it) writes the new pages and a
//! header naming the new commit only as the secondary, flushes, writes a header making it the
//! primary, flushes, and writes the header once more; the file keeps page 0 in two slots,
//! each write in the other. So:
//!
//! - cut before the first flush: any of the new pages written, not written or torn, and the
//!   first header write torn or not made. Reopening gives the state before the commit;
//! - cut after the second flush: the last header write torn. Reopening gives the new state
//!   (the commit had returned: it must not be lost);
//! - and, not a power cut, a page of the committed file damaged: reading gives the committed
//!   state or an error, never other data, and never a panic.
//!
//! After a cut the test goes on from the file as the cut left it, with the state it found.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use proptest::prelude::*;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use storage::{OpenOptions, Store};

/// Cases; `PROPTEST_CASES` overrides it for a longer run.
const CASES: u32 = 64;

/// Layout of the encrypted file (see storage/src/encrypted_file.rs): a clear key header,
/// then slots of counter, nonce, one sealed 4 KiB page and its tag; slots 0 and 1 hold page 0.
const HEADER: usize = 4096;
const SLOT: usize = 8 + 24 + 4096 + 16;

const KV: TableDefinition<u64, &[u8]> = TableDefinition::new("kv");

type Model = BTreeMap<u64, Vec<u8>>;

fn options() -> OpenOptions {
    OpenOptions::new("测试密钥").fast_kdf_for_tests()
}

#[derive(Clone, Debug)]
enum Write {
    /// Key, length, fill byte.
    Put(u64, usize, u8),
    Delete(u64),
}

#[derive(Clone, Debug)]
enum Ending {
    /// The commit completes and the program goes on.
    Clean,
    /// The commit completes and the program restarts.
    Reopen,
    /// Power cut before the commit's first flush. The seed picks, for each page the commit
    /// wrote, whether it reached the disk, did not, or was torn; and the first header write.
    CutBeforeFlush(u64),
    /// Power cut after the second flush, tearing the last header write at this byte.
    CutLastHeader(usize),
    /// After a clean commit, the slot picked by the index torn at this byte (damage, not a
    /// power cut).
    Damage(prop::sample::Index, usize),
}

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        3 => (0u64..24, prop_oneof![0usize..100, 100usize..13_000], any::<u8>())
            .prop_map(|(k, len, fill)| Write::Put(k, len, fill)),
        1 => (0u64..24).prop_map(Write::Delete),
    ]
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        2 => Just(Ending::Clean),
        1 => Just(Ending::Reopen),
        3 => any::<u64>().prop_map(Ending::CutBeforeFlush),
        2 => (1usize..SLOT).prop_map(Ending::CutLastHeader),
        1 => (any::<prop::sample::Index>(), 1usize..SLOT).prop_map(|(i, at)| Ending::Damage(i, at)),
    ]
}

/// A value's bytes: its length, its key and the fill byte all show in it.
fn value(key: u64, len: usize, fill: u8) -> Vec<u8> {
    (0..len)
        .map(|i| fill ^ (i as u8).wrapping_mul(31) ^ key as u8)
        .collect()
}

fn apply(model: &mut Model, writes: &[Write]) {
    for w in writes {
        match *w {
            Write::Put(k, len, fill) => {
                model.insert(k, value(k, len, fill));
            }
            Write::Delete(k) => {
                model.remove(&k);
            }
        }
    }
}

fn commit(db: &redb::Database, writes: &[Write]) {
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(KV).unwrap();
        for w in writes {
            match *w {
                Write::Put(k, len, fill) => {
                    t.insert(k, value(k, len, fill).as_slice()).unwrap();
                }
                Write::Delete(k) => {
                    t.remove(k).unwrap();
                }
            }
        }
    }
    tx.commit().unwrap();
}

/// Everything the file holds, read through a fresh open.
fn read(path: &Path) -> Result<Model, String> {
    let db = Store::open_raw(path, &options()).map_err(|e| e.to_string())?;
    let tx = db.begin_read().map_err(|e| e.to_string())?;
    let table = match tx.open_table(KV) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Model::new()),
        Err(e) => return Err(e.to_string()),
    };
    let mut out = Model::new();
    for row in table.iter().map_err(|e| e.to_string())? {
        let (k, v) = row.map_err(|e| e.to_string())?;
        out.insert(k.value(), v.value().to_vec());
    }
    Ok(out)
}

fn slot(bytes: &[u8], n: usize) -> Option<&[u8]> {
    bytes.get(HEADER + n * SLOT..HEADER + (n + 1) * SLOT)
}

fn counter(bytes: &[u8], n: usize) -> u64 {
    slot(bytes, n).map_or(0, |s| u64::from_le_bytes(s[..8].try_into().unwrap()))
}

/// `new` up to `at`, `old` after it: a write cut off partway.
fn torn(old: &[u8], new: &[u8], at: usize) -> Vec<u8> {
    new[..at].iter().chain(&old[at..]).copied().collect()
}

/// A small generator for the choices a seed stands for.
struct Choices(u64);

impl Choices {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The file as a power cut leaves it: the two copies of the file around one commit and how
/// the cut fell. `before_flush` keeps the old headers (the first header write torn or not
/// made) and mixes the data pages; otherwise the new pages and the second header are on the
/// disk and the last header write is torn at `at`.
fn cut(old: &[u8], new: &[u8], before_flush: Option<u64>, at: usize) -> Vec<u8> {
    let len = old.len().max(new.len());
    let slots = (len - HEADER) / SLOT;
    let zeros = vec![0u8; SLOT];
    let of = |bytes: &'_ [u8], n| slot(bytes, n).map_or(zeros.clone(), <[u8]>::to_vec);
    let mut out = new[..HEADER].to_vec();
    // The header slot the commit wrote first and last (both writes went to the same slot).
    let last = if counter(new, 0) > counter(new, 1) {
        0
    } else {
        1
    };
    match before_flush {
        Some(seed) => {
            let mut pick = Choices(seed | 1);
            for n in 0..slots {
                let (o, w) = (of(old, n), of(new, n));
                let bytes = if n < 2 {
                    // The headers as before, but for the first header write, torn or not made.
                    match (n == last, pick.next(2)) {
                        (true, 0) => torn(&o, &w, 1 + pick.next(SLOT as u64 - 1) as usize),
                        _ => o,
                    }
                } else if o == w {
                    o
                } else {
                    match pick.next(3) {
                        0 => o,
                        1 => w,
                        _ => torn(&o, &w, 1 + pick.next(SLOT as u64 - 1) as usize),
                    }
                };
                out.extend(bytes);
            }
        }
        None => {
            for n in 0..slots {
                let (o, w) = (of(old, n), of(new, n));
                out.extend(if n == last { torn(&o, &w, at) } else { w });
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        // Failures are kept as named regression tests in this file, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn committed_data_survives_power_cuts_and_damage_is_never_read_as_data(
        steps in prop::collection::vec((prop::collection::vec(write(), 1..8), ending()), 1..12),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.redb");
        let probe = dir.path().join("probe.redb");
        let mut db = Some(Store::open_raw(&path, &options()).unwrap());
        let mut model = Model::new();
        for (writes, ending) in steps {
            let before = std::fs::read(&path).unwrap();
            commit(db.as_ref().unwrap(), &writes);
            let after = std::fs::read(&path).unwrap();
            let mut committed = model.clone();
            apply(&mut committed, &writes);
            // The crash model assumes three header writes per commit; say so if redb changes.
            let counters = |b: &[u8]| counter(b, 0).max(counter(b, 1));
            prop_assert_eq!(counters(&after), counters(&before) + 3, "header writes per commit");
            match ending {
                Ending::Clean => model = committed,
                Ending::Reopen => {
                    drop(db.take());
                    db = Some(Store::open_raw(&path, &options()).unwrap());
                    model = committed;
                    prop_assert_eq!(read_live(db.as_ref().unwrap()), model.clone());
                }
                Ending::CutBeforeFlush(seed) => {
                    drop(db.take());
                    std::fs::write(&path, cut(&before, &after, Some(seed), 0)).unwrap();
                    let found = read(&path);
                    prop_assert_eq!(found, Ok(model.clone()), "a cut before the flush");
                    db = Some(Store::open_raw(&path, &options()).unwrap());
                }
                Ending::CutLastHeader(at) => {
                    drop(db.take());
                    std::fs::write(&path, cut(&before, &after, None, at)).unwrap();
                    let found = read(&path);
                    prop_assert_eq!(found, Ok(committed.clone()), "the last header write torn");
                    model = committed;
                    db = Some(Store::open_raw(&path, &options()).unwrap());
                }
                Ending::Damage(which, at) => {
                    model = committed;
                    let slots = (after.len() - HEADER) / SLOT;
                    let n = which.index(slots);
                    let mut damaged = after.clone();
                    let garbage: Vec<u8> = slot(&after, n).unwrap().iter().map(|b| !b).collect();
                    let bytes = torn(slot(&after, n).unwrap(), &garbage, at);
                    damaged[HEADER + n * SLOT..HEADER + (n + 1) * SLOT].copy_from_slice(&bytes);
                    std::fs::write(&probe, &damaged).unwrap();
                    match catch_unwind(AssertUnwindSafe(|| read(&probe))) {
                        Ok(Ok(found)) => {
                            prop_assert_eq!(found, model.clone(), "slot {} damaged", n)
                        }
                        Ok(Err(_)) => {}
                        Err(_) => prop_assert!(false, "reading with slot {n} damaged panicked"),
                    }
                }
            }
        }
        drop(db);
        prop_assert_eq!(read(&path), Ok(model));
    }
}

/// Everything an open database holds.
fn read_live(db: &redb::Database) -> Model {
    let tx = db.begin_read().unwrap();
    let Ok(table) = tx.open_table(KV) else {
        return Model::new();
    };
    table
        .iter()
        .unwrap()
        .map(|row| {
            let (k, v) = row.unwrap();
            (k.value(), v.value().to_vec())
        })
        .collect()
}

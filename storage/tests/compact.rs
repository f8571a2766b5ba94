//! A bulk load, rewritten at the next open, on a real encrypted file: the same data in less room.

use storage::*;

fn options() -> OpenOptions {
    OpenOptions::new("测试密钥").fast_kdf_for_tests()
}

/// Everything a reader sees: every change in order, and each resident's view.
fn contents(store: &Store) -> String {
    let changes = store.journal_after(0, usize::MAX).unwrap();
    let residents: Vec<_> = changes
        .iter()
        .filter_map(|(_, c)| c.body.resident())
        .map(|id| store.resident(id).unwrap())
        .collect();
    format!("{changes:?} {residents:?}")
}

/// A demo township of 300 residents loaded into a new store: the directory, the file's path,
/// the store, and what a reader sees in it.
fn loaded() -> (tempfile::TempDir, std::path::PathBuf, Store, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let store = Store::open(&path, options()).unwrap();
    let today = store.clock().today();
    let params = fixtures::Params {
        residents: 300,
        ..fixtures::Params::demo(today)
    };
    fixtures::load(&store, params, &mut |_| {}).unwrap();
    let before = contents(&store);
    (dir, path, store, before)
}

/// Bytes stored and bytes of room left empty in the tables' pages.
fn fill(store: &Store) -> (u64, u64) {
    let usage = store.storage_usage().unwrap();
    usage
        .tables
        .iter()
        .map(|t| (t.stored_bytes, t.fragmented_bytes))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

#[test]
fn a_bulk_loaded_store_is_rewritten_at_the_next_open_holding_the_same_in_less_room() {
    let (dir, path, store, before) = loaded();
    let loaded = std::fs::metadata(&path).unwrap().len();
    let (stored, fragmented) = fill(&store);
    // Filled in arrival order, a good part of the pages is empty room.
    assert!(
        fragmented * 5 > stored,
        "{fragmented} of {stored} bytes unused"
    );
    drop(store);

    // Reopened, the file is rewritten in key order: each page full but for each table's
    // last, and the room the load freed given back to the disk.
    let mut store = Store::open(&path, options()).unwrap();
    let compacted = std::fs::metadata(&path).unwrap().len();
    let in_use = store.storage_usage().unwrap().allocated_pages * 4096;
    assert!(compacted * 4 < loaded * 3, "{loaded} → {compacted} bytes");
    assert!(
        compacted < in_use + in_use / 5 + (64 << 10),
        "{compacted} for {in_use} in use"
    );
    let (stored, fragmented) = fill(&store);
    assert!(
        fragmented * 6 < stored,
        "{fragmented} of {stored} bytes unused"
    );
    assert_eq!(contents(&store), before);
    assert!(!dir.path().join("clinic.compacting").exists());
    // Rewriting again changes nothing a reader sees, and the store still works.
    store.compact().unwrap();
    assert_eq!(contents(&store), before);
    store.check_integrity().unwrap();
    drop(store);
    let store = Store::open(&path, options()).unwrap();
    assert_eq!(contents(&store), before);
}

/// A rewrite that cannot be written (here its file's place is taken; a full disk alike)
/// costs nothing: the store opens as it was, whole, and is rewritten at a later open.
#[test]
fn a_rewrite_that_fails_leaves_the_store_as_it_was() {
    let (dir, path, store, before) = loaded();
    drop(store);
    let loaded = std::fs::metadata(&path).unwrap().len();
    let blocker = dir.path().join("clinic.compacting");
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("in the way"), b"x").unwrap();
    let mut store = Store::open(&path, options()).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), loaded);
    assert_eq!(contents(&store), before);
    store.check_integrity().unwrap();
    drop(store);
    std::fs::remove_dir_all(&blocker).unwrap();
    let store = Store::open(&path, options()).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() * 4 < loaded * 3);
    assert_eq!(contents(&store), before);
}

//! A bulk load, repacked and compacted, on a real encrypted file: the same data in less room.

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

#[test]
fn a_repacked_and_compacted_store_holds_the_same_in_less_room() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let store = Store::open(&path, options()).unwrap();
    let today = store.clock().today();
    let params = fixtures::Params {
        residents: 300,
        ..fixtures::Params::demo(today)
    };
    // `load` repacks at its end.
    fixtures::load(&store, params, &mut |_| {}).unwrap();
    let before = contents(&store);
    let loaded = std::fs::metadata(&path).unwrap().len();
    let usage = store.storage_usage().unwrap();
    let (stored, fragmented): (u64, u64) = usage
        .tables
        .iter()
        .map(|t| (t.stored_bytes, t.fragmented_bytes))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    // Rewritten in key order, the pages are full but for each table's last (filled in arrival
    // order, 30 % of this store's bytes in use were empty room: 40 % in the history index).
    assert!(
        fragmented * 6 < stored,
        "{fragmented} of {stored} bytes unused"
    );
    drop(store);

    // Reopened alone, the room the load freed goes back to the disk.
    let mut store = Store::open(&path, options()).unwrap();
    let compacted = std::fs::metadata(&path).unwrap().len();
    let in_use = store.storage_usage().unwrap().allocated_pages * 4096;
    assert!(compacted * 2 < loaded, "{loaded} → {compacted} bytes");
    assert!(
        compacted < in_use + in_use / 5 + (64 << 10),
        "{compacted} for {in_use} in use"
    );
    assert_eq!(contents(&store), before);
    // Nothing left to give back: compacting again changes nothing, and the store still works.
    assert!(store.compact().unwrap());
    assert_eq!(contents(&store), before);
    store.repack().unwrap();
    assert_eq!(contents(&store), before);
    store.check_integrity().unwrap();
}

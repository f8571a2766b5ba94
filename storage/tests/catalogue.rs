//! Which catalogue a hub or a workstation prices by: a county's `catalogue.tsv` in the data
//! directory first, else the one installed in the store, else none (claims then wait).

use storage::{Clock, OpenOptions, Store};

#[test]
fn the_data_directorys_list_comes_first_then_the_installed_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path().join("hub.redb"),
        OpenOptions::new("s")
            .fast_kdf_for_tests()
            .with_clock(Clock::fixed(0)),
    )
    .unwrap();
    assert!(store.catalogue_for(dir.path()).unwrap().is_none());

    let demo = fixtures::catalogue::DEMO_CATALOGUE_TSV;
    let installed = store.install_catalogue(demo).unwrap();
    let found = store.catalogue_for(dir.path()).unwrap().expect("installed");
    assert_eq!(found.len(), installed.len());
    assert!(found.len() > 100);

    // A broken list is refused and replaces nothing.
    assert!(store.install_catalogue("not\ta catalogue").is_err());
    let still = store.catalogue_for(dir.path()).unwrap().unwrap();
    assert_eq!(still.len(), installed.len());

    // The county's own file wins; a broken one is an error, not a silent fallback.
    let header = demo.lines().next().unwrap();
    let one_item: String = demo.lines().take(2).collect::<Vec<_>>().join("\n");
    std::fs::write(dir.path().join("catalogue.tsv"), format!("{one_item}\n")).unwrap();
    assert_eq!(store.catalogue_for(dir.path()).unwrap().unwrap().len(), 1);
    std::fs::write(
        dir.path().join("catalogue.tsv"),
        format!("{header}\nbroken\n"),
    )
    .unwrap();
    assert!(store.catalogue_for(dir.path()).is_err());
}

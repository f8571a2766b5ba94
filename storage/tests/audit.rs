//! The audit log is tamper-evident: a hash chain per device, checked on the workstation's own
//! file and by the hub for every pushed entry. Tampering is done on the real redb file.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use storage::model::*;
use storage::*;

fn test_options() -> OpenOptions {
    OpenOptions::new("测试密钥").fast_kdf_for_tests()
}

const T0: i64 = 1_772_416_800_000;
const CHANGES: TableDefinition<u128, &[u8]> = TableDefinition::new("changes");

fn open(path: &std::path::Path) -> Store {
    Store::open(path, test_options().with_clock(Clock::fixed(T0))).unwrap()
}

fn actor(staff: &str) -> Actor {
    Actor {
        staff: staff.into(),
        facility: "H42092100101".into(),
        role: Role::Doctor,
    }
}

/// Five audited acts on a fresh store; returns their change ids.
fn five_entries(store: &Store) -> Vec<Id> {
    (0..5)
        .map(|i| {
            store.clock().advance(60_000);
            let staff = if i % 2 == 0 { "lin" } else { "wang" };
            store
                .commit_one(
                    &actor(staff),
                    Body::Audit(AuditEntry::new(
                        AuditAction::Search,
                        None,
                        format!("search {i}"),
                    )),
                )
                .unwrap()
        })
        .collect()
}

/// Rewrites a stored change's bytes behind the store's back.
fn tamper(path: &std::path::Path, id: Id, edit: impl FnOnce(&mut Change)) {
    let db = Store::open_raw(path, &test_options()).unwrap();
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx.open_table(CHANGES).unwrap();
        let mut change = Change::decode(t.get(id.0).unwrap().unwrap().value()).unwrap();
        edit(&mut change);
        t.insert(id.0, change.encode().unwrap().as_slice()).unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn each_entry_points_at_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("a.redb"));
    let ids = five_entries(&store);
    let report = store.verify_audit_chain(store.device()).unwrap();
    assert_eq!((report.entries, report.broken), (5, None));
    // The chain survives closing and reopening: the next entry links to the last one.
    let path = store.path().to_path_buf();
    let device = store.device().to_string();
    drop(store);
    let store = open(&path);
    store
        .commit_one(
            &actor("lin"),
            Body::Audit(AuditEntry::new(AuditAction::Login, None, "")),
        )
        .unwrap();
    assert_eq!(store.verify_audit_chain(&device).unwrap().entries, 6);
    let first = store.change(ids[0]).unwrap().unwrap();
    let Body::Audit(e) = first.body else { panic!() };
    assert_eq!(e.prev, [0; 32], "the first entry starts the chain");
}

#[test]
fn an_altered_entry_breaks_the_chain_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.redb");
    let (ids, device) = {
        let store = open(&path);
        (five_entries(&store), store.device().to_string())
    };
    tamper(&path, ids[2], |c| {
        if let Body::Audit(e) = &mut c.body {
            e.reason = "nothing to see".into();
        }
    });
    let report = open(&path).verify_audit_chain(&device).unwrap();
    assert_eq!(report.entries, 2);
    let why = report.broken.unwrap();
    assert!(why.contains("entry 2") && why.contains("altered"), "{why}");
}

#[test]
fn a_removed_entry_is_missing_from_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.redb");
    let (ids, device) = {
        let store = open(&path);
        (five_entries(&store), store.device().to_string())
    };
    {
        let db = Store::open_raw(&path, &test_options()).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(CHANGES).unwrap().remove(ids[3].0).unwrap();
        tx.commit().unwrap();
        let read = db.begin_read().unwrap();
        assert!(
            read.open_table(CHANGES)
                .unwrap()
                .get(ids[3].0)
                .unwrap()
                .is_none()
        );
    }
    let report = open(&path).verify_audit_chain(&device).unwrap();
    assert_eq!(report.entries, 3);
    assert!(report.broken.unwrap().contains("missing"));
}

#[test]
fn the_hub_takes_a_chain_in_order_and_refuses_gaps_and_forgeries() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir.path().join("ws.redb"));
    let hub = open(&dir.path().join("hub.redb"));
    let ids = five_entries(&ws);
    let changes: Vec<Change> = ids
        .iter()
        .map(|id| ws.change(*id).unwrap().unwrap())
        .collect();

    // A gap: the third entry is withheld.
    let mut check = hub.audit_chain_check();
    assert!(check.accept(&hub, &changes[0]).unwrap().is_ok());
    assert!(check.accept(&hub, &changes[1]).unwrap().is_ok());
    let refused = check.accept(&hub, &changes[3]).unwrap().unwrap_err();
    assert!(refused.contains("audit chain broken"), "{refused}");

    // A forgery: an entry rewritten after it was made no longer leads to the next one.
    let mut forged = changes[2].clone();
    if let Body::Audit(e) = &mut forged.body {
        e.reason = "forged".into();
    }
    let mut check = hub.audit_chain_check();
    for c in &changes[..2] {
        check.accept(&hub, c).unwrap().unwrap();
    }
    check.accept(&hub, &forged).unwrap().unwrap();
    assert!(check.accept(&hub, &changes[3]).unwrap().is_err());

    // In order, all of it is taken and stored; the hub holds the device's whole chain.
    let mut check = hub.audit_chain_check();
    for c in &changes {
        check.accept(&hub, c).unwrap().unwrap();
    }
    for r in hub.apply_remote(&changes, true).unwrap() {
        r.unwrap();
    }
    let report = hub.verify_audit_chain(ws.device()).unwrap();
    assert_eq!((report.entries, report.broken), (5, None));
    // The next batch continues from what the hub holds.
    let next = ws
        .commit_one(
            &actor("lin"),
            Body::Audit(AuditEntry::new(AuditAction::Login, None, "")),
        )
        .unwrap();
    let next = ws.change(next).unwrap().unwrap();
    assert!(hub.audit_chain_check().accept(&hub, &next).unwrap().is_ok());
    assert!(
        hub.audit_chain_check()
            .accept(&hub, &changes[4])
            .unwrap()
            .is_err(),
        "a replayed entry does not extend the chain"
    );
}

#[test]
fn the_log_is_searched_by_time_staff_and_resident() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("a.redb"));
    five_entries(&store);
    let who = store
        .register(
            &actor("lin"),
            NewResident {
                name: "王芳".into(),
                birth_date: Some("1980-01-01".parse().unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
    let day = Date::of_instant(T0);
    let all = store
        .search_audit(day.start_ms(), day.add_days(1).start_ms(), None, None, 100)
        .unwrap();
    assert_eq!(all.len(), 6, "five searches and the registration");
    assert!(
        all.windows(2).all(|w| w[0].0.hlc <= w[1].0.hlc),
        "oldest first"
    );
    let wang = store
        .search_audit(
            day.start_ms(),
            day.add_days(1).start_ms(),
            Some("wang"),
            None,
            100,
        )
        .unwrap();
    assert_eq!(wang.len(), 2);
    let about = store
        .search_audit(
            day.start_ms(),
            day.add_days(1).start_ms(),
            None,
            Some(who),
            100,
        )
        .unwrap();
    assert_eq!(about.len(), 1);
    assert_eq!(about[0].1.action, AuditAction::Register);
    assert!(
        store
            .search_audit(
                day.add_days(1).start_ms(),
                day.add_days(2).start_ms(),
                None,
                None,
                100
            )
            .unwrap()
            .is_empty()
    );
}

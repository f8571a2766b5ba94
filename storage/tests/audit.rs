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
        let stored = t.get(id.0).unwrap().unwrap().value().to_vec();
        let mut change = storage::codec::unpack_change(id.0, &stored).unwrap();
        edit(&mut change);
        let altered = storage::codec::pack_change(&change).unwrap();
        t.insert(id.0, altered.as_slice()).unwrap();
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

/// A hub that knows the test actor's facility, and the workstation `ws` enrolled at it.
fn hub_for(dir: &std::path::Path, ws: &Store) -> (Store, Device) {
    let hub = open(&dir.join("hub.redb"));
    let admin = Actor {
        staff: "admin".into(),
        facility: "hub".into(),
        role: Role::Admin,
    };
    let facility = Facility {
        code: "H42092100101".into(),
        name: "花园村卫生室".into(),
        level: FacilityLevel::Village,
        county: "420921".into(),
        township: "420921100000".into(),
    };
    hub.commit_one(&admin, Body::Facility(facility)).unwrap();
    let device = Device {
        id: ws.device().into(),
        facility: "H42092100101".into(),
        name: "ws".into(),
        active: true,
        enrolled_at: T0,
        relay: false,
    };
    (hub, device)
}

/// Pushes `changes` as `device`: the reasons of the refused ones, `None` for the taken.
fn push(hub: &Store, device: &Device, changes: &[Change]) -> Vec<Option<String>> {
    let no_cards = |_: &str, _: u64| Err("no trust list".to_string());
    let pusher = authority::Pusher {
        device,
        now_ms: hub.clock().now_ms() + 3_600_000,
        presence: &no_cards,
    };
    hub.apply_pushed(&pusher, changes)
        .unwrap()
        .into_iter()
        .map(|p| match p {
            authority::Pushed::Stored(_) | authority::Pushed::Duplicate => None,
            authority::Pushed::Later(r) => Some(r),
            authority::Pushed::Rejected { reason, .. } => Some(reason),
        })
        .collect()
}

#[test]
fn the_hub_takes_a_chain_in_order_and_refuses_gaps_and_forgeries() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir.path().join("ws.redb"));
    let (hub, device) = hub_for(dir.path(), &ws);
    let ids = five_entries(&ws);
    let changes: Vec<Change> = ids
        .iter()
        .map(|id| ws.change(*id).unwrap().unwrap())
        .collect();

    // A gap: the third entry is withheld; the fourth follows nothing the hub holds.
    let got = push(
        &hub,
        &device,
        &[changes[0].clone(), changes[1].clone(), changes[3].clone()],
    );
    assert_eq!(&got[..2], &[None, None]);
    let refused = got[2].clone().expect("refused");
    assert!(refused.contains("audit chain broken"), "{refused}");

    // A forgery: an entry rewritten after it was made no longer leads to the next one.
    let mut forged = changes[2].clone();
    forged.id = ws.new_id();
    if let Body::Audit(e) = &mut forged.body {
        e.reason = "forged".into();
    }
    let got = push(&hub, &device, &[forged, changes[3].clone()]);
    assert_eq!(got[0], None, "the forged entry itself follows the chain");
    assert!(
        got[1]
            .as_ref()
            .is_some_and(|r| r.contains("audit chain broken"))
    );

    // The honest rest is refused too: the hub's copy went the forged way. The chain the
    // hub holds stays whole.
    let report = hub.verify_audit_chain(ws.device()).unwrap();
    assert_eq!((report.entries, report.broken), (3, None));
}

#[test]
fn the_hub_takes_the_whole_chain_and_the_next_batch_continues_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir.path().join("ws.redb"));
    let (hub, device) = hub_for(dir.path(), &ws);
    let changes: Vec<Change> = five_entries(&ws)
        .iter()
        .map(|id| ws.change(*id).unwrap().unwrap())
        .collect();
    assert!(push(&hub, &device, &changes).iter().all(Option::is_none));
    let report = hub.verify_audit_chain(ws.device()).unwrap();
    assert_eq!((report.entries, report.broken), (5, None));
    // A resend of what the hub holds is a duplicate; the next entry extends the chain.
    let next = ws
        .commit_one(
            &actor("lin"),
            Body::Audit(AuditEntry::new(AuditAction::Login, None, "")),
        )
        .unwrap();
    let next = ws.change(next).unwrap().unwrap();
    let mut batch = changes[3..].to_vec();
    batch.push(next);
    assert!(push(&hub, &device, &batch).iter().all(Option::is_none));
    assert_eq!(hub.verify_audit_chain(ws.device()).unwrap().entries, 6);
}

#[test]
fn a_fork_declared_after_a_restore_continues_the_chain_at_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.redb");
    let ws = open(&path);
    let (hub, device) = hub_for(dir.path(), &ws);
    let first = five_entries(&ws);
    let backup = dir.path().join("ws.backup");
    std::fs::copy(&path, &backup).unwrap();
    // After the backup: more entries, pushed; then the disk dies and the backup comes back.
    let mut pushed: Vec<Change> = first
        .iter()
        .chain(&five_entries(&ws))
        .map(|id| ws.change(*id).unwrap().unwrap())
        .collect();
    assert!(push(&hub, &device, &pushed).iter().all(Option::is_none));
    drop(ws);
    std::fs::copy(&backup, &path).unwrap();
    let restored = open(&path);
    restored.clock().set(T0 + 3_600_000);
    // Without a declared fork, the next entry follows an old head: tampering.
    let undeclared = restored
        .commit_one(
            &actor("lin"),
            Body::Audit(AuditEntry::new(AuditAction::Login, None, "")),
        )
        .unwrap();
    let undeclared = restored.change(undeclared).unwrap().unwrap();
    let got = push(&hub, &device, std::slice::from_ref(&undeclared));
    assert!(
        got[0]
            .as_ref()
            .is_some_and(|r| r.contains("cut short or rewritten"))
    );
    drop(restored);
    std::fs::copy(&backup, &path).unwrap();
    let restored = open(&path);
    restored.clock().set(T0 + 3_600_000);
    let fork = restored
        .declare_fork(&actor("admin"), "restored from the backup")
        .unwrap();
    let after = restored
        .commit_one(
            &actor("lin"),
            Body::Audit(AuditEntry::new(AuditAction::Login, None, "")),
        )
        .unwrap();
    let batch: Vec<Change> = [fork, after]
        .iter()
        .map(|id| restored.change(*id).unwrap().unwrap())
        .collect();
    assert!(push(&hub, &device, &batch).iter().all(Option::is_none));
    // Both chains verify: the workstation's short one, the hub's with the fork in it.
    let local = restored.verify_audit_chain(restored.device()).unwrap();
    assert_eq!((local.entries, local.broken), (7, None));
    let at_hub = hub.verify_audit_chain(restored.device()).unwrap();
    assert_eq!((at_hub.entries, at_hub.broken), (12, None));
    pushed.clear();
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

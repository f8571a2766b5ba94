//! Helpers shared by the end-to-end tests (real processes, real files). The tests are in
//! `tests/`:
//!
//! - `crash.rs`: a writer process is killed with SIGKILL at random moments; after each kill
//!   the store opens, every acknowledged write is there and the outbox matches the records.

use storage::model::*;
use storage::{Actor, Id, OpenOptions, Store};

/// The facility secret of every store the tests make; the processes get it as `CLINIC_SECRET`.
pub const SECRET: &str = "花园镇测试密钥";

/// How tests open stores: the shared secret, cheap key derivation.
pub fn test_options() -> OpenOptions {
    OpenOptions::new(SECRET).fast_kdf_for_tests()
}

/// Alters one byte in every `every`-th page of an encrypted store file (past the key header
/// and page 0's two copies), as a failing disk or USB stick would.
pub fn damage_pages(bytes: &mut [u8], every: usize) {
    const SLOT: usize = 8 + 24 + 4096 + 16;
    for at in (4096 + 2 * SLOT + 100..bytes.len()).step_by(every * SLOT) {
        bytes[at] ^= 0x10;
    }
}

/// The actor the test writers use.
pub fn doctor() -> Actor {
    Actor {
        staff: "doc".into(),
        facility: "H42092100101".into(),
        role: Role::Doctor,
    }
}

/// An encounter for `resident` at `at`.
pub fn encounter(resident: Id, at: i64, n: u64) -> ClinicalRecord {
    ClinicalRecord {
        resident,
        at,
        facility: "H42092100101".into(),
        clinician: "测试医生".into(),
        body: RecordBody::Encounter(Encounter {
            visit_type: VisitType::General,
            chief_complaint: format!("complaint {n}"),
            vitals: Vitals {
                systolic: Some(120 + (n % 40) as u16),
                diastolic: Some(80),
                ..Default::default()
            },
            diagnoses: vec![Diagnosis {
                code: "I10".into(),
                name: "高血压".into(),
            }],
            notes: "x".repeat((n % 200) as usize),
            follow_up: None,
            discharged: None,
        }),
    }
}

/// Every change id in the journal, in order.
pub fn journal_ids(store: &Store) -> Vec<Id> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store.journal_after(after, 1000).expect("journal");
        if page.is_empty() {
            return out;
        }
        after = page.last().map_or(after, |(seq, _)| *seq);
        out.extend(page.into_iter().map(|(_, c)| c.id));
    }
}

pub mod proxy;

/// How long a test waits for something to happen before it calls it lost: long enough that
/// only a failure, never a slow or busy machine, reaches it. Tests do not measure speed
/// (benchmarks do); they report how long they waited.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(300);

/// Polls `done` until it holds, failing after [`PATIENCE`]; prints how long `what` took.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) -> std::time::Duration {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let took = start.elapsed();
    eprintln!("{what}: {:.1} s", took.as_secs_f64());
    took
}

/// The store of a hub that is running, as it is now: a snapshot of one committed moment,
/// copied beside the hub process the way `clinic backup` copies a running workstation's
/// store, then opened. The hub's own file is not written (the hub must be running: a copy of a
/// store nobody holds would be audited in it).
pub fn running_hub_store(hub_dir: &std::path::Path) -> Store {
    static SNAPSHOTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SNAPSHOTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = hub_dir.join(format!("test-snapshot-{n}"));
    let reader = Actor {
        staff: "test".into(),
        facility: String::new(),
        role: Role::Admin,
    };
    let hub_store = hub_dir.join("hub.redb");
    let report = storage::backup::backup_file(&hub_store, &test_options(), &reader, &dir)
        .expect("a snapshot of the hub's store");
    assert!(
        !report.audited,
        "the hub is not running: its store was copied, and audited"
    );
    Store::open(&report.file, test_options()).expect("the hub's snapshot opens")
}

/// An `EHC1:` printed card for `resident` (who must hold a card id), signed by the demo
/// issuer: what the front desk scans as proof that the resident is there.
pub fn card_code(resident: &Resident) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let card = resident.card_id().expect("the resident has a card").0;
    let token = app::scan::token_for(
        resident,
        card,
        scanner::card::keys::demo::ISSUER,
        now - 60,
        now + 365 * 86_400,
    );
    scanner::card::issue_card(&token, &scanner::card::keys::demo::issuer())
}

/// Pins the demo root and installs the demo trust list in a hub's data directory, as
/// `clinic-hub demo` does: the hub then verifies the demo's cards.
pub fn pin_demo_trust(hub_dir: &std::path::Path) {
    use scanner::card::keys;
    std::fs::create_dir_all(hub_dir).unwrap();
    std::fs::write(hub_dir.join("trust-root.hex"), keys::demo::ROOT_PUBLIC).unwrap();
    std::fs::write(
        hub_dir.join("trust-list.ehtl"),
        keys::demo::trust_list().sign(&keys::demo::root()),
    )
    .unwrap();
}

/// Every acknowledged change is there; every change decodes; outbox, journal and change
/// table hold exactly the same ids; every record is in its resident's history.
pub fn check_store(store: &Store, acknowledged: &std::collections::BTreeSet<Id>, round: u64) {
    let journal = journal_ids(store);
    let in_journal: std::collections::BTreeSet<Id> = journal.iter().copied().collect();
    assert_eq!(
        in_journal.len(),
        journal.len(),
        "round {round}: a change is journaled twice"
    );
    let missing: Vec<&Id> = acknowledged.difference(&in_journal).collect();
    assert!(
        missing.is_empty(),
        "round {round}: acknowledged changes lost: {missing:?}"
    );

    let outbox: Vec<Id> = store
        .outbox_after(0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| e.change.id)
        .collect();
    assert_eq!(outbox, journal, "round {round}: outbox and records differ");
    assert_eq!(store.change_count().unwrap(), journal.len() as u64);

    let mut records_per_resident: std::collections::BTreeMap<Id, usize> = Default::default();
    for id in &journal {
        let change = store
            .change(*id)
            .unwrap()
            .unwrap_or_else(|| panic!("round {round}: {id} missing"));
        if let storage::model::Body::Record(r) = change.body {
            *records_per_resident.entry(r.resident).or_default() += 1;
        }
    }
    for (resident, count) in records_per_resident {
        assert!(
            store.resident(resident).unwrap().is_some(),
            "round {round}: record of unknown resident"
        );
        assert_eq!(
            store.history_unaudited(resident).unwrap().len(),
            count,
            "round {round}: history index incomplete"
        );
    }
}

pub mod process;

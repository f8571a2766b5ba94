//! A writer killed with SIGKILL at random moments loses nothing it acknowledged, leaves nothing
//! half-written, and its outbox matches its records exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use storage::model::Body;
use storage::{Id, OpenOptions, Store};

const KILLS: u64 = 50;

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.redb");
    let mut acknowledged: BTreeSet<Id> = BTreeSet::new();
    let mut registered: BTreeSet<Id> = BTreeSet::new();
    let mut rng: u64 = 0x2545_F491_4F6C_DD1D;
    for round in 1..=KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
            .arg(&path)
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start writer");
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| {
                    let (kind, id) = l.split_once(' ')?;
                    Some((kind == "RESIDENT", id.parse::<Id>().ok()?))
                })
                .collect::<Vec<(bool, Id)>>()
        });
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(30 + rng % 250));
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        for (is_resident, id) in reader.join().unwrap() {
            if is_resident {
                registered.insert(id)
            } else {
                acknowledged.insert(id)
            };
        }

        let store = Store::open(&path, OpenOptions::default()).unwrap_or_else(|e| {
            panic!("round {round}: the store does not open after SIGKILL: {e}")
        });
        check(&store, &acknowledged, round);
        for r in &registered {
            assert!(
                store.resident(*r).unwrap().is_some(),
                "round {round}: registered resident {r} lost"
            );
        }
    }
    assert!(
        acknowledged.len() > 100 && registered.len() > 10,
        "the writer made too little progress to test anything"
    );
}

/// Every acknowledged change is there; every change decodes; outbox, journal and change
/// table hold exactly the same ids; every record is in its resident's history.
fn check(store: &Store, acknowledged: &BTreeSet<Id>, round: u64) {
    let journal = tests::journal_ids(store);
    let in_journal: BTreeSet<Id> = journal.iter().copied().collect();
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

    let mut records_per_resident: BTreeMap<Id, usize> = BTreeMap::new();
    for id in &journal {
        let change = store
            .change(*id)
            .unwrap()
            .unwrap_or_else(|| panic!("round {round}: {id} missing"));
        if let Body::Record(r) = change.body {
            *records_per_resident.entry(r.resident).or_default() += 1;
        }
    }
    for (resident, count) in records_per_resident {
        assert!(
            store.resident(resident).unwrap().is_some(),
            "round {round}: record of unknown resident"
        );
        assert_eq!(
            store.history(resident).unwrap().len(),
            count,
            "round {round}: history index incomplete"
        );
    }
}

//! A writer killed with SIGKILL at random moments loses nothing it acknowledged, leaves nothing
//! half-written, and its outbox matches its records exactly.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use storage::{Id, Store};

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

        let store = Store::open(&path, tests::test_options()).unwrap_or_else(|e| {
            panic!("round {round}: the store does not open after SIGKILL: {e}")
        });
        tests::check_store(&store, &acknowledged, round);
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

//! Backup and restore with real processes: `clinic backup` takes consistent snapshots while
//! another process (the writer, standing in for the running app) commits without pause;
//! `clinic restore` refuses while the store is in use, refuses a damaged backup without
//! replacing anything, and otherwise installs a verified snapshot that holds every write
//! acknowledged before the backup began.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use storage::{Id, Store};
use tests::process::clinic;

/// The writer process and the ids it has acknowledged so far.
struct Writer {
    child: Child,
    acknowledged: Arc<Mutex<BTreeSet<Id>>>,
}

impl Writer {
    fn start(path: &Path) -> Writer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
            .arg(path)
            .arg("7")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start writer");
        let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
        let sink = acknowledged.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(id) = line.strip_prefix("ACK ").and_then(|i| i.parse().ok()) {
                    sink.lock().unwrap().insert(id);
                }
            }
        });
        Writer {
            child,
            acknowledged,
        }
    }

    fn acknowledged(&self) -> BTreeSet<Id> {
        self.acknowledged.lock().unwrap().clone()
    }
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn backups_taken_while_the_app_writes_restore_to_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ws");
    let store_path = data.join("clinic.redb");
    let backups = dir.path().join("backups");
    let mut writer = Writer::start(&store_path);
    while writer.acknowledged().len() < 20 {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Three backups while the writer keeps committing.
    let mut taken = Vec::new();
    for _ in 0..3 {
        let before = writer.acknowledged();
        let report = json(&clinic(
            &data,
            &["backup", "--to", backups.to_str().unwrap()],
        ));
        let file = report["file"].as_str().unwrap().to_string();
        taken.push((file, before, report["changes"].as_u64().unwrap()));
        std::thread::sleep(Duration::from_millis(150));
    }
    assert!(
        taken.windows(2).all(|w| w[0].2 < w[1].2),
        "the writer did not go on writing between backups: {:?}",
        taken.iter().map(|t| t.2).collect::<Vec<_>>()
    );
    // Restoring while the app holds the store is refused, and replaces nothing.
    let out = clinic(&data, &["restore", "--from", &taken[0].0]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("running"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.child.kill().unwrap();
    writer.child.wait().unwrap();
    let everything = writer.acknowledged();

    for (file, acknowledged_before, changes) in &taken {
        let check = json(&clinic(&data, &["restore", "--from", file, "--check-only"]));
        assert_eq!(check["changes"].as_u64(), Some(*changes));
        assert_eq!(check["audit_chains"].as_u64(), Some(1));
        // Restore it into a scratch data directory and check it like a crashed store.
        let scratch = dir.path().join("scratch");
        let _ = std::fs::remove_dir_all(&scratch);
        json(&clinic(&scratch, &["restore", "--from", file]));
        let store = Store::open(scratch.join("clinic.redb"), tests::test_options()).unwrap();
        tests::check_store(&store, acknowledged_before, 0);
        // Everything in the snapshot, and the fork the restore declares on the audit chain
        // (the hub must learn that entries after the snapshot's head were lost).
        assert_eq!(store.change_count().unwrap(), *changes + 1);
        let audit = store
            .search_audit(i64::MIN, i64::MAX, None, None, usize::MAX)
            .unwrap();
        assert_eq!(
            audit.last().unwrap().1.action,
            storage::model::AuditAction::ChainFork
        );
    }

    // A damaged backup (one page in seven altered, as a failing USB stick would) is refused and
    // the store is left as it was. One altered page may be a free one, which harms nothing.
    let mut bytes = std::fs::read(&taken[2].0).unwrap();
    tests::damage_pages(&mut bytes, 7);
    let damaged = dir.path().join("damaged.backup");
    std::fs::write(&damaged, bytes).unwrap();
    let live = std::fs::read(&store_path).unwrap();
    let out = clinic(&data, &["restore", "--from", damaged.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was replaced"));
    assert!(
        std::fs::read(&store_path).unwrap() == live,
        "the store was touched"
    );

    // The latest backup goes in place; the replaced file is kept beside it.
    let report = json(&clinic(&data, &["restore", "--from", &taken[2].0]));
    let kept = report["previous"].as_str().unwrap();
    assert!(std::fs::read(kept).unwrap() == live);
    let store = Store::open(&store_path, tests::test_options()).unwrap();
    tests::check_store(&store, &taken[2].1, 0);
    assert!(
        taken[2].1.len() < everything.len(),
        "the test proves nothing"
    );
}

//! The audit chain anchored at the hub, over real processes: a store restored from a backup
//! declares a fork and its later entries are taken; a tail cut from the chain is reported at
//! the hub as tampering, and at the workstation against the hub's signed receipt.

use std::path::Path;

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use storage::model::*;
use storage::{Actor, Id, Store};
use tests::process::{Hub, clinic_ok, enrol, hub_cmd, hub_ok};

const VILLAGE: &str = "H42092100203";
const AUDIT_CHAIN: TableDefinition<(&str, u64), ([u8; 32], u128)> =
    TableDefinition::new("audit_chain");
const CHANGES: TableDefinition<u128, &[u8]> = TableDefinition::new("changes");

fn open(data: &Path) -> Store {
    Store::open(data.join("clinic.redb"), tests::test_options()).unwrap()
}

/// `n` audited searches at the workstation, as its front desk makes them.
fn searches(data: &Path, n: usize) -> Vec<Id> {
    let store = open(data);
    let desk = Actor {
        staff: "desk".into(),
        facility: VILLAGE.into(),
        role: Role::FrontDesk,
    };
    (0..n)
        .map(|i| {
            store
                .commit_one(
                    &desk,
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

fn status(data: &Path) -> serde_json::Value {
    serde_json::from_str(&clinic_ok(data, &["sync", "status"])).unwrap()
}

/// The hub's audit of refusals and forks today, as its administrator reads it.
fn hub_audit(hub: &Path) -> Vec<serde_json::Value> {
    let today = storage::Clock::system().today().to_string();
    let out = hub_cmd(hub, &["rejections", "--from", &today, "--to", &today]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn setup(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, Hub) {
    let (hub_dir, ws) = (dir.join("hub"), dir.join("ws"));
    hub_ok(&hub_dir, &["demo", "--residents", "20"]);
    let hub = Hub::start(&hub_dir, "127.0.0.1:0");
    enrol(&ws, &hub, VILLAGE);
    (hub_dir, ws, hub)
}

#[test]
fn a_store_restored_from_a_backup_declares_a_fork_and_pushes_again() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, ws, hub) = setup(dir.path());
    searches(&ws, 5);
    clinic_ok(&ws, &["sync"]);
    let report: serde_json::Value = serde_json::from_str(&clinic_ok(
        &ws,
        &[
            "backup",
            "--to",
            dir.path().join("backups").to_str().unwrap(),
        ],
    ))
    .unwrap();
    let backup = report["file"].as_str().unwrap().to_string();
    // After the backup the workstation goes on and pushes: the hub holds entries that the
    // backup does not.
    searches(&ws, 4);
    clinic_ok(&ws, &["sync"]);
    assert_eq!(status(&ws)["outbox"], 0);

    clinic_ok(&ws, &["restore", "--from", &backup]);
    let after = searches(&ws, 3);
    clinic_ok(&ws, &["sync"]);
    let st = status(&ws);
    assert_eq!(
        st["rejected"],
        serde_json::json!([]),
        "nothing refused after the fork"
    );
    assert_eq!(st["outbox"], 0);
    {
        let store = open(&ws);
        let local = store.verify_audit_chain(store.device()).unwrap();
        assert_eq!(local.broken, None);
        assert_eq!(sync::client::audit_receipt_problem(&store).unwrap(), None);
    }
    drop(hub);
    let hub_store = Store::open(hub_dir.join("hub.redb"), tests::test_options()).unwrap();
    for id in &after {
        assert!(
            hub_store.change(*id).unwrap().is_some(),
            "entry after the fork taken"
        );
    }
    let device = open(&ws).device().to_string();
    let chain = hub_store.verify_audit_chain(&device).unwrap();
    assert_eq!(
        chain.broken, None,
        "the hub's copy, fork included, verifies"
    );
    // Five searches, the backup's own audit entry (it is in the backup too), four searches,
    // the fork, three searches.
    assert_eq!(chain.entries, 5 + 1 + 4 + 1 + 3);
    drop(hub_store);
    let audit = hub_audit(&hub_dir);
    assert!(
        audit
            .iter()
            .any(|l| l["kind"] == "fork" && l["reason"].as_str().unwrap().contains(&device)),
        "the fork is recorded at the hub: {audit:?}"
    );
}

#[test]
fn a_tail_cut_from_the_audit_chain_is_reported_at_the_hub_and_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, ws, hub) = setup(dir.path());
    let made = searches(&ws, 6);
    clinic_ok(&ws, &["sync"]);
    let device = open(&ws).device().to_string();
    // An insider with the secret cuts the last three entries (and their changes) from the
    // file, to hide what they looked at; the chain left is whole, only shorter.
    {
        let db = Store::open_raw(ws.join("clinic.redb"), &tests::test_options()).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut chain = tx.open_table(AUDIT_CHAIN).unwrap();
            let mut changes = tx.open_table(CHANGES).unwrap();
            let last = chain
                .range((device.as_str(), 0u64)..=(device.as_str(), u64::MAX))
                .unwrap()
                .next_back()
                .unwrap()
                .unwrap()
                .0
                .value()
                .1;
            for position in last - 2..=last {
                chain.remove((device.as_str(), position)).unwrap();
            }
            for id in &made[3..] {
                changes.remove(id.0).unwrap();
            }
        }
        tx.commit().unwrap();
        let read = db.begin_read().unwrap();
        assert!(
            read.open_table(CHANGES)
                .unwrap()
                .get(made[5].0)
                .unwrap()
                .is_none()
        );
    }
    let store = open(&ws);
    let local = store.verify_audit_chain(&device).unwrap();
    assert_eq!(local.broken, None, "alone, the shortened chain looks whole");
    let problem = sync::client::audit_receipt_problem(&store).unwrap();
    assert!(
        problem
            .as_deref()
            .is_some_and(|p| p.contains("removed or rewritten")),
        "the hub's receipt shows the cut: {problem:?}"
    );
    drop(store);
    let out = tests::process::clinic(&ws, &["audit", "verify"]);
    assert!(
        !out.status.success(),
        "clinic audit verify fails on the cut chain"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("removed or rewritten"));

    // The next entry follows the cut chain: the hub refuses it as tampering.
    searches(&ws, 1);
    clinic_ok(&ws, &["sync"]);
    let st = status(&ws);
    let rejected = st["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("cut short or rewritten")
    );
    drop(hub);
    let audit = hub_audit(&hub_dir);
    assert!(
        audit
            .iter()
            .any(|l| l["kind"] == "tampering" && l["reason"].as_str().unwrap().contains(&device)),
        "the hub's administrator sees the tampering: {audit:?}"
    );
}

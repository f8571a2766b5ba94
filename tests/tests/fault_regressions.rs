//! Two bugs an independent fault run found, pinned down over real processes:
//!
//! - a push resent while the first was still being applied left audit entries rejected for
//!   good ("does not follow the entry before it"), and every later one of that workstation;
//! - a workstation whose enrolment answer was lost could never join (the code was used, a new
//!   one found the device id taken).

use std::path::Path;
use std::time::Duration;

use storage::model::*;
use storage::{Actor, Store};
use sync::client::HubClient;
use sync::protocol::{EntryResult, PushEntry};
use tests::process::{Hub, clinic, clinic_ok, hub_ok};
use tests::proxy::FaultyProxy;

const VILLAGE: &str = "H42092100204";

fn open(data: &Path) -> Store {
    Store::open(data.join("clinic.redb"), tests::test_options()).unwrap()
}

fn desk() -> Actor {
    Actor {
        staff: "desk".into(),
        facility: VILLAGE.into(),
        role: Role::FrontDesk,
    }
}

#[test]
fn concurrent_pushes_of_overlapping_batches_with_audit_entries_reject_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let hub_dir = dir.path().join("hub");
    hub_ok(&hub_dir, &["demo", "--residents", "20"]);
    let hub = Hub::start(&hub_dir, "127.0.0.1:0");
    let store = open(&dir.path().join("ws"));
    let fingerprint = hub.fingerprint();
    let code = hub.enrol_code(VILLAGE, false);
    let token = HubClient::new(&hub.url, "", &fingerprint, Duration::from_secs(20))
        .unwrap()
        .enrol(&code, store.device())
        .unwrap()
        .token;
    let client =
        || HubClient::new(&hub.url, &token, &fingerprint, Duration::from_secs(60)).unwrap();
    let mut refused = Vec::new();
    for round in 0..8 {
        // 300 audited acts; two pushes race: the first of 200, and a resend from the head of
        // the outbox (as when a client's timeout fires while a slow hub is still applying the
        // first), which overlaps it and goes further.
        let made: Vec<PushEntry> = (0..300)
            .map(|i| {
                let id = store
                    .commit_one(
                        &desk(),
                        Body::Audit(AuditEntry::new(
                            AuditAction::Search,
                            None,
                            format!("round {round} search {i}"),
                        )),
                    )
                    .unwrap();
                PushEntry {
                    id,
                    version: 1,
                    change: store.change(id).unwrap().unwrap().encode().unwrap(),
                }
            })
            .collect();
        let (first, resend) = (made[..200].to_vec(), made.clone());
        let pushes = [first, resend].map(|batch| {
            let client = client();
            std::thread::spawn(move || client.push(batch).unwrap().results)
        });
        for push in pushes {
            for (id, _, result) in push.join().unwrap() {
                if let EntryResult::Rejected(reason) = result {
                    refused.push((round, id, reason));
                }
            }
        }
        let acked: Vec<_> = made.iter().map(|e| (e.id, e.version)).collect();
        store.acknowledge(&acked).unwrap();
    }
    assert!(
        refused.is_empty(),
        "{} refused, the first: {:?}",
        refused.len(),
        refused.first()
    );
    drop(hub);
    let hub_store = Store::open(hub_dir.join("hub.redb"), tests::test_options()).unwrap();
    let chain = hub_store.verify_audit_chain(store.device()).unwrap();
    assert_eq!((chain.entries, chain.broken), (8 * 300, None));
}

#[test]
fn an_enrolment_whose_answer_was_lost_is_retried_and_the_offline_work_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, ws) = (dir.path().join("hub"), dir.path().join("ws"));
    hub_ok(&hub_dir, &["demo", "--residents", "20"]);
    let hub = Hub::start(&hub_dir, "127.0.0.1:0");
    let proxy = FaultyProxy::start(hub.addr(), 0xe1);
    let url = format!("https://{}", proxy.addr);
    let (code, fingerprint) = (hub.enrol_code(VILLAGE, false), hub.fingerprint());
    // Offline work before joining: a registration and its audit entry.
    let registered = {
        let store = open(&ws);
        let form = storage::NewResident {
            name: "刘晓燕".into(),
            birth_date: Some(storage::Date::new(1991, 4, 2).unwrap()),
            ..Default::default()
        };
        store.register(&desk(), form).unwrap()
    };
    let enrol = || {
        clinic(
            &ws,
            &[
                "sync",
                "enrol",
                "--hub",
                &url,
                "--code",
                &code,
                "--fingerprint",
                &fingerprint,
            ],
        )
    };
    // The hub enrols the workstation; the answer is lost on the way back.
    proxy.lose_answers();
    assert!(!enrol().status.success(), "no answer, no enrolment");
    assert_eq!(proxy.fired().lost, 1, "the proxy did not lose the answer");
    let device = open(&ws).device().to_string();
    tests::wait_until(
        "the hub to have enrolled the device whose answer was lost",
        || {
            let hub_store = tests::running_hub_store(&hub_dir);
            hub_store.devices().unwrap().iter().any(|d| d.id == device)
        },
    );
    // The same code again, once the link works: enrolled, with a new token.
    proxy.set_faults(false);
    let out = enrol();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    clinic_ok(&ws, &["sync"]);
    let st: serde_json::Value = serde_json::from_str(&clinic_ok(&ws, &["sync", "status"])).unwrap();
    assert_eq!(
        (st["outbox"].clone(), st["rejected"].clone()),
        (0.into(), serde_json::json!([]))
    );
    // Once the device has been seen, its code is spent for good: nobody else can take its
    // place with it.
    let again = enrol();
    assert!(!again.status.success());
    drop(hub);
    let hub_store = Store::open(hub_dir.join("hub.redb"), tests::test_options()).unwrap();
    assert!(
        hub_store.resident(registered).unwrap().is_some(),
        "the offline work arrived"
    );
}

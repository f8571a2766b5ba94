//! Sync under a hostile network and crashes: whatever happens, once the link is good again
//! every store holds exactly the same changes, none lost and none twice. The proxy counts the
//! faults that took effect, and the test requires each kind to have fired; a push whose answer
//! was lost is seen at the hub, sent again by the workstation and taken once.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use storage::model::*;
use storage::{Id, Store};
use tests::process::{Hub, clinic, hub_ok, program};
use tests::proxy::FaultyProxy;

const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;

fn open(data: &Path) -> Store {
    Store::open(data.join("clinic.redb"), tests::test_options()).unwrap()
}

fn hub_store(data: &Path) -> Store {
    Store::open(data.join("hub.redb"), tests::test_options()).unwrap()
}

fn ids(store: &Store) -> Vec<Id> {
    tests::journal_ids(store)
}

fn set(v: &[Id]) -> BTreeSet<Id> {
    v.iter().copied().collect()
}

/// The demo leaves some residents' records unshared, as in life, and the hub withholds those
/// from other facilities. These tests are about sync itself (every workstation ends with
/// exactly the hub's changes), so every resident consents to share everything.
fn share_everything(hub: &Path) {
    let store = hub_store(hub);
    let desk = storage::Actor {
        staff: "desk".into(),
        facility: CENTRE.into(),
        role: Role::FrontDesk,
    };
    let mut residents: Vec<Id> = ids(&store)
        .into_iter()
        .filter_map(|id| match store.change(id).unwrap()?.body {
            Body::Resident(r) => Some(r.resident),
            _ => None,
        })
        .collect();
    residents.sort();
    residents.dedup();
    let today = store.clock().today();
    let consents = residents
        .into_iter()
        .map(|resident| {
            Body::Consent(Consent {
                id: store.new_id(),
                resident,
                grantee: Grantee::Everyone,
                categories: RecordCategory::ALL.to_vec(),
                valid_from: today,
                valid_until: None,
                recorded_by: "desk".into(),
                withdrawn: false,
            })
        })
        .collect();
    store.commit(&desk, consents).unwrap();
}

/// Enrols through `url` (the proxy), with faults off.
fn enrol_via(data: &Path, hub: &Hub, url: &str) {
    tests::process::enrol_via(data, hub, url, CENTRE);
}

/// Writes `n` encounters for residents of the store; returns their ids.
fn write_records(data: &Path, n: u64, seed: u64) -> Vec<Id> {
    let store = open(data);
    let residents: Vec<Id> = store
        .search("王", None)
        .unwrap()
        .into_iter()
        .map(|h| h.resident.id)
        .collect();
    let actor = storage::Actor {
        staff: "doc".into(),
        facility: CENTRE.into(),
        role: Role::Doctor,
    };
    (0..n)
        .map(|i| {
            let who = residents[(i as usize + seed as usize) % residents.len()];
            let at = 1_790_000_000_000 + (seed * 1000 + i) as i64 * 1000;
            store
                .add_record(&actor, tests::encounter(who, at, i))
                .unwrap()
        })
        .collect()
}

/// What a round of `clinic sync` did, if it succeeded.
fn sync(data: &Path) -> Option<serde_json::Value> {
    let out = clinic(data, &["sync"]);
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).expect("the round's summary"))
}

/// Entries the hub answered "duplicate" to in a round: entries sent again that it held.
fn resent(summary: &Option<serde_json::Value>) -> u64 {
    summary
        .as_ref()
        .map_or(0, |s| s["duplicates"].as_u64().unwrap())
}

/// Syncs until a round succeeds with an empty outbox (at most `tries` rounds); returns how
/// many entries these rounds resent.
fn sync_until_clean(data: &Path, tries: usize) -> u64 {
    let mut resends = 0;
    for _ in 0..tries {
        let round = sync(data);
        resends += resent(&round);
        if round.is_some() && open(data).outbox_len().unwrap() == 0 {
            // One more round so this store also has whatever the others pushed last.
            let last = sync(data);
            resends += resent(&last);
            if last.is_some() {
                return resends;
            }
        }
    }
    panic!("{} never synced cleanly", data.display());
}

/// The ids in the outbox.
fn pending(data: &Path) -> BTreeSet<Id> {
    open(data)
        .pending(0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| e.change.id)
        .collect()
}

/// The hub's journal as it is now, the hub running.
fn hub_journal_now(hub: &Path) -> Vec<Id> {
    ids(&tests::running_hub_store(hub))
}

fn assert_exactly_the_same(hub: &Path, stores: &[&Path]) {
    let hub_ids = ids(&hub_store(hub));
    assert_eq!(
        set(&hub_ids).len(),
        hub_ids.len(),
        "the hub holds a change twice"
    );
    for data in stores {
        let s = open(data);
        let mine = ids(&s);
        assert_eq!(
            set(&mine).len(),
            mine.len(),
            "{} holds a change twice",
            data.display()
        );
        assert_eq!(
            set(&mine),
            set(&hub_ids),
            "{} differs from the hub",
            data.display()
        );
        assert_eq!(s.outbox_len().unwrap(), 0);
        assert!(s.rejected().unwrap().is_empty());
    }
}

#[test]
fn dropped_cut_slow_swallowed_and_lost_answers_and_a_hub_restart_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, a, b) = (
        dir.path().join("hub"),
        dir.path().join("a"),
        dir.path().join("b"),
    );
    hub_ok(&hub_dir, &["demo", "--residents", "30"]);
    share_everything(&hub_dir);
    let mut hub = Hub::start(&hub_dir, "127.0.0.1:0");
    let proxy = FaultyProxy::start(hub.addr(), 0xfa17);
    let url = format!("https://{}", proxy.addr);
    proxy.set_faults(false);
    enrol_via(&a, &hub, &url);
    enrol_via(&b, &hub, &url);
    sync_until_clean(&a, 3);
    sync_until_clean(&b, 3);
    let mut written = Vec::new();

    // A batch whose answer is lost: the hub takes it, the workstation never hears so.
    proxy.lose_answers();
    written.extend(write_records(&a, 40, 99));
    let batch = pending(&a);
    assert!(written.iter().all(|id| batch.contains(id)));
    let before = proxy.fired();
    let round = clinic(&a, &["sync"]);
    assert!(
        !round.status.success(),
        "the answer was lost, yet the round succeeded: {}",
        String::from_utf8_lossy(&round.stdout)
    );
    assert_eq!(
        proxy.fired().since(&before).lost,
        1,
        "the proxy did not lose that answer"
    );
    assert_eq!(
        pending(&a),
        batch,
        "an entry left the outbox with no answer"
    );
    tests::wait_until("the hub to hold the batch whose answer was lost", || {
        let at_hub = set(&hub_journal_now(&hub_dir));
        batch.iter().all(|id| at_hub.contains(id))
    });
    // The workstation sends it again, as its sync worker does after a failed round: the hub
    // holds every entry already and takes none a second time.
    proxy.set_faults(false);
    let again = sync(&a).expect("a round over a good link");
    assert_eq!(
        (again["pushed"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(batch.len() as u64)),
        "{again}"
    );
    assert!(pending(&a).is_empty());

    // Both work offline and try to sync through the bad link, again and again.
    proxy.set_faults(true);
    let before = proxy.fired();
    let mut resends = 0;
    for round in 0..12u64 {
        written.extend(write_records(&a, 40, round));
        written.extend(write_records(&b, 40, 100 + round));
        resends += resent(&sync(&a));
        resends += resent(&sync(&b));
        if round == 6 {
            // The hub restarts mid-work, on the same port.
            let addr = hub.addr();
            hub.kill();
            hub = Hub::start(&hub_dir, &addr);
        }
    }
    // The link is good again.
    proxy.set_faults(false);
    resends += sync_until_clean(&a, 5);
    resends += sync_until_clean(&b, 5);
    resends += sync_until_clean(&a, 5);
    let fired = proxy.fired().since(&before);
    eprintln!(
        "over {} connections, faults that took effect: {fired:?}; entries resent: {resends}",
        proxy.connections.load(std::sync::atomic::Ordering::Relaxed)
    );
    for (kind, count) in fired.kinds() {
        assert!(count > 0, "no connection was {kind}: {fired:?}");
    }
    assert!(
        resends > 0,
        "no entry the hub already held was sent again: {fired:?}"
    );
    hub.kill();

    assert_exactly_the_same(&hub_dir, &[&a, &b]);
    // Every record written is at the hub (and so in both stores), each once: the batch whose
    // answer was lost too.
    let at_hub = ids(&hub_store(&hub_dir));
    let once = |id: &Id| at_hub.iter().filter(|x| *x == id).count() == 1;
    let missing: Vec<&Id> = written.iter().filter(|id| !once(id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} records not at the hub exactly once",
        missing.len(),
        written.len()
    );
    assert!(batch.iter().all(once), "the lost batch is not there once");
}

#[test]
fn a_client_killed_at_random_points_of_push_and_pull_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, ws) = (dir.path().join("hub"), dir.path().join("ws"));
    // A catchment big enough that pulls and pushes take a while.
    hub_ok(&hub_dir, &["demo", "--residents", "600"]);
    share_everything(&hub_dir);
    let hub = Hub::start(&hub_dir, "127.0.0.1:0");
    let url = hub.url.clone();
    enrol_via(&ws, &hub, &url);
    let mut rng: u64 = 0x5eed;
    let mut kills = 0;
    let mut round = 0u64;
    while kills < 50 && round < 200 {
        round += 1;
        // Every round pulls the whole catchment again (duplicates are skipped), so kills land
        // in pulls as well as in pushes.
        open(&ws).set_meta_u64(sync::client::CURSOR_KEY, 0).unwrap();
        if round % 3 == 1 && open(&ws).resident_count().unwrap() > 0 {
            write_records(&ws, 200, round);
        }
        let mut child = program("e2e_clinic", &ws)
            .arg("sync")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(10 + rng % 200));
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        // After every kill the store opens and is consistent.
        let s = open(&ws);
        let journal = ids(&s);
        assert_eq!(
            set(&journal).len(),
            journal.len(),
            "round {round}: a change twice"
        );
    }
    assert!(kills >= 50, "only {kills} runs were killed mid-way");
    sync_until_clean(&ws, 5);
    drop(hub);
    assert_exactly_the_same(&hub_dir, &[&ws]);
}

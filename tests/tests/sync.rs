//! Sync end to end, with real processes on loopback: a township hub, a front-desk and a
//! doctor's workstation; a village clinic, a township relay hub and a county hub.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use storage::model::*;
use storage::{Id, Store};
use tests::process::{Hub, clinic_ok, enrol, hub_ok};

const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;
const VILLAGE: &str = "H42092100203";

fn open(data: &Path) -> Store {
    Store::open(data.join("clinic.redb"), tests::test_options()).unwrap()
}

fn actor(staff: &str, facility: &str, role: Role) -> storage::Actor {
    storage::Actor {
        staff: staff.into(),
        facility: facility.into(),
        role,
    }
}

fn sync(data: &Path) -> serde_json::Value {
    serde_json::from_str(&clinic_ok(data, &["sync"])).unwrap()
}

/// Every change id a store holds.
fn ids(store: &Store) -> BTreeSet<Id> {
    tests::journal_ids(store).into_iter().collect()
}

#[test]
fn a_check_in_at_the_front_desk_reaches_the_doctors_queue() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, desk, doctor) = (
        dir.path().join("hub"),
        dir.path().join("desk"),
        dir.path().join("doctor"),
    );
    hub_ok(&hub_dir, &["demo", "--residents", "150"]);
    let hub = Hub::start(&hub_dir, "127.0.0.1:0");
    enrol(&desk, &hub, CENTRE);
    enrol(&doctor, &hub, CENTRE);
    // First sync: both workstations bootstrap the catchment.
    let first = sync(&desk);
    assert!(first["pulled"].as_u64().unwrap() > 1_000, "{first}");
    sync(&doctor);

    let started = Instant::now();
    let (ticket, card_use) = {
        let store = open(&desk);
        let who = store.search("王", None).unwrap()[0].resident.id;
        let desk_actor = actor("frontdesk", CENTRE, Role::FrontDesk);
        // The card scanned at the desk is reported as a use, as the window does.
        let card_use = store
            .record_card_use(
                &desk_actor,
                CardUse {
                    resident: who,
                    card: "5A".repeat(32),
                    code: CardCode::Platform,
                    stage: CareStage::Registration,
                    reader: "serial".into(),
                },
            )
            .unwrap();
        let ticket = store
            .check_in(&desk_actor, who, VisitType::General, None)
            .unwrap();
        (ticket, card_use)
    };
    let pushed = sync(&desk);
    assert_eq!(pushed["pushed"], 2);
    sync(&doctor);
    // How long it took is reported, not asserted: tests do not measure the machine's speed.
    eprintln!(
        "check-in to the doctor's store: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let store = open(&doctor);
    let queue = store.queue(CENTRE, ticket.day).unwrap();
    assert!(
        queue.iter().any(|t| t.id == ticket.id),
        "the doctor sees the check-in"
    );
    // The front desk's outbox is empty: the hub acknowledged exactly what was sent.
    assert_eq!(open(&desk).outbox_len().unwrap(), 0);
    // The card use went up to the hub and nowhere else: the doctor's store has not got it.
    assert!(!ids(&store).contains(&card_use));
    drop(hub);
    let day = ticket.day.to_string();
    let report = hub_ok(&hub_dir, &["card-uses", "--from", &day, "--to", &day]);
    let uses: Vec<serde_json::Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(uses.len(), 1, "{report}");
    assert_eq!(uses[0]["id"], card_use.to_string());
    assert_eq!(uses[0]["facility"], CENTRE);
    assert_eq!(uses[0]["stage"], "registration");
    assert_eq!(uses[0]["staff"], "frontdesk");
}

#[test]
fn offline_edits_on_both_sides_converge() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, a, b) = (
        dir.path().join("hub"),
        dir.path().join("a"),
        dir.path().join("b"),
    );
    hub_ok(&hub_dir, &["demo", "--residents", "60"]);
    let hub = Hub::start(&hub_dir, "127.0.0.1:0");
    enrol(&a, &hub, CENTRE);
    enrol(&b, &hub, CENTRE);
    sync(&a);
    sync(&b);
    let who = open(&a).search("王", None).unwrap()[0].resident.id;
    // Offline, both edit the same resident, and each records something.
    let edit_offline = |data: &Path, phone: &str, at: i64, n: u64| {
        let s = open(data);
        let change = ResidentChange {
            resident: who,
            fields: vec![ResidentField::Phone(phone.into())],
            add_identifiers: vec![],
            remove_identifiers: vec![],
        };
        s.update_resident(&actor("frontdesk", CENTRE, Role::FrontDesk), change)
            .unwrap();
        s.add_record(
            &actor("doc", CENTRE, Role::Doctor),
            tests::encounter(who, at, n),
        )
        .unwrap();
    };
    edit_offline(&a, "13900000001", 1_790_000_000_000, 1);
    std::thread::sleep(Duration::from_millis(20));
    edit_offline(&b, "13900000002", 1_790_000_100_000, 2);
    // The link returns: a, b, a.
    sync(&a);
    sync(&b);
    sync(&a);
    let (sa, sb) = (open(&a), open(&b));
    assert_eq!(sa.resident(who).unwrap(), sb.resident(who).unwrap());
    assert_eq!(
        sa.resident(who).unwrap().unwrap().phone,
        "13900000002",
        // The demo hub's clock may run ahead, so both edits can carry the same HLC; then the
        // larger value wins, which is this one too.
        "the later edit wins"
    );
    assert_eq!(
        sa.history_unaudited(who).unwrap(),
        sb.history_unaudited(who).unwrap()
    );
    assert_eq!(ids(&sa), ids(&sb));
    assert_eq!(sa.outbox_len().unwrap() + sb.outbox_len().unwrap(), 0);
}

#[test]
fn a_village_encounter_reaches_the_county_and_a_discharge_comes_back_through_the_relay() {
    // The village's claim, too: the county (the top hub) settles it, not the relay.
    let dir = tempfile::tempdir().unwrap();
    let (county_dir, town_dir) = (dir.path().join("county"), dir.path().join("township"));
    let (village, hospital) = (dir.path().join("village"), dir.path().join("hospital"));
    // The county hub and the township hub hold the same demo township.
    hub_ok(&county_dir, &["demo", "--residents", "40"]);
    hub_ok(&town_dir, &["demo", "--residents", "40"]);
    let county = Hub::start(&county_dir, "127.0.0.1:0");
    let relay_code = county.enrol_code(CENTRE, true);
    hub_ok(
        &town_dir,
        &[
            "upstream",
            "--hub",
            &county.url,
            "--code",
            &relay_code,
            "--fingerprint",
            &county.fingerprint(),
        ],
    );
    let township = Hub::start(&town_dir, "127.0.0.1:0");
    enrol(&village, &township, VILLAGE);
    enrol(&hospital, &county, fixtures::catalogue::COUNTY_HOSPITAL);
    sync(&village);
    sync(&hospital);

    // A resident of the village: their consent is recorded where they live.
    let who = {
        let store = open(&village);
        ids(&store)
            .into_iter()
            .find_map(|id| match store.change(id).unwrap()?.body {
                Body::Resident(r) => store
                    .resident(r.resident)
                    .unwrap()
                    .filter(|r| r.home_facility == VILLAGE)
                    .map(|r| r.id),
                _ => None,
            })
            .expect("a resident of the village")
    };
    // The hubs hand each facility the other's records only by the resident's consent.
    {
        let store = open(&village);
        let consent = Consent {
            id: store.new_id(),
            resident: who,
            grantee: Grantee::Everyone,
            categories: vec![RecordCategory::Encounter],
            valid_from: store.clock().today(),
            valid_until: None,
            recorded_by: "desk".into(),
            withdrawn: false,
        };
        store
            .commit_one(
                &actor("desk", VILLAGE, Role::FrontDesk),
                Body::Consent(consent),
            )
            .unwrap();
    }
    let encounter = open(&village)
        .add_record(
            &actor("doc", VILLAGE, Role::Doctor),
            ClinicalRecord {
                facility: VILLAGE.into(),
                // Today's visit: the claim below bills it (the hub refuses a claim for a
                // visit long past).
                ..tests::encounter(who, storage::Clock::system().now_ms() - 60_000, 7)
            },
        )
        .unwrap();
    let claim = {
        let store = open(&village);
        let fee = fixtures::catalogue::demo_catalogue()
            .get(storage::CONSULTATION_FEE)
            .unwrap();
        let bill = vec![storage::bill_line(fee, 1, false)];
        let checkout = store.checkout(who, VILLAGE, Some(encounter), bill).unwrap();
        let desk = actor("desk", VILLAGE, Role::FrontDesk);
        store
            .complete_checkout(&desk, &checkout, PaymentMethod::Cash)
            .unwrap()
            .0
            .unwrap()
    };
    let discharge = {
        let mut record = tests::encounter(who, 1_790_500_000_000, 8);
        record.facility = fixtures::catalogue::COUNTY_HOSPITAL.into();
        open(&hospital)
            .add_record(
                &actor("doc", fixtures::catalogue::COUNTY_HOSPITAL, Role::Doctor),
                record,
            )
            .unwrap()
    };
    sync(&village);
    sync(&hospital);
    // The relay works on its own, every two seconds.
    tests::wait_until(
        "the encounter up, the discharge down and the claim's decision back",
        || {
            sync(&hospital);
            sync(&village);
            let up = open(&hospital).change(encounter).unwrap().is_some();
            let down = open(&village).change(discharge).unwrap().is_some();
            let settled = open(&village)
                .claim(claim)
                .unwrap()
                .is_some_and(|c| c.status() != ClaimStatus::Queued);
            up && down && settled
        },
    );
    let store = open(&village);
    let decided = store.claim(claim).unwrap().unwrap();
    assert_eq!(
        decided.history.len(),
        2,
        "decided once: {:?}",
        decided.history
    );
    // Decided by the county, the top hub, and not by the township relay it went through: the
    // decision is a change made by the county hub's store.
    let decisions: Vec<Change> = tests::journal_ids(&store)
        .into_iter()
        .filter_map(|id| store.change(id).unwrap())
        .filter(|c| matches!(c.body, Body::ClaimStatus { claim: of, .. } if of == claim))
        .collect();
    assert_eq!(decisions.len(), 1, "one decision: {decisions:?}");
    drop((county, township));
    let device_of = |hub: &Path| {
        Store::open(hub.join("hub.redb"), tests::test_options())
            .unwrap()
            .device()
            .to_string()
    };
    let (county_hub, township_hub) = (device_of(&county_dir), device_of(&town_dir));
    assert_ne!(county_hub, township_hub);
    assert_eq!(
        decisions[0].origin.device, county_hub,
        "the claim was decided by {}, not by the county hub (the township relay is {township_hub})",
        decisions[0].origin.device
    );
}

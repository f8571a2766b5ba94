//! Insurance settlement end to end: two clinics settle claims offline for the same resident,
//! together past the annual cap; the hub process adjudicates them as they arrive (one of them
//! through a link that loses answers the hub sent, so pushes are resent) and the front desk sees
//! what to collect. Nothing is settled twice.

use std::path::Path;

use storage::model::*;
use storage::{Date, Id, Store};
use tests::process::{Hub, clinic, clinic_ok, enrol, enrol_via, hub_ok};
use tests::proxy::FaultyProxy;

const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;
const VILLAGE: &str = "H42092100201";
const AMOXICILLIN: &str = "XJ01CAA011";

fn open(data: &Path) -> Store {
    Store::open(data.join("clinic.redb"), tests::test_options()).unwrap()
}

fn front_desk(facility: &str) -> storage::Actor {
    storage::Actor {
        staff: "frontdesk".into(),
        facility: facility.into(),
        role: Role::FrontDesk,
    }
}

/// Settles `quantity` amoxicillin capsules for `who` at `facility`, paid in cash.
fn settle(data: &Path, facility: &str, who: Id, quantity: u32) -> (Id, i64) {
    let store = open(data);
    let item = fixtures::catalogue::demo_catalogue()
        .get(AMOXICILLIN)
        .unwrap();
    let bill = vec![storage::bill_line(item, quantity, false)];
    let checkout = store.checkout(who, facility, None, bill).unwrap();
    assert!(
        checkout.settlement.is_some(),
        "{:?}",
        checkout.uninsured_reason
    );
    let (claim, _) = store
        .complete_checkout(&front_desk(facility), &checkout, PaymentMethod::Cash)
        .unwrap();
    (claim.unwrap(), checkout.insurance_fen())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Entries a round of `clinic sync` sent that the hub held already (none if it failed).
fn resent(out: &std::process::Output) -> u64 {
    if !out.status.success() {
        return 0;
    }
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    summary["duplicates"].as_u64().unwrap()
}

/// Syncs until the outbox is empty; returns how many entries the rounds sent again.
fn sync_until_clean(data: &Path) -> u64 {
    let mut resends = 0;
    for _ in 0..30 {
        let round = clinic(data, &["sync"]);
        resends += resent(&round);
        if round.status.success() && open(data).outbox_len().unwrap() == 0 {
            return resends;
        }
    }
    panic!("{} never synced", data.display());
}

#[test]
fn two_clinics_cross_the_cap_offline_and_the_hub_adjusts_the_later_claim_once() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, centre, village) = (
        dir.path().join("hub"),
        dir.path().join("centre"),
        dir.path().join("village"),
    );
    hub_ok(&hub_dir, &["demo", "--residents", "80"]);
    let mut hub = Hub::start(&hub_dir, "127.0.0.1:0");
    let proxy = FaultyProxy::start(hub.addr(), 0xc1a1);
    proxy.set_faults(false);
    enrol(&centre, &hub, CENTRE);
    enrol_via(&village, &hub, &format!("https://{}", proxy.addr), VILLAGE);
    clinic_ok(&centre, &["sync"]);
    clinic_ok(&village, &["sync"]);

    // An insured resident with room left under this year's cap.
    let policy = fixtures::catalogue::demo_policies().pop().unwrap();
    let (who, before) = {
        let store = open(&centre);
        let year = store.clock().today().year();
        store
            .search("王", None)
            .unwrap()
            .into_iter()
            .map(|h| h.resident.id)
            .map(|id| (id, store.accumulator(id, "390", year, false).unwrap().0))
            .find(|(_, acc)| acc.reimbursed_fen < policy.annual_cap_fen - 5_000)
            .expect("a resident below the cap")
    };
    let room = policy.annual_cap_fen - before.reimbursed_fen;
    // Each clinic's bill alone fits; together they do not. 10 fen a capsule, 75 % at the
    // centre, 85 % at the village, after what is left of the deductible.
    let deductible_left = (policy.deductible_fen - before.deductible_used_fen).max(0);
    let capsules = |ratio: i64| ((room * 60 / ratio + deductible_left) / 10) as u32;
    let (first, first_insurance) = settle(&centre, CENTRE, who, capsules(75));
    let (second, second_insurance) = settle(&village, VILLAGE, who, capsules(85));
    assert!(first_insurance < room && second_insurance < room);
    assert!(
        first_insurance + second_insurance > room,
        "the two cross the cap"
    );

    // The centre syncs first: its claim fits and is accepted.
    sync_until_clean(&centre);
    // A copy of the village workstation as it is now, claim unsent: it will resend it all.
    let resend = dir.path().join("village-again");
    copy_dir(&village, &resend);
    // The village syncs through a bad link. Its push reaches the hub and the answer is lost on
    // the way back, so it is sent again; then connections are dropped, cut, slowed, swallowed
    // and more answers lost, at random.
    proxy.lose_answers();
    let lost = clinic(&village, &["sync"]);
    assert!(
        !lost.status.success(),
        "the answer was lost, yet the round succeeded"
    );
    assert_eq!(proxy.fired().lost, 1, "the proxy did not lose the answer");
    proxy.set_faults(true);
    let mut resends = 0;
    for _ in 0..5 {
        resends += resent(&clinic(&village, &["sync"]));
    }
    proxy.set_faults(false);
    resends += sync_until_clean(&village);
    assert!(
        resends >= 2,
        "the claim and its payment were not sent again ({resends} resent): {:?}",
        proxy.fired()
    );
    clinic_ok(&village, &["sync"]);
    clinic_ok(&centre, &["sync"]);

    let accepted = open(&centre).claim(first).unwrap().unwrap();
    assert_eq!(accepted.status(), ClaimStatus::Accepted);
    assert!(open(&centre).reconciliation(CENTRE).unwrap().is_empty());

    // The later claim is cut to what was left under the cap, and says why.
    let store = open(&village);
    let adjusted = store.claim(second).unwrap().unwrap();
    assert_eq!(adjusted.status(), ClaimStatus::Adjusted);
    assert_eq!(adjusted.insurance_fen, room - first_insurance);
    let decision = adjusted.history.last().unwrap();
    assert!(
        decision.reasons.contains(&AdjudicationReason::CapReached {
            cap_fen: policy.annual_cap_fen,
            used_fen: before.reimbursed_fen + first_insurance,
        }),
        "{:?}",
        decision.reasons
    );
    let todo = store.reconciliation(VILLAGE).unwrap();
    assert_eq!(todo.len(), 1);
    assert_eq!(todo[0].claim.id, second);
    let to_collect = second_insurance - (room - first_insurance);
    assert_eq!(todo[0].due_fen(), to_collect);

    // The front desk collects the difference; it syncs, and the list is empty.
    store
        .settle_difference(&front_desk(VILLAGE), second, PaymentMethod::Cash)
        .unwrap();
    drop(store);
    sync_until_clean(&village);
    assert!(open(&village).reconciliation(VILLAGE).unwrap().is_empty());
    let report = open(&village)
        .daily_report(VILLAGE, Date::of_instant(accepted.opened_at()))
        .unwrap();
    let row = report
        .rows
        .iter()
        .find(|r| r.status == Some(ClaimStatus::Adjusted))
        .expect("the adjusted claim is in the day's report");
    assert_eq!(row.count, 1);

    // The copy sends the claim and its payment again: the hub has them, and decides nothing.
    let again: serde_json::Value = serde_json::from_str(&clinic_ok(&resend, &["sync"])).unwrap();
    assert_eq!(
        (again["pushed"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(2)),
        "{again}"
    );

    // Nothing settled twice: one decision per claim at the hub, the whole cap and no more.
    hub.kill();
    {
        let hub_store = Store::open(hub_dir.join("hub.redb"), tests::test_options()).unwrap();
        let decisions: Vec<Id> = tests::journal_ids(&hub_store)
            .into_iter()
            .filter_map(|id| match hub_store.change(id).unwrap().unwrap().body {
                Body::ClaimStatus { claim, .. } => Some(claim),
                _ => None,
            })
            .filter(|c| *c == first || *c == second)
            .collect();
        assert_eq!(decisions.len(), 2, "{decisions:?}");
        let year = Date::of_instant(accepted.opened_at()).year();
        let (acc, unconfirmed) = hub_store.accumulator(who, "390", year, true).unwrap();
        assert!(!unconfirmed);
        assert_eq!(acc.reimbursed_fen, policy.annual_cap_fen);
    }
}

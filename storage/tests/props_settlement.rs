//! Property tests of the settlement arithmetic (`storage::settlement`) and of the hub's
//! adjudication of what a workstation settled: over random policies, bills and years so far,
//!
//! - the money adds up: insurance + patient = total, line by line and in all;
//! - the annual caps are never exceeded, nor the deductible taken twice;
//! - settling a bill in one go equals settling it in parts (the accumulator carried between);
//! - the hub accepts, unchanged, a claim a workstation settled under the same facts (the same
//!   policy, catalogue, facility level and year so far), purely and through two real stores.

use proptest::prelude::*;
use storage::catalogue::Catalogue;
use storage::model::*;
use storage::settlement::{Accumulator, BillLine, ClaimContext, adjudicate, settle};
use storage::*;

/// Cases per property; `PROPTEST_CASES` overrides it for a longer run.
const CASES: u32 = 256;
/// The store-backed property opens two stores per case.
const STORE_CASES: u32 = 64;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Failures are kept as named regression tests in this file, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// 2026-03-02 10:00 Beijing time.
const T0: i64 = 1_772_416_800_000;
const LEVELS: [FacilityLevel; 3] = [
    FacilityLevel::Village,
    FacilityLevel::Township,
    FacilityLevel::County,
];

fn class() -> impl Strategy<Value = InsuranceClass> {
    prop_oneof![
        Just(InsuranceClass::A),
        Just(InsuranceClass::B),
        Just(InsuranceClass::C)
    ]
}

/// Basis points, the edges (0 and 100 %) often.
fn bp() -> impl Strategy<Value = u32> {
    prop_oneof![1 => Just(0u32), 1 => Just(10_000u32), 4 => 0u32..=10_000]
}

/// An amount of money up to `max` fen, 0 often.
fn fen(max: i64) -> impl Strategy<Value = i64> {
    prop_oneof![1 => Just(0i64), 4 => 0..=max]
}

/// A policy of scheme 390 in force since 2026-01-01; `covered` keeps every level's ratio
/// above 0 (a level at 0 is not covered and the hub rejects its claims).
fn policy(covered: bool) -> impl Strategy<Value = Policy> {
    let ratio = if covered {
        (1u32..=10_000).boxed()
    } else {
        bp().boxed()
    };
    (
        1u32..=9,
        fen(50_000),
        fen(500_000),
        prop::collection::vec(ratio, 3),
        bp(),
        bp(),
        fen(500_000),
    )
        .prop_map(
            |(version, deductible, cap, ratios, class_b, chronic_ratio, chronic_cap)| Policy {
                scheme: "390".into(),
                version,
                effective_from: "2026-01-01".parse().unwrap(),
                deductible_fen: deductible,
                annual_cap_fen: cap,
                levels: LEVELS
                    .iter()
                    .zip(ratios)
                    .map(|(&level, ratio_bp)| LevelRule { level, ratio_bp })
                    .collect(),
                class_b_self_pay_bp: class_b,
                chronic_ratio_bp: chronic_ratio,
                chronic_annual_cap_fen: chronic_cap,
            },
        )
}

fn level() -> impl Strategy<Value = FacilityLevel> {
    prop::sample::select(LEVELS.to_vec())
}

/// Quantities and prices within the bounds the workstation and the hub enforce, mostly small.
fn any_bill_line() -> impl Strategy<Value = BillLine> {
    (
        0usize..6,
        class(),
        prop_oneof![4 => 1u32..=60, 1 => 1u32..=authority::MAX_QUANTITY],
        prop_oneof![4 => 1i64..=20_000, 1 => 0..=authority::MAX_PRICE_FEN],
        any::<bool>(),
    )
        .prop_map(
            |(code, class, quantity, unit_price_fen, chronic)| BillLine {
                item_code: format!("X{code}"),
                name: format!("item {code}"),
                class,
                quantity,
                unit_price_fen,
                chronic,
            },
        )
}

fn bill() -> impl Strategy<Value = Vec<BillLine>> {
    prop::collection::vec(any_bill_line(), 0..12)
}

/// A year so far: nothing, or amounts around and past the policy's limits.
fn year_so_far() -> impl Strategy<Value = Accumulator> {
    (fen(600_000), fen(60_000), fen(600_000)).prop_map(|(reimbursed, deductible, chronic)| {
        Accumulator {
            reimbursed_fen: reimbursed,
            deductible_used_fen: deductible,
            chronic_reimbursed_fen: chronic,
        }
    })
}

fn sum(lines: &[ClaimLine], f: fn(&ClaimLine) -> i64) -> i64 {
    lines.iter().map(f).sum()
}

proptest! {
    #![proptest_config(config(CASES))]

    /// Every line's steps add up, and so do the totals: insurance + patient = total, nothing
    /// negative, nothing paid beyond what the ratio gives.
    #[test]
    fn the_money_adds_up(
        policy in policy(false),
        level in level(),
        bill in bill(),
        before in year_so_far(),
    ) {
        let s = settle(&policy, level, &bill, before);
        prop_assert_eq!(s.lines.len(), bill.len());
        prop_assert_eq!(s.total_fen, s.insurance_fen + s.patient_fen);
        prop_assert_eq!(s.total_fen, sum(&s.lines, |l| l.amount_fen));
        prop_assert_eq!(s.insurance_fen, sum(&s.lines, |l| l.insurance_fen));
        prop_assert!(s.insurance_fen >= 0 && s.patient_fen >= 0, "{s:?}");
        for (item, l) in bill.iter().zip(&s.lines) {
            prop_assert_eq!(l.amount_fen, item.unit_price_fen * item.quantity as i64);
            prop_assert_eq!(l.self_pay_fen + l.eligible_fen, l.amount_fen, "{:?}", l);
            prop_assert!(l.self_pay_fen >= 0 && l.eligible_fen >= 0, "{l:?}");
            prop_assert!((0..=l.eligible_fen).contains(&l.deductible_fen), "{l:?}");
            prop_assert!(l.before_cap_fen <= l.eligible_fen - l.deductible_fen, "{l:?}");
            prop_assert!((0..=l.before_cap_fen).contains(&l.insurance_fen), "{l:?}");
            if l.class == InsuranceClass::C {
                prop_assert_eq!(l.insurance_fen, 0, "丙类 is the patient's: {:?}", l);
            }
            if l.chronic {
                prop_assert_eq!(l.deductible_fen, 0, "两病 has no deductible: {:?}", l);
            }
        }
        prop_assert_eq!(s.policy_version, policy.version);
    }

    /// Whatever the year so far, this claim never takes the fund past either annual cap or
    /// the deductible past its amount; a year already past a cap gets nothing more from it.
    #[test]
    fn the_caps_are_never_exceeded(
        policy in policy(false),
        level in level(),
        bill in bill(),
        before in year_so_far(),
    ) {
        let s = settle(&policy, level, &bill, before);
        let ordinary: i64 = s.lines.iter().filter(|l| !l.chronic).map(|l| l.insurance_fen).sum();
        let chronic: i64 = s.lines.iter().filter(|l| l.chronic).map(|l| l.insurance_fen).sum();
        let deductible: i64 = s.lines.iter().map(|l| l.deductible_fen).sum();
        let room = |cap: i64, used: i64| (cap - used).max(0);
        prop_assert!(
            ordinary <= room(policy.annual_cap_fen, before.reimbursed_fen),
            "ordinary pooling paid {ordinary}, cap {} with {} used",
            policy.annual_cap_fen,
            before.reimbursed_fen
        );
        prop_assert!(
            chronic <= room(policy.chronic_annual_cap_fen, before.chronic_reimbursed_fen),
            "两病 paid {chronic}, cap {} with {} used",
            policy.chronic_annual_cap_fen,
            before.chronic_reimbursed_fen
        );
        prop_assert!(deductible <= room(policy.deductible_fen, before.deductible_used_fen));
        prop_assert_eq!(s.after.reimbursed_fen, before.reimbursed_fen + ordinary);
        prop_assert_eq!(s.after.chronic_reimbursed_fen, before.chronic_reimbursed_fen + chronic);
        prop_assert_eq!(s.after.deductible_used_fen, before.deductible_used_fen + deductible);
        prop_assert_eq!(s.cap_reached(), s.lines.iter().any(|l| l.capped()));
    }

    /// Two visits settled one after the other (the second with the accumulator the first
    /// left) give the same lines, totals and year as one visit with both bills.
    #[test]
    fn settling_in_one_go_equals_settling_in_parts(
        policy in policy(false),
        level in level(),
        bill in bill(),
        split in any::<prop::sample::Index>(),
        before in year_so_far(),
    ) {
        let at = split.index(bill.len() + 1);
        let whole = settle(&policy, level, &bill, before);
        let first = settle(&policy, level, &bill[..at], before);
        let second = settle(&policy, level, &bill[at..], first.after);
        let parts: Vec<ClaimLine> = first.lines.iter().chain(&second.lines).cloned().collect();
        prop_assert_eq!(&whole.lines, &parts);
        prop_assert_eq!(whole.after, second.after);
        prop_assert_eq!(whole.total_fen, first.total_fen + second.total_fen);
        prop_assert_eq!(whole.insurance_fen, first.insurance_fen + second.insurance_fen);
        prop_assert_eq!(whole.patient_fen, first.patient_fen + second.patient_fen);
    }

    /// The hub's adjudication, given the facts the workstation used (the policy, catalogue
    /// prices and classes, the level, an insured resident, the same year so far), accepts the
    /// claim with the workstation's amounts and changes nothing.
    #[test]
    fn the_hub_accepts_what_a_workstation_settled_under_the_same_facts(
        policy in policy(true),
        level in level(),
        items in catalogue_items(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), 1u32..=200), 0..10),
        filed in any::<bool>(),
        before in year_so_far(),
    ) {
        let catalogue = Catalogue::parse(&catalogue_text(&items)).unwrap();
        let bill: Vec<BillLine> = picks
            .iter()
            .map(|(i, quantity)| {
                let item = &catalogue.items()[i.index(catalogue.len())];
                bill_line(item, *quantity, filed)
            })
            .collect();
        let s = settle(&policy, level, &bill, before);
        let claim = claim_of(&s);
        let ctx = ClaimContext { level: Some(level), insured: true, before, duplicate_of: None };
        let decision = adjudicate(&claim, &ctx, std::slice::from_ref(&policy), &catalogue);
        prop_assert_eq!(decision.status, ClaimStatus::Accepted, "{:?}", decision.reasons);
        prop_assert_eq!(decision.insurance_fen, s.insurance_fen);
        prop_assert_eq!(decision.patient_fen, s.patient_fen);
        prop_assert!(decision.lines.is_empty() && decision.reasons.is_empty());
    }
}

/// Catalogue rows: (class, chronic, price), one to six items.
fn catalogue_items() -> impl Strategy<Value = Vec<(InsuranceClass, bool, i64)>> {
    prop::collection::vec(
        (
            class(),
            any::<bool>(),
            prop_oneof![4 => 1i64..=20_000, 1 => 1..=authority::MAX_PRICE_FEN],
        ),
        1..6,
    )
}

fn catalogue_text(items: &[(InsuranceClass, bool, i64)]) -> String {
    let mut text = String::from("code\tkind\tname\tspec\tunit\tprice_fen\tclass\tchronic\tfor\n");
    for (n, (class, chronic, price)) in items.iter().enumerate() {
        let class = match class {
            InsuranceClass::A => "A",
            InsuranceClass::B => "B",
            InsuranceClass::C => "C",
        };
        let chronic = u8::from(*chronic);
        text.push_str(&format!(
            "X{n:04}\tdrug\t药品{n}\t片\t片\t{price}\t{class}\t{chronic}\tI10\n"
        ));
    }
    text
}

/// The claim a workstation makes of a settlement (as `Store::complete_checkout` does).
fn claim_of(s: &settlement::Settlement) -> Claim {
    Claim {
        id: Id(7),
        resident: Id(8),
        encounter: None,
        facility: "H42092100101".into(),
        scheme: "390".into(),
        policy_version: s.policy_version,
        lines: s.lines.clone(),
        total_fen: s.total_fen,
        insurance_fen: s.insurance_fen,
        patient_fen: s.patient_fen,
        provisional: false,
        history: vec![ClaimStatusChange {
            status: ClaimStatus::Queued,
            at: T0,
            insurance_fen: s.insurance_fen,
            patient_fen: s.patient_fen,
            reasons: Vec::new(),
            lines: Vec::new(),
        }],
    }
}

fn actor(role: Role, facility: &str) -> Actor {
    Actor {
        staff: "s".into(),
        facility: facility.into(),
        role,
    }
}

fn open(dir: &tempfile::TempDir, name: &str) -> Store {
    Store::open(
        dir.path().join(name),
        OpenOptions::new("测试密钥")
            .fast_kdf_for_tests()
            .with_clock(Clock::fixed(T0)),
    )
    .unwrap()
}

/// A facility code per level.
fn facility_of(level: FacilityLevel) -> &'static str {
    match level {
        FacilityLevel::Village => "H42092100201",
        FacilityLevel::Township => "H42092100101",
        _ => "H42092100001",
    }
}

proptest! {
    #![proptest_config(config(STORE_CASES))]

    /// End to end on two real stores: the hub holds the facilities and the policy and the
    /// workstation has pulled them; the workstation (at a facility of any level) settles a
    /// resident's visits one after another, each checkout reading the year from the claims
    /// before it; everything it made is pushed to the hub through the push route's own path
    /// (`Store::apply_pushed`, the hub's authority checks included) and taken; and the hub's
    /// settlement service accepts every claim as the workstation computed it.
    #[test]
    fn the_hub_accepts_a_workstations_visits_settled_in_turn(
        policy in policy(true),
        level in level(),
        items in catalogue_items(),
        visits in prop::collection::vec(
            prop::collection::vec((any::<prop::sample::Index>(), 1u32..=400), 1..5),
            1..5,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let ws = open(&dir, "ws.redb");
        let hub = open(&dir, "hub.redb");
        let facility = facility_of(level);
        let mut reference: Vec<Body> = LEVELS
            .iter()
            .map(|&level| {
                Body::Facility(Facility {
                    code: facility_of(level).into(),
                    name: facility_of(level).into(),
                    level,
                    county: "420921".into(),
                    township: "420921100000".into(),
                })
            })
            .collect();
        reference.push(Body::Policy(policy.clone()));
        hub.commit(&actor(Role::Admin, "hub"), reference).unwrap();
        let pulled: Vec<Change> =
            hub.journal_after(0, usize::MAX).unwrap().into_iter().map(|(_, c)| c).collect();
        for applied in ws.apply_remote(&pulled, true).unwrap() {
            applied.unwrap();
        }
        let front_desk = actor(Role::FrontDesk, facility);
        let who = ws
            .register(
                &front_desk,
                NewResident {
                    name: "王建国".into(),
                    id_number: Some("420921195803120017".into()),
                    insurance: Some(("390".into(), "42092119580312001701".into())),
                    ..Default::default()
                },
            )
            .unwrap();
        let catalogue = Catalogue::parse(&catalogue_text(&items)).unwrap();
        let mut settled = Vec::new();
        for picks in &visits {
            let bill: Vec<BillLine> = picks
                .iter()
                .map(|(i, q)| bill_line(&catalogue.items()[i.index(catalogue.len())], *q, true))
                .collect();
            let total: i64 = bill.iter().map(|l| l.unit_price_fen * l.quantity as i64).sum();
            let co = match ws.checkout(who, facility, None, bill) {
                Ok(co) => co,
                // Refused before money moves: the hub would refuse the payment.
                Err(Error::Invalid(_)) if total > authority::MAX_PAYMENT_FEN => continue,
                Err(e) => panic!("checkout of a bill of {total} fen: {e}"),
            };
            let (claim, _) = ws.complete_checkout(&front_desk, &co, PaymentMethod::Cash).unwrap();
            settled.push(ws.claim(claim.unwrap()).unwrap().unwrap());
        }
        let device = Device {
            id: ws.device().into(),
            facility: facility.into(),
            name: "ws".into(),
            active: true,
            enrolled_at: 0,
            relay: false,
        };
        let no_cards = |_: &str, _: u64| Err("no card is shown".to_string());
        let pusher = authority::Pusher { device: &device, now_ms: T0, presence: &no_cards };
        let pushed: Vec<Change> =
            ws.outbox_after(0, usize::MAX).unwrap().into_iter().map(|e| e.change).collect();
        for (change, outcome) in pushed.iter().zip(hub.apply_pushed(&pusher, &pushed).unwrap()) {
            prop_assert!(
                matches!(outcome, authority::Pushed::Stored(_)),
                "the hub refused a {}: {:?}",
                change.body.kind(),
                outcome
            );
        }
        let decided = hub.adjudicate_queued(&actor(Role::Settlement, "hub"), &catalogue).unwrap();
        prop_assert_eq!(decided.len(), settled.len());
        for claim in &settled {
            let at_hub = hub.claim(claim.id).unwrap().unwrap();
            prop_assert_eq!(at_hub.status(), ClaimStatus::Accepted, "{:?}", at_hub.history);
            prop_assert_eq!(
                (at_hub.insurance_fen, at_hub.patient_fen),
                (claim.insurance_fen, claim.patient_fen)
            );
            prop_assert_eq!(at_hub.settled_lines(), &claim.lines[..]);
        }
    }
}

/// Regression (found by `the_hub_accepts_a_workstations_visits_settled_in_turn`): each line
/// of a bill was held to the hub's bounds, but not the payment they add up to, so a
/// workstation took a payment of more than one million yuan that the hub then refused as not
/// plausible, leaving the claim at the hub without its payment and the payment rejected in
/// the outbox for good. Now the checkout refuses the bill before money moves.
#[test]
fn a_bill_whose_payment_the_hub_would_refuse_is_refused_at_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir, "ws.redb");
    let facility = facility_of(FacilityLevel::Township);
    let who = ws
        .register(
            &actor(Role::FrontDesk, facility),
            NewResident {
                name: "王建国".into(),
                id_number: Some("420921195803120017".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let line = |code: &str| BillLine {
        item_code: code.into(),
        name: "贵重药品".into(),
        class: InsuranceClass::C,
        quantity: 10,
        unit_price_fen: authority::MAX_PRICE_FEN,
        chronic: false,
    };
    // Two lines of 1 000 000 元 each, every line within the bounds.
    let err = ws
        .checkout(who, facility, None, vec![line("X1"), line("X2")])
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("more than one payment"), "{err}");
    // One of them alone is exactly the largest payment: taken.
    let co = ws.checkout(who, facility, None, vec![line("X1")]).unwrap();
    assert_eq!(co.patient_fen(), authority::MAX_PAYMENT_FEN);
}

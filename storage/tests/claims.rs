//! Billing, offline settlement, adjudication and reconciliation on real redb files: a
//! workstation store and a hub store, changes carried between them as on the wire.

use storage::catalogue::Catalogue;
use storage::model::*;
use storage::settlement::Accumulator;
use storage::*;

fn test_options() -> OpenOptions {
    OpenOptions::new("测试密钥").fast_kdf_for_tests()
}

/// 2026-03-02 10:00 Beijing time.
const T0: i64 = 1_772_416_800_000;
const CENTRE: &str = "H42092100101";
const VILLAGE: &str = "H42092100201";

const CATALOGUE: &str = "code\tkind\tname\tspec\tunit\tprice_fen\tclass\tchronic\tfor\n\
    S110200001\tservice\t一般诊疗费\t次\t次\t1000\tA\t0\t\n\
    XC08CAA004\tdrug\t苯磺酸氨氯地平片\t5mg×28片\t片\t30\tA\t1\tI10\n\
    XC09CAA002\tdrug\t缬沙坦胶囊\t80mg×14粒\t粒\t150\tB\t1\tI10\n\
    XN02BEF016\tdrug\t复方氨酚烷胺片\t12片/盒\t片\t75\tC\t0\tJ06\n\
    XJ01CAA011\tdrug\t阿莫西林胶囊\t0.25g×24粒\t粒\t10\tA\t0\tJ0\n";

fn open(dir: &tempfile::TempDir, name: &str) -> Store {
    Store::open(
        dir.path().join(name),
        test_options().with_clock(Clock::fixed(T0)),
    )
    .unwrap()
}

fn actor(role: Role, facility: &str) -> Actor {
    Actor {
        staff: "s".into(),
        facility: facility.into(),
        role,
    }
}

/// Deductible 20 元, cap 300 元, township 70 %, village 80 %, 乙类 self-pay 10 %,
/// "两病" 60 % with its own 400 元 cap.
fn policy() -> Policy {
    Policy {
        scheme: "390".into(),
        version: 2,
        effective_from: "2026-01-01".parse().unwrap(),
        deductible_fen: 2_000,
        annual_cap_fen: 30_000,
        levels: vec![
            LevelRule {
                level: FacilityLevel::Village,
                ratio_bp: 8_000,
            },
            LevelRule {
                level: FacilityLevel::Township,
                ratio_bp: 7_000,
            },
        ],
        class_b_self_pay_bp: 1_000,
        chronic_ratio_bp: 6_000,
        chronic_annual_cap_fen: 40_000,
    }
}

fn facility(code: &str, level: FacilityLevel) -> Body {
    Body::Facility(Facility {
        code: code.into(),
        name: code.into(),
        level,
        county: "420921".into(),
        township: "420921100000".into(),
    })
}

/// Reference data every store starts with: facilities and the policy.
fn seed(store: &Store) {
    let admin = actor(Role::Admin, CENTRE);
    store
        .commit(
            &admin,
            vec![
                facility(CENTRE, FacilityLevel::Township),
                facility(VILLAGE, FacilityLevel::Village),
                Body::Policy(policy()),
            ],
        )
        .unwrap();
}

fn insured(store: &Store) -> Id {
    store
        .register(
            &actor(Role::FrontDesk, CENTRE),
            NewResident {
                name: "王建国".into(),
                id_number: Some("420921195803120017".into()),
                insurance: Some(("390".into(), "42092119580312001701".into())),
                ..Default::default()
            },
        )
        .unwrap()
}

/// A hypertension visit with a prescription of 28 amlodipine tablets and 12 cold tablets.
fn visit(store: &Store, resident: Id) -> Id {
    let enc = store.new_id();
    let rx = store.new_id();
    let record = |body| ClinicalRecord {
        resident,
        at: T0,
        facility: CENTRE.into(),
        clinician: "李医生".into(),
        body,
    };
    let line = |code: &str, name: &str, quantity, price| PrescriptionLine {
        drug_code: code.into(),
        drug_name: name.into(),
        spec: String::new(),
        dose: String::new(),
        route: Route::Oral,
        frequency: Frequency::Qd,
        days: 28,
        quantity,
        unit: "片".into(),
        unit_price_fen: price,
    };
    store
        .commit_with_ids(
            &actor(Role::Doctor, CENTRE),
            vec![
                (
                    enc,
                    Body::Record(record(RecordBody::Encounter(Encounter {
                        visit_type: VisitType::ChronicFollowUp,
                        chief_complaint: "头晕".into(),
                        vitals: Vitals::default(),
                        diagnoses: vec![Diagnosis {
                            code: "I10".into(),
                            name: "高血压".into(),
                        }],
                        notes: String::new(),
                        follow_up: None,
                        discharged: None,
                    }))),
                ),
                (
                    rx,
                    Body::Record(record(RecordBody::Prescription(Prescription {
                        encounter: Some(enc),
                        lines: vec![
                            line("XC08CAA004", "苯磺酸氨氯地平片", 28, 30),
                            line("XN02BEF016", "复方氨酚烷胺片", 12, 75),
                        ],
                    }))),
                ),
            ],
        )
        .unwrap();
    enc
}

/// Carries every change of `from` not yet in `to` (as a pull would).
fn carry(from: &Store, to: &Store) {
    let changes: Vec<Change> = from
        .journal_after(0, 100_000)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    for r in to.apply_remote(&changes, true).unwrap() {
        r.unwrap();
    }
}

#[test]
fn a_visit_is_billed_settled_once_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir, "ws.redb");
    seed(&ws);
    let catalogue = Catalogue::parse(CATALOGUE).unwrap();
    let who = insured(&ws);
    let enc = visit(&ws, who);
    let today = Date::of_instant(T0);

    let visits = ws
        .visits_to_bill(&actor(Role::FrontDesk, CENTRE), who, today, &catalogue)
        .unwrap();
    assert_eq!(visits.len(), 1);
    let bill = &visits[0].bill;
    // The consultation fee, then the prescription; amlodipine under the "两病" rule because
    // the resident is diagnosed with I10.
    let codes: Vec<(&str, bool)> = bill
        .iter()
        .map(|l| (l.item_code.as_str(), l.chronic))
        .collect();
    assert_eq!(
        codes,
        [
            ("S110200001", false),
            ("XC08CAA004", true),
            ("XN02BEF016", false)
        ]
    );

    let co = ws.checkout(who, CENTRE, Some(enc), bill.clone()).unwrap();
    // Fee 10 元 all to the deductible; amlodipine 28 × 0.30 = 8.40 at 60 % = 5.04, no
    // deductible; cold tablets 丙类 12 × 0.75 = 9.00 all the patient's.
    // Total 27.40, insurance 5.04, patient 22.36.
    let s = co.settlement.as_ref().unwrap();
    assert_eq!(
        (co.total_fen(), s.insurance_fen, s.patient_fen),
        (2_740, 504, 2_236)
    );
    assert!(co.provisional, "never synced: the accumulator may be stale");

    let fd = actor(Role::FrontDesk, CENTRE);
    let (claim, _pay) = ws.complete_checkout(&fd, &co, PaymentMethod::Cash).unwrap();
    let claim = claim.unwrap();
    assert_eq!(ws.paid_for_claim(claim).unwrap(), 2_236);
    // The same visit cannot be settled twice, and no longer waits to be billed.
    let again = ws
        .complete_checkout(&fd, &co, PaymentMethod::Cash)
        .unwrap_err();
    assert!(again.to_string().contains("already settled"), "{again}");
    assert!(
        ws.visits_to_bill(&actor(Role::FrontDesk, CENTRE), who, today, &catalogue)
            .unwrap()
            .is_empty()
    );
    assert_eq!(ws.claims_by_status(ClaimStatus::Queued).unwrap().len(), 1);

    let report = ws.daily_report(CENTRE, today).unwrap();
    assert_eq!(report.claims(), 1);
    assert_eq!(report.rows[0].status, Some(ClaimStatus::Queued));
    assert_eq!(
        (report.rows[0].total_fen, report.rows[0].insurance_fen),
        (2_740, 504)
    );
    assert_eq!((report.cash_fen, report.takings_fen()), (2_236, 2_236));
    assert_eq!(
        ws.daily_report(CENTRE, today.add_days(1)).unwrap().claims(),
        0
    );
}

/// One visit, one consultation fee: a second encounter of the same visit (the doctor saw the
/// patient again after a test) adds its prescription, not a second fee; an encounter recorded
/// after the visit was settled is billed on its own, without a fee, and nothing twice.
#[test]
fn a_visit_with_two_encounters_is_billed_one_consultation_fee() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir, "ws.redb");
    seed(&ws);
    let catalogue = Catalogue::parse(CATALOGUE).unwrap();
    let who = insured(&ws);
    let fd = actor(Role::FrontDesk, CENTRE);
    ws.check_in(&fd, who, VisitType::ChronicFollowUp, None)
        .unwrap();
    let first = visit(&ws, who);
    visit(&ws, who);
    let today = Date::of_instant(T0);
    let visits = ws.visits_to_bill(&fd, who, today, &catalogue).unwrap();
    assert_eq!(visits.len(), 1, "two encounters of one visit are one bill");
    assert_eq!(visits[0].encounter, first);
    let codes: Vec<&str> = visits[0]
        .bill
        .iter()
        .map(|l| l.item_code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "S110200001",
            "XC08CAA004",
            "XN02BEF016",
            "XC08CAA004",
            "XN02BEF016"
        ]
    );
    let co = ws
        .checkout(who, CENTRE, Some(first), visits[0].bill.clone())
        .unwrap();
    ws.complete_checkout(&fd, &co, PaymentMethod::Cash).unwrap();
    assert!(
        ws.visits_to_bill(&fd, who, today, &catalogue)
            .unwrap()
            .is_empty()
    );

    // Seen again an hour later, same visit: the new prescription alone.
    let later = ws.new_id();
    let rx = ws.new_id();
    let at = T0 + 3_600_000;
    let record = |body| {
        Body::Record(ClinicalRecord {
            resident: who,
            at,
            facility: CENTRE.into(),
            clinician: "李医生".into(),
            body,
        })
    };
    ws.commit_with_ids(
        &actor(Role::Doctor, CENTRE),
        vec![
            (
                later,
                record(RecordBody::Encounter(Encounter {
                    visit_type: VisitType::General,
                    chief_complaint: "复诊".into(),
                    vitals: Vitals::default(),
                    diagnoses: vec![],
                    notes: String::new(),
                    follow_up: None,
                    discharged: None,
                })),
            ),
            (
                rx,
                record(RecordBody::Prescription(Prescription {
                    encounter: Some(later),
                    lines: vec![PrescriptionLine {
                        drug_code: "XJ01CAA011".into(),
                        drug_name: "阿莫西林胶囊".into(),
                        spec: String::new(),
                        dose: String::new(),
                        route: Route::Oral,
                        frequency: Frequency::Tid,
                        days: 3,
                        quantity: 18,
                        unit: "粒".into(),
                        unit_price_fen: 10,
                    }],
                })),
            ),
        ],
    )
    .unwrap();
    let visits = ws.visits_to_bill(&fd, who, today, &catalogue).unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].encounter, later);
    let codes: Vec<&str> = visits[0]
        .bill
        .iter()
        .map(|l| l.item_code.as_str())
        .collect();
    assert_eq!(codes, ["XJ01CAA011"]);
}

#[test]
fn the_hub_adjusts_a_claim_past_the_cap_and_the_front_desk_collects_the_difference() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir, "ws.redb");
    let hub = open(&dir, "hub.redb");
    seed(&ws);
    let catalogue = Catalogue::parse(CATALOGUE).unwrap();
    let who = insured(&ws);
    let fd = actor(Role::FrontDesk, CENTRE);
    let amoxicillin = bill_line(catalogue.get("XJ01CAA011").unwrap(), 2_000, false); // 200 元
    // Offline, the workstation believes the year is empty: 200 元 of amoxicillin, deductible
    // 20 元, then 70 % of 180 元 = 126 元; the patient pays 74 元.
    let co = ws.checkout(who, CENTRE, None, vec![amoxicillin]).unwrap();
    assert_eq!(co.insurance_fen(), 12_600);
    let (claim, _) = ws.complete_checkout(&fd, &co, PaymentMethod::Cash).unwrap();
    let claim = claim.unwrap();

    // Meanwhile the village clinic settled 382.50 元: deductible 20 元, 80 % of 362.50 元 =
    // 290 元 reimbursed, 10 元 left under the 300 元 cap.
    carry(&ws, &hub);
    let earlier = Claim {
        id: Id(1), // older than any v7 id: adjudicated first
        resident: who,
        encounter: None,
        facility: VILLAGE.into(),
        scheme: "390".into(),
        policy_version: 2,
        lines: vec![ClaimLine {
            item_code: "XJ01CAA011".into(),
            name: "阿莫西林胶囊".into(),
            class: InsuranceClass::A,
            chronic: false,
            quantity: 3_825,
            unit_price_fen: 10,
            amount_fen: 38_250,
            self_pay_fen: 0,
            eligible_fen: 38_250,
            deductible_fen: 2_000,
            ratio_bp: 8_000,
            before_cap_fen: 29_000,
            insurance_fen: 29_000,
        }],
        total_fen: 38_250,
        insurance_fen: 29_000,
        patient_fen: 9_250,
        provisional: false,
        history: vec![ClaimStatusChange {
            status: ClaimStatus::Queued,
            at: T0 - 86_400_000,
            insurance_fen: 29_000,
            patient_fen: 9_250,
            reasons: vec![],
            lines: vec![],
        }],
    };
    hub.commit_one(&actor(Role::FrontDesk, VILLAGE), Body::Claim(earlier))
        .unwrap();

    let settlement = actor(Role::Settlement, "hub");
    let decided = hub.adjudicate_queued(&settlement, &catalogue).unwrap();
    assert_eq!(
        decided,
        vec![
            (Id(1), ClaimStatus::Accepted),
            (claim, ClaimStatus::Adjusted)
        ]
    );
    // Running again decides nothing more: nothing is settled twice.
    assert!(
        hub.adjudicate_queued(&settlement, &catalogue)
            .unwrap()
            .is_empty()
    );
    let (acc, _) = hub.accumulator(who, "390", 2026, true).unwrap();
    assert_eq!(
        acc,
        Accumulator {
            reimbursed_fen: 30_000,
            deductible_used_fen: 2_000,
            chronic_reimbursed_fen: 0
        }
    );

    // The hub: the deductible was met at the village, 70 % of 200 元 = 140 元, cut to the
    // 10 元 left under the cap. The patient owes 190 元, paid 74 元: 116 元 to collect.
    carry(&hub, &ws);
    let adjusted = ws.claim(claim).unwrap().unwrap();
    assert_eq!(adjusted.status(), ClaimStatus::Adjusted);
    assert_eq!(adjusted.insurance_fen, 1_000);
    let reasons = &adjusted.history.last().unwrap().reasons;
    assert!(
        reasons.contains(&AdjudicationReason::CapReached {
            cap_fen: 30_000,
            used_fen: 29_000
        }),
        "{reasons:?}"
    );
    let todo = ws.reconciliation(CENTRE).unwrap();
    assert_eq!(todo.len(), 1);
    assert_eq!(todo[0].due_fen(), 11_600);
    ws.settle_difference(
        &fd,
        claim,
        PaymentMethod::Mobile {
            reference: "4200001234".into(),
        },
    )
    .unwrap();
    assert!(ws.reconciliation(CENTRE).unwrap().is_empty());
    assert!(
        ws.settle_difference(&fd, claim, PaymentMethod::Cash)
            .is_err(),
        "nothing left to collect"
    );
    let report = ws.daily_report(CENTRE, Date::of_instant(T0)).unwrap();
    assert_eq!(report.rows[0].status, Some(ClaimStatus::Adjusted));
    assert_eq!(
        (report.cash_fen, report.mobile_fen),
        (20_000 - 12_600, 11_600)
    );
}

#[test]
fn the_hub_voids_a_second_claim_for_the_same_visit_and_refunds_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws1 = open(&dir, "ws1.redb");
    let ws2 = open(&dir, "ws2.redb");
    let hub = open(&dir, "hub.redb");
    seed(&ws1);
    let catalogue = Catalogue::parse(CATALOGUE).unwrap();
    let who = insured(&ws1);
    let enc = visit(&ws1, who);
    carry(&ws1, &ws2);
    // Two front-desk workstations, cut off from each other, both settle the visit.
    let fd = actor(Role::FrontDesk, CENTRE);
    let mut claims = Vec::new();
    ws2.clock().advance(60_000); // the second one a minute later
    for ws in [&ws1, &ws2] {
        let bill = ws
            .visits_to_bill(
                &actor(Role::FrontDesk, CENTRE),
                who,
                Date::of_instant(T0),
                &catalogue,
            )
            .unwrap()
            .remove(0)
            .bill;
        let co = ws.checkout(who, CENTRE, Some(enc), bill).unwrap();
        claims.push(
            ws.complete_checkout(&fd, &co, PaymentMethod::Cash)
                .unwrap()
                .0
                .unwrap(),
        );
    }
    carry(&ws1, &hub);
    carry(&ws2, &hub);
    let decided = hub
        .adjudicate_queued(&actor(Role::Settlement, "hub"), &catalogue)
        .unwrap();
    assert_eq!(
        decided,
        vec![
            (claims[0], ClaimStatus::Accepted),
            (claims[1], ClaimStatus::Rejected)
        ]
    );
    carry(&hub, &ws2);
    let todo = ws2.reconciliation(CENTRE).unwrap();
    assert_eq!(todo.len(), 1);
    assert_eq!(
        todo[0].due_fen(),
        -2_236,
        "refund what was paid for the void claim"
    );
    assert_eq!(
        todo[0].claim.history.last().unwrap().reasons,
        vec![AdjudicationReason::DuplicateOfClaim { claim: claims[0] }]
    );
}

#[test]
fn without_insurance_the_patient_pays_everything_and_no_claim_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir, "ws.redb");
    seed(&ws);
    let catalogue = Catalogue::parse(CATALOGUE).unwrap();
    let who = ws
        .register(
            &actor(Role::FrontDesk, CENTRE),
            NewResident {
                name: "李娜".into(),
                birth_date: Some("1990-05-01".parse().unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
    let fee = bill_line(catalogue.get("S110200001").unwrap(), 1, false);
    let co = ws.checkout(who, CENTRE, None, vec![fee]).unwrap();
    assert!(co.settlement.is_none() && co.uninsured_reason.is_some());
    // Every line shown on the bill is the patient's, and they add up to the total.
    let lines = co.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].amount_fen, 1_000);
    assert_eq!(lines[0].self_pay_fen, 1_000);
    assert_eq!(lines[0].insurance_fen, 0);
    assert_eq!(
        lines.iter().map(|l| l.self_pay_fen).sum::<i64>(),
        co.patient_fen()
    );
    let (claim, _) = ws
        .complete_checkout(&actor(Role::FrontDesk, CENTRE), &co, PaymentMethod::Cash)
        .unwrap();
    assert!(claim.is_none());
    let report = ws.daily_report(CENTRE, Date::of_instant(T0)).unwrap();
    assert_eq!((report.claims(), report.cash_fen), (0, 1_000));
}

//! Settlement in the real window: the front desk bills a visit, takes a scanned mobile
//! payment, finds the claim in the list, and works through the reconciliation list and the
//! daily report after the hub adjusted a claim.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use storage::model::*;
use storage::{Actor, Id, Store};

mod common;
use common::*;

const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;
/// A WeChat Pay payer code (18 digits from 13).
const PAYMENT_CODE: &str = "134567890123456789";

fn actor(role: storage::model::Role) -> Actor {
    Actor {
        staff: "someone".into(),
        facility: CENTRE.into(),
        role,
    }
}

/// An insured demo resident with an ID number.
fn resident(store: &Store) -> Resident {
    store
        .search("王", None)
        .unwrap()
        .into_iter()
        .map(|h| h.resident)
        .find(|r| r.insurance().is_some() && r.id_number().is_some())
        .unwrap()
}

/// The doctor's part, done: today's encounter with a prescription of amlodipine.
fn visit(store: &Store, who: Id) -> Id {
    let (enc, rx) = (store.new_id(), store.new_id());
    let now = store.clock().now_ms();
    let amlodipine = fixtures::catalogue::DRUGS
        .iter()
        .find(|d| d.code == "XC08CAA004")
        .unwrap();
    let record = |body| {
        Body::Record(ClinicalRecord {
            resident: who,
            at: now,
            facility: CENTRE.into(),
            clinician: "陈志强".into(),
            body,
        })
    };
    store
        .commit_with_ids(
            &actor(storage::model::Role::Doctor),
            vec![
                (
                    enc,
                    record(RecordBody::Encounter(Encounter {
                        visit_type: VisitType::General,
                        chief_complaint: "头晕".into(),
                        vitals: Vitals::default(),
                        diagnoses: vec![Diagnosis {
                            code: "I10".into(),
                            name: "原发性高血压".into(),
                        }],
                        notes: String::new(),
                        follow_up: None,
                        discharged: None,
                    })),
                ),
                (
                    rx,
                    record(RecordBody::Prescription(Prescription {
                        encounter: Some(enc),
                        lines: vec![PrescriptionLine {
                            drug_code: amlodipine.code.into(),
                            drug_name: amlodipine.name.into(),
                            spec: amlodipine.spec.into(),
                            dose: amlodipine.dose.into(),
                            route: Route::Oral,
                            frequency: Frequency::Qd,
                            days: 28,
                            quantity: 28,
                            unit: "片".into(),
                            unit_price_fen: amlodipine.unit_price_fen,
                        }],
                    })),
                ),
            ],
        )
        .unwrap();
    enc
}

#[test]
fn the_front_desk_settles_a_visit_with_a_scanned_payment_code() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 60);
    let who = resident(&store);
    let encounter = visit(&store, who.id);
    let printed = dir.path().join("printer.pdf");
    let settings = app::settings::Settings {
        printer: format!("cat > '{}'", printed.display()),
        ..common::demo_settings()
    };
    let mut h = harness_with(store.clone(), dir.path(), 1.0 / 60.0, settings);
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    // A payment code is never taken for a card.
    scan(&mut h, PAYMENT_CODE.into(), scanner::source::Source::Serial);
    h.get_all_by_label_contains("这是付款码，不是电子健康卡")
        .next()
        .unwrap();
    assert!(h.state().front_desk.selected.is_none());

    // The resident's ID number from the scanning pier selects them; their visit waits.
    let id_number = who.id_number().unwrap().as_str().to_string();
    scan(&mut h, id_number, scanner::source::Source::Serial);
    assert_eq!(h.state().front_desk.selected, Some(who.id));
    // The visit waiting to be settled names its time and doctor, never its diagnoses.
    h.get_all_by_label_contains("陈志强").next().unwrap();
    assert!(
        h.query_all_by_label_contains("原发性高血压")
            .next()
            .is_none()
    );
    h.get_by_role_and_label(Role::Button, "结算").click();
    h.run();

    // The bill: the consultation fee and the prescription, each line's arithmetic shown.
    h.get_by_label("一般诊疗费");
    h.get_by_label("苯磺酸氨氯地平片");
    h.get_all_by_label_contains("两病").next().unwrap();
    let expected = {
        let bill = store
            .visits_to_bill(
                &storage::Actor {
                    staff: "frontdesk".into(),
                    facility: CENTRE.into(),
                    role: storage::model::Role::FrontDesk,
                },
                who.id,
                store.clock().today(),
                &h.state().state.catalogue,
            )
            .unwrap()
            .remove(0)
            .bill;
        store
            .checkout(who.id, CENTRE, Some(encounter), bill)
            .unwrap()
    };
    let patient = app::format::money(expected.patient_fen());
    h.get_by_label(&format!("个人支付 {patient}"));
    h.get_all_by_label_contains("暂定结算").next().unwrap();

    // The patient shows their payment code.
    scan(&mut h, PAYMENT_CODE.into(), scanner::source::Source::Serial);
    h.get_by_label("已读取付款码");
    h.get_by_role_and_label(Role::Button, &format!("确认收费 {patient}"))
        .click();
    h.run();
    h.get_all_by_label_contains("已收费").next().unwrap();
    assert!(h.state().front_desk.billing.is_none());

    let claim = store
        .claim_for_encounter(who.id, encounter)
        .unwrap()
        .expect("a claim");
    assert_eq!(claim.status(), ClaimStatus::Queued);
    assert_eq!(
        store.paid_for_claim(claim.id).unwrap(),
        expected.patient_fen()
    );
    let till = store
        .payments_of_day(CENTRE, store.clock().today())
        .unwrap();
    assert_eq!(
        till[0].method,
        PaymentMethod::Mobile {
            reference: PAYMENT_CODE.into()
        }
    );
    // Settled once: the visit no longer waits.
    h.get_by_label("今日没有待结算的就诊");

    // The charge list for the resident: every item, the split, the payment, the state.
    let receipt = print_and_read(&mut h, "打印收费清单", &printed);
    for expected in [
        "门诊收费清单".to_string(),
        who.name.clone(),
        "苯磺酸氨氯地平片".into(),
        "一般诊疗费".into(),
        "医保统筹支付".into(),
        patient.clone(),
        "交易号 …6789".into(),
        "以中心结算为准".into(),
    ] {
        assert!(
            receipt.contains(&expected),
            "{expected} missing from:\n{receipt}"
        );
    }
    assert!(h.query_by_label("打印收费清单").is_none(), "offered once");

    // The claim list shows it, queued and provisional, with its lines on demand.
    h.get_by_label("医保结算").click();
    h.run();
    h.get_by_label(&app::format::short_id(claim.id));
    h.get_by_label("待审核（暂定）");
    h.get_by_label("明细").click();
    h.run();
    h.get_by_label("苯磺酸氨氯地平片");
}

/// A claim settled this morning that the hub then cut by 12.34 元 at the cap.
fn adjusted_claim(store: &Store, who: Id) -> Id {
    let amoxicillin = fixtures::catalogue::demo_catalogue()
        .get("XJ01CAA011")
        .unwrap();
    let checkout = store
        .checkout(
            who,
            CENTRE,
            None,
            vec![storage::bill_line(amoxicillin, 500, false)],
        )
        .unwrap();
    let (claim, _) = store
        .complete_checkout(
            &actor(storage::model::Role::FrontDesk),
            &checkout,
            PaymentMethod::Cash,
        )
        .unwrap();
    let claim = claim.unwrap();
    store
        .commit_one(
            &actor(storage::model::Role::Settlement),
            Body::ClaimStatus {
                claim,
                change: ClaimStatusChange {
                    status: ClaimStatus::Adjusted,
                    at: store.clock().now_ms() + 1,
                    insurance_fen: checkout.insurance_fen() - 1_234,
                    patient_fen: checkout.patient_fen() + 1_234,
                    reasons: vec![AdjudicationReason::CapReached {
                        cap_fen: 40_000,
                        used_fen: 39_000,
                    }],
                    lines: vec![],
                },
            },
        )
        .unwrap();
    claim
}

#[test]
fn the_reconciliation_list_collects_what_the_hub_cut_and_the_report_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 60);
    let who = resident(&store);
    let claim = adjusted_claim(&store, who.id);
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    h.get_by_label("医保结算").click();
    h.run();
    h.get_by_label("对账 1").click();
    h.run();
    // Named with age and ID tail, so a namesake cannot be taken for them.
    h.get_by_label_contains(&format!("{} · ", who.name));
    h.get_by_label("应收 ¥12.34");
    h.get_all_by_label_contains("已达年度封顶线 ¥400.00")
        .next()
        .unwrap();
    h.get_by_role_and_label(Role::Button, "现金收取").click();
    h.run();
    h.get_all_by_label_contains("已收取 ¥12.34").next().unwrap();
    h.get_by_label("对账 0");
    h.get_by_label("没有待处理的差额");
    assert!(store.reconciliation(CENTRE).unwrap().is_empty());
    assert_eq!(
        store.paid_for_claim(claim).unwrap(),
        store.claim(claim).unwrap().unwrap().patient_fen
    );

    // Today's report: one adjusted claim, and the till holds both payments.
    h.get_by_label("日报").click();
    h.run();
    let report = store.daily_report(CENTRE, store.clock().today()).unwrap();
    assert_eq!(report.claims(), 1);
    h.get_by_label("已调整");
    h.get_all_by_label_contains(&format!(
        "实收 {}",
        app::format::money(report.takings_fen())
    ))
    .next()
    .unwrap();
}

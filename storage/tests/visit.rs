//! The visit forms' rules (`storage::visit`), without a window: what each field may hold,
//! what each national form needs, the classification of a follow-up, and the records and
//! audit entries a saved visit makes. The catalogue is the demo one.

use storage::catalogue::Catalogue;
use storage::model::*;
use storage::rules;
use storage::schedule;
use storage::visit::*;
use storage::{Date, Id};

// The encounter form.
fn ids() -> impl FnMut() -> Id {
    let mut n = 0;
    move || {
        n += 1;
        Id(n)
    }
}

fn catalogue() -> &'static Catalogue {
    fixtures::catalogue::demo_catalogue()
}

fn patient(allergies: &[&str]) -> Patient {
    Patient {
        person: rules::Person {
            sex: rules::Sex::F,
            birth: "1986-05-10".parse().unwrap(),
            pregnant: false,
            weight_kg: None,
        },
        allergies: allergies.iter().map(|a| a.to_string()).collect(),
        diagnoses: Vec::new(),
        immunisations: Vec::new(),
    }
}

fn line(name: &str) -> RxLine {
    RxLine::usual(catalogue().drug(name).unwrap()).unwrap()
}

fn save(f: &EncounterForm, p: &Patient) -> Result<Vec<(Id, Body)>, FormError> {
    let today = "2026-12-07".parse().unwrap();
    let checks = rules::check(
        &f.scenario(p, today),
        rules::RuleBook::national(),
        catalogue(),
    );
    f.to_bodies(catalogue(), &checks, Id(9), "F", "doc", 0, ids())
}

#[test]
fn a_form_becomes_an_encounter_and_a_prescription_pointing_at_it() {
    let f = EncounterForm {
        complaint: "头晕".into(),
        systolic: "150".into(),
        diastolic: "95".into(),
        temperature: "36.6".into(),
        diagnoses: vec![Diagnosis {
            code: "I10".into(),
            name: "高血压".into(),
        }],
        rx: vec![line("硝苯地平缓释片"), line("阿莫西林胶囊")],
        ..Default::default()
    };
    let bodies = save(&f, &patient(&[])).unwrap();
    assert_eq!(bodies.len(), 2);
    let Body::Record(ClinicalRecord {
        body: RecordBody::Encounter(e),
        ..
    }) = &bodies[0].1
    else {
        panic!()
    };
    assert_eq!(
        (e.vitals.systolic, e.vitals.temperature_x10),
        (Some(150), Some(366))
    );
    let Body::Record(ClinicalRecord {
        body: RecordBody::Prescription(p),
        ..
    }) = &bodies[1].1
    else {
        panic!()
    };
    assert_eq!(p.encounter, Some(bodies[0].0));
    // 10 mg bid of 10 mg tablets for 28 days; 0.5 g tid of 0.25 g capsules for 3 days.
    assert_eq!((p.lines[0].quantity, p.lines[0].unit.as_str()), (56, "片"));
    assert_eq!((p.lines[1].quantity, p.lines[1].unit.as_str()), (18, "粒"));
    assert_eq!(p.lines[1].dose, "0.5 g");
}

#[test]
fn a_line_is_checked_as_the_item_chosen_not_the_first_of_its_name() {
    // 0.9%氯化钠注射液 comes in 100, 250 and 500 ml: 250 ml once is one 250 ml bottle.
    let mut saline = RxLine::usual(catalogue().get("XB05BBN182").unwrap()).unwrap();
    saline.days = 1;
    let f = EncounterForm {
        complaint: "腹泻脱水".into(),
        rx: vec![saline],
        ..Default::default()
    };
    let bodies = save(&f, &patient(&[])).unwrap();
    let Body::Record(ClinicalRecord {
        body: RecordBody::Prescription(p),
        ..
    }) = &bodies[1].1
    else {
        panic!()
    };
    assert_eq!(
        (p.lines[0].drug_code.as_str(), p.lines[0].quantity),
        ("XB05BBN182", 1)
    );
}

#[test]
fn an_allergy_match_saves_only_with_a_reason_and_is_audited() {
    let mut f = EncounterForm {
        complaint: "咽痛".into(),
        rx: vec![line("阿莫西林胶囊")],
        ..Default::default()
    };
    let err = save(&f, &patient(&["青霉素"])).unwrap_err();
    let FormError::OverrideNeedsReason { warning_zh, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(warning_zh.contains("青霉素"), "{warning_zh}");
    // The allergy typed in the same form counts too.
    let mut fresh = f.clone();
    fresh.public_health.allergy = "青霉素".into();
    assert!(matches!(
        save(&fresh, &patient(&[])),
        Err(FormError::OverrideNeedsReason { .. })
    ));
    f.override_reason = "皮试阴性，青霉素过敏史不确切".into();
    let bodies = save(&f, &patient(&["青霉素"])).unwrap();
    let audit = bodies
        .iter()
        .find_map(|(_, b)| match b {
            Body::Audit(a) => Some(a),
            _ => None,
        })
        .expect("the override is audited");
    assert_eq!(audit.action, AuditAction::OverrideWarning);
    assert!(audit.reason.contains("皮试阴性"));
    assert_eq!(audit.target, Some(bodies[1].0), "naming the prescription");
}

#[test]
fn bad_input_is_explained() {
    let f = EncounterForm {
        complaint: "x".into(),
        systolic: "1500".into(),
        diastolic: "80".into(),
        ..Default::default()
    };
    assert_eq!(
        save(&f, &patient(&[])).unwrap_err(),
        FormError::OutOfRange {
            field: FormField::Systolic,
            text: "1500".into(),
            lo: 50.0,
            hi: 300.0
        }
    );
    let f = EncounterForm {
        systolic: "140".into(),
        ..Default::default()
    };
    assert_eq!(
        save(&f, &patient(&[])).unwrap_err(),
        FormError::HalfBloodPressure
    );
    let f = EncounterForm {
        complaint: "x".into(),
        amend_target: Some(Id(3)),
        ..Default::default()
    };
    assert_eq!(
        save(&f, &patient(&[])).unwrap_err(),
        FormError::CorrectionNeedsReason
    );
    // A dose that is not a number has no quantity: nothing is saved.
    let mut l = line("阿莫西林胶囊");
    l.dose = "half".into();
    let f = EncounterForm {
        complaint: "x".into(),
        rx: vec![l],
        ..Default::default()
    };
    assert!(matches!(
        save(&f, &patient(&[])),
        Err(FormError::NoQuantity { drug, .. }) if drug == "阿莫西林胶囊"
    ));
}

// The public-health section.
fn read(e: &Encounter) -> rules::Readings {
    rules::Readings::of_vitals(&e.vitals)
}

/// DOMAIN §2a/2b: 控制满意 is BP < 140/90 (< 150/90 from 65), fasting glucose < 7.0 mmol/L;
/// the doctor may classify otherwise (an adverse reaction, a complication) with a reason.
#[test]
fn the_classification_comes_from_the_readings_and_another_needs_a_reason() {
    let follow = |c, age_years: u16| PublicHealth {
        follow_ups: vec![c],
        age_months: age_years * 12,
        ..Default::default()
    };
    let control = |p: &PublicHealth, e: &Encounter, r: &rules::Readings| match p
        .records(e, r, vec![])
        .map(|v| v.into_iter().next())
    {
        Ok(Some(RecordBody::ChronicFollowUp(f))) => Ok((f.control, f.notes)),
        other => Err(other),
    };
    let bp = |sys| visit(Some(sys), None);
    let htn = follow(ChronicCondition::Hypertension, 60);
    let e = bp(138);
    assert_eq!(
        control(&htn, &e, &read(&e)).unwrap().0,
        ControlStatus::Satisfactory
    );
    let e = bp(146);
    assert_eq!(
        control(&htn, &e, &read(&e)).unwrap().0,
        ControlStatus::Unsatisfactory
    );
    // 146/88 at 70: under the elderly target of 150/90.
    let old = follow(ChronicCondition::Hypertension, 70);
    assert_eq!(
        control(&old, &e, &read(&e)).unwrap().0,
        ControlStatus::Satisfactory
    );
    // The doctor says adverse reaction: only with a reason, which the record keeps.
    let mut p = follow(ChronicCondition::Hypertension, 60);
    p.control = vec![(
        ChronicCondition::Hypertension,
        ControlStatus::AdverseReaction,
    )];
    let err = control(&p, &e, &read(&e)).unwrap_err();
    assert_eq!(
        err,
        Err(FormError::ClassificationNeedsReason {
            read: ControlStatus::Unsatisfactory,
            chosen: ControlStatus::AdverseReaction
        })
    );
    p.control_reason = "服药后踝部水肿".into();
    let (status, notes) = control(&p, &e, &read(&e)).unwrap();
    assert_eq!(status, ControlStatus::AdverseReaction);
    assert!(
        notes.contains("控制不满意") && notes.contains("踝部水肿"),
        "{notes}"
    );
    // Diabetes: fasting glucose 7.4 is not controlled; HbA1c 6.5 % alone is.
    let dm = follow(ChronicCondition::Type2Diabetes, 60);
    let e = visit(None, Some(74));
    assert_eq!(
        control(&dm, &e, &read(&e)).unwrap().0,
        ControlStatus::Unsatisfactory
    );
    let e = visit(None, None);
    let r = rules::Readings {
        hba1c: Some(6.5),
        ..Default::default()
    };
    let (status, _) = control(&dm, &e, &r).unwrap();
    assert_eq!(status, ControlStatus::Satisfactory);
}

fn visit(systolic: Option<u16>, glucose: Option<u16>) -> Encounter {
    Encounter {
        visit_type: VisitType::General,
        chief_complaint: "随访".into(),
        vitals: Vitals {
            systolic,
            diastolic: systolic.map(|_| 88),
            glucose_x10: glucose,
            ..Default::default()
        },
        diagnoses: vec![],
        notes: String::new(),
        follow_up: Date::new(2027, 2, 27).ok(),
        discharged: None,
    }
}

#[test]
fn a_dose_a_follow_up_and_an_allergy_become_records() {
    let hep_b = schedule::schedule_for(
        Date::new(2026, 5, 1).unwrap(),
        Date::new(2026, 11, 27).unwrap(),
    )
    .into_iter()
    .find(|d| d.vaccine == "HepB" && d.dose == 3)
    .unwrap();
    let p = PublicHealth {
        doses: vec![DoseNow {
            dose: hep_b,
            lot: " 202611A ".into(),
            site: "右上臂".into(),
        }],
        follow_ups: vec![ChronicCondition::Hypertension],
        allergy: "青霉素".into(),
        reaction: "皮疹".into(),
        ..Default::default()
    };
    let records = p
        .records(
            &visit(Some(158), None),
            &read(&visit(Some(158), None)),
            vec!["硝苯地平缓释片".into()],
        )
        .unwrap();
    assert_eq!(records.len(), 3);
    let RecordBody::Immunisation(i) = &records[0] else {
        panic!()
    };
    assert_eq!(
        (i.vaccine.as_str(), i.dose_number, i.lot.as_str()),
        ("HepB", 3, "202611A")
    );
    assert_eq!(i.route, Route::Intramuscular);
    let RecordBody::ChronicFollowUp(f) = &records[1] else {
        panic!()
    };
    assert_eq!((f.systolic, f.diastolic), (Some(158), Some(88)));
    assert_eq!(f.control, ControlStatus::Unsatisfactory);
    assert_eq!(f.medications, ["硝苯地平缓释片"]);
    assert_eq!(f.next_visit, Date::new(2027, 2, 27).ok());
    let RecordBody::Allergy(a) = &records[2] else {
        panic!()
    };
    assert_eq!(
        (a.substance.as_str(), a.reaction.as_str()),
        ("青霉素", "皮疹")
    );
}

#[test]
fn what_the_national_forms_require_is_asked_for() {
    let follow = |c| PublicHealth {
        follow_ups: vec![c],
        ..Default::default()
    };
    let err = follow(ChronicCondition::Hypertension)
        .records(
            &visit(None, Some(70)),
            &read(&visit(None, Some(70))),
            vec![],
        )
        .unwrap_err();
    assert_eq!(
        err,
        FormError::FollowUpNeedsReading(ChronicCondition::Hypertension)
    );
    let err = follow(ChronicCondition::Type2Diabetes)
        .records(
            &visit(Some(130), None),
            &read(&visit(Some(130), None)),
            vec![],
        )
        .unwrap_err();
    assert_eq!(
        err,
        FormError::FollowUpNeedsReading(ChronicCondition::Type2Diabetes)
    );
    let dose = PublicHealth {
        doses: vec![DoseNow {
            dose: schedule::schedule_for(
                Date::new(2026, 5, 1).unwrap(),
                Date::new(2026, 11, 27).unwrap(),
            )[0],
            lot: String::new(),
            site: String::new(),
        }],
        ..Default::default()
    };
    assert!(matches!(
        dose.records(&visit(None, None), &read(&visit(None, None)), vec![]),
        Err(FormError::NoLot { .. })
    ));
    assert!(
        PublicHealth::default()
            .records(&visit(None, None), &read(&visit(None, None)), vec![])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn antenatal_and_child_checks_take_the_vitals_and_their_own_measurements() {
    let mut visit = visit(Some(118), None);
    visit.vitals.weight_x10 = Some(612);
    let p = PublicHealth {
        antenatal: true,
        antenatal_visit: 3,
        gestational_weeks: "28".into(),
        fundal_height: "26".into(),
        fetal_heart: "142".into(),
        ..Default::default()
    };
    let records = p.records(&visit, &read(&visit), vec![]).unwrap();
    let [RecordBody::MaternalChild(MaternalChild::Antenatal(a))] = records.as_slice() else {
        panic!("{records:?}")
    };
    assert_eq!(
        (a.visit_number, a.gestational_weeks, a.systolic),
        (3, 28, Some(118))
    );
    assert_eq!(
        (a.weight_x10, a.fundal_height_cm, a.fetal_heart_rate),
        (Some(612), Some(26), Some(142))
    );
    let missing_weeks = PublicHealth {
        antenatal: true,
        ..Default::default()
    };
    assert!(matches!(
        missing_weeks.records(&visit, &read(&visit), vec![]),
        Err(FormError::Missing(FormField::GestationalWeeks))
    ));

    let child = PublicHealth {
        child_check: true,
        age_months: 8,
        height: "70.5".into(),
        head: "44".into(),
        development: "正常".into(),
        ..Default::default()
    };
    let records = child.records(&visit, &read(&visit), vec![]).unwrap();
    let [RecordBody::MaternalChild(MaternalChild::Child(c))] = records.as_slice() else {
        panic!("{records:?}")
    };
    assert_eq!(
        (c.age_months, c.height_x10, c.head_x10),
        (8, Some(705), Some(440))
    );
    let wrong = PublicHealth {
        height: "7O".into(),
        ..child
    };
    assert!(matches!(
        wrong.records(&visit, &read(&visit), vec![]),
        Err(FormError::OutOfRange {
            field: FormField::Height,
            ..
        })
    ));
}

#[test]
fn a_postpartum_visit_needs_the_days_since_the_birth() {
    let mut visit = visit(Some(112), None);
    visit.notes = "恶露正常，母乳喂养".into();
    let p = PublicHealth {
        postpartum: true,
        days_after_birth: "7".into(),
        ..Default::default()
    };
    assert_eq!(
        p.records(&visit, &read(&visit), vec![]).unwrap(),
        [RecordBody::MaternalChild(MaternalChild::Postpartum {
            days_after_birth: 7,
            notes: "恶露正常，母乳喂养".into(),
        })]
    );
    let blank = PublicHealth {
        days_after_birth: String::new(),
        ..p
    };
    assert!(matches!(
        blank.records(&visit, &read(&visit), vec![]),
        Err(FormError::Missing(FormField::DaysAfterBirth))
    ));
}

#[test]
fn who_is_offered_which_check() {
    let today = Date::new(2026, 11, 27).unwrap();
    let who = |age_months: i32, female| Visitor {
        age_months,
        female,
        birth: today.add_months(-age_months),
        today,
    };
    let (girl, mother, father) = (who(30, true), who(26 * 12, true), who(26 * 12, false));
    assert!(girl.child() && !girl.may_be_pregnant());
    assert!(!mother.child() && mother.may_be_pregnant());
    assert!(!father.child() && !father.may_be_pregnant());
}

/// Two doses at one visit, and one copied from the certificate, marked as such; a copied
/// dose's day must fall between the birth and today.
#[test]
fn several_doses_at_one_visit_and_one_from_the_certificate() {
    let (birth, today) = (
        Date::new(2025, 11, 20).unwrap(),
        Date::new(2026, 11, 27).unwrap(),
    );
    let schedule = schedule::schedule_for(birth, today);
    let find = |v: &str, n: u8| {
        *schedule
            .iter()
            .find(|d| d.vaccine == v && d.dose == n)
            .unwrap()
    };
    let now = |d, lot: &str| DoseNow {
        dose: d,
        lot: lot.into(),
        site: "左上臂".into(),
    };
    let mut p = PublicHealth {
        doses: vec![now(find("MMR", 1), "A1"), now(find("JE-L", 1), "B2")],
        past: vec![PastEntry {
            dose: Some(find("BCG", 1)),
            given_on: "2025-11-21".into(),
            given_at: "孝感市妇幼保健院".into(),
            lot: "C3".into(),
        }],
        born: Some((birth, today)),
        ..Default::default()
    };
    let e = visit(None, None);
    let records = p.records(&e, &read(&e), vec![]).unwrap();
    let given: Vec<(&str, Date)> = records
        .iter()
        .filter_map(|r| r.dose_given(today))
        .map(|(i, on)| (i.vaccine.as_str(), on))
        .collect();
    assert_eq!(
        given,
        [("MMR", today), ("JE-L", today), ("BCG", birth.add_days(1))]
    );
    let RecordBody::PastDose(past) = &records[2] else {
        panic!("{records:?}")
    };
    assert_eq!(
        (past.source.as_str(), past.given_at.as_str()),
        ("接种证", "孝感市妇幼保健院")
    );
    p.past[0].given_on = "2025-11-01".into();
    assert!(matches!(
        p.records(&e, &read(&e), vec![]),
        Err(FormError::PastDoseOutside { .. })
    ));
    p.past[0].given_on = "2025-13-01".into();
    assert!(matches!(
        p.records(&e, &read(&e), vec![]),
        Err(FormError::NotADate {
            field: FormField::PastDoseDay,
            ..
        })
    ));
}

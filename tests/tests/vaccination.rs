//! Programme vaccination visits are free (国家免疫规划疫苗免费接种): a child checked in for
//! 预防接种 has no consultation fee to pay and no claim; a general visit of the same child
//! has its fee. A dose copied from the certificate counts as given on the day written there.

use storage::model::*;
use storage::{Date, Id, Store};

const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;

fn desk() -> storage::Actor {
    storage::Actor {
        staff: "frontdesk".into(),
        facility: CENTRE.into(),
        role: Role::FrontDesk,
    }
}

fn doctor() -> storage::Actor {
    storage::Actor {
        staff: "doctor".into(),
        facility: CENTRE.into(),
        role: Role::Doctor,
    }
}

/// A demo child under six: every one has doses ahead in the schedule.
fn a_child(store: &Store) -> Resident {
    let today = store.clock().today();
    let q = storage::worklist::WorklistQuery {
        within_days: 3_650,
        ..storage::worklist::WorklistQuery::new(WorklistKind::Immunisation)
    };
    store
        .worklist(&doctor(), &q, None)
        .unwrap()
        .into_iter()
        .map(|e| e.resident)
        .find(|r| r.birth_date.age_on(today) < 6)
        .expect("a demo child under six")
}

fn visit(store: &Store, child: Id, kind: VisitType, at: i64, body: RecordBody) {
    let record = |body| ClinicalRecord {
        resident: child,
        at,
        facility: CENTRE.into(),
        clinician: "刘春梅".into(),
        body,
    };
    let encounter = Encounter {
        visit_type: kind,
        chief_complaint: "预防接种".into(),
        vitals: Vitals::default(),
        diagnoses: vec![],
        notes: String::new(),
        follow_up: None,
        discharged: None,
    };
    store
        .add_record(&doctor(), record(RecordBody::Encounter(encounter)))
        .unwrap();
    store.add_record(&doctor(), record(body)).unwrap();
}

#[test]
fn a_programme_vaccination_visit_has_nothing_to_pay() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("clinic.redb"), tests::test_options()).unwrap();
    let today = store.clock().today();
    app::services::demo::load_demo(&store, CENTRE, today, 200, &mut |_| {}).unwrap();
    let catalogue = fixtures::catalogue::demo_catalogue();
    let child = a_child(&store);
    let dose = RecordBody::Immunisation(Immunisation {
        vaccine: "HepA-L".into(),
        vaccine_name: "甲肝减毒活疫苗".into(),
        dose_number: 1,
        lot: "202612A".into(),
        site: "左上臂".into(),
        route: Route::Subcutaneous,
    });
    store
        .check_in(&desk(), child.id, VisitType::Immunisation, None)
        .unwrap();
    let now = store.clock().now_ms();
    visit(
        &store,
        child.id,
        VisitType::Immunisation,
        now + 60_000,
        dose,
    );
    let bills = store
        .visits_to_bill(&desk(), child.id, today, catalogue)
        .unwrap();
    assert!(bills.is_empty(), "free of charge: {bills:?}");

    // The same child seen for a cough later that day: the consultation fee.
    let first = store.queue(CENTRE, today).unwrap();
    let first = first.iter().find(|t| t.resident == child.id).unwrap();
    store
        .set_queue_status(&desk(), first.id, QueueStatus::Done, "")
        .unwrap();
    store
        .check_in(&desk(), child.id, VisitType::General, None)
        .unwrap();
    let cough = RecordBody::Observation(Observation {
        kind: ObservationKind::Temperature,
        value: 378,
        second: None,
        device: String::new(),
    });
    visit(&store, child.id, VisitType::General, now + 3_600_000, cough);
    let bills = store
        .visits_to_bill(&desk(), child.id, today, catalogue)
        .unwrap();
    assert_eq!(bills.len(), 1);
    assert_eq!(
        bills[0]
            .bill
            .iter()
            .map(|l| l.item_code.as_str())
            .collect::<Vec<_>>(),
        [storage::CONSULTATION_FEE]
    );
}

#[test]
fn a_dose_copied_from_the_certificate_counts_on_the_day_written_there() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("clinic.redb"), tests::test_options()).unwrap();
    let today = store.clock().today();
    app::services::demo::load_demo(&store, CENTRE, today, 200, &mut |_| {}).unwrap();
    let child = a_child(&store);
    let past = |given_on| {
        RecordBody::PastDose(PastDose {
            dose: Immunisation {
                vaccine: "HepB".into(),
                vaccine_name: "乙肝疫苗".into(),
                dose_number: 9,
                lot: String::new(),
                site: String::new(),
                route: Route::Intramuscular,
            },
            given_on,
            given_at: "外省某卫生院".into(),
            source: "接种证".into(),
        })
    };
    let record = |body| ClinicalRecord {
        resident: child.id,
        at: store.clock().now_ms(),
        facility: CENTRE.into(),
        clinician: "刘春梅".into(),
        body,
    };
    let on = child.birth_date.add_days(2);
    store.add_record(&doctor(), record(past(on))).unwrap();
    let history = store.history_unaudited(child.id).unwrap();
    let copied = history
        .iter()
        .find_map(|h| match &h.record.body {
            RecordBody::PastDose(p) => Some(p.given_on),
            _ => None,
        })
        .unwrap();
    assert_eq!(copied, on);
    let given: Vec<Date> = history
        .iter()
        .filter_map(|h| h.record.body.dose_given(today))
        .filter(|(i, _)| i.dose_number == 9)
        .map(|(_, d)| d)
        .collect();
    assert_eq!(given, [on], "counted on the day the certificate says");
}

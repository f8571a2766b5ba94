//! Consent enforced at the hub: a real hub on loopback (TLS, in this process), real stores,
//! the real client. Clinic A records; clinic B, in the same township, receives A's records of
//! a resident only where the resident's consent allows B (or by break-glass). Every "withheld"
//! is checked in B's store itself (the change is absent), not on a screen.

use std::path::Path;
use std::time::Duration;

use storage::model::*;
use storage::{Actor, Date, Id, NewResident, OpenOptions, Store};
use sync::client::{HubClient, SyncConfig, SyncError, fetch_break_glass, fetch_resident, round};
use sync::server::LocalHub;

/// The village clinic where the resident lives and is treated.
const A: &str = "H42092100201";
/// The township centre: same township, a facility of another level.
const B: &str = fixtures::catalogue::TOWNSHIP_CENTRE;
/// Another village clinic of the township.
const C: &str = "H42092100202";
const TOWNSHIP: &str = fixtures::catalogue::TOWNSHIP;
const CARD: &str = "HC-77";

fn open(path: &Path) -> Store {
    Store::open(
        path,
        OpenOptions::new("consent hub test").fast_kdf_for_tests(),
    )
    .unwrap()
}

fn actor(facility: &str, role: Role) -> Actor {
    Actor {
        staff: format!("{role:?}@{facility}").to_lowercase(),
        facility: facility.into(),
        role,
    }
}

fn doctor(facility: &str) -> Actor {
    actor(facility, Role::Doctor)
}

fn identifier() -> Identifier {
    Identifier::HospitalCard {
        facility: A.into(),
        number: CARD.into(),
    }
}

/// One workstation: its store and how it reaches the hub.
struct Station {
    store: Store,
    config: SyncConfig,
}

impl Station {
    fn client(&self) -> HubClient {
        HubClient::new(
            &self.config.hub_url,
            &self.config.token,
            &self.config.fingerprint,
            Duration::from_secs(30),
        )
        .unwrap()
    }

    fn sync(&self) {
        round(&self.store, &self.client(), &mut |_| {}).unwrap();
    }

    fn holds(&self, id: Id) -> bool {
        self.store.change(id).unwrap().is_some()
    }
}

/// A hub with the three facilities; clinic A has registered the resident and recorded an
/// encounter, a hypertension follow-up, a penicillin allergy and a vaccine dose for them, and
/// pushed them. The encounter and the follow-up are under consent; the allergy and the dose are
/// safety data, which reaches every treating facility of the township.
struct World {
    dir: tempfile::TempDir,
    hub: LocalHub,
    a: Station,
    b: Station,
    resident: Id,
    encounter: Id,
    follow_up: Id,
    allergy: Id,
    dose: Id,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let hub_store = std::sync::Arc::new(open(&dir.path().join("hub/hub.redb")));
        let admin = actor("hub", Role::Admin);
        for (code, level) in [
            (A, FacilityLevel::Village),
            (B, FacilityLevel::Township),
            (C, FacilityLevel::Village),
        ] {
            let facility = Facility {
                code: code.into(),
                name: code.into(),
                level,
                county: fixtures::catalogue::COUNTY.into(),
                township: TOWNSHIP.into(),
            };
            hub_store
                .commit_one(&admin, Body::Facility(facility))
                .unwrap();
        }
        tests::pin_demo_trust(&dir.path().join("hub"));
        let hub = LocalHub::start(&dir.path().join("hub"), hub_store).unwrap();
        let a = World::station_at(&dir, &hub, "a", A);
        let b = World::station_at(&dir, &hub, "b", B);
        a.sync();
        b.sync();

        let form = NewResident {
            name: "张秀英".into(),
            birth_date: Some(Date::new(1958, 3, 9).unwrap()),
            hospital_cards: vec![(A.into(), CARD.into())],
            card_id: Some("77".repeat(32)),
            ..Default::default()
        };
        let resident = a.store.register(&actor(A, Role::FrontDesk), form).unwrap();
        let encounter = a
            .store
            .add_record(&doctor(A), encounter(resident, A))
            .unwrap();
        let follow_up = a
            .store
            .add_record(&doctor(A), follow_up(resident, A))
            .unwrap();
        let allergy = a
            .store
            .add_record(&doctor(A), allergy(resident, A))
            .unwrap();
        let dose = a
            .store
            .add_record(&doctor(A), immunisation(resident, A))
            .unwrap();
        a.sync();
        World {
            dir,
            hub,
            a,
            b,
            resident,
            encounter,
            follow_up,
            allergy,
            dose,
        }
    }

    fn station_at(dir: &tempfile::TempDir, hub: &LocalHub, name: &str, facility: &str) -> Station {
        let store = open(&dir.path().join(name).join("clinic.redb"));
        let config = hub.enrol(&store, facility).unwrap();
        Station { store, config }
    }

    fn station(&self, name: &str, facility: &str) -> Station {
        World::station_at(&self.dir, &self.hub, name, facility)
    }

    /// Records a consent of the resident at `station` and pushes it. Away from the
    /// resident's home clinic (A) the resident shows their card, as the hub requires.
    fn consent(&self, station: &Station, consent: Consent) -> Consent {
        let shown = (station.config.facility != A).then(|| {
            let resident = self.hub.store.resident(self.resident).unwrap().unwrap();
            tests::card_code(&resident)
        });
        station
            .store
            .record_consent(
                &actor(&station.config.facility, Role::FrontDesk),
                consent.clone(),
                shown.as_deref(),
            )
            .unwrap();
        station.sync();
        assert_eq!(
            station.store.rejected().unwrap(),
            vec![],
            "the hub took the consent"
        );
        consent
    }

    fn today(&self) -> Date {
        self.hub.store.clock().today()
    }

    /// A consent from today on, for `grantee` and `categories`.
    fn grant(&self, grantee: Grantee, categories: &[RecordCategory]) -> Consent {
        Consent {
            id: self.a.store.new_id(),
            resident: self.resident,
            grantee,
            categories: categories.to_vec(),
            valid_from: self.today(),
            valid_until: None,
            recorded_by: "front desk".into(),
            withdrawn: false,
        }
    }

    /// The hub's audit entries about the resident, with who wrote them.
    fn hub_audit(&self) -> Vec<(Origin, AuditEntry)> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let page = self.hub.store.journal_after(after, 1_000).unwrap();
            let Some((last, _)) = page.last() else {
                return out;
            };
            after = *last;
            for (_, c) in page {
                if let Body::Audit(a) = c.body
                    && a.resident == Some(self.resident)
                {
                    out.push((c.origin, a));
                }
            }
        }
    }
}

fn encounter(resident: Id, facility: &str) -> ClinicalRecord {
    ClinicalRecord {
        resident,
        at: 1_790_000_000_000,
        facility: facility.into(),
        clinician: "黄永林".into(),
        body: RecordBody::Encounter(Encounter {
            visit_type: VisitType::General,
            chief_complaint: "头晕两天".into(),
            vitals: Vitals {
                systolic: Some(162),
                diastolic: Some(98),
                ..Default::default()
            },
            diagnoses: vec![Diagnosis {
                code: "I10".into(),
                name: "高血压".into(),
            }],
            notes: String::new(),
            follow_up: None,
            discharged: None,
        }),
    }
}

fn follow_up(resident: Id, facility: &str) -> ClinicalRecord {
    ClinicalRecord {
        resident,
        at: 1_790_000_500_000,
        facility: facility.into(),
        clinician: "黄永林".into(),
        body: RecordBody::ChronicFollowUp(ChronicFollowUp {
            condition: ChronicCondition::Hypertension,
            method: FollowUpMethod::Clinic,
            systolic: Some(150),
            diastolic: Some(92),
            fasting_glucose_x10: None,
            hba1c_x10: None,
            weight_x10: None,
            adherence: Adherence::Regular,
            control: ControlStatus::Unsatisfactory,
            medications: vec!["硝苯地平缓释片".into()],
            next_visit: None,
            notes: String::new(),
        }),
    }
}

fn allergy(resident: Id, facility: &str) -> ClinicalRecord {
    ClinicalRecord {
        resident,
        at: 1_790_000_550_000,
        facility: facility.into(),
        clinician: "黄永林".into(),
        body: RecordBody::Allergy(Allergy {
            substance: "青霉素".into(),
            reaction: "皮疹".into(),
        }),
    }
}

fn immunisation(resident: Id, facility: &str) -> ClinicalRecord {
    ClinicalRecord {
        resident,
        at: 1_790_000_600_000,
        facility: facility.into(),
        clinician: "黄永林".into(),
        body: RecordBody::Immunisation(Immunisation {
            vaccine: "PPV23".into(),
            vaccine_name: "23价肺炎球菌多糖疫苗".into(),
            dose_number: 1,
            lot: "L2026".into(),
            site: "左上臂".into(),
            route: Route::Intramuscular,
        }),
    }
}

#[test]
fn without_consent_another_clinic_gets_the_resident_but_none_of_the_records() {
    let w = World::new();
    let resident = w.resident;
    w.b.sync();
    assert!(
        w.b.store.resident(resident).unwrap().is_some(),
        "registration flows"
    );
    assert!(!w.b.holds(w.encounter), "A's encounter is not in B's store");
    assert!(!w.b.holds(w.follow_up), "A's follow-up is not in B's store");
    // Safety data follows the resident: the allergy and the dose A recorded reach B.
    assert!(w.b.holds(w.allergy), "A's allergy record reaches B");
    assert!(w.b.holds(w.dose), "A's vaccine dose reaches B");
    let seen: Vec<RecordCategory> =
        w.b.store
            .history_unaudited(resident)
            .unwrap()
            .iter()
            .map(|h| h.category)
            .collect();
    assert_eq!(
        seen,
        [RecordCategory::Allergy, RecordCategory::Immunisation],
        "only safety data, in the order it happened"
    );

    // Records of one's own facility always flow: B's record reaches B's other workstation,
    // but not clinic A.
    let b2 = w.station("b2", B);
    let own =
        w.b.store
            .add_record(&doctor(B), encounter(resident, B))
            .unwrap();
    w.b.sync();
    b2.sync();
    w.a.sync();
    assert!(
        b2.holds(own),
        "B's own record reaches B's other workstation"
    );
    assert!(!b2.holds(w.encounter));
    assert!(
        !w.a.holds(own),
        "B's record does not reach A without consent"
    );
    assert!(w.a.holds(w.encounter), "A keeps its own");

    // A fetch by a new B workstation: the resident, B's record, none of A's.
    let b3 = w.station("b3", B);
    let added = fetch_resident(&b3.store, &b3.client(), identifier()).unwrap();
    assert!(added > 0);
    assert!(
        b3.store.resident(resident).unwrap().is_some(),
        "the fetch returns the resident"
    );
    assert!(b3.holds(own));
    assert!(!b3.holds(w.encounter) && !b3.holds(w.follow_up));
    let (action, reason) = w
        .hub_audit()
        .last()
        .map(|(_, a)| (a.action, a.reason.clone()))
        .unwrap();
    assert_eq!(action, AuditAction::ViewHistory);
    assert_eq!(reason, "fetched from the hub");
}

#[test]
fn a_consent_for_the_clinic_or_its_level_releases_only_its_categories_on_the_next_pull() {
    let w = World::new();
    w.b.sync();
    assert!(
        !w.b.holds(w.encounter),
        "withheld first: B's cursor passes the records"
    );

    // The resident lets clinic B see encounters: recorded at A, it reaches B by the hub.
    w.consent(
        &w.a,
        w.grant(Grantee::Facility(B.into()), &[RecordCategory::Encounter]),
    );
    w.b.sync();
    assert!(
        w.b.holds(w.encounter),
        "the later consent releases the encounter"
    );
    assert!(!w.b.holds(w.follow_up), "but not another category");
    assert_eq!(
        w.b.store.history_unaudited(w.resident).unwrap().len(),
        3,
        "the encounter beside the allergy and the dose"
    );

    // A correction of the encounter follows it.
    let amendment =
        w.a.store
            .add_record(
                &doctor(A),
                ClinicalRecord {
                    body: RecordBody::Amendment(Amendment {
                        target: w.encounter,
                        reason: "血压复测".into(),
                        replacement: Box::new(encounter(w.resident, A).body),
                    }),
                    ..encounter(w.resident, A)
                },
            )
            .unwrap();
    w.a.sync();
    w.b.sync();
    assert!(w.b.holds(amendment), "a released record's amendment flows");

    // Every township health centre may see chronic-disease follow-ups: B is one.
    w.consent(
        &w.a,
        w.grant(
            Grantee::Level(FacilityLevel::Township),
            &[RecordCategory::ChronicFollowUp],
        ),
    );
    w.b.sync();
    assert!(
        w.b.holds(w.follow_up),
        "a grant to B's level releases the follow-up"
    );
    // A second round changes nothing: released records are not sent twice as new.
    let before = tests::journal_ids(&w.b.store).len();
    w.b.sync();
    assert_eq!(tests::journal_ids(&w.b.store).len(), before);
}

#[test]
fn a_consent_recorded_at_the_clinic_itself_releases_the_records_in_the_same_round() {
    // The hub never sends a device its own changes; the consent still releases the records.
    let w = World::new();
    w.b.sync();
    assert!(!w.b.holds(w.encounter));
    w.consent(&w.b, w.grant(Grantee::Everyone, &RecordCategory::ALL));
    assert!(w.b.holds(w.encounter) && w.b.holds(w.follow_up));
    // And B's other workstation, which receives the consent by pull, gets them too.
    let b2 = w.station("b2", B);
    b2.sync();
    assert!(b2.holds(w.encounter) && b2.holds(w.follow_up));
}

#[test]
fn consents_for_others_other_categories_withdrawn_expired_or_not_yet_valid_release_nothing() {
    let w = World::new();
    let today = w.today();
    let encounters = [RecordCategory::Encounter];
    // For another clinic, for another level, for another category.
    w.consent(
        &w.a,
        w.grant(Grantee::Facility(C.into()), &RecordCategory::ALL),
    );
    w.consent(
        &w.a,
        w.grant(Grantee::Level(FacilityLevel::Village), &RecordCategory::ALL),
    );
    w.consent(
        &w.a,
        w.grant(Grantee::Facility(B.into()), &[RecordCategory::Allergy]),
    );
    // Withdrawn from the start; granted, then withdrawn before B pulled.
    w.consent(
        &w.a,
        Consent {
            withdrawn: true,
            ..w.grant(Grantee::Facility(B.into()), &encounters)
        },
    );
    let granted = w.consent(&w.a, w.grant(Grantee::Everyone, &encounters));
    w.consent(
        &w.a,
        Consent {
            withdrawn: true,
            ..granted
        },
    );
    // Expired yesterday; valid only from tomorrow.
    w.consent(
        &w.a,
        Consent {
            valid_from: today.add_days(-30),
            valid_until: Some(today.add_days(-1)),
            ..w.grant(Grantee::Facility(B.into()), &encounters)
        },
    );
    w.consent(
        &w.a,
        Consent {
            valid_from: today.add_days(1),
            ..w.grant(Grantee::Facility(B.into()), &encounters)
        },
    );

    w.b.sync();
    assert_eq!(
        w.b.store.consents(w.resident).unwrap().len(),
        7,
        "the consents flow"
    );
    assert!(!w.b.holds(w.encounter) && !w.b.holds(w.follow_up));
    // A fetch under the same consents withholds them too.
    fetch_resident(&w.b.store, &w.b.client(), identifier()).unwrap();
    assert!(!w.b.holds(w.encounter) && !w.b.holds(w.follow_up));
    // Clinic C, named by one of them, gets everything.
    let c = w.station("c", C);
    c.sync();
    assert!(c.holds(w.encounter) && c.holds(w.follow_up));
}

#[test]
fn a_break_glass_fetch_returns_every_record_and_the_hub_audits_the_reason() {
    let w = World::new();
    w.b.sync();
    assert!(!w.b.holds(w.encounter));
    let client = w.b.client();

    // A reason too short to mean anything is refused, and nothing is handed over.
    match fetch_break_glass(&w.b.store, &client, identifier(), "x") {
        Err(SyncError::Refused { status: 400, .. }) => {}
        other => panic!("a one-letter reason must be refused: {other:?}"),
    }
    assert!(!w.b.holds(w.encounter));

    let reason = "unconscious after a fall, no relatives reachable";
    let added = fetch_break_glass(&w.b.store, &client, identifier(), reason).unwrap();
    assert_eq!(added, 2, "exactly the two withheld records arrive");
    assert!(w.b.holds(w.encounter) && w.b.holds(w.follow_up));

    let audit = w.hub_audit();
    let (origin, entry) = audit
        .iter()
        .find(|(_, a)| a.action == AuditAction::BreakGlass)
        .expect("the hub audits the break-glass");
    assert_eq!(
        origin.staff,
        format!("device:{}", w.b.store.device()),
        "naming the device"
    );
    assert_eq!(origin.facility, B);
    assert!(
        entry.reason.contains(reason),
        "with the reason: {}",
        entry.reason
    );
    let chain = w
        .hub
        .store
        .verify_audit_chain(w.hub.store.device())
        .unwrap();
    assert_eq!(chain.broken, None, "the hub's own audit chain holds");
}

#[test]
fn a_relay_hub_receives_its_whole_region_whatever_the_consent() {
    let w = World::new();
    let relay = open(&w.dir.path().join("relay/hub.redb"));
    let code = sync::server::issue_enrolment_code(&w.hub.store, B, "relay", true).unwrap();
    let enrolling =
        HubClient::new(&w.hub.url, "", &w.hub.fingerprint, Duration::from_secs(30)).unwrap();
    let token = enrolling.enrol(&code, relay.device()).unwrap().token;
    let upstream = HubClient::new(
        &w.hub.url,
        &token,
        &w.hub.fingerprint,
        Duration::from_secs(30),
    )
    .unwrap();
    sync::relay::relay_round(&relay, &upstream).unwrap();
    assert!(relay.change(w.encounter).unwrap().is_some());
    assert!(relay.change(w.follow_up).unwrap().is_some());
}

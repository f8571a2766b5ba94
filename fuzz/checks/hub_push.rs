//! The `hub_push` fuzz target's check, shared with the corpus replay test
//! (`storage/tests/fuzz_corpus.rs`): the hub's push against well-formed but hostile changes.
//! The input builds a batch of changes of any kind, with any origin, any clock stamp, any
//! dates and any amounts, and the hub applies it as a push from its one enrolled workstation
//! (`Store::apply_pushed`, the push route's own path). After each batch:
//!
//! - nothing panicked, in the hub or in the readers a workstation runs on what it pulls;
//! - every change taken was made at the device's own facility by the device itself;
//! - no kind only hub administrators make was taken;
//! - every claim held has lines, totals and shares that are non-negative and add up without
//!   overflow, and the resident's accumulator sums without overflow.

use std::path::Path;
use std::sync::OnceLock;

use storage::authority::{Pushed, Pusher};
use storage::model::*;
use storage::{Actor, Date, Device, Hlc, Id, NewResident, OpenOptions, Store};

const VILLAGE: &str = "H42092100201";
const CENTRE: &str = "H42092100101";
const FAR: &str = "H11010100001";
const DEVICE: &str = "fuzz-workstation";
/// 2026-12-01 10:00 Beijing time: the hub's clock.
const NOW: i64 = 1_796_090_400_000;

struct Fixture {
    store: Store,
    device: Device,
    residents: Vec<Id>,
    _dir: tempfile::TempDir,
}

fn open_store(path: &Path) -> Store {
    Store::open(
        path,
        OpenOptions::new("fuzz push secret")
            .fast_kdf_for_tests()
            .with_clock(storage::Clock::fixed(NOW)),
    )
    .expect("open the hub store")
}

/// A hub with three facilities (two of the device's township, one of another county), a
/// resident of each, and a record of the village resident.
fn fixture() -> &'static std::sync::Mutex<Fixture> {
    static FIXTURE: OnceLock<std::sync::Mutex<Fixture>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open_store(&dir.path().join("hub.redb"));
        let admin = Actor {
            staff: "hub".into(),
            facility: "hub".into(),
            role: Role::Admin,
        };
        for (code, county, township) in [
            (VILLAGE, "420921", "420921100000"),
            (CENTRE, "420921", "420921100000"),
            (FAR, "110101", "110101001000"),
        ] {
            let f = Facility {
                code: code.into(),
                name: code.into(),
                level: FacilityLevel::Village,
                county: county.into(),
                township: township.into(),
            };
            store
                .commit_one(&admin, Body::Facility(f))
                .expect("facility");
        }
        let mut residents = Vec::new();
        for (facility, n) in [(VILLAGE, "1"), (CENTRE, "2"), (FAR, "3")] {
            let desk = Actor {
                staff: "desk".into(),
                facility: facility.into(),
                role: Role::FrontDesk,
            };
            let form = NewResident {
                name: format!("居民{n}"),
                birth_date: Some(Date::new(1960, 1, 1).expect("date")),
                hospital_cards: vec![(facility.into(), n.into())],
                insurance: Some(("390".into(), format!("INS{n}"))),
                ..Default::default()
            };
            residents.push(store.register(&desk, form).expect("resident"));
        }
        let device = Device {
            id: DEVICE.into(),
            facility: VILLAGE.into(),
            name: "fuzz".into(),
            active: true,
            enrolled_at: 0,
            relay: false,
        };
        std::sync::Mutex::new(Fixture {
            store,
            device,
            residents,
            _dir: dir,
        })
    })
}

/// Reads values out of the fuzzer's bytes; past the end, zeros.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |v, _| v << 8 | self.u8() as u64)
    }
    fn i64(&mut self) -> i64 {
        // Mostly near the hub's now, sometimes anything at all.
        match self.u8() % 4 {
            0 => self.u64() as i64,
            1 => NOW + (self.u64() as i64 % 86_400_000_000),
            2 => NOW - (self.u64() % 3_000_000_000_000) as i64,
            _ => NOW,
        }
    }
    fn u32(&mut self) -> u32 {
        self.u64() as u32
    }
    fn pick<'s, T>(&mut self, from: &'s [T]) -> &'s T {
        &from[self.u8() as usize % from.len()]
    }
    fn text(&mut self) -> String {
        match self.u8() % 4 {
            0 => String::new(),
            1 => "x".repeat(self.u8() as usize * 40),
            _ => "青霉素".into(),
        }
    }
    fn date(&mut self) -> Date {
        Date::from_ymd_number(self.u32()).unwrap_or_else(|_| Date::of_instant(self.i64()))
    }
    fn opt_u16(&mut self) -> Option<u16> {
        self.u8().is_multiple_of(2).then(|| self.u64() as u16)
    }
}

fn build(input: &mut Input, f: &Fixture, held: &[Id]) -> Change {
    let resident = match input.u8() % 4 {
        0 => Id(input.u64() as u128),
        _ => *input.pick(&f.residents),
    };
    let some_id = |input: &mut Input| match input.u8() % 3 {
        0 if !held.is_empty() => *input.pick(held),
        1 => Id(input.u64() as u128),
        _ => Id::from_parts(NOW as u64, [input.u8(); 10]),
    };
    let at = input.i64();
    let facility = input.pick(&[VILLAGE, CENTRE, FAR, ""]).to_string();
    let clinician = input.text();
    let record = |body| {
        Body::Record(ClinicalRecord {
            resident,
            at,
            facility: facility.clone(),
            clinician: clinician.clone(),
            body,
        })
    };
    let line = |input: &mut Input| ClaimLine {
        item_code: "S110200001".into(),
        name: "一般诊疗费".into(),
        class: InsuranceClass::A,
        chronic: false,
        quantity: input.u32(),
        unit_price_fen: input.u64() as i64,
        amount_fen: input.u64() as i64,
        self_pay_fen: 0,
        eligible_fen: 0,
        deductible_fen: 0,
        ratio_bp: input.u32(),
        before_cap_fen: 0,
        insurance_fen: input.u64() as i64,
    };
    let body = match input.u8() % 16 {
        0 => Body::Resident(ResidentChange {
            resident,
            fields: vec![
                ResidentField::Name(input.text()),
                ResidentField::BirthDate(input.date()),
                ResidentField::HomeFacility(facility.clone()),
                ResidentField::Phone(input.text()),
            ],
            add_identifiers: vec![Identifier::Insurance {
                scheme: "390".into(),
                number: input.text(),
            }],
            remove_identifiers: vec![],
        }),
        1 => record(RecordBody::Encounter(Encounter {
            visit_type: VisitType::General,
            chief_complaint: "咳嗽".into(),
            vitals: Vitals {
                systolic: None,
                diastolic: None,
                pulse: None,
                temperature_x10: None,
                weight_x10: None,
                height_x10: None,
                glucose_x10: None,
                spo2: None,
            },
            diagnoses: vec![],
            notes: String::new(),
            follow_up: Some(Date::of_instant(at)),
            discharged: None,
        })),
        2 => {
            let vitals = Vitals {
                systolic: input.opt_u16(),
                diastolic: input.opt_u16(),
                pulse: input.opt_u16(),
                temperature_x10: input.opt_u16(),
                weight_x10: input.opt_u16(),
                height_x10: input.opt_u16(),
                glucose_x10: input.opt_u16(),
                spo2: Some(input.u8()),
            };
            record(RecordBody::ChronicFollowUp(ChronicFollowUp {
                condition: ChronicCondition::Hypertension,
                method: FollowUpMethod::Clinic,
                systolic: vitals.systolic,
                diastolic: vitals.diastolic,
                fasting_glucose_x10: vitals.glucose_x10,
                hba1c_x10: vitals.pulse,
                weight_x10: vitals.weight_x10,
                adherence: Adherence::Regular,
                control: ControlStatus::Satisfactory,
                medications: vec![],
                next_visit: Some(input.date()),
                notes: String::new(),
            }))
        }
        3 => record(RecordBody::Immunisation(Immunisation {
            vaccine: "HepB".into(),
            vaccine_name: "乙肝疫苗".into(),
            dose_number: input.u8(),
            lot: input.text(),
            site: String::new(),
            route: Route::Intramuscular,
        })),
        4 => record(RecordBody::Amendment(Amendment {
            target: some_id(input),
            reason: input.text(),
            replacement: Box::new(RecordBody::Allergy(Allergy {
                substance: input.text(),
                reaction: String::new(),
            })),
        })),
        5 => {
            let lines: Vec<ClaimLine> = (0..input.u8() % 4).map(|_| line(input)).collect();
            let total = input.u64() as i64;
            let history = vec![ClaimStatusChange {
                status: *input.pick(&ClaimStatus::ALL),
                at,
                insurance_fen: input.u64() as i64,
                patient_fen: input.u64() as i64,
                reasons: vec![],
                lines: vec![],
            }];
            Body::Claim(Claim {
                id: some_id(input),
                resident,
                encounter: input.u8().is_multiple_of(2).then(|| some_id(input)),
                facility: facility.clone(),
                scheme: "390".into(),
                policy_version: 1,
                lines,
                total_fen: total,
                insurance_fen: input.u64() as i64,
                patient_fen: input.u64() as i64,
                provisional: false,
                history,
            })
        }
        6 => Body::Payment(Payment {
            id: some_id(input),
            resident,
            facility: facility.clone(),
            claim: input.u8().is_multiple_of(2).then(|| some_id(input)),
            amount_fen: input.u64() as i64,
            method: PaymentMethod::Cash,
            at,
        }),
        7 => Body::Consent(Consent {
            id: some_id(input),
            resident,
            grantee: Grantee::Everyone,
            categories: RecordCategory::ALL.to_vec(),
            valid_from: input.date(),
            valid_until: None,
            recorded_by: input.text(),
            withdrawn: input.u8().is_multiple_of(2),
        }),
        8 => Body::ConsentProof(ConsentProof {
            consent: some_id(input),
            resident,
            code: input.text(),
        }),
        9 => Body::CheckIn(QueueTicket {
            id: some_id(input),
            facility: facility.clone(),
            day: input.date(),
            number: input.u32(),
            resident,
            guardian: None,
            visit_type: VisitType::General,
            checked_in_at: at,
            status: QueueStatus::Waiting,
            room: input.text(),
            status_clock: Hlc(0),
        }),
        10 => Body::QueueStatus {
            ticket: some_id(input),
            status: QueueStatus::Done,
            room: input.text(),
        },
        11 => Body::Household(HouseholdLink {
            from: resident,
            to: *input.pick(&f.residents),
            relation: Relation::ParentOf,
            active: true,
        }),
        12 => Body::Audit(AuditEntry {
            action: AuditAction::ChainFork,
            resident: Some(resident),
            target: None,
            reason: input.text(),
            prev: [input.u8(); 32],
        }),
        13 => Body::CardUse(CardUse {
            resident,
            card: input.text(),
            code: CardCode::Platform,
            stage: CareStage::Registration,
            reader: "wedge".into(),
        }),
        14 => Body::Facility(Facility {
            code: VILLAGE.into(),
            name: "moved".into(),
            level: FacilityLevel::County,
            county: "110101".into(),
            township: "110101001000".into(),
        }),
        _ => Body::ClaimStatus {
            claim: some_id(input),
            change: ClaimStatusChange {
                status: ClaimStatus::Accepted,
                at,
                insurance_fen: input.u64() as i64,
                patient_fen: 0,
                reasons: vec![],
                lines: vec![],
            },
        },
    };
    let hlc = match input.u8() % 3 {
        0 => Hlc(input.u64()),
        _ => Hlc(((NOW + (input.u8() as i64) * 1_000) as u64) << 16),
    };
    Change {
        id: some_id(input),
        hlc,
        origin: Origin {
            facility: input.pick(&[VILLAGE, VILLAGE, CENTRE, FAR]).to_string(),
            device: input.pick(&[DEVICE, DEVICE, "another"]).to_string(),
            staff: input.pick(&["desk", "", "settlement"]).to_string(),
        },
        body,
    }
}

/// Pushes the batch one input builds and checks what the hub took.
pub fn run(data: &[u8]) {
    let fixture = fixture().lock().unwrap_or_else(|p| p.into_inner());
    let f = &*fixture;
    let mut input = Input(data);
    let mut held: Vec<Id> = Vec::new();
    let mut batch = Vec::new();
    for _ in 0..1 + input.u8() % 6 {
        let change = build(&mut input, f, &held);
        held.push(change.id);
        batch.push(change);
    }
    let no_cards = |_: &str, _: u64| Err("the fuzz hub trusts no card".to_string());
    let pusher = Pusher {
        device: &f.device,
        now_ms: NOW,
        presence: &no_cards,
    };
    let outcomes = f
        .store
        .apply_pushed(&pusher, &batch)
        .expect("the store is healthy");
    for (change, outcome) in batch.iter().zip(&outcomes) {
        if let Pushed::Stored(_) = outcome {
            assert_eq!(
                change.origin.facility, VILLAGE,
                "taken from another facility"
            );
            assert_eq!(change.origin.device, DEVICE, "taken from another device");
            assert!(
                !matches!(
                    change.body,
                    Body::Facility(_)
                        | Body::Policy(_)
                        | Body::ClaimStatus { .. }
                        | Body::TrustList(_)
                ),
                "an administrator's kind taken from a workstation"
            );
        }
    }
    // What a workstation pulling this would read, for every resident touched.
    let today = Date::of_instant(NOW);
    for resident in f.residents.iter().chain(
        batch
            .iter()
            .filter_map(|c| c.body.resident())
            .collect::<Vec<_>>()
            .iter(),
    ) {
        let Ok(Some(r)) = f.store.resident(*resident) else {
            continue;
        };
        let history = f.store.history_unaudited(r.id).expect("history");
        let _ = storage::summary::Summary::of(&history, r.birth_date, today);
        let _ = storage::schedule::schedule_for(r.birth_date, today);
        let claims = f.store.claims_of_resident(r.id).expect("claims");
        for c in &claims {
            assert!(
                c.total_fen >= 0 && c.insurance_fen >= 0 && c.patient_fen >= 0,
                "{c:?}"
            );
            let total = c
                .lines
                .iter()
                .try_fold(0i64, |sum, l| sum.checked_add(l.amount_fen))
                .expect("line amounts overflow");
            assert_eq!(total, c.total_fen, "totals do not add up");
            assert!(
                c.lines
                    .iter()
                    .all(|l| l.amount_fen >= 0 && l.insurance_fen >= 0)
            );
        }
        let _ = f
            .store
            .accumulator(r.id, "390", today.year(), true)
            .expect("accumulator");
    }
    let _ = f.store.daily_report(VILLAGE, today).expect("daily report");
}

//! The binary format is frozen: bytes written by this version (and every earlier one) must
//! decode to the same values. postcard is not self-describing, so a field added to a stored
//! struct by mistake, or a variant inserted before others, shifts every byte after it; this
//! test decodes a committed file of such bytes and fails first.
//!
//! A deliberate addition (a new enum variant at its end) gets a new sample at the end of
//! `samples()`; `UPDATE_GOLDEN=1 cargo test -p storage --test golden` then appends its line.
//! Lines already in the file are never rewritten.

use storage::model::*;
use storage::{Date, Hlc, Id};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/changes.hex");

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

fn change(n: u64, body: Body) -> Change {
    Change {
        id: Id(0x0190_0000_0000_7000_8000_0000_0000_0000 + n as u128),
        hlc: Hlc(1_790_000_000_000 << 16 | n),
        origin: Origin {
            facility: "H42092100201".into(),
            device: "ws-golden".into(),
            staff: "doctor".into(),
        },
        body,
    }
}

fn record(n: u64, body: RecordBody) -> Change {
    change(
        n,
        Body::Record(ClinicalRecord {
            resident: Id(7),
            at: 1_790_000_000_000 + n as i64,
            facility: "H42092100201".into(),
            clinician: "黄永林".into(),
            body,
        }),
    )
}

fn dose() -> Immunisation {
    Immunisation {
        vaccine: "HepB".into(),
        vaccine_name: "乙肝疫苗".into(),
        dose_number: 2,
        lot: "202612A".into(),
        site: "左上臂".into(),
        route: Route::Intramuscular,
    }
}

/// One change of each record kind and of the common other bodies, in the order they were
/// added to the format. Append only.
fn samples() -> Vec<Change> {
    let encounter = Encounter {
        visit_type: VisitType::ChronicFollowUp,
        chief_complaint: "头晕".into(),
        vitals: Vitals {
            systolic: Some(150),
            diastolic: Some(92),
            pulse: Some(78),
            temperature_x10: Some(366),
            weight_x10: Some(652),
            height_x10: Some(1_680),
            glucose_x10: Some(61),
            spo2: Some(98),
        },
        diagnoses: vec![Diagnosis {
            code: "I10".into(),
            name: "原发性高血压".into(),
        }],
        notes: "低盐饮食".into(),
        follow_up: Some(day("2026-12-21")),
        discharged: None,
    };
    vec![
        record(1, RecordBody::Encounter(encounter.clone())),
        record(
            2,
            RecordBody::Prescription(Prescription {
                encounter: Some(Id(1)),
                lines: vec![PrescriptionLine {
                    drug_code: "XC08CAN043".into(),
                    drug_name: "硝苯地平缓释片".into(),
                    spec: "20mg×30片".into(),
                    dose: "20 mg".into(),
                    route: Route::Oral,
                    frequency: Frequency::Bid,
                    days: 30,
                    quantity: 60,
                    unit: "片".into(),
                    unit_price_fen: 45,
                }],
            }),
        ),
        record(3, RecordBody::Immunisation(dose())),
        record(
            4,
            RecordBody::MaternalChild(MaternalChild::Antenatal(AntenatalCheck {
                visit_number: 2,
                gestational_weeks: 18,
                weight_x10: Some(580),
                systolic: Some(112),
                diastolic: Some(70),
                fundal_height_cm: Some(16),
                fetal_heart_rate: Some(146),
                notes: String::new(),
            })),
        ),
        record(
            5,
            RecordBody::ChronicFollowUp(ChronicFollowUp {
                condition: ChronicCondition::Type2Diabetes,
                method: FollowUpMethod::Home,
                systolic: Some(132),
                diastolic: Some(80),
                fasting_glucose_x10: Some(74),
                hba1c_x10: Some(72),
                weight_x10: Some(700),
                adherence: Adherence::Intermittent,
                control: ControlStatus::Unsatisfactory,
                medications: vec!["盐酸二甲双胍片".into()],
                next_visit: Some(day("2026-12-21")),
                notes: "2周内复诊".into(),
            }),
        ),
        record(
            6,
            RecordBody::Observation(Observation {
                kind: ObservationKind::BloodPressure,
                value: 148,
                second: Some(90),
                device: "欧姆龙 HEM-7136".into(),
            }),
        ),
        record(
            7,
            RecordBody::Allergy(Allergy {
                substance: "青霉素".into(),
                reaction: "皮疹".into(),
            }),
        ),
        record(
            8,
            RecordBody::Amendment(Amendment {
                target: Id(1),
                reason: "血压录入错误".into(),
                replacement: Box::new(RecordBody::Encounter(encounter)),
            }),
        ),
        change(
            9,
            Body::Household(HouseholdLink {
                from: Id(7),
                to: Id(8),
                relation: Relation::ParentOf,
                active: true,
            }),
        ),
        change(
            10,
            Body::Audit(AuditEntry::new(
                AuditAction::ViewHistory,
                Some(Id(7)),
                "接诊",
            )),
        ),
        // Added by issue 14.
        record(
            11,
            RecordBody::Observation(Observation {
                kind: ObservationKind::GlucoseRandom,
                value: 182,
                second: None,
                device: String::new(),
            }),
        ),
        record(
            12,
            RecordBody::Observation(Observation {
                kind: ObservationKind::HbA1c,
                value: 78,
                second: None,
                device: String::new(),
            }),
        ),
        record(
            13,
            RecordBody::Contact(Contact {
                list: WorklistKind::FollowUp,
                method: FollowUpMethod::Phone,
                outcome: ContactOutcome::NotReached,
                notes: "无人接听".into(),
            }),
        ),
        record(
            14,
            RecordBody::PastDose(PastDose {
                dose: dose(),
                given_on: day("2025-02-01"),
                given_at: "孝感市妇幼保健院".into(),
                source: "接种证".into(),
            }),
        ),
        change(
            15,
            Body::Audit(AuditEntry::new(
                AuditAction::ViewWorklist,
                None,
                "followup 420921100201",
            )),
        ),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(line: &str) -> Vec<u8> {
    (0..line.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&line[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn bytes_written_earlier_decode_to_the_same_values() {
    let samples = samples();
    let text = std::fs::read_to_string(GOLDEN).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() <= samples.len(), "a sample was removed");
    for (i, line) in lines.iter().enumerate() {
        let decoded = Change::decode(&unhex(line.trim()))
            .unwrap_or_else(|e| panic!("line {} no longer decodes: {e}", i + 1));
        assert_eq!(
            decoded,
            samples[i],
            "line {} decodes to something else",
            i + 1
        );
        assert_eq!(
            hex(&samples[i].encode().unwrap()),
            line.trim(),
            "line {}: the same value now encodes differently",
            i + 1
        );
    }
    if lines.len() < samples.len() {
        assert!(
            std::env::var_os("UPDATE_GOLDEN").is_some(),
            "{} new samples have no golden bytes: run with UPDATE_GOLDEN=1 and commit the file",
            samples.len() - lines.len()
        );
        let mut out = text.clone();
        for s in &samples[lines.len()..] {
            out += &hex(&s.encode().unwrap());
            out += "\n";
        }
        std::fs::write(GOLDEN, out).unwrap();
    }
}

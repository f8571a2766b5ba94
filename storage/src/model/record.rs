//! Clinical records. Append-only: a correction is an [`Amendment`], the original stays.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::ids::Id;

use super::queue::VisitType;

/// What kind of information a record holds; consent is granted per category.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RecordCategory {
    Encounter,
    Prescription,
    Immunisation,
    MaternalChild,
    ChronicFollowUp,
    Observation,
    Allergy,
}

impl RecordCategory {
    pub const ALL: [RecordCategory; 7] = [
        RecordCategory::Encounter,
        RecordCategory::Prescription,
        RecordCategory::Immunisation,
        RecordCategory::MaternalChild,
        RecordCategory::ChronicFollowUp,
        RecordCategory::Observation,
        RecordCategory::Allergy,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    /// Safety data — allergies (and adverse reactions) and the vaccine doses given — follows
    /// the resident to every treating facility of the region, whatever the consent: a doctor
    /// who cannot see a penicillin allergy prescribes amoxicillin, one who cannot see a dose
    /// gives it twice. Every other category stays under the resident's consent.
    pub fn is_safety(self) -> bool {
        matches!(self, RecordCategory::Allergy | RecordCategory::Immunisation)
    }

    pub fn from_code(code: u8) -> Option<RecordCategory> {
        RecordCategory::ALL.get(code as usize).copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordCategory::Encounter => "encounter",
            RecordCategory::Prescription => "prescription",
            RecordCategory::Immunisation => "immunisation",
            RecordCategory::MaternalChild => "maternal_child",
            RecordCategory::ChronicFollowUp => "chronic_follow_up",
            RecordCategory::Observation => "observation",
            RecordCategory::Allergy => "allergy",
        }
    }
}

/// One clinical fact about a resident, made at a facility by a clinician.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClinicalRecord {
    pub resident: Id,
    /// When it happened (milliseconds since the Unix epoch); orders the history.
    pub at: i64,
    /// Facility code where it was recorded.
    pub facility: String,
    /// Display name of the clinician responsible.
    pub clinician: String,
    pub body: RecordBody,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RecordBody {
    Encounter(Encounter),
    Prescription(Prescription),
    Immunisation(Immunisation),
    MaternalChild(MaternalChild),
    ChronicFollowUp(ChronicFollowUp),
    Observation(Observation),
    Allergy(Allergy),
    Amendment(Amendment),
    /// A call or home visit for a worklist (appended: older variants keep their positions).
    Contact(Contact),
    /// A dose given earlier elsewhere, copied from the vaccination certificate (接种证).
    PastDose(PastDose),
}

impl RecordBody {
    /// The category; an amendment belongs to the category of what replaces the original.
    pub fn category(&self) -> RecordCategory {
        match self {
            RecordBody::Encounter(_) => RecordCategory::Encounter,
            RecordBody::Prescription(_) => RecordCategory::Prescription,
            RecordBody::Immunisation(_) => RecordCategory::Immunisation,
            RecordBody::MaternalChild(_) => RecordCategory::MaternalChild,
            RecordBody::ChronicFollowUp(_) => RecordCategory::ChronicFollowUp,
            RecordBody::Observation(_) => RecordCategory::Observation,
            RecordBody::Allergy(_) => RecordCategory::Allergy,
            RecordBody::Amendment(a) => a.replacement.category(),
            RecordBody::Contact(c) => c.list.category(),
            RecordBody::PastDose(_) => RecordCategory::Immunisation,
        }
    }

    /// A vaccine dose and the day it was given: a dose given at this record's visit (`day`),
    /// or one copied from a certificate, on the day written there.
    pub fn dose_given(&self, day: Date) -> Option<(&Immunisation, Date)> {
        match self {
            RecordBody::Immunisation(i) => Some((i, day)),
            RecordBody::PastDose(p) => Some((&p.dose, p.given_on)),
            _ => None,
        }
    }
}

/// Vital signs. Integers in the units named, tenths where a decimal is usual.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vitals {
    /// mmHg
    pub systolic: Option<u16>,
    /// mmHg
    pub diastolic: Option<u16>,
    /// beats per minute
    pub pulse: Option<u16>,
    /// °C × 10 (365 = 36.5 °C)
    pub temperature_x10: Option<u16>,
    /// kg × 10
    pub weight_x10: Option<u16>,
    /// cm × 10
    pub height_x10: Option<u16>,
    /// Fasting glucose, mmol/L × 10. A random or 2-hour glucose is an [`Observation`] of its
    /// own kind, so no reading is taken for fasting that was not.
    pub glucose_x10: Option<u16>,
    /// %
    pub spo2: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// ICD-10 code, e.g. `I10`, `J06.9`.
    pub code: String,
    pub name: String,
}

/// A visit: outpatient consultation, follow-up, or a hospital stay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Encounter {
    pub visit_type: VisitType,
    pub chief_complaint: String,
    pub vitals: Vitals,
    pub diagnoses: Vec<Diagnosis>,
    pub notes: String,
    pub follow_up: Option<Date>,
    /// For hospital stays: the discharge date.
    pub discharged: Option<Date>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Route {
    Oral,
    Intramuscular,
    Intravenous,
    Subcutaneous,
    Intradermal,
    Topical,
    Inhaled,
    Other,
}

/// Dosing frequency, with the abbreviations used on Chinese prescriptions.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frequency {
    /// qd, 每日1次
    Qd,
    /// bid, 每日2次
    Bid,
    /// tid, 每日3次
    Tid,
    /// qid, 每日4次
    Qid,
    /// q12h, 每12小时1次
    Q12h,
    /// qn, 每晚1次
    Qn,
    /// prn, 必要时
    Prn,
    /// st, 立即, once
    Once,
}

impl Frequency {
    pub const ALL: [Frequency; 8] = [
        Frequency::Qd,
        Frequency::Bid,
        Frequency::Tid,
        Frequency::Qid,
        Frequency::Q12h,
        Frequency::Qn,
        Frequency::Prn,
        Frequency::Once,
    ];

    /// The abbreviation on a prescription: `qd`, `bid`…
    pub fn code(self) -> &'static str {
        match self {
            Frequency::Qd => "qd",
            Frequency::Bid => "bid",
            Frequency::Tid => "tid",
            Frequency::Qid => "qid",
            Frequency::Q12h => "q12h",
            Frequency::Qn => "qn",
            Frequency::Prn => "prn",
            Frequency::Once => "once",
        }
    }

    pub fn from_code(code: &str) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn per_day(self) -> u32 {
        match self {
            Frequency::Qd | Frequency::Qn | Frequency::Once | Frequency::Prn => 1,
            Frequency::Bid | Frequency::Q12h => 2,
            Frequency::Tid => 3,
            Frequency::Qid => 4,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionLine {
    pub drug_code: String,
    pub drug_name: String,
    /// Pack specification (规格), e.g. `0.5g×20片`.
    pub spec: String,
    /// Single dose, e.g. `0.5 g`.
    pub dose: String,
    pub route: Route,
    pub frequency: Frequency,
    pub days: u16,
    pub quantity: u32,
    pub unit: String,
    /// Price per unit in fen (分).
    pub unit_price_fen: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescription {
    pub encounter: Option<Id>,
    pub lines: Vec<PrescriptionLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Immunisation {
    /// Abbreviation from the national schedule: `HepB`, `BCG`, `DTaP`…
    pub vaccine: String,
    pub vaccine_name: String,
    pub dose_number: u8,
    pub lot: String,
    pub site: String,
    pub route: Route,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AntenatalCheck {
    /// 1–5 per the basic public health service schedule.
    pub visit_number: u8,
    pub gestational_weeks: u8,
    pub weight_x10: Option<u16>,
    pub systolic: Option<u16>,
    pub diastolic: Option<u16>,
    pub fundal_height_cm: Option<u8>,
    pub fetal_heart_rate: Option<u16>,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildCheck {
    pub age_months: u16,
    pub weight_x10: Option<u16>,
    pub height_x10: Option<u16>,
    pub head_x10: Option<u16>,
    pub development: String,
    pub notes: String,
}

/// Maternal and child health visits (孕产妇 / 0–6岁儿童健康管理).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MaternalChild {
    Antenatal(AntenatalCheck),
    Postpartum {
        days_after_birth: u16,
        notes: String,
    },
    Child(ChildCheck),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChronicCondition {
    Hypertension,
    Type2Diabetes,
}

/// 此次随访分类 on the national follow-up forms.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlStatus {
    Satisfactory,
    Unsatisfactory,
    AdverseReaction,
    Complication,
}

impl ControlStatus {
    /// The name on the national follow-up form (此次随访分类), as records keep it.
    pub fn name_zh(self) -> &'static str {
        match self {
            ControlStatus::Satisfactory => "控制满意",
            ControlStatus::Unsatisfactory => "控制不满意",
            ControlStatus::AdverseReaction => "不良反应",
            ControlStatus::Complication => "并发症",
        }
    }
}

/// 服药依从性
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Adherence {
    Regular,
    Intermittent,
    NotTaking,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUpMethod {
    Clinic,
    Home,
    Phone,
}

/// A hypertension or type 2 diabetes follow-up (随访).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChronicFollowUp {
    pub condition: ChronicCondition,
    pub method: FollowUpMethod,
    pub systolic: Option<u16>,
    pub diastolic: Option<u16>,
    /// mmol/L × 10
    pub fasting_glucose_x10: Option<u16>,
    /// % × 10
    pub hba1c_x10: Option<u16>,
    pub weight_x10: Option<u16>,
    pub adherence: Adherence,
    pub control: ControlStatus,
    pub medications: Vec<String>,
    pub next_visit: Option<Date>,
    pub notes: String,
}

impl ChronicFollowUp {
    /// The vital signs the follow-up measured, as an encounter would hold them (a fasting
    /// glucose is the vitals' glucose).
    pub fn vitals(&self) -> Vitals {
        Vitals {
            systolic: self.systolic,
            diastolic: self.diastolic,
            glucose_x10: self.fasting_glucose_x10,
            weight_x10: self.weight_x10,
            ..Default::default()
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ObservationKind {
    /// value = systolic, second = diastolic, mmHg
    BloodPressure,
    /// Fasting glucose, mmol/L × 10
    Glucose,
    /// kg × 10
    Weight,
    /// cm × 10
    Height,
    /// °C × 10
    Temperature,
    /// beats per minute
    Pulse,
    /// %
    SpO2,
    // Appended: older variants keep their positions in the binary format.
    /// Random (non-fasting) glucose, mmol/L × 10
    GlucoseRandom,
    /// Glucose 2 hours after a meal or a glucose load, mmol/L × 10
    GlucoseTwoHour,
    /// Glycated haemoglobin, % × 10
    HbA1c,
}

/// A measurement, typed in or read from a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub kind: ObservationKind,
    pub value: i32,
    pub second: Option<i32>,
    /// The device that read it, empty when typed.
    pub device: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allergy {
    pub substance: String,
    pub reaction: String,
}

/// The public-health worklists: who is due for which visit.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WorklistKind {
    /// Hypertension and type 2 diabetes follow-ups (随访).
    FollowUp,
    /// Doses of the national immunisation schedule (预防接种).
    Immunisation,
    /// Antenatal visits and the postpartum visits (孕产妇健康管理).
    Antenatal,
    /// Health checks of children under 7 (0～6岁儿童健康管理).
    Child,
}

impl WorklistKind {
    pub const ALL: [WorklistKind; 4] = [
        WorklistKind::FollowUp,
        WorklistKind::Immunisation,
        WorklistKind::Antenatal,
        WorklistKind::Child,
    ];

    /// The name on the command line and in JSON: `followup`, `immunisation`…
    pub fn code(self) -> &'static str {
        match self {
            WorklistKind::FollowUp => "followup",
            WorklistKind::Immunisation => "immunisation",
            WorklistKind::Antenatal => "antenatal",
            WorklistKind::Child => "child",
        }
    }

    pub fn from_code(code: &str) -> Option<WorklistKind> {
        WorklistKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The list's name, in Chinese and English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            WorklistKind::FollowUp => ("慢病随访", "Chronic disease follow-up"),
            WorklistKind::Immunisation => ("预防接种", "Immunisation"),
            WorklistKind::Antenatal => ("孕产妇随访", "Antenatal and postpartum"),
            WorklistKind::Child => ("儿童健康检查", "Child health checks"),
        }
    }

    /// A contact shares the consent category of the care it is about.
    pub fn category(self) -> RecordCategory {
        match self {
            WorklistKind::FollowUp => RecordCategory::ChronicFollowUp,
            WorklistKind::Immunisation => RecordCategory::Immunisation,
            WorklistKind::Antenatal | WorklistKind::Child => RecordCategory::MaternalChild,
        }
    }
}

/// What came of a call or a home visit.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContactOutcome {
    /// Spoken to; they said they would come.
    Reached,
    /// No answer, nobody at home: they stay on the list.
    NotReached,
    /// Lives elsewhere now: off this facility's lists.
    MovedAway,
    /// Off every list.
    Died,
}

impl ContactOutcome {
    pub const ALL: [ContactOutcome; 4] = [
        ContactOutcome::Reached,
        ContactOutcome::NotReached,
        ContactOutcome::MovedAway,
        ContactOutcome::Died,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ContactOutcome::Reached => "reached",
            ContactOutcome::NotReached => "not_reached",
            ContactOutcome::MovedAway => "moved_away",
            ContactOutcome::Died => "died",
        }
    }

    /// The outcome's name, in Chinese and English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            ContactOutcome::Reached => ("已联系", "reached"),
            ContactOutcome::NotReached => ("未联系上", "not reached"),
            ContactOutcome::MovedAway => ("已迁出", "moved away"),
            ContactOutcome::Died => ("已死亡", "died"),
        }
    }

    pub fn from_code(code: &str) -> Option<ContactOutcome> {
        let code = code.replace('-', "_");
        ContactOutcome::ALL.into_iter().find(|o| o.code() == code)
    }
}

/// A call or a home visit made from a worklist, and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub list: WorklistKind,
    pub method: FollowUpMethod,
    pub outcome: ContactOutcome,
    pub notes: String,
}

/// A dose given before, entered from a paper record: what the certificate says, marked as
/// such wherever it shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastDose {
    pub dose: Immunisation,
    pub given_on: Date,
    /// Where it was given, as written on the certificate.
    pub given_at: String,
    /// What it was copied from: `接种证`, a transfer letter.
    pub source: String,
}

/// Corrects an earlier record of the same resident. The original stays in the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Amendment {
    pub target: Id,
    pub reason: String,
    #[serde(deserialize_with = "crate::serde_util::bounded_box")]
    pub replacement: Box<RecordBody>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hostile change nesting amendments deeply is refused when decoded, not a stack
    /// overflow of the hub that decodes it.
    #[test]
    fn deeply_nested_amendments_are_refused() {
        let mut body = RecordBody::Allergy(Allergy {
            substance: "x".into(),
            reaction: String::new(),
        });
        for depth in 0..100_000 {
            body = RecordBody::Amendment(Amendment {
                target: Id(depth),
                reason: String::new(),
                replacement: Box::new(body),
            });
        }
        // Encoding recursion is ours (a test), decoding is the hub's: it must stop early.
        let bytes = std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(move || {
                let bytes = postcard::to_stdvec(&body).unwrap();
                std::mem::forget(body);
                bytes
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(postcard::from_bytes::<RecordBody>(&bytes).is_err());
        let shallow = RecordBody::Amendment(Amendment {
            target: Id(1),
            reason: "typo".into(),
            replacement: Box::new(RecordBody::Allergy(Allergy {
                substance: "青霉素".into(),
                reaction: String::new(),
            })),
        });
        let bytes = postcard::to_stdvec(&shallow).unwrap();
        assert_eq!(postcard::from_bytes::<RecordBody>(&bytes).unwrap(), shallow);
    }

    #[test]
    fn category_codes_round_trip() {
        for c in RecordCategory::ALL {
            assert_eq!(RecordCategory::from_code(c.code()), Some(c));
        }
        assert_eq!(RecordCategory::from_code(200), None);
    }
}

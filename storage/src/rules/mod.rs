//! The doctor's second pair of eyes: pure checks of one visit against rules in data files.
//!
//! [`check`] takes a [`Scenario`] — the resident, their allergies, diagnoses, doses given,
//! today's readings and the prescription being written — and returns the warnings, the
//! quantities to dispense and the vaccine doses due. The encounter form, the history and the
//! worklists call it; so does `clinic rules check SCENARIO.json`. No window, no store.

mod book;
mod prescribing;
pub mod units;
mod vitals;

use serde::{Deserialize, Serialize};

pub use book::{Files, RuleBook};
pub use vitals::{Condition, control_status, urgent_flags};

use crate::catalogue::Catalogue;
use crate::date::Date;
use crate::schedule;

/// How much a warning stops the doctor.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Saved only when the doctor confirms with a reason (audited).
    Block,
    High,
    Warning,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Allergy,
    Interaction,
    Duplicate,
    Dose,
    Pregnancy,
    Child,
    UrgentReferral,
    Supply,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: Kind,
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
    /// The prescription lines concerned (0-based), none for readings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<usize>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    F,
    M,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub sex: Sex,
    pub birth: Date,
    #[serde(default)]
    pub pregnant: bool,
    #[serde(default)]
    pub weight_kg: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GivenDose {
    pub vaccine: String,
    pub dose: u8,
    pub date: Date,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlucoseKind {
    #[default]
    Fasting,
    Random,
    #[serde(rename = "2h")]
    TwoHour,
}

/// Readings of the visit; any may be missing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Readings {
    #[serde(default)]
    pub sbp: Option<f64>,
    #[serde(default)]
    pub dbp: Option<f64>,
    #[serde(default)]
    pub heart_rate: Option<f64>,
    /// °C
    #[serde(default)]
    pub temperature: Option<f64>,
    /// mmol/L
    #[serde(default)]
    pub glucose: Option<f64>,
    #[serde(default)]
    pub glucose_kind: Option<GlucoseKind>,
    /// %
    #[serde(default)]
    pub hba1c: Option<f64>,
}

impl Readings {
    /// The readings of recorded vitals (whose glucose is fasting).
    pub fn of_vitals(v: &crate::model::Vitals) -> Readings {
        let tenths = |x: Option<u16>| x.map(|x| x as f64 / 10.0);
        Readings {
            sbp: v.systolic.map(f64::from),
            dbp: v.diastolic.map(f64::from),
            heart_rate: v.pulse.map(f64::from),
            temperature: tenths(v.temperature_x10),
            glucose: tenths(v.glucose_x10),
            glucose_kind: v.glucose_x10.map(|_| GlucoseKind::Fasting),
            hba1c: None,
        }
    }
}

/// One line of the prescription being written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The catalogue's name (or code) of the drug.
    pub drug: String,
    pub dose: f64,
    pub unit: String,
    pub per_day: u32,
    pub days: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub today: Date,
    pub resident: Person,
    #[serde(default)]
    pub allergies: Vec<String>,
    /// ICD-10 codes.
    #[serde(default)]
    pub diagnoses: Vec<String>,
    #[serde(default)]
    pub immunisations: Vec<GivenDose>,
    #[serde(default)]
    pub vitals: Option<Readings>,
    #[serde(default)]
    pub prescription: Vec<Order>,
}

/// What to dispense for a line: `None` with the reason when it cannot be worked out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    pub drug: String,
    pub quantity: Option<u32>,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DueDose {
    pub vaccine: String,
    pub dose: u8,
    pub earliest: Date,
    pub due: Date,
    pub overdue: bool,
}

/// The follow-up classification worked out from the readings, for a managed condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Control {
    pub condition: Condition,
    pub satisfactory: bool,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub warnings: Vec<Warning>,
    pub quantities: Vec<Quantity>,
    pub immunisations_due: Vec<DueDose>,
    #[serde(default)]
    pub control: Vec<Control>,
}

impl Outcome {
    /// Warnings that stop the save until the doctor confirms with a reason.
    pub fn blocking(&self) -> impl Iterator<Item = &Warning> {
        self.warnings
            .iter()
            .filter(|w| w.severity == Severity::Block)
    }
}

/// Every check of a scenario. Warnings come most severe first.
pub fn check(s: &Scenario, book: &RuleBook, catalogue: &Catalogue) -> Outcome {
    let age = s.resident.birth.age_on(s.today);
    let pregnant = s.resident.pregnant && s.resident.sex == Sex::F;
    let (mut warnings, quantities) = prescribing::check(s, age, pregnant, book, catalogue);
    let readings = s.vitals.clone().unwrap_or_default();
    warnings.extend(vitals::urgent_flags(&readings, age, pregnant));
    warnings.sort_by_key(|w| w.severity);
    Outcome {
        warnings,
        quantities,
        immunisations_due: immunisations_due(s),
        control: vitals::control(&readings, &s.diagnoses, age),
    }
}

/// The doses that may and should be given today.
fn immunisations_due(s: &Scenario) -> Vec<DueDose> {
    let given: Vec<(String, u8, Date)> = s
        .immunisations
        .iter()
        .map(|g| (g.vaccine.clone(), g.dose, g.date))
        .collect();
    schedule::dose_states(s.resident.birth, s.today, &given)
        .into_iter()
        .filter(|d| d.is_due())
        .map(|d| DueDose {
            vaccine: d.dose.vaccine.into(),
            dose: d.dose.dose,
            earliest: d.earliest,
            due: d.due,
            overdue: d.state == schedule::DoseState::Overdue,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_rule_files_parse() {
        let book = RuleBook::national();
        assert!(book.classes_of("阿莫西林").iter().any(|c| c == "青霉素类"));
        assert!(book.allergy.len() >= 10 && book.pairs.len() >= 20 && book.cautions.len() >= 20);
    }

    #[test]
    fn bad_rule_lines_are_named() {
        let files = |cautions: &'static str| Files {
            drug_classes: "ingredient\tclass\n阿莫西林\t青霉素类\n",
            allergy: "term\ttarget\tseverity\tmessage_zh\tmessage_en\n",
            combinations: "kind\ta\tb\tseverity\tmessage_zh\tmessage_en\n",
            cautions,
        };
        let header = "target\tkind\tlimit\tseverity\tmessage_zh\tmessage_en\n";
        let err = RuleBook::parse(&files(Box::leak(
            format!("{header}阿莫西林\tmax_daily\tfour\thigh\tx\ty\n").into_boxed_str(),
        )))
        .unwrap_err();
        assert_eq!(
            err,
            "cautions.tsv line 2: limit `four` is not an amount like `4 g`"
        );
        let err = RuleBook::parse(&files(Box::leak(
            format!("{header}阿莫西林\tpregnancy\t\tsevere\tx\ty\n").into_boxed_str(),
        )))
        .unwrap_err();
        assert!(err.contains("severity `severe`"), "{err}");
        assert!(
            RuleBook::parse(&files("nonsense"))
                .unwrap_err()
                .contains("header")
        );
    }
}

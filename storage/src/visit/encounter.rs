//! The encounter form: complaint, vitals, ICD-10 diagnoses, prescription lines from the
//! catalogue, the public-health records of the visit, notes, follow-up; or the correction of
//! an earlier encounter, with its reason. The rules of `crate::rules` run on what is typed
//! (`EncounterForm::scenario`); a blocking warning (an allergy match) saves only with the
//! doctor's reason, audited.

use super::{FormError, FormField, PublicHealth, day, number, tenths, whole};
use crate::catalogue::{Catalogue, CatalogueItem};
use crate::model::*;
use crate::rules::{self, Outcome};
use crate::{Date, Id};

/// One prescription line as edited: a catalogue drug, its dose, how often, how long.
#[derive(Clone, Debug, PartialEq)]
pub struct RxLine {
    /// The catalogue code.
    pub code: String,
    pub dose: String,
    pub dose_unit: String,
    pub frequency: Frequency,
    /// Doses a day (for prn: the most a day).
    pub per_day: u32,
    pub days: u16,
}

impl RxLine {
    /// A line with the catalogue's usual dose; 28 days for a chronic condition's medicine
    /// (长期处方 is counted in weeks), 3 otherwise.
    pub fn usual(item: &CatalogueItem) -> Option<RxLine> {
        let p = item.prescribing.as_ref()?;
        Some(RxLine {
            code: item.code.clone(),
            dose: format_amount(p.dose),
            dose_unit: p.dose_unit.clone(),
            frequency: p.frequency,
            per_day: p.frequency.per_day(),
            days: if item.long_term() { 28 } else { 3 },
        })
    }

    /// The line for the rules, naming the drug by its code: a name repeats with other
    /// strengths (0.9%氯化钠注射液 100, 250, 500 ml).
    fn order(&self) -> rules::Order {
        rules::Order {
            drug: self.code.clone(),
            dose: self.dose.trim().parse().unwrap_or(0.0),
            unit: self.dose_unit.clone(),
            per_day: self.per_day,
            days: self.days as u32,
        }
    }
}

/// `0.5`, `10`, `12.5`: a dose without trailing zeros.
fn format_amount(v: f64) -> String {
    let t = format!("{v:.3}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// What the checks need to know of the resident beyond the form.
#[derive(Clone, Debug, PartialEq)]
pub struct Patient {
    pub person: rules::Person,
    /// Allergies recorded anywhere (safety data reaches every facility).
    pub allergies: Vec<String>,
    /// ICD-10 codes of known problems.
    pub diagnoses: Vec<String>,
    pub immunisations: Vec<rules::GivenDose>,
}

/// The longest complaint the form takes (the hub takes 2 000 characters; a complaint is a line).
pub const MAX_COMPLAINT_CHARS: usize = 500;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EncounterForm {
    /// What the resident checked in for (a programme vaccination visit is free of charge).
    pub visit_type: VisitType,
    pub complaint: String,
    pub systolic: String,
    pub diastolic: String,
    pub pulse: String,
    pub temperature: String,
    pub glucose: String,
    /// Fasting unless the doctor says otherwise: only a fasting glucose goes into the vitals.
    pub glucose_kind: rules::GlucoseKind,
    /// Glycated haemoglobin, %.
    pub hba1c: String,
    pub weight: String,
    pub diagnoses: Vec<Diagnosis>,
    pub dx_query: String,
    pub rx: Vec<RxLine>,
    pub drug_query: String,
    pub notes: String,
    pub follow_up: String,
    /// Correcting this earlier encounter instead of recording a new one.
    pub amend_target: Option<Id>,
    pub amend_reason: String,
    /// A vaccine dose, chronic follow-ups, an allergy: saved with a new encounter.
    pub public_health: PublicHealth,
    /// Why the doctor prescribes despite a blocking warning (an allergy match).
    pub override_reason: String,
    /// Why the last save was refused.
    pub error: Option<FormError>,
}

impl EncounterForm {
    /// A form filled from an earlier encounter, to correct it.
    pub fn amending(target: Id, e: &Encounter) -> EncounterForm {
        let opt = |v: Option<u16>| v.map(|v| v.to_string()).unwrap_or_default();
        let tenths = |v: Option<u16>| {
            v.map(|v| format!("{}.{}", v / 10, v % 10))
                .unwrap_or_default()
        };
        EncounterForm {
            visit_type: e.visit_type,
            complaint: e.chief_complaint.clone(),
            systolic: opt(e.vitals.systolic),
            diastolic: opt(e.vitals.diastolic),
            pulse: opt(e.vitals.pulse),
            temperature: tenths(e.vitals.temperature_x10),
            glucose: tenths(e.vitals.glucose_x10),
            weight: tenths(e.vitals.weight_x10),
            diagnoses: e.diagnoses.clone(),
            notes: e.notes.clone(),
            follow_up: e.follow_up.map(|d| d.to_string()).unwrap_or_default(),
            amend_target: Some(target),
            ..Default::default()
        }
    }

    fn encounter(&self) -> Result<Encounter, FormError> {
        let vitals = Vitals {
            systolic: whole(&self.systolic, FormField::Systolic, 50, 300)?,
            diastolic: whole(&self.diastolic, FormField::Diastolic, 20, 200)?,
            pulse: whole(&self.pulse, FormField::Pulse, 20, 250)?,
            temperature_x10: tenths(&self.temperature, FormField::Temperature, 30.0, 45.0)?,
            glucose_x10: match self.glucose_kind {
                rules::GlucoseKind::Fasting => {
                    tenths(&self.glucose, FormField::Glucose, 0.5, 40.0)?
                }
                _ => None,
            },
            weight_x10: tenths(&self.weight, FormField::Weight, 0.5, 300.0)?,
            ..Default::default()
        };
        if vitals.systolic.is_some() != vitals.diastolic.is_some() {
            return Err(FormError::HalfBloodPressure);
        }
        if self.complaint.trim().is_empty() && self.diagnoses.is_empty() {
            return Err(FormError::NothingRecorded);
        }
        let follow_up = day(&self.follow_up, FormField::FollowUpDate)?;
        Ok(Encounter {
            visit_type: self.visit_type,
            chief_complaint: self.complaint.trim().into(),
            vitals,
            diagnoses: self.diagnoses.clone(),
            notes: self.notes.trim().into(),
            follow_up,
            discharged: None,
        })
    }

    /// The readings as typed so far (a field that does not parse yet counts as empty).
    pub fn typed_readings(&self) -> rules::Readings {
        let read = |t: &str| t.trim().parse::<f64>().ok();
        let glucose = read(&self.glucose);
        rules::Readings {
            sbp: read(&self.systolic),
            dbp: read(&self.diastolic),
            heart_rate: read(&self.pulse),
            temperature: read(&self.temperature),
            glucose,
            glucose_kind: glucose.map(|_| self.glucose_kind),
            hba1c: read(&self.hba1c),
        }
    }

    /// A random or 2-hour glucose and an HbA1c are observations of their own kind (a fasting
    /// glucose is in the encounter's vitals).
    fn other_readings(&self) -> Result<Vec<RecordBody>, FormError> {
        let tenth = |v: f32| (v * 10.0).round() as i32;
        let mut out = Vec::new();
        let kind = match self.glucose_kind {
            rules::GlucoseKind::Fasting => None,
            rules::GlucoseKind::Random => Some(ObservationKind::GlucoseRandom),
            rules::GlucoseKind::TwoHour => Some(ObservationKind::GlucoseTwoHour),
        };
        if let (Some(kind), Some(g)) = (kind, number(&self.glucose, FormField::Glucose, 0.5, 40.0)?)
        {
            out.push((kind, tenth(g)));
        }
        if let Some(h) = number(&self.hba1c, FormField::HbA1c, 3.0, 20.0)? {
            out.push((ObservationKind::HbA1c, tenth(h)));
        }
        Ok(out
            .into_iter()
            .map(|(kind, value)| {
                RecordBody::Observation(Observation {
                    kind,
                    value,
                    second: None,
                    device: String::new(),
                })
            })
            .collect())
    }

    /// The scenario the rules check: the resident, and this visit as typed so far (a field
    /// that does not parse yet counts as empty).
    pub fn scenario(&self, patient: &Patient, today: Date) -> rules::Scenario {
        let read = |t: &str| t.trim().parse::<f64>().ok();
        let mut allergies = patient.allergies.clone();
        if !self.public_health.allergy.trim().is_empty() {
            allergies.push(self.public_health.allergy.trim().to_string());
        }
        let mut diagnoses = patient.diagnoses.clone();
        diagnoses.extend(self.diagnoses.iter().map(|d| d.code.clone()));
        let mut person = patient.person.clone();
        person.pregnant |= self.public_health.antenatal;
        if let Some(w) = read(&self.weight) {
            person.weight_kg = Some(w);
        }
        rules::Scenario {
            today,
            resident: person,
            allergies,
            diagnoses,
            immunisations: patient.immunisations.clone(),
            vitals: Some(self.typed_readings()),
            prescription: self.rx.iter().map(RxLine::order).collect(),
        }
    }

    /// The changes to commit: the encounter (or its correction), the prescription pointing at
    /// it, the public-health records, and an audit entry for each blocking warning the doctor
    /// overrode. `checks` is the rules' outcome for this form; `ids` makes the change ids.
    #[allow(clippy::too_many_arguments)]
    pub fn to_bodies(
        &self,
        catalogue: &Catalogue,
        checks: &Outcome,
        resident: Id,
        facility: &str,
        clinician: &str,
        at: i64,
        mut new_id: impl FnMut() -> Id,
    ) -> Result<Vec<(Id, Body)>, FormError> {
        let encounter = self.encounter()?;
        let lines = self.prescription_lines(catalogue, checks)?;
        let blocking: Vec<&rules::Warning> = checks.blocking().collect();
        if !blocking.is_empty() && self.override_reason.trim().chars().count() < 2 {
            return Err(FormError::OverrideNeedsReason {
                warning_zh: blocking[0].message_zh.clone(),
                warning_en: blocking[0].message_en.clone(),
            });
        }
        // Checked before anything is made: a follow-up without its measurements saves nothing.
        let public_health = match self.amend_target {
            Some(_) => Vec::new(),
            None => {
                let medications = lines.iter().map(|l| l.drug_name.clone()).collect();
                let mut records =
                    self.public_health
                        .records(&encounter, &self.typed_readings(), medications)?;
                records.extend(self.other_readings()?);
                records
            }
        };
        let record = |body| ClinicalRecord {
            resident,
            at,
            facility: facility.into(),
            clinician: clinician.into(),
            body,
        };
        let encounter_id = new_id();
        let mut out = Vec::new();
        match self.amend_target {
            Some(target) => {
                if self.amend_reason.trim().is_empty() {
                    return Err(FormError::CorrectionNeedsReason);
                }
                let body = RecordBody::Amendment(Amendment {
                    target,
                    reason: self.amend_reason.trim().into(),
                    replacement: Box::new(RecordBody::Encounter(encounter)),
                });
                out.push((encounter_id, Body::Record(record(body))));
            }
            None => out.push((
                encounter_id,
                Body::Record(record(RecordBody::Encounter(encounter))),
            )),
        }
        if !lines.is_empty() {
            let rx_id = new_id();
            let rx = Prescription {
                encounter: Some(encounter_id),
                lines,
            };
            out.push((rx_id, Body::Record(record(RecordBody::Prescription(rx)))));
            for w in &blocking {
                let reason = format!(
                    "{}；医生确认原因：{}",
                    w.message_zh,
                    self.override_reason.trim()
                );
                let entry = AuditEntry {
                    target: Some(rx_id),
                    ..AuditEntry::new(
                        AuditAction::OverrideWarning,
                        Some(resident),
                        reason.chars().take(900).collect::<String>(),
                    )
                };
                out.push((new_id(), Body::Audit(entry)));
            }
        }
        for body in public_health {
            out.push((new_id(), Body::Record(record(body))));
        }
        Ok(out)
    }

    /// The prescription as saved: each line from the catalogue, with the quantity the rules
    /// worked out from the dose and the strength.
    fn prescription_lines(
        &self,
        catalogue: &Catalogue,
        checks: &Outcome,
    ) -> Result<Vec<PrescriptionLine>, FormError> {
        self.rx
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let item = catalogue
                    .get(&l.code)
                    .filter(|i| i.prescribing.is_some())
                    .ok_or_else(|| FormError::NotADrug(l.code.clone()))?;
                let route = item
                    .prescribing
                    .as_ref()
                    .map(|p| p.route)
                    .unwrap_or(Route::Other);
                let quantity = checks
                    .quantities
                    .get(i)
                    .and_then(|q| q.quantity)
                    .ok_or_else(|| FormError::NoQuantity {
                        drug: item.name.clone(),
                        why: checks.quantities.get(i).and_then(|q| q.error.clone()),
                    })?;
                Ok(PrescriptionLine {
                    drug_code: item.code.clone(),
                    drug_name: item.name.clone(),
                    spec: item.spec.clone(),
                    dose: format!("{} {}", l.dose.trim(), l.dose_unit),
                    route,
                    frequency: l.frequency,
                    days: l.days,
                    quantity,
                    unit: item.unit.clone(),
                    unit_price_fen: item.price_fen,
                })
            })
            .collect()
    }
}

//! The public-health records made at a visit beside the encounter: vaccine doses from the
//! child's schedule (and doses copied from the vaccination certificate), hypertension and
//! diabetes follow-ups (随访), antenatal, postpartum and child health checks (妇幼保健), an
//! allergy found.

use super::{FormError, FormField, day, tenths, whole};
use crate::Date;
use crate::model::*;
use crate::rules;
use crate::schedule::ScheduledDose;

/// What the doctor adds at this visit, all saved with the encounter in one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicHealth {
    /// The doses given now, chosen from those due (several at one visit, as the schedule
    /// allows: live injectable vaccines on the same day or 28 days apart).
    pub doses: Vec<DoseNow>,
    /// Doses given before, copied from the vaccination certificate (接种证).
    pub past: Vec<PastEntry>,
    /// The past dose being typed, before it is added.
    pub past_draft: PastEntry,
    /// Conditions followed up at this visit.
    pub follow_ups: Vec<ChronicCondition>,
    pub method: FollowUpMethod,
    pub adherence: Adherence,
    /// The classification the doctor chose instead of the one the readings give (此次随访分类),
    /// per condition; the reason is required when it differs.
    pub control: Vec<(ChronicCondition, ControlStatus)>,
    pub control_reason: String,
    pub allergy: String,
    pub reaction: String,
    /// An antenatal check at this visit: its number (1–5) and the measurements beside the
    /// vitals.
    pub antenatal: bool,
    pub antenatal_visit: u8,
    pub gestational_weeks: String,
    pub fundal_height: String,
    pub fetal_heart: String,
    /// A postpartum visit (产后访视), this many days after the birth.
    pub postpartum: bool,
    pub days_after_birth: String,
    /// A child health check at this visit, the child being `age_months` old.
    pub child_check: bool,
    pub age_months: u16,
    /// The visitor's birth and today (set by the form), to check the days of past doses.
    pub born: Option<(Date, Date)>,
    pub height: String,
    pub head: String,
    pub development: String,
}

/// A dose given at this visit: 批号 and 接种部位.
#[derive(Clone, Debug, PartialEq)]
pub struct DoseNow {
    pub dose: ScheduledDose,
    pub lot: String,
    pub site: String,
}

/// A dose copied from a paper record, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PastEntry {
    pub dose: Option<ScheduledDose>,
    pub given_on: String,
    pub given_at: String,
    pub lot: String,
}

/// Who the visit is for, as far as the public-health section cares.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Visitor {
    pub age_months: i32,
    pub female: bool,
    pub birth: Date,
    pub today: Date,
}

impl Visitor {
    /// Children are checked up to six years (0–6岁儿童健康管理).
    pub fn child(self) -> bool {
        (0..84).contains(&self.age_months)
    }

    pub fn may_be_pregnant(self) -> bool {
        self.female && (15 * 12..50 * 12).contains(&self.age_months)
    }
}

impl Default for PublicHealth {
    fn default() -> Self {
        PublicHealth {
            doses: Vec::new(),
            past: Vec::new(),
            past_draft: PastEntry::default(),
            follow_ups: Vec::new(),
            method: FollowUpMethod::Clinic,
            adherence: Adherence::Regular,
            control: Vec::new(),
            control_reason: String::new(),
            allergy: String::new(),
            reaction: String::new(),
            antenatal: false,
            antenatal_visit: 1,
            gestational_weeks: String::new(),
            fundal_height: String::new(),
            fetal_heart: String::new(),
            postpartum: false,
            days_after_birth: String::new(),
            child_check: false,
            age_months: 0,
            born: None,
            height: String::new(),
            head: String::new(),
            development: String::new(),
        }
    }
}

/// The classification the readings give (`rules::control_status`): 控制满意 when on target, 控制不满意
/// when not; `None` without the readings to tell.
pub fn classified(
    condition: ChronicCondition,
    readings: &rules::Readings,
    age_years: i32,
) -> Option<ControlStatus> {
    let c = match condition {
        ChronicCondition::Hypertension => rules::Condition::Hypertension,
        ChronicCondition::Type2Diabetes => rules::Condition::Diabetes,
    };
    rules::control_status(c, readings, age_years).map(|ok| {
        if ok {
            ControlStatus::Satisfactory
        } else {
            ControlStatus::Unsatisfactory
        }
    })
}

impl PastEntry {
    /// The dose and the day it was given, or what to fix; `born` is (birth, today).
    pub fn checked(&self, born: Option<(Date, Date)>) -> Result<(ScheduledDose, Date), FormError> {
        let d = self.dose.ok_or(FormError::PastDoseUnchosen)?;
        let day = day(&self.given_on, FormField::PastDoseDay)?.ok_or(FormError::NotADate {
            field: FormField::PastDoseDay,
            text: String::new(),
        })?;
        if let Some((birth, today)) = born
            && (day < birth || day > today)
        {
            return Err(FormError::PastDoseOutside { day, birth });
        }
        Ok((d, day))
    }
}

impl PublicHealth {
    /// The doctor's classification of a condition, if they chose one.
    pub fn chosen(&self, condition: ChronicCondition) -> Option<ControlStatus> {
        self.control
            .iter()
            .find(|(c, _)| *c == condition)
            .map(|(_, s)| *s)
    }

    /// The records to save beside `encounter`, whose vitals and prescription the follow-up
    /// takes as the national follow-up forms do; `readings` classify each follow-up.
    pub fn records(
        &self,
        encounter: &Encounter,
        readings: &rules::Readings,
        medications: Vec<String>,
    ) -> Result<Vec<RecordBody>, FormError> {
        let mut out = Vec::new();
        let dose = |d: &ScheduledDose, lot: &str, site: &str| Immunisation {
            vaccine: d.vaccine.into(),
            vaccine_name: d.name.into(),
            dose_number: d.dose,
            lot: lot.trim().into(),
            site: site.trim().into(),
            route: crate::schedule::route(d.vaccine),
        };
        for d in &self.doses {
            if d.lot.trim().is_empty() {
                return Err(FormError::NoLot {
                    vaccine: d.dose.name.into(),
                    dose: d.dose.dose,
                });
            }
            out.push(RecordBody::Immunisation(dose(&d.dose, &d.lot, &d.site)));
        }
        for p in &self.past {
            let (d, given_on) = p.checked(self.born)?;
            out.push(RecordBody::PastDose(PastDose {
                dose: dose(&d, &p.lot, ""),
                given_on,
                given_at: p.given_at.trim().into(),
                source: "接种证".into(),
            }));
        }
        let v = &encounter.vitals;
        for &condition in &self.follow_ups {
            match condition {
                ChronicCondition::Hypertension if v.systolic.is_none() => {
                    return Err(FormError::FollowUpNeedsReading(condition));
                }
                ChronicCondition::Type2Diabetes
                    if v.glucose_x10.is_none() && readings.hba1c.is_none() =>
                {
                    return Err(FormError::FollowUpNeedsReading(condition));
                }
                _ => {}
            }
            let age = (self.age_months / 12) as i32;
            let by_readings = classified(condition, readings, age);
            let control = self
                .chosen(condition)
                .or(by_readings)
                .ok_or(FormError::ClassificationUnchosen)?;
            let mut notes = String::new();
            if let Some(read) = by_readings.filter(|r| *r != control) {
                let reason = self.control_reason.trim();
                if reason.chars().count() < 2 {
                    return Err(FormError::ClassificationNeedsReason {
                        read,
                        chosen: control,
                    });
                }
                notes = format!(
                    "读数分类{}，医生判定{}：{reason}",
                    read.name_zh(),
                    control.name_zh()
                );
            }
            out.push(RecordBody::ChronicFollowUp(ChronicFollowUp {
                condition,
                method: self.method,
                systolic: v.systolic,
                diastolic: v.diastolic,
                fasting_glucose_x10: v.glucose_x10,
                hba1c_x10: readings.hba1c.map(|h| (h * 10.0).round() as u16),
                weight_x10: v.weight_x10,
                adherence: self.adherence,
                control,
                medications: medications.clone(),
                next_visit: encounter.follow_up,
                notes,
            }));
        }
        if self.antenatal {
            let weeks = whole(&self.gestational_weeks, FormField::GestationalWeeks, 4, 42)?
                .ok_or(FormError::Missing(FormField::GestationalWeeks))?;
            out.push(RecordBody::MaternalChild(MaternalChild::Antenatal(
                AntenatalCheck {
                    visit_number: self.antenatal_visit.clamp(1, 5),
                    gestational_weeks: weeks as u8,
                    weight_x10: v.weight_x10,
                    systolic: v.systolic,
                    diastolic: v.diastolic,
                    fundal_height_cm: whole(&self.fundal_height, FormField::FundalHeight, 5, 45)?
                        .map(|h| h as u8),
                    fetal_heart_rate: whole(&self.fetal_heart, FormField::FetalHeart, 60, 220)?,
                    notes: String::new(),
                },
            )));
        }
        if self.postpartum {
            let days = whole(&self.days_after_birth, FormField::DaysAfterBirth, 0, 120)?
                .ok_or(FormError::Missing(FormField::DaysAfterBirth))?;
            out.push(RecordBody::MaternalChild(MaternalChild::Postpartum {
                days_after_birth: days,
                notes: encounter.notes.clone(),
            }));
        }
        if self.child_check {
            out.push(RecordBody::MaternalChild(MaternalChild::Child(
                ChildCheck {
                    age_months: self.age_months,
                    weight_x10: v.weight_x10,
                    height_x10: tenths(&self.height, FormField::Height, 30.0, 160.0)?,
                    head_x10: tenths(&self.head, FormField::HeadCircumference, 25.0, 60.0)?,
                    development: self.development.trim().into(),
                    notes: String::new(),
                },
            )));
        }
        if !self.allergy.trim().is_empty() {
            out.push(RecordBody::Allergy(Allergy {
                substance: self.allergy.trim().into(),
                reaction: self.reaction.trim().into(),
            }));
        }
        Ok(out)
    }
}

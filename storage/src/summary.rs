//! What a clinician reads first: problems, current medication, allergies, latest vitals and
//! their trends, immunisations against the schedule; and which records consent hides.
//!
//! Pure functions over a history, so screens and tests compute the same thing.

use std::collections::BTreeMap;

use crate::date::Date;
use crate::model::*;
use crate::records::HistoryEntry;
use crate::schedule::{DoseStatus, dose_states};

/// A long-term problem and when it was first recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub code: String,
    pub name: String,
    pub since: Date,
    pub last_seen: Date,
}

/// Diagnoses that make a problem list entry (chronic conditions).
const CHRONIC_PREFIXES: &[&str] = &["I1", "I2", "I6", "E1", "E78", "J44", "J45", "G63"];

/// A medication taken recently.
#[derive(Debug, Clone, PartialEq)]
pub struct Medication {
    pub drug: String,
    pub dose: String,
    pub frequency: Option<Frequency>,
    pub last_prescribed: Date,
}

/// One measurement for a trend plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at: i64,
    pub value: f64,
    /// The second value (diastolic for blood pressure).
    pub second: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trends {
    /// Systolic/diastolic, mmHg.
    pub blood_pressure: Vec<Point>,
    /// mmol/L
    pub glucose: Vec<Point>,
    /// kg
    pub weight: Vec<Point>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub problems: Vec<Problem>,
    pub medications: Vec<Medication>,
    pub allergies: Vec<Allergy>,
    pub trends: Trends,
    pub last_vitals: Option<(i64, Vitals)>,
    /// Empty for adults (schedule covers 0–6 years).
    pub immunisations: Vec<DoseStatus>,
}

/// Medication counts as current if prescribed within this many days.
pub const CURRENT_MEDICATION_DAYS: i32 = 120;

impl Summary {
    /// Summarises `history` (as returned by the store, ordered by time) for a resident born on
    /// `birth`, seen on `today`. Amended records count with their corrected content.
    pub fn of(history: &[HistoryEntry], birth: Date, today: Date) -> Summary {
        let mut s = Summary::default();
        let mut problems: BTreeMap<String, Problem> = BTreeMap::new();
        let mut meds: BTreeMap<String, Medication> = BTreeMap::new();
        let mut given = Vec::new();
        let recent = today.add_days(-CURRENT_MEDICATION_DAYS);
        for h in history {
            if matches!(h.record.body, RecordBody::Amendment(_)) {
                continue; // its content is read through the record it amends
            }
            let at = h.record.at;
            let day = Date::of_instant(at);
            let mut add_problem = |code: &str, name: &str| {
                if CHRONIC_PREFIXES.iter().any(|p| code.starts_with(p)) {
                    let e = problems.entry(code.to_string()).or_insert(Problem {
                        code: code.into(),
                        name: name.into(),
                        since: day,
                        last_seen: day,
                    });
                    e.last_seen = e.last_seen.max(day);
                }
            };
            match h.current(history) {
                RecordBody::Encounter(e) => {
                    for d in &e.diagnoses {
                        add_problem(&d.code, &d.name);
                    }
                    s.vitals(at, &e.vitals);
                }
                RecordBody::ChronicFollowUp(f) => {
                    match f.condition {
                        ChronicCondition::Hypertension => add_problem("I10", "高血压"),
                        ChronicCondition::Type2Diabetes => add_problem("E11", "2型糖尿病"),
                    }
                    s.vitals(at, &f.vitals());
                    if day >= recent {
                        for m in &f.medications {
                            let e = meds.entry(m.clone()).or_insert(Medication {
                                drug: m.clone(),
                                dose: String::new(),
                                frequency: None,
                                last_prescribed: day,
                            });
                            e.last_prescribed = e.last_prescribed.max(day);
                        }
                    }
                }
                RecordBody::Prescription(p) if day >= recent => {
                    for l in &p.lines {
                        meds.insert(
                            l.drug_name.clone(),
                            Medication {
                                drug: l.drug_name.clone(),
                                dose: l.dose.clone(),
                                frequency: Some(l.frequency),
                                last_prescribed: day,
                            },
                        );
                    }
                }
                RecordBody::Observation(o) => match o.kind {
                    ObservationKind::BloodPressure => s.trends.blood_pressure.push(Point {
                        at,
                        value: o.value as f64,
                        second: o.second.map(|v| v as f64),
                    }),
                    ObservationKind::Glucose => s.trends.glucose.push(Point {
                        at,
                        value: o.value as f64 / 10.0,
                        second: None,
                    }),
                    ObservationKind::Weight => s.trends.weight.push(Point {
                        at,
                        value: o.value as f64 / 10.0,
                        second: None,
                    }),
                    _ => {}
                },
                RecordBody::Allergy(a) => s.allergies.push(a.clone()),
                body @ (RecordBody::Immunisation(_) | RecordBody::PastDose(_)) => {
                    if let Some((i, on)) = body.dose_given(day) {
                        given.push((i.vaccine.clone(), i.dose_number, on));
                    }
                }
                RecordBody::MaternalChild(MaternalChild::Child(c)) => {
                    if let Some(w) = c.weight_x10 {
                        s.trends.weight.push(Point {
                            at,
                            value: w as f64 / 10.0,
                            second: None,
                        });
                    }
                }
                _ => {}
            }
        }
        s.problems = problems.into_values().collect();
        s.problems.sort_by_key(|p| p.since);
        s.medications = meds.into_values().collect();
        s.medications
            .sort_by(|a, b| b.last_prescribed.cmp(&a.last_prescribed));
        // The programme runs to 18: missed doses are caught up until then.
        if birth.age_on(today) < 18 {
            s.immunisations = dose_states(birth, today, &given);
        }
        s
    }

    fn vitals(&mut self, at: i64, v: &Vitals) {
        if let (Some(sys), Some(dia)) = (v.systolic, v.diastolic) {
            self.trends.blood_pressure.push(Point {
                at,
                value: sys as f64,
                second: Some(dia as f64),
            });
        }
        if let Some(g) = v.glucose_x10 {
            self.trends.glucose.push(Point {
                at,
                value: g as f64 / 10.0,
                second: None,
            });
        }
        if let Some(w) = v.weight_x10 {
            self.trends.weight.push(Point {
                at,
                value: w as f64 / 10.0,
                second: None,
            });
        }
        if *v != Vitals::default() {
            self.last_vitals = Some((at, v.clone()));
        }
    }
}

/// Splits a history into what `viewer` may see and what needs the resident's consent (or a
/// break-glass reason). A facility always sees the records it made itself.
pub fn filter_by_consent(
    history: Vec<HistoryEntry>,
    consents: &[Consent],
    viewer: &Facility,
    today: Date,
) -> (Vec<HistoryEntry>, Vec<HistoryEntry>) {
    history.into_iter().partition(|h| {
        h.record.facility == viewer.code
            || h.category.is_safety()
            || consents
                .iter()
                .any(|c| c.allows(&viewer.code, viewer.level, h.category, today))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Id;
    use crate::records::test_entry as entry;

    fn encounter(code: &str, sys: u16) -> RecordBody {
        crate::records::test_encounter(code, Some(sys))
    }

    #[test]
    fn problems_medication_and_trends() {
        let rx = RecordBody::Prescription(Prescription {
            encounter: None,
            lines: vec![PrescriptionLine {
                drug_code: "D".into(),
                drug_name: "硝苯地平缓释片".into(),
                spec: String::new(),
                dose: "10 mg".into(),
                route: Route::Oral,
                frequency: Frequency::Bid,
                days: 30,
                quantity: 60,
                unit: "片".into(),
                unit_price_fen: 45,
            }],
        });
        let old_rx = rx.clone();
        let history = vec![
            entry(1, "2024-01-05", "A", old_rx),
            entry(2, "2026-03-01", "A", encounter("I10", 160)),
            entry(3, "2026-06-01", "A", encounter("J06.9", 130)),
            entry(4, "2026-10-01", "A", rx),
        ];
        let s = Summary::of(
            &history,
            "1960-01-01".parse().unwrap(),
            "2026-11-27".parse().unwrap(),
        );
        assert_eq!(s.problems.len(), 1, "acute illness is not a problem");
        assert_eq!(s.problems[0].code, "I10");
        assert_eq!(s.medications.len(), 1);
        assert_eq!(s.medications[0].last_prescribed.to_string(), "2026-10-01");
        assert_eq!(
            s.trends
                .blood_pressure
                .iter()
                .map(|p| p.value)
                .collect::<Vec<_>>(),
            vec![160.0, 130.0]
        );
        assert!(s.immunisations.is_empty());
    }

    #[test]
    fn amended_content_counts_not_the_original() {
        let mut original = entry(1, "2026-01-01", "A", encounter("J06.9", 120));
        let fix = entry(
            2,
            "2026-01-02",
            "A",
            RecordBody::Amendment(Amendment {
                target: Id(1),
                reason: "code".into(),
                replacement: Box::new(encounter("I10", 150)),
            }),
        );
        original.amended_by.push(Id(2));
        let s = Summary::of(
            &[original, fix],
            "1960-01-01".parse().unwrap(),
            "2026-11-27".parse().unwrap(),
        );
        assert_eq!(
            s.problems
                .iter()
                .map(|p| p.code.as_str())
                .collect::<Vec<_>>(),
            vec!["I10"]
        );
    }

    #[test]
    fn consent_hides_other_facilities_records_only() {
        let history = vec![
            entry(1, "2026-01-01", "MINE", encounter("I10", 150)),
            entry(2, "2026-01-02", "OTHER", encounter("I10", 150)),
            // Safety data from elsewhere is shown whatever the consent.
            entry(
                3,
                "2026-01-03",
                "OTHER",
                RecordBody::Allergy(Allergy {
                    substance: "青霉素".into(),
                    reaction: "皮疹".into(),
                }),
            ),
        ];
        let viewer = Facility {
            code: "MINE".into(),
            name: String::new(),
            level: FacilityLevel::Township,
            county: String::new(),
            township: String::new(),
        };
        let today = "2026-11-27".parse().unwrap();
        let (visible, hidden) = filter_by_consent(history.clone(), &[], &viewer, today);
        assert_eq!((visible.len(), hidden.len()), (2, 1));
        assert_eq!(
            Summary::of(&visible, "1980-01-01".parse().unwrap(), today)
                .allergies
                .len(),
            1
        );
        let consent = Consent {
            id: Id(9),
            resident: Id(1),
            grantee: Grantee::Level(FacilityLevel::Township),
            categories: vec![RecordCategory::Encounter],
            valid_from: "2025-01-01".parse().unwrap(),
            valid_until: None,
            recorded_by: "x".into(),
            withdrawn: false,
        };
        let (visible, hidden) = filter_by_consent(
            history.clone(),
            std::slice::from_ref(&consent),
            &viewer,
            today,
        );
        assert_eq!((visible.len(), hidden.len()), (3, 0));
        let withdrawn = Consent {
            withdrawn: true,
            ..consent
        };
        let (_, hidden) = filter_by_consent(history, &[withdrawn], &viewer, today);
        assert_eq!(hidden.len(), 1);
    }
}

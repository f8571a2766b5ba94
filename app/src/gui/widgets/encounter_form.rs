//! The encounter form: complaint, vitals, ICD-10 diagnoses, prescription lines, the
//! public-health records of the visit, notes, follow-up. Ctrl+Enter saves. In amend mode it corrects an earlier encounter, with a reason.

use egui::{RichText, Ui};
use fixtures::catalogue::{DIAGNOSES, DRUGS, Drug};
use storage::model::*;
use storage::{Date, Id};

use crate::gui::format;
use crate::gui::i18n::Lang;
use crate::gui::style::{DANGER, MUTED, WARN};
use crate::gui::widgets::public_health::{PublicHealth, Visitor, public_health_ui};
use storage::schedule::ScheduledDose;

/// One prescription line as edited: a catalogue drug and the days.
#[derive(Clone, Debug, PartialEq)]
pub struct RxLine {
    pub drug: usize,
    pub days: u16,
}

/// The longest complaint the form takes (the hub takes 2 000 characters; a complaint is a line).
const MAX_COMPLAINT_CHARS: usize = 500;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EncounterForm {
    pub complaint: String,
    /// The complaint took the focus when the form first showed (the doctor types at once).
    focused: bool,
    pub systolic: String,
    pub diastolic: String,
    pub pulse: String,
    pub temperature: String,
    pub glucose: String,
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
    pub error: Option<String>,
}

/// What the form asks for after a frame.
#[derive(Debug, PartialEq, Eq)]
pub enum FormAction {
    None,
    Save,
    Cancel,
}

fn number(text: &str, what: &str, lo: f32, hi: f32) -> Result<Option<f32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let v: f32 = t
        .parse()
        .map_err(|_| format!("{what}: “{t}” is not a number"))?;
    if !(lo..=hi).contains(&v) {
        return Err(format!("{what} {v} is outside {lo}–{hi}"));
    }
    Ok(Some(v))
}

impl EncounterForm {
    /// A form filled from an earlier encounter, to correct it.
    pub fn amending(target: Id, e: &Encounter) -> EncounterForm {
        let opt = |v: Option<u16>| v.map(|v| v.to_string()).unwrap_or_default();
        let tenths = |v: Option<u16>| v.map(format::tenths).unwrap_or_default();
        EncounterForm {
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

    fn encounter(&self) -> Result<Encounter, String> {
        let whole =
            |t: &str, w: &str, lo, hi| number(t, w, lo, hi).map(|v| v.map(|v| v.round() as u16));
        let tenth = |t: &str, w: &str, lo, hi| {
            number(t, w, lo, hi).map(|v| v.map(|v| (v * 10.0).round() as u16))
        };
        let vitals = Vitals {
            systolic: whole(&self.systolic, "systolic", 50.0, 300.0)?,
            diastolic: whole(&self.diastolic, "diastolic", 20.0, 200.0)?,
            pulse: whole(&self.pulse, "pulse", 20.0, 250.0)?,
            temperature_x10: tenth(&self.temperature, "temperature", 30.0, 45.0)?,
            glucose_x10: tenth(&self.glucose, "glucose", 0.5, 40.0)?,
            weight_x10: tenth(&self.weight, "weight", 0.5, 300.0)?,
            ..Default::default()
        };
        if vitals.systolic.is_some() != vitals.diastolic.is_some() {
            return Err("blood pressure needs both systolic and diastolic".into());
        }
        if self.complaint.trim().is_empty() && self.diagnoses.is_empty() {
            return Err("write the complaint or choose a diagnosis".into());
        }
        let follow_up = match self.follow_up.trim() {
            "" => None,
            t => Some(t.parse::<Date>().map_err(|e| e.to_string())?),
        };
        Ok(Encounter {
            visit_type: VisitType::General,
            chief_complaint: self.complaint.trim().into(),
            vitals,
            diagnoses: self.diagnoses.clone(),
            notes: self.notes.trim().into(),
            follow_up,
            discharged: None,
        })
    }

    /// The changes to commit: the encounter (or its correction) and, if any, the prescription
    /// pointing at it. `ids` makes the change ids (the prescription refers to the encounter's).
    pub fn to_bodies(
        &self,
        resident: Id,
        facility: &str,
        clinician: &str,
        at: i64,
        mut new_id: impl FnMut() -> Id,
    ) -> Result<Vec<(Id, Body)>, String> {
        let encounter = self.encounter()?;
        // Checked before anything is made: a follow-up without its measurements saves nothing.
        let public_health = match self.amend_target {
            Some(_) => Vec::new(),
            None => {
                let medications = self
                    .rx
                    .iter()
                    .map(|l| DRUGS[l.drug.min(DRUGS.len() - 1)].name.to_string())
                    .collect();
                self.public_health.records(&encounter, medications)?
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
                    return Err("a correction needs a reason".into());
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
        if !self.rx.is_empty() {
            let lines = self
                .rx
                .iter()
                .map(|l| line(&DRUGS[l.drug.min(DRUGS.len() - 1)], l.days))
                .collect();
            let rx = Prescription {
                encounter: Some(encounter_id),
                lines,
            };
            out.push((new_id(), Body::Record(record(RecordBody::Prescription(rx)))));
        }
        for body in public_health {
            out.push((new_id(), Body::Record(record(body))));
        }
        Ok(out)
    }
}

fn line(d: &Drug, days: u16) -> PrescriptionLine {
    PrescriptionLine {
        drug_code: d.code.into(),
        drug_name: d.name.into(),
        spec: d.spec.into(),
        dose: d.dose.into(),
        route: d.route,
        frequency: d.frequency,
        days,
        quantity: d.per_day * days as u32,
        unit: d.unit.into(),
        unit_price_fen: d.unit_price_fen,
    }
}

/// A one-line text field with its label (screen readers and tests find it by the label).
pub(crate) fn labelled(
    ui: &mut Ui,
    label: &str,
    value: &mut String,
    width: f32,
    hint: &str,
) -> egui::Response {
    let l = ui.label(label);
    ui.add(
        egui::TextEdit::singleline(value)
            .desired_width(width)
            .hint_text(hint),
    )
    .labelled_by(l.id)
}

/// Enter pressed in the field of `response` (which then loses the focus).
fn entered(ui: &Ui, response: &egui::Response) -> bool {
    response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
}

pub fn encounter_form_ui(
    ui: &mut Ui,
    lang: Lang,
    f: &mut EncounterForm,
    who: Visitor,
    due: &[ScheduledDose],
) -> FormAction {
    let mut action = FormAction::None;
    if f.amend_target.is_some() {
        ui.label(
            RichText::new(lang.t(
                "更正既往就诊记录：原记录保留，可见于病历",
                "Correcting an earlier visit: the original stays in the record",
            ))
            .color(WARN)
            .strong(),
        );
        ui.horizontal(|ui| {
            labelled(
                ui,
                lang.t("更正原因", "Reason for the correction"),
                &mut f.amend_reason,
                400.0,
                "",
            )
        });
    }
    ui.horizontal(|ui| {
        let label = ui.label(lang.t("主诉", "Complaint"));
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut f.complaint)
                    .desired_width(500.0)
                    .char_limit(MAX_COMPLAINT_CHARS),
            )
            .labelled_by(label.id);
        if !std::mem::replace(&mut f.focused, true) {
            field.request_focus();
        }
    });
    ui.horizontal_wrapped(|ui| {
        labelled(
            ui,
            lang.t("收缩压", "Systolic"),
            &mut f.systolic,
            64.0,
            "mmHg",
        );
        labelled(
            ui,
            lang.t("舒张压", "Diastolic"),
            &mut f.diastolic,
            64.0,
            "mmHg",
        );
        labelled(ui, lang.t("脉搏", "Pulse"), &mut f.pulse, 56.0, "/min");
        labelled(ui, lang.t("体温", "Temp."), &mut f.temperature, 50.0, "°C");
        labelled(
            ui,
            lang.t("血糖", "Glucose"),
            &mut f.glucose,
            70.0,
            "mmol/L",
        );
        labelled(ui, lang.t("体重", "Weight"), &mut f.weight, 50.0, "kg");
    });
    ui.separator();
    ui.label(RichText::new(lang.t("诊断（ICD-10）", "Diagnoses (ICD-10)")).strong());
    let mut remove = None;
    ui.horizontal_wrapped(|ui| {
        for (i, d) in f.diagnoses.iter().enumerate() {
            if ui
                .button(format!("{} {} ×", d.code, d.name))
                .on_hover_text(lang.t("点击移除", "click to remove"))
                .clicked()
            {
                remove = Some(i);
            }
        }
    });
    if let Some(i) = remove {
        f.diagnoses.remove(i);
    }
    let dx_field = ui
        .horizontal(|ui| {
            labelled(
                ui,
                lang.t("查找诊断", "Find a diagnosis"),
                &mut f.dx_query,
                260.0,
                "I10 / 高血压 / hypertension",
            )
        })
        .inner;
    // Enter takes the first match shown (it then shows among the chosen diagnoses).
    let mut dx_enter = entered(ui, &dx_field);
    let q = f.dx_query.trim().to_lowercase();
    if !q.is_empty() {
        ui.horizontal_wrapped(|ui| {
            for d in DIAGNOSES
                .iter()
                .filter(|d| {
                    d.code.to_lowercase().starts_with(&q)
                        || d.name.contains(&q)
                        || d.english.to_lowercase().contains(&q)
                })
                .take(8)
            {
                let first = std::mem::take(&mut dx_enter);
                if ui.button(format!("+ {} {}", d.code, d.name)).clicked() || first {
                    if !f.diagnoses.iter().any(|x| x.code == d.code) {
                        f.diagnoses.push(Diagnosis {
                            code: d.code.into(),
                            name: d.name.into(),
                        });
                    }
                    f.dx_query.clear();
                }
            }
        });
    }
    ui.separator();
    ui.label(RichText::new(lang.t("处方", "Prescription")).strong());
    let mut drop_line = None;
    for (i, l) in f.rx.iter_mut().enumerate() {
        let d = &DRUGS[l.drug.min(DRUGS.len() - 1)];
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} {} · {} {}",
                d.name,
                d.spec,
                d.dose,
                format::frequency(d.frequency)
            ));
            ui.add(
                egui::DragValue::new(&mut l.days)
                    .range(1..=90)
                    .suffix(lang.t(" 天", " d")),
            );
            ui.label(
                RichText::new(format!(
                    "{} {}{}",
                    lang.t("共", "total"),
                    d.per_day * l.days as u32,
                    d.unit
                ))
                .color(MUTED),
            );
            if ui.small_button("×").clicked() {
                drop_line = Some(i);
            }
        });
    }
    if let Some(i) = drop_line {
        f.rx.remove(i);
    }
    let drug_field = ui
        .horizontal(|ui| {
            labelled(
                ui,
                lang.t("查找药品", "Find a drug"),
                &mut f.drug_query,
                260.0,
                "硝苯地平 / xbdp / 阿莫西林",
            )
        })
        .inner;
    let mut drug_enter = entered(ui, &drug_field);
    let q = f.drug_query.trim().to_lowercase();
    if !q.is_empty() {
        ui.horizontal_wrapped(|ui| {
            for (i, d) in DRUGS
                .iter()
                .enumerate()
                .filter(|(_, d)| {
                    d.name.contains(&q)
                        || d.code.to_lowercase().contains(&q)
                        || q.is_ascii()
                            && storage::names::initials(d.name)
                                .to_ascii_lowercase()
                                .starts_with(&q)
                })
                .take(8)
            {
                let first = std::mem::take(&mut drug_enter);
                if ui.button(format!("+ {} {}", d.name, d.spec)).clicked() || first {
                    let days = if d.for_code.starts_with('I') || d.for_code.starts_with('E') {
                        30
                    } else {
                        3
                    };
                    f.rx.push(RxLine { drug: i, days });
                    f.drug_query.clear();
                }
            }
        });
    }
    if f.amend_target.is_none() {
        ui.separator();
        public_health_ui(ui, lang, &mut f.public_health, who, due);
    }
    ui.separator();
    let l = ui.label(lang.t("医嘱 / 备注", "Advice / notes"));
    ui.add(
        egui::TextEdit::multiline(&mut f.notes)
            .desired_rows(2)
            .desired_width(600.0),
    )
    .labelled_by(l.id);
    ui.horizontal(|ui| {
        labelled(
            ui,
            lang.t("复诊日期", "Follow-up date"),
            &mut f.follow_up,
            130.0,
            "YYYY-MM-DD",
        )
    });
    if let Some(e) = &f.error {
        ui.label(RichText::new(e).color(DANGER).strong());
    }
    ui.horizontal(|ui| {
        let save = if f.amend_target.is_some() {
            lang.t("保存更正", "Save correction")
        } else {
            lang.t("保存（Ctrl+Enter）", "Save (Ctrl+Enter)")
        };
        if ui.button(save).clicked() {
            action = FormAction::Save;
        }
        if ui.button(lang.t("取消", "Cancel")).clicked() {
            action = FormAction::Cancel;
        }
    });
    if ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Enter)) {
        action = FormAction::Save;
    }
    action
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> impl FnMut() -> Id {
        let mut n = 0;
        move || {
            n += 1;
            Id(n)
        }
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
            rx: vec![RxLine { drug: 0, days: 30 }],
            ..Default::default()
        };
        let bodies = f.to_bodies(Id(9), "F", "doc", 0, ids()).unwrap();
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
        assert_eq!(p.lines[0].quantity, DRUGS[0].per_day * 30);
    }

    #[test]
    fn bad_input_is_explained() {
        let f = EncounterForm {
            complaint: "x".into(),
            systolic: "1500".into(),
            diastolic: "80".into(),
            ..Default::default()
        };
        assert!(
            f.to_bodies(Id(1), "F", "d", 0, ids())
                .unwrap_err()
                .contains("systolic")
        );
        let f = EncounterForm {
            systolic: "140".into(),
            ..Default::default()
        };
        assert!(f.to_bodies(Id(1), "F", "d", 0, ids()).is_err());
        let f = EncounterForm {
            complaint: "x".into(),
            amend_target: Some(Id(3)),
            ..Default::default()
        };
        assert!(
            f.to_bodies(Id(1), "F", "d", 0, ids())
                .unwrap_err()
                .contains("reason")
        );
    }
}

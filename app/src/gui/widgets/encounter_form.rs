//! The encounter form: complaint, vitals, ICD-10 diagnoses, prescription lines from the
//! catalogue, the public-health records of the visit, notes, follow-up. The rules of
//! `storage::rules` run on what is typed, every frame: their warnings show above the save
//! button, and an allergy match saves only with the doctor's reason (audited). Ctrl+Enter
//! saves. In amend mode it corrects an earlier encounter, with a reason.

use egui::{RichText, Ui};
use fixtures::catalogue::DIAGNOSES;
use storage::catalogue::{Catalogue, CatalogueItem};
use storage::model::*;
use storage::rules::{self, Outcome, Severity};
use storage::{Date, Id};

use crate::format;
use crate::gui::style::{DANGER, MUTED, WARN};
use crate::gui::widgets::public_health::{PublicHealth, Visitor, public_health_ui};
use crate::i18n::Lang;
use storage::schedule::{DoseState, DoseStatus, ScheduledDose};

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
const MAX_COMPLAINT_CHARS: usize = 500;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EncounterForm {
    /// What the resident checked in for (a programme vaccination visit is free of charge).
    pub visit_type: VisitType,
    pub complaint: String,
    /// The complaint took the focus when the form first showed (the doctor types at once).
    focused: bool,
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
            glucose_x10: match self.glucose_kind {
                rules::GlucoseKind::Fasting => tenth(&self.glucose, "glucose", 0.5, 40.0)?,
                _ => None,
            },
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
    fn other_readings(&self) -> Result<Vec<RecordBody>, String> {
        let tenth = |v: f32| (v * 10.0).round() as i32;
        let mut out = Vec::new();
        let kind = match self.glucose_kind {
            rules::GlucoseKind::Fasting => None,
            rules::GlucoseKind::Random => Some(ObservationKind::GlucoseRandom),
            rules::GlucoseKind::TwoHour => Some(ObservationKind::GlucoseTwoHour),
        };
        if let (Some(kind), Some(g)) = (kind, number(&self.glucose, "glucose", 0.5, 40.0)?) {
            out.push((kind, tenth(g)));
        }
        if let Some(h) = number(&self.hba1c, "HbA1c", 3.0, 20.0)? {
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
    ) -> Result<Vec<(Id, Body)>, String> {
        let encounter = self.encounter()?;
        let lines = self.prescription_lines(catalogue, checks)?;
        let blocking: Vec<&rules::Warning> = checks.blocking().collect();
        if !blocking.is_empty() && self.override_reason.trim().chars().count() < 2 {
            return Err(format!(
                "{}：如确需使用，请填写原因后保存",
                blocking[0].message_zh
            ));
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
    ) -> Result<Vec<PrescriptionLine>, String> {
        self.rx
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let item = catalogue
                    .get(&l.code)
                    .filter(|i| i.prescribing.is_some())
                    .ok_or_else(|| format!("{} is not a drug of the catalogue", l.code))?;
                let route = item
                    .prescribing
                    .as_ref()
                    .map(|p| p.route)
                    .unwrap_or(Route::Other);
                let quantity = checks
                    .quantities
                    .get(i)
                    .and_then(|q| q.quantity)
                    .ok_or_else(|| {
                        let why = checks.quantities.get(i).and_then(|q| q.error.clone());
                        format!(
                            "{}：{}",
                            item.name,
                            why.unwrap_or_else(|| "no quantity".into())
                        )
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
    schedule: &[DoseStatus],
    catalogue: &Catalogue,
    checks: &Outcome,
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
            60.0,
            "mmol/L",
        );
        let kinds = [
            (rules::GlucoseKind::Fasting, lang.t("空腹", "fasting")),
            (rules::GlucoseKind::Random, lang.t("随机", "random")),
            (rules::GlucoseKind::TwoHour, lang.t("餐后2h", "2-hour")),
        ];
        let shown = kinds
            .iter()
            .find(|(k, _)| *k == f.glucose_kind)
            .map_or("", |(_, n)| *n);
        let label = ui.label(lang.t("血糖类型", "Glucose kind"));
        egui::ComboBox::from_id_salt("glucose-kind")
            .selected_text(shown)
            .width(70.0)
            .show_ui(ui, |ui| {
                for (k, name) in kinds {
                    ui.selectable_value(&mut f.glucose_kind, k, name);
                }
            })
            .response
            .labelled_by(label.id);
        labelled(ui, lang.t("糖化血红蛋白", "HbA1c"), &mut f.hba1c, 44.0, "%");
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
    prescription_ui(ui, lang, f, catalogue, checks);
    if f.amend_target.is_none() {
        ui.separator();
        // The doses that may be given today; those never given, to copy from a certificate.
        let due: Vec<ScheduledDose> = schedule
            .iter()
            .filter(|s| s.can_give_on(who.today))
            .map(|s| s.dose)
            .collect();
        let not_given: Vec<ScheduledDose> = schedule
            .iter()
            .filter(|s| !matches!(s.state, DoseState::Given(_)))
            .map(|s| s.dose)
            .collect();
        let readings = f.typed_readings();
        public_health_ui(
            ui,
            lang,
            &mut f.public_health,
            who,
            &due,
            &not_given,
            &readings,
        );
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
    warnings_ui(ui, lang, f, checks);
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

/// The prescription lines (dose, unit, how often, days, the quantity the rules worked out)
/// and the catalogue search that adds one.
fn prescription_ui(
    ui: &mut Ui,
    lang: Lang,
    f: &mut EncounterForm,
    catalogue: &Catalogue,
    checks: &Outcome,
) {
    let mut drop_line = None;
    for (i, l) in f.rx.iter_mut().enumerate() {
        let item = catalogue.get(&l.code);
        ui.horizontal(|ui| {
            ui.label(match item {
                Some(d) => format!("{} {}", d.name, d.spec),
                None => l.code.clone(),
            });
            let dose = ui.add(egui::TextEdit::singleline(&mut l.dose).desired_width(48.0));
            dose.on_hover_text(lang.t("每次剂量", "single dose"));
            ui.label(&l.dose_unit);
            let how_often = ui.label(RichText::new(lang.t("频次", "how often")).color(MUTED));
            egui::ComboBox::from_id_salt(("frequency", i))
                .selected_text(format::frequency(l.frequency))
                .width(60.0)
                .show_ui(ui, |ui| {
                    for fr in Frequency::ALL {
                        if ui
                            .selectable_value(&mut l.frequency, fr, format::frequency(fr))
                            .clicked()
                        {
                            l.per_day = fr.per_day();
                        }
                    }
                })
                .response
                .labelled_by(how_often.id);
            if l.frequency == Frequency::Prn {
                ui.add(
                    egui::DragValue::new(&mut l.per_day)
                        .range(1..=12)
                        .prefix(lang.t("每日至多 ", "at most ")),
                );
            }
            ui.add(
                egui::DragValue::new(&mut l.days)
                    .range(1..=365)
                    .suffix(lang.t(" 天", " d")),
            );
            let total = match checks.quantities.get(i) {
                Some(q) => match q.quantity {
                    Some(n) => format!("{} {n}{}", lang.t("共", "total"), q.unit),
                    None => lang.t("数量无法计算", "no quantity").to_string(),
                },
                None => String::new(),
            };
            ui.label(RichText::new(total).color(MUTED));
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
    if f.drug_query.trim().is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for d in catalogue.search_drugs(&f.drug_query, 8) {
            let first = std::mem::take(&mut drug_enter);
            if ui.button(format!("+ {} {}", d.name, d.spec)).clicked() || first {
                f.rx.extend(RxLine::usual(d));
                f.drug_query.clear();
            }
        }
    });
}

/// The rules' warnings, most severe first; a blocking one asks for the doctor's reason.
fn warnings_ui(ui: &mut Ui, lang: Lang, f: &mut EncounterForm, checks: &Outcome) {
    for w in &checks.warnings {
        let (mark, color) = match w.severity {
            Severity::Block => ("【禁】", DANGER),
            Severity::High => ("【！】", DANGER),
            Severity::Warning => ("【注意】", WARN),
        };
        let text = lang.t(&w.message_zh, &w.message_en);
        ui.label(
            RichText::new(format!("{mark} {text}"))
                .color(color)
                .strong(),
        );
    }
    if checks.blocking().next().is_some() {
        ui.horizontal(|ui| {
            labelled(
                ui,
                lang.t(
                    "确认用药原因（记录审计）",
                    "Reason to prescribe anyway (audited)",
                ),
                &mut f.override_reason,
                360.0,
                "",
            )
        });
    }
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

    fn catalogue() -> &'static Catalogue {
        fixtures::catalogue::demo_catalogue()
    }

    fn patient(allergies: &[&str]) -> Patient {
        Patient {
            person: rules::Person {
                sex: rules::Sex::F,
                birth: "1986-05-10".parse().unwrap(),
                pregnant: false,
                weight_kg: None,
            },
            allergies: allergies.iter().map(|a| a.to_string()).collect(),
            diagnoses: Vec::new(),
            immunisations: Vec::new(),
        }
    }

    fn line(name: &str) -> RxLine {
        RxLine::usual(catalogue().drug(name).unwrap()).unwrap()
    }

    fn save(f: &EncounterForm, p: &Patient) -> Result<Vec<(Id, Body)>, String> {
        let today = "2026-12-07".parse().unwrap();
        let checks = rules::check(
            &f.scenario(p, today),
            rules::RuleBook::national(),
            catalogue(),
        );
        f.to_bodies(catalogue(), &checks, Id(9), "F", "doc", 0, ids())
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
            rx: vec![line("硝苯地平缓释片"), line("阿莫西林胶囊")],
            ..Default::default()
        };
        let bodies = save(&f, &patient(&[])).unwrap();
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
        // 10 mg bid of 10 mg tablets for 28 days; 0.5 g tid of 0.25 g capsules for 3 days.
        assert_eq!((p.lines[0].quantity, p.lines[0].unit.as_str()), (56, "片"));
        assert_eq!((p.lines[1].quantity, p.lines[1].unit.as_str()), (18, "粒"));
        assert_eq!(p.lines[1].dose, "0.5 g");
    }

    #[test]
    fn a_line_is_checked_as_the_item_chosen_not_the_first_of_its_name() {
        // 0.9%氯化钠注射液 comes in 100, 250 and 500 ml: 250 ml once is one 250 ml bottle.
        let mut saline = RxLine::usual(catalogue().get("XB05BBN182").unwrap()).unwrap();
        saline.days = 1;
        let f = EncounterForm {
            complaint: "腹泻脱水".into(),
            rx: vec![saline],
            ..Default::default()
        };
        let bodies = save(&f, &patient(&[])).unwrap();
        let Body::Record(ClinicalRecord {
            body: RecordBody::Prescription(p),
            ..
        }) = &bodies[1].1
        else {
            panic!()
        };
        assert_eq!(
            (p.lines[0].drug_code.as_str(), p.lines[0].quantity),
            ("XB05BBN182", 1)
        );
    }

    #[test]
    fn an_allergy_match_saves_only_with_a_reason_and_is_audited() {
        let mut f = EncounterForm {
            complaint: "咽痛".into(),
            rx: vec![line("阿莫西林胶囊")],
            ..Default::default()
        };
        let err = save(&f, &patient(&["青霉素"])).unwrap_err();
        assert!(err.contains("青霉素") && err.contains("原因"), "{err}");
        // The allergy typed in the same form counts too.
        let mut fresh = f.clone();
        fresh.public_health.allergy = "青霉素".into();
        assert!(save(&fresh, &patient(&[])).is_err());
        f.override_reason = "皮试阴性，青霉素过敏史不确切".into();
        let bodies = save(&f, &patient(&["青霉素"])).unwrap();
        let audit = bodies
            .iter()
            .find_map(|(_, b)| match b {
                Body::Audit(a) => Some(a),
                _ => None,
            })
            .expect("the override is audited");
        assert_eq!(audit.action, AuditAction::OverrideWarning);
        assert!(audit.reason.contains("皮试阴性"));
        assert_eq!(audit.target, Some(bodies[1].0), "naming the prescription");
    }

    #[test]
    fn bad_input_is_explained() {
        let f = EncounterForm {
            complaint: "x".into(),
            systolic: "1500".into(),
            diastolic: "80".into(),
            ..Default::default()
        };
        assert!(save(&f, &patient(&[])).unwrap_err().contains("systolic"));
        let f = EncounterForm {
            systolic: "140".into(),
            ..Default::default()
        };
        assert!(save(&f, &patient(&[])).is_err());
        let f = EncounterForm {
            complaint: "x".into(),
            amend_target: Some(Id(3)),
            ..Default::default()
        };
        assert!(save(&f, &patient(&[])).unwrap_err().contains("reason"));
        // A dose that is not a number has no quantity: nothing is saved.
        let mut l = line("阿莫西林胶囊");
        l.dose = "half".into();
        let f = EncounterForm {
            complaint: "x".into(),
            rx: vec![l],
            ..Default::default()
        };
        assert!(
            save(&f, &patient(&[]))
                .unwrap_err()
                .contains("阿莫西林胶囊")
        );
    }
}

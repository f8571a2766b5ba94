//! Drawing the encounter form (`storage::visit::EncounterForm`: its fields, rules and the
//! records it makes live there): complaint, vitals, ICD-10 diagnoses, prescription lines from
//! the catalogue, the public-health section, notes, follow-up. The rules of `storage::rules`
//! run on what is typed, every frame: their warnings show above the save button, and an
//! allergy match saves only with the doctor's reason (audited). Ctrl+Enter saves. In amend
//! mode it corrects an earlier encounter, with a reason.

use egui::{RichText, Ui};
use fixtures::catalogue::DIAGNOSES;
use storage::catalogue::Catalogue;
use storage::model::*;
use storage::rules::{self, Outcome, Severity};
use storage::visit::{EncounterForm, MAX_COMPLAINT_CHARS, RxLine, Visitor};

use crate::format;
use crate::gui::style::{DANGER, MUTED, WARN};
use crate::gui::widgets::public_health::public_health_ui;
use crate::i18n::Lang;
use storage::schedule::{DoseState, DoseStatus, ScheduledDose};

/// What the form asks for after a frame.
#[derive(Debug, PartialEq, Eq)]
pub enum FormAction {
    None,
    Save,
    Cancel,
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
    focused: &mut bool,
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
        if !std::mem::replace(focused, true) {
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
        ui.label(
            RichText::new(format::form_error(lang, e))
                .color(DANGER)
                .strong(),
        );
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

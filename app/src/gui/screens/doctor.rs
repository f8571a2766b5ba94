//! The doctor: the queue for this room, "call next", the patient's whole history on one
//! screen, and the encounter form (or the correction of an earlier encounter).

use egui::{RichText, Ui};
use storage::Id;
use storage::model::{FacilityLevel, QueueStatus, QueueTicket, RecordBody};

use crate::format;
use crate::gui::command::{Command, PrintRequest};
use crate::gui::screens::front_desk::status_name;
use crate::gui::state::AppState;
use crate::gui::style::{ACCENT, MUTED, WARN};
use crate::gui::widgets::encounter_form::{FormAction, encounter_form_ui};
use crate::gui::widgets::history::{RecordAction, ResidentView, resident_ui_with};
use crate::gui::widgets::read_or_show;
use storage::visit::EncounterForm;
use storage::visit::Visitor;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    History,
    Encounter,
}

/// A patient being seen.
pub struct Consult {
    pub ticket: Option<QueueTicket>,
    pub view: ResidentView,
    pub form: EncounterForm,
    /// The form's complaint has taken the focus (once per form: the doctor types at once).
    pub focused: bool,
    pub tab: Tab,
}

#[derive(Default)]
pub struct DoctorScreen {
    pub consult: Option<Consult>,
    /// A queue row clicked: starting that visit takes a second, deliberate press (rows move
    /// when the queue changes, and a click must not start the wrong patient's visit).
    pub picked: Option<Id>,
    /// A referral being written from one of the patient's encounters.
    pub referral: Option<ReferralDraft>,
}

pub struct ReferralDraft {
    pub encounter: Id,
    pub to: String,
    pub reason: String,
}

pub fn doctor_ui(ui: &mut Ui, state: &AppState, d: &mut DoctorScreen, commands: &mut Vec<Command>) {
    let lang = state.lang;
    egui::Panel::left("doctor-queue")
        .default_size(280.0)
        .min_size(220.0)
        .show(ui, |ui| {
            ui.add_space(6.0);
            let queue = read_or_show(
                ui,
                lang,
                state.store.queue(&state.facility.code, state.today()),
            );
            let waiting = queue
                .iter()
                .filter(|t| t.status == QueueStatus::Waiting)
                .count();
            let call = ui.add_enabled(
                waiting > 0,
                egui::Button::new(
                    RichText::new(format!("{} ({waiting})", lang.t("叫下一位", "Call next")))
                        .strong(),
                ),
            );
            let key = waiting > 0 && crate::gui::widgets::shortcut(ui, egui::Key::F5);
            if call.on_hover_text("F5").clicked() || key {
                commands.push(Command::CallNext);
            }
            ui.label(
                RichText::new(format!(
                    "{} · {}",
                    lang.t("诊室", "Room"),
                    state.settings.room
                ))
                .color(MUTED),
            );
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("doctor-queue-list")
                .show(ui, |ui| {
                    for t in queue.iter().filter(|t| {
                        matches!(t.status, QueueStatus::Waiting | QueueStatus::WithDoctor)
                    }) {
                        let name = state.who(t.resident);
                        let text = format!(
                            "{:>3}  {}  {}  {}",
                            t.number,
                            name,
                            format::visit_type(lang, t.visit_type),
                            status_name(lang, t.status)
                        );
                        let current = d
                            .consult
                            .as_ref()
                            .and_then(|c| c.ticket.as_ref())
                            .is_some_and(|c| c.id == t.id);
                        let picked = d.picked == Some(t.id);
                        if ui.selectable_label(current || picked, text).clicked() && !current {
                            d.picked = Some(t.id);
                        }
                        if picked && !current {
                            ui.horizontal(|ui| {
                                let start = egui::Button::new(
                                    RichText::new(format!(
                                        "{} {} {}",
                                        lang.t("接诊", "See"),
                                        t.number,
                                        name
                                    ))
                                    .strong(),
                                );
                                if ui.add(start).clicked() {
                                    commands.push(Command::CallPatient(t.id));
                                    d.picked = None;
                                }
                                if ui.small_button(lang.t("取消", "Cancel")).clicked() {
                                    d.picked = None;
                                }
                            });
                        }
                    }
                });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        let Some(c) = &mut d.consult else {
            d.referral = None;
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.label(
                    RichText::new(lang.t(
                        "点击“叫下一位”开始接诊",
                        "Press “Call next” to see the next patient",
                    ))
                    .color(MUTED),
                );
            });
            return;
        };
        ui.horizontal(|ui| {
            if let Some(t) = &c.ticket {
                ui.label(
                    RichText::new(format!("{} {}", lang.t("就诊号", "No."), t.number))
                        .strong()
                        .color(ACCENT),
                );
            }
            if ui
                .selectable_label(c.tab == Tab::History, lang.t("病历", "History"))
                .clicked()
            {
                c.tab = Tab::History;
            }
            if ui
                .selectable_label(c.tab == Tab::Encounter, lang.t("接诊记录", "Encounter"))
                .clicked()
            {
                c.tab = Tab::Encounter;
            }
            if c.ticket.is_some() && ui.button(lang.t("完成接诊", "Finish visit")).clicked() {
                commands.push(Command::FinishVisit);
            }
        });
        ui.separator();
        match c.tab {
            Tab::History => {
                referral_ui(ui, lang, &mut d.referral, commands);
                let action = resident_ui_with(
                    ui,
                    lang,
                    state.today(),
                    &mut c.view,
                    Some(&state.facility.code),
                );
                match action {
                    Some(RecordAction::Amend(target)) => {
                        let original = c.view.visible.iter().find(|h| h.id == target);
                        let current = original.map(|h| h.current(&c.view.visible).clone());
                        if let Some(RecordBody::Encounter(e)) = current {
                            c.form = EncounterForm::amending(target, &e);
                            c.focused = false;
                            c.tab = Tab::Encounter;
                        }
                    }
                    Some(RecordAction::PrintPrescription(id)) => {
                        commands.push(Command::Print(PrintRequest::Prescription(id)));
                    }
                    Some(RecordAction::Refer(encounter)) => {
                        d.referral = Some(ReferralDraft {
                            encounter,
                            to: county_hospital(state),
                            reason: String::new(),
                        });
                    }
                    None => {}
                }
            }
            Tab::Encounter => {
                ui.label(
                    RichText::new(format::who(lang, &c.view.resident, state.today())).strong(),
                );
                if !c.view.summary.allergies.is_empty() {
                    let names: Vec<&str> = c
                        .view
                        .summary
                        .allergies
                        .iter()
                        .map(|a| a.substance.as_str())
                        .collect();
                    ui.label(
                        RichText::new(format!(
                            "！{} {}",
                            lang.t("过敏：", "Allergies:"),
                            names.join("，")
                        ))
                        .color(WARN)
                        .strong(),
                    );
                }
                let who = Visitor {
                    age_months: c.view.resident.birth_date.months_until(state.today()),
                    female: c.view.resident.sex == storage::model::Sex::Female,
                    birth: c.view.resident.birth_date,
                    today: state.today(),
                };
                let checks = form_checks(state, c);
                egui::ScrollArea::vertical()
                    .id_salt("encounter-form")
                    .show(ui, |ui| {
                        match encounter_form_ui(
                            ui,
                            lang,
                            &mut c.form,
                            &mut c.focused,
                            who,
                            &c.view.summary.immunisations,
                            &state.catalogue,
                            &checks,
                        ) {
                            FormAction::Save => commands.push(Command::SaveEncounter),
                            FormAction::Cancel => {
                                let visit_type = c.form.visit_type;
                                c.form = EncounterForm::default();
                                c.focused = false;
                                c.form.visit_type = visit_type;
                                c.tab = Tab::History;
                            }
                            FormAction::None => {}
                        }
                    });
            }
        }
    });
}

/// The rules' outcome for the consultation's form as typed so far.
pub fn form_checks(state: &AppState, c: &Consult) -> storage::rules::Outcome {
    let today = state.today();
    let scenario = c.form.scenario(&c.view.patient, today);
    storage::rules::check(
        &scenario,
        storage::rules::RuleBook::national(),
        &state.catalogue,
    )
}

/// The receiving facility a referral starts with: the county hospital, where villages and
/// townships refer to.
fn county_hospital(state: &AppState) -> String {
    state
        .store
        .facilities()
        .unwrap_or_default()
        .into_iter()
        .find(|f| f.level == FacilityLevel::County)
        .map(|f| f.name)
        .unwrap_or_default()
}

fn referral_ui(
    ui: &mut Ui,
    lang: crate::i18n::Lang,
    draft: &mut Option<ReferralDraft>,
    commands: &mut Vec<Command>,
) {
    let Some(r) = draft else {
        return;
    };
    let mut close = false;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(
            RichText::new(lang.t("转诊单", "Referral"))
                .strong()
                .color(ACCENT),
        );
        ui.horizontal(|ui| {
            let label = ui.label(lang.t("转入机构", "Refer to"));
            ui.text_edit_singleline(&mut r.to).labelled_by(label.id);
        });
        let label = ui.label(lang.t("转出原因", "Reason"));
        ui.add(egui::TextEdit::multiline(&mut r.reason).desired_rows(2))
            .labelled_by(label.id);
        ui.horizontal(|ui| {
            let ready = !r.to.trim().is_empty() && !r.reason.trim().is_empty();
            if ui
                .add_enabled(
                    ready,
                    egui::Button::new(lang.t("打印转诊单", "Print referral")),
                )
                .clicked()
            {
                commands.push(Command::Print(PrintRequest::Referral {
                    encounter: r.encounter,
                    to: r.to.trim().to_string(),
                    reason: r.reason.trim().to_string(),
                }));
                close = true;
            }
            if ui.button(lang.t("取消", "Cancel")).clicked() {
                close = true;
            }
        });
    });
    if close {
        *draft = None;
    }
}

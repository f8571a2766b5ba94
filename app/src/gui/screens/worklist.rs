//! The doctor's worklists (随访名单): who is due or overdue for a chronic follow-up, a vaccine
//! dose, an antenatal visit or a child health check, with their phone and household; the
//! outcome of each call or home visit; the A4 list for the round.
//!
//! The list is computed by `storage::worklist` when the choice of list or village changes, or
//! after a contact is recorded (a command, applied outside this screen), not every frame.

use egui::{RichText, Ui};
use storage::Id;
use storage::model::{Contact, ContactOutcome, FollowUpMethod, WorklistKind};
use storage::worklist::{WorklistEntry, WorklistQuery};

use crate::format;
use crate::gui::command::{Command, PrintRequest};
use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED, WARN};
use crate::gui::widgets::claim_lines::header_row;

/// A list as read for a query, or why it could not be read.
pub type Loaded = (WorklistQuery, Result<Vec<WorklistEntry>, String>);

pub struct WorklistScreen {
    pub query: WorklistQuery,
    /// The list last read, shown while a fresher one is read.
    pub loaded: Option<Loaded>,
    /// The query being read on a worker thread.
    pub pending: Option<WorklistQuery>,
    /// Facility names for the last visits, read when a list arrives (not every frame).
    pub names: crate::services::printing::FacilityNames,
    /// The villages of the catchment (code, name), read once.
    pub villages: Option<Vec<(String, String)>>,
    pub method: FollowUpMethod,
    /// Moved away or died, picked for a resident: recorded on a second, deliberate press.
    pub confirm: Option<(Id, ContactOutcome)>,
}

impl Default for WorklistScreen {
    fn default() -> WorklistScreen {
        WorklistScreen {
            query: WorklistQuery::new(WorklistKind::FollowUp),
            loaded: None,
            pending: None,
            names: Default::default(),
            villages: None,
            method: FollowUpMethod::Phone,
            confirm: None,
        }
    }
}

impl WorklistScreen {
    /// The entries shown, when loaded for the current choice.
    pub fn entries(&self) -> Option<&[WorklistEntry]> {
        match &self.loaded {
            Some((q, Ok(entries))) if *q == self.query => Some(entries),
            _ => None,
        }
    }
}

pub fn worklist_ui(
    ui: &mut Ui,
    state: &AppState,
    w: &mut WorklistScreen,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            for kind in WorklistKind::ALL {
                let (zh, en) = kind.names();
                if ui
                    .selectable_label(w.query.kind == kind, lang.t(zh, en))
                    .clicked()
                {
                    w.query.kind = kind;
                }
            }
        });
        ui.horizontal(|ui| {
            let villages = w.villages.get_or_insert_with(|| {
                state
                    .actor()
                    .and_then(|a| state.store.villages(a).ok())
                    .unwrap_or_default()
            });
            let label = ui.label(lang.t("村", "Village"));
            let all = lang.t("全部", "all");
            let shown = w
                .query
                .village
                .as_ref()
                .and_then(|v| villages.iter().find(|(c, _)| c == v))
                .map_or(all, |(_, name)| name.as_str())
                .to_string();
            egui::ComboBox::from_id_salt("worklist-village")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut w.query.village, None, all);
                    for (code, name) in villages.iter() {
                        ui.selectable_value(&mut w.query.village, Some(code.clone()), name);
                    }
                })
                .response
                .labelled_by(label.id);
            ui.separator();
            ui.label(lang.t("联系方式", "Contact by"));
            for m in [FollowUpMethod::Phone, FollowUpMethod::Home] {
                ui.radio_value(&mut w.method, m, format::method(lang, m));
            }
            ui.separator();
            if ui.button(lang.t("刷新", "Refresh")).clicked() {
                commands.push(Command::LoadWorklist(w.query.clone()));
            }
            if ui
                .button(lang.t("打印名单（A4）", "Print the list (A4)"))
                .clicked()
            {
                commands.push(Command::Print(PrintRequest::Worklist(w.query.clone())));
            }
        });
        if w.loaded.as_ref().is_none_or(|(q, _)| *q != w.query) {
            // Read once per choice (and audited once) on a worker thread.
            if w.pending.as_ref() != Some(&w.query) {
                commands.push(Command::LoadWorklist(w.query.clone()));
            }
            ui.label(RichText::new(lang.t("正在读取名单…", "Reading the list…")).color(MUTED));
            return;
        }
        if let Some((_, Err(e))) = &w.loaded {
            ui.label(RichText::new(e.as_str()).color(DANGER));
            return;
        }
        let entries = w.entries().unwrap_or_default();
        let overdue = entries.iter().filter(|e| e.overdue()).count();
        ui.label(
            RichText::new(format!(
                "{} {} · {} {} · {} {} {}",
                entries.len(),
                lang.t("人", "residents"),
                lang.t("逾期", "overdue"),
                overdue,
                lang.t("含", "including what falls due within"),
                w.query.within_days,
                lang.t("天内到期", "days")
            ))
            .color(MUTED),
        );
        ui.separator();
        let today = state.today();
        let mut action: Option<(Id, ContactOutcome)> = None;
        let mut confirm = w.confirm;
        let mut open: Option<Id> = None;
        egui::ScrollArea::both()
            .id_salt("worklist-rows")
            .show(ui, |ui| {
                egui::Grid::new("worklist-grid")
                    .striped(true)
                    .spacing([12.0, 6.0])
                    .show(ui, |ui| {
                        header_row(
                            ui,
                            &[
                                lang.t("应随访日期", "Due since"),
                                lang.t("姓名 · 村", "Name · village"),
                                lang.t("电话 · 家庭成员", "Phone · household"),
                                lang.t("项目", "Due for"),
                                lang.t("上次就诊 · 联系", "Last visit · contact"),
                                "",
                            ],
                        );
                        for e in entries {
                            let row =
                                crate::services::printing::worklist_row(lang, &w.names, e, today);
                            let colour = if e.overdue() { DANGER } else { WARN };
                            ui.label(RichText::new(&row.since).color(colour));
                            ui.vertical(|ui| {
                                ui.label(RichText::new(&row.name).strong());
                                ui.label(
                                    RichText::new(format!("{} · {}", row.sex_age, row.address))
                                        .color(MUTED),
                                );
                            });
                            ui.vertical(|ui| {
                                ui.set_max_width(240.0);
                                ui.label(&row.phone);
                                ui.add(
                                    egui::Label::new(RichText::new(&row.household).color(MUTED))
                                        .wrap(),
                                );
                            });
                            ui.label(row.due.join("\n"));
                            ui.vertical(|ui| {
                                ui.label(RichText::new(&row.last_visit).color(MUTED));
                                ui.label(RichText::new(&row.last_contact).color(MUTED));
                            });
                            ui.horizontal(|ui| {
                                let id = e.resident.id;
                                match confirm {
                                    Some((who, outcome)) if who == id => {
                                        let (zh, en) = outcome.names();
                                        let text = format!(
                                            "{}{} {}",
                                            lang.t("确认", "Confirm "),
                                            lang.t(zh, en),
                                            row.name
                                        );
                                        if ui.button(RichText::new(text).color(DANGER)).clicked() {
                                            action = Some((id, outcome));
                                        }
                                        if ui.small_button(lang.t("取消", "Cancel")).clicked() {
                                            confirm = None;
                                        }
                                    }
                                    _ => {
                                        for outcome in ContactOutcome::ALL {
                                            let (zh, en) = outcome.names();
                                            let button = ui
                                                .small_button(lang.t(zh, en))
                                                .on_hover_text(row.name.as_str());
                                            if !button.clicked() {
                                                continue;
                                            }
                                            match outcome {
                                                ContactOutcome::MovedAway
                                                | ContactOutcome::Died => {
                                                    confirm = Some((id, outcome))
                                                }
                                                _ => action = Some((id, outcome)),
                                            }
                                        }
                                        if ui.small_button(lang.t("病历", "Record")).clicked() {
                                            open = Some(id);
                                        }
                                    }
                                }
                            });
                            ui.end_row();
                        }
                    });
            });
        w.confirm = confirm;
        if let Some((resident, outcome)) = action {
            w.confirm = None;
            commands.push(Command::RecordContact {
                resident,
                contact: Contact {
                    list: w.query.kind,
                    method: w.method,
                    outcome,
                    notes: String::new(),
                },
            });
        }
        if let Some(id) = open {
            let (zh, en) = w.query.kind.names();
            commands.push(Command::OpenResident {
                id,
                reason: format!("{}名单 / {en} worklist", zh),
            });
        }
    });
}

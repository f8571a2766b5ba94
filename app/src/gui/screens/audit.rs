//! The audit log for administrators: who viewed or changed what, searched by day, staff
//! member and resident; and whether this workstation's audit chain is intact.

use egui::{RichText, Ui};
use storage::audit::ChainReport;
use storage::{Date, Id};

use crate::format;
use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED, OK};
use crate::gui::widgets::claim_lines::header_row;
use crate::gui::widgets::day_picker::day_picker_ui;

/// Rows shown at most; narrow the search to see others.
const LIMIT: usize = 500;

#[derive(Default)]
pub struct AuditScreen {
    pub day: Option<Date>,
    pub staff: String,
    /// A name, ID number, card or insurance number.
    pub resident: String,
    /// The check of this workstation's chain, made when the screen is first shown.
    pub chain: Option<Result<ChainReport, String>>,
}

pub fn audit_ui(ui: &mut Ui, state: &AppState, a: &mut AuditScreen) {
    let lang = state.lang;
    egui::CentralPanel::default().show(ui, |ui| {
        let chain = a.chain.get_or_insert_with(|| {
            state
                .store
                .verify_audit_chain(state.store.device())
                .map_err(|e| crate::format::error(lang, &e.into()))
        });
        match chain {
            Ok(r) if r.broken.is_none() => ui.label(
                RichText::new(format!(
                    "{} {} {}",
                    lang.t("审计链完整：本机", "Audit chain intact:"),
                    r.entries,
                    lang.t("条记录", "entries on this workstation")
                ))
                .color(OK),
            ),
            Ok(r) => ui.label(
                RichText::new(format!(
                    "{} {}",
                    lang.t(
                        "审计链断裂，记录可能被篡改：",
                        "Audit chain broken, entries may have been tampered with:"
                    ),
                    r.broken.as_deref().unwrap_or_default()
                ))
                .color(DANGER)
                .strong(),
            ),
            Err(e) => ui.label(RichText::new(e.as_str()).color(DANGER)),
        };
        ui.separator();
        let day = day_picker_ui(ui, lang, state.today(), &mut a.day);
        ui.horizontal(|ui| {
            let label = ui.label(lang.t("按人员", "By staff"));
            ui.add(egui::TextEdit::singleline(&mut a.staff).desired_width(140.0))
                .labelled_by(label.id);
            let label = ui.label(lang.t("按居民", "By resident"));
            ui.add(
                egui::TextEdit::singleline(&mut a.resident)
                    .hint_text(lang.t("证件号、卡号或医保号", "ID, card or insurance number"))
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
        });
        let resident = resident_of(state, &a.resident);
        if !a.resident.trim().is_empty() && resident.is_none() {
            ui.label(RichText::new(lang.t("找不到此居民", "Resident not found")).color(DANGER));
            return;
        }
        let staff = Some(a.staff.trim()).filter(|s| !s.is_empty());
        let rows = crate::gui::widgets::read_or_show(
            ui,
            lang,
            state.store.search_audit(
                day.start_ms(),
                day.add_days(1).start_ms(),
                staff,
                resident,
                LIMIT,
            ),
        );
        ui.label(RichText::new(format!("{} {}", rows.len(), lang.t("条", "entries"))).color(MUTED));
        egui::ScrollArea::vertical()
            .id_salt("audit")
            .show(ui, |ui| {
                egui::Grid::new("audit-grid")
                    .striped(true)
                    .spacing([14.0, 4.0])
                    .show(ui, |ui| {
                        header_row(
                            ui,
                            &[
                                lang.t("时间", "Time"),
                                lang.t("工作人员", "Staff"),
                                lang.t("机构", "Facility"),
                                lang.t("操作", "Action"),
                                lang.t("居民", "Resident"),
                                lang.t("原因", "Reason"),
                            ],
                        );
                        for (change, entry) in &rows {
                            ui.label(format::time(change.hlc.unix_ms()));
                            ui.label(&change.origin.staff);
                            ui.label(&change.origin.facility);
                            ui.label(format::audit_action(lang, entry.action));
                            let name = entry
                                .resident
                                .and_then(|r| state.store.resident(r).ok().flatten())
                                .map(|r| r.name)
                                .unwrap_or_default();
                            ui.label(name);
                            ui.label(&entry.reason);
                            ui.end_row();
                        }
                    });
            });
    });
}

fn resident_of(state: &AppState, text: &str) -> Option<Id> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    state.store.find_typed(text).ok().flatten()
}

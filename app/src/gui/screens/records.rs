//! Find a resident and read their whole record (doctors), or break the glass with a reason.

use egui::{RichText, Ui};

use crate::gui::command::{Command, Desk};
use crate::gui::screens::register::{Register, RegisterResult, register_ui};
use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED, WARN};
use crate::gui::widgets::history::{ResidentView, resident_ui};
use crate::gui::widgets::search::{SearchPanel, camera_preview_ui, search_ui};

#[derive(Default)]
pub struct Records {
    pub search: SearchPanel,
    pub open: Option<ResidentView>,
    /// The registration form, when open (replaces the record view).
    pub register: Option<Register>,
    /// A resident a non-doctor picked: they may open the record only by breaking the glass.
    pub locked: Option<storage::Id>,
    pub break_glass_reason: String,
}

/// The camera texture and the last code's outline, as fractions of the frame.
pub type Preview<'a> = Option<(&'a egui::TextureHandle, &'a [egui::Pos2])>;

pub fn records_ui(
    ui: &mut Ui,
    state: &AppState,
    r: &mut Records,
    preview: Preview,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    egui::Panel::left("records-search")
        .default_size(330.0)
        .min_size(260.0)
        .show(ui, |ui| {
            ui.add_space(6.0);
            if ui
                .button(lang.t("+ 登记新居民", "+ Register a resident"))
                .clicked()
            {
                r.register = Some(Default::default());
            }
            if let Some((texture, outline)) = preview {
                camera_preview_ui(ui, texture, outline);
            }
            let selected = r.open.as_ref().map(|o| o.resident.id).or(r.locked);
            if let Some(id) = search_ui(ui, state, &mut r.search, selected) {
                commands.push(Command::OpenResident {
                    id,
                    reason: "search".into(),
                });
            }
        });
    egui::CentralPanel::default().show(ui, |ui| {
        if let Some(form) = &mut r.register {
            match register_ui(ui, state, form) {
                RegisterResult::Open => {}
                RegisterResult::Cancelled => r.register = None,
                RegisterResult::Submit(resident) => {
                    commands.push(Command::Register { resident, desk: Desk::Records })
                }
            }
            return;
        }
        if let Some(view) = &mut r.open {
            // Above the record, so it is always in view.
            if !view.hidden.is_empty() && !view.broken_glass {
                break_glass_ui(ui, state, view.resident.id, &mut r.break_glass_reason, commands);
            }
            resident_ui(ui, lang, state.today(), view);
            return;
        }
        if let Some(id) = r.locked {
            let name = state.store.resident(id).ok().flatten().map(|p| p.name).unwrap_or_default();
            ui.heading(name);
            ui.label(RichText::new(lang.t("只有医生可以查看病历。紧急情况下可破例查看，须填写原因并记录审计。", "Only doctors read clinical records. In an emergency you may break the glass: give a reason; it is audited.")).color(WARN));
            break_glass_ui(ui, state, id, &mut r.break_glass_reason, commands);
            return;
        }
        ui.add_space(40.0);
        ui.vertical_centered(|ui| {
            ui.label(RichText::new(lang.t("请查找或扫描居民的电子健康卡", "Search for a resident, or scan their eHealth card")).color(MUTED));
        });
    });
}

/// The break-glass control: a reason, then the full record (audited by the store).
fn break_glass_ui(
    ui: &mut Ui,
    state: &AppState,
    resident: storage::Id,
    reason: &mut String,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    ui.horizontal(|ui| {
        let label =
            ui.label(RichText::new(lang.t("破例查看原因", "Break-glass reason")).color(DANGER));
        ui.add(
            egui::TextEdit::singleline(reason)
                .desired_width(360.0)
                .hint_text(lang.t(
                    "例如：昏迷急诊，需要既往史",
                    "e.g. unconscious, emergency needs history",
                )),
        )
        .labelled_by(label.id);
        if ui
            .button(lang.t("破例查看（记录审计）", "Break the glass (audited)"))
            .clicked()
        {
            commands.push(Command::BreakGlass {
                id: resident,
                reason: std::mem::take(reason),
            });
        }
    });
}

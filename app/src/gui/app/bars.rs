//! The top bar (who, where, screens, language, messages) and the status bar (sync, outbox,
//! scanners).

use egui::{RichText, Ui};

use super::ClinicApp;
use crate::gui::command::Command;
use crate::gui::i18n::Lang;
use crate::gui::state::{Notice, Screen, role_name};
use crate::gui::style::{DANGER, MUTED};

impl ClinicApp {
    pub(super) fn top_bar_ui(&mut self, ui: &mut Ui) {
        let lang = self.state.lang;
        ui.horizontal(|ui| {
            ui.label(RichText::new(lang.t("居民电子健康卡", "eHealth card")).strong());
            ui.label(RichText::new(&self.state.facility.name).color(MUTED));
            if let Some(session) = &self.state.session {
                ui.separator();
                for screen in Screen::for_role(session.staff.role) {
                    if ui
                        .selectable_label(self.state.screen == *screen, screen.name(lang))
                        .clicked()
                    {
                        self.commands.push(Command::SetScreen(*screen));
                    }
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let other = if lang == Lang::Zh { Lang::En } else { Lang::Zh };
                if ui
                    .button(if lang == Lang::Zh {
                        "English"
                    } else {
                        "中文"
                    })
                    .clicked()
                {
                    self.commands.push(Command::SetLanguage(other));
                }
                if let Some(session) = &self.state.session {
                    if ui.button(lang.t("退出登录", "Log out")).clicked() {
                        self.commands.push(Command::Logout);
                    }
                    ui.label(format!(
                        "{} · {}",
                        session.staff.display_name,
                        role_name(lang, session.staff.role)
                    ));
                }
            });
        });
        let mut dismiss = false;
        match &self.state.notice {
            Some(Notice::Info(m)) => {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(m).color(crate::gui::style::OK));
                    dismiss = ui.small_button("×").clicked();
                });
            }
            Some(Notice::Error(m)) => {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(m).color(DANGER).strong());
                    dismiss = ui.small_button("×").clicked();
                });
            }
            None => {}
        }
        if dismiss {
            self.state.notice = None;
        }
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut Ui) {
        let lang = self.state.lang;
        let outbox = self.state.store.outbox_len().unwrap_or(0);
        ui.horizontal(|ui| {
            let hub = if self.state.settings.hub_url.is_empty() {
                lang.t("离线：未配置中心", "Offline: no hub configured")
            } else {
                lang.t("离线", "Offline")
            };
            ui.label(RichText::new(hub).color(MUTED));
            ui.separator();
            ui.label(format!(
                "{} {outbox}",
                lang.t("待上传", "Waiting to upload:")
            ));
            ui.separator();
            for source in [
                scanner::source::Source::Camera,
                scanner::source::Source::Serial,
                scanner::source::Source::Wedge,
            ] {
                let (mark, color, detail) = match self.scanners.states.get(&source) {
                    Some(scanner::source::DeviceState::Connected(d)) => {
                        ("✓", crate::gui::style::OK, d.clone())
                    }
                    Some(scanner::source::DeviceState::Lost(d)) => ("!", DANGER, d.clone()),
                    Some(scanner::source::DeviceState::Absent(d)) => ("–", MUTED, d.clone()),
                    None => ("…", MUTED, String::new()),
                };
                ui.label(
                    RichText::new(format!(
                        "{} {mark}",
                        crate::gui::format::source(lang, source)
                    ))
                    .color(color),
                )
                .on_hover_text(detail);
            }
            ui.separator();
            ui.label(RichText::new(self.state.store.device()).color(MUTED));
            if let Some(view) = &self.records.open {
                ui.separator();
                ui.label(
                    RichText::new(format!("{:.1} ms", view.loaded_in.as_secs_f64() * 1000.0))
                        .color(MUTED),
                );
            }
        });
    }
}

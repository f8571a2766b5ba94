//! The top bar (who, where, screens, language, messages) and the status bar (sync, outbox,
//! scanners).

use egui::{RichText, Ui};

use super::ClinicApp;
use crate::gui::command::Command;
use crate::gui::state::{Notice, Screen, role_name};
use crate::gui::style::{DANGER, MUTED};
use crate::i18n::Lang;

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
        // The notice row is always there, empty or not, so a notice never pushes the screen
        // down and moves a button from under the cursor; a long notice is cut, whole on hover.
        let mut dismiss = false;
        ui.horizontal(|ui| {
            ui.set_min_height(ui.spacing().interact_size.y);
            let text = match &self.state.notice {
                Some(Notice::Info(m)) => RichText::new(m).color(crate::gui::style::OK),
                Some(Notice::Error(m)) => RichText::new(m).color(DANGER).strong(),
                None => return,
            };
            dismiss = ui.small_button("×").clicked();
            ui.add(egui::Label::new(text).truncate());
        });
        if dismiss {
            self.state.notice = None;
        }
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut Ui) {
        let lang = self.state.lang;
        let outbox = self.state.store.outbox_len().unwrap_or(0);
        let refused = self.state.store.rejected().map_or(0, |r| r.len());
        ui.horizontal(|ui| {
            let (text, color, detail) = sync_state(lang, &self.sync_status, self.state.now_ms());
            ui.label(RichText::new(text).color(color))
                .on_hover_text(detail);
            ui.separator();
            ui.label(format!(
                "{} {outbox}",
                lang.t("待上传", "Waiting to upload:")
            ));
            if refused > 0 {
                ui.label(
                    RichText::new(format!(
                        "{} {refused}",
                        lang.t("中心拒收", "Refused by the hub:")
                    ))
                    .color(DANGER)
                    .strong(),
                )
                .on_hover_text(lang.t(
                    "原因见“设置”，修正后可重新发送",
                    "See Settings for the reasons; send them again once fixed",
                ));
            }
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
                let last = self.scanners.last_code.get(&source);
                // The time of day only: `2024-03-05 10:21` → `10:21`.
                let seen = last.map_or(String::new(), |at| {
                    let time = crate::format::time(*at);
                    format!(" {}", time.get(11..).unwrap_or(&time))
                });
                ui.label(
                    RichText::new(format!(
                        "{} {mark}{seen}",
                        crate::format::source(lang, source)
                    ))
                    .color(color),
                )
                .on_hover_text(match last {
                    Some(_) => format!(
                        "{detail} · {}",
                        lang.t("上次读到码的时间", "last code read at")
                    ),
                    None => detail,
                });
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

/// What the status bar says about sync: the words, their colour, and the detail on hover.
fn sync_state(lang: Lang, s: &super::SyncStatus, now_ms: i64) -> (String, egui::Color32, String) {
    use crate::format::time;
    use crate::gui::style::{OK, WARN};
    if !s.enrolled {
        let text = lang.t("离线：未加入中心", "Offline: not joined to a hub");
        return (text.into(), MUTED, String::new());
    }
    if s.syncing {
        let text = match s.progress {
            Some(sync::client::Progress::Pushing { done, total }) => {
                format!("{} {done}/{total}", lang.t("正在上传", "Uploading"))
            }
            Some(sync::client::Progress::Pulling { done }) => {
                format!("{} {done}", lang.t("正在下载", "Downloading"))
            }
            None => lang.t("正在同步…", "Syncing…").into(),
        };
        return (text, MUTED, String::new());
    }
    let last = s
        .last_ok_ms
        .map(|t| format!("{} {}", lang.t("上次同步", "last synced"), time(t)));
    if let Some(error) = &s.error {
        let text = format!(
            "{}{}",
            lang.t("离线：连不上中心", "Offline: the hub cannot be reached"),
            last.map(|l| format!(" · {l}")).unwrap_or_default()
        );
        return (text, DANGER, error.clone());
    }
    match s.last_ok_ms {
        // Older than the settlement's 10 minutes: claims computed now are provisional.
        Some(t) if now_ms.saturating_sub(t) > 10 * 60_000 => {
            (last.unwrap_or_default(), WARN, String::new())
        }
        Some(t) => (
            format!("{} {}", lang.t("已同步", "Synced"), time(t)),
            OK,
            String::new(),
        ),
        None => (
            lang.t("尚未同步", "Not synced yet").into(),
            MUTED,
            String::new(),
        ),
    }
}

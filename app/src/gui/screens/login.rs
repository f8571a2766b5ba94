//! Login with a staff account.

use egui::{RichText, Ui};

use crate::gui::command::Command;
use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED};

#[derive(Default)]
pub struct Login {
    pub username: String,
    password: String,
    pub error: Option<String>,
    focused: bool,
}

pub fn login_ui(ui: &mut Ui, state: &AppState, l: &mut Login, commands: &mut Vec<Command>) {
    let lang = state.lang;
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading(lang.t("登录", "Log in"));
        ui.label(RichText::new(&state.facility.name).color(MUTED));
        ui.add_space(16.0);
        let mut submit = false;
        let label = ui.label(lang.t("用户名", "User name"));
        let user = ui
            .add(egui::TextEdit::singleline(&mut l.username).desired_width(260.0))
            .labelled_by(label.id);
        if !l.focused {
            user.request_focus();
            l.focused = true;
        }
        let label = ui.label(lang.t("密码", "Password"));
        let pw = ui
            .add(
                egui::TextEdit::singleline(&mut l.password)
                    .password(true)
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
        submit |= pw.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.add_space(8.0);
        submit |= ui.button(lang.t("登录", "Log in")).clicked();
        if submit {
            // The store checks and audits it; a refusal comes back in `error`.
            commands.push(Command::LogIn {
                username: l.username.clone(),
                password: std::mem::take(&mut l.password),
            });
        }
        if let Some(e) = &l.error {
            ui.label(RichText::new(e).color(DANGER));
        }
        let demo = state
            .store
            .staff()
            .map(|s| s.iter().any(|s| s.username == "doctor"))
            .unwrap_or(false);
        if demo {
            ui.add_space(20.0);
            ui.label(
                RichText::new(format!(
                    "{} doctor / frontdesk / admin · {} {}",
                    lang.t("演示账号：", "Demo accounts:"),
                    lang.t("密码", "password"),
                    crate::services::demo::DEMO_PASSWORD
                ))
                .color(MUTED),
            );
        }
    });
}

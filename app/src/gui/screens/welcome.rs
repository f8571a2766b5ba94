//! First start: load the demo township, or create the administrator account.

use egui::{RichText, Ui};

use crate::gui::command::Command;
use crate::gui::state::AppState;
use crate::gui::style::MUTED;

#[derive(Default)]
pub struct Welcome {
    username: String,
    display_name: String,
    password: String,
    confirm: String,
    pub error: Option<String>,
}

pub fn welcome_ui(
    ui: &mut Ui,
    state: &AppState,
    loading: Option<(u64, u64)>,
    w: &mut Welcome,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    ui.vertical_centered(|ui| {
        ui.add_space(40.0);
        ui.heading(lang.t(
            "欢迎使用居民电子健康卡诊所工作站",
            "Welcome to the eHealth card clinic workstation",
        ));
        ui.label(
            RichText::new(lang.t("这是一个新的数据文件。", "This is a new data file."))
                .color(MUTED),
        );
        ui.add_space(20.0);
        if let Some((loaded, of)) = loading {
            ui.label(lang.t("正在载入演示数据…", "Loading the demo township…"));
            let fraction = loaded as f32 / of.max(1) as f32;
            ui.add(
                egui::ProgressBar::new(fraction.min(1.0))
                    .desired_width(400.0)
                    .show_percentage(),
            );
            return;
        }
        if ui
            .button(lang.t(
                "载入演示数据（花园镇，约2000位居民）",
                "Load the demo township (about 2 000 residents)",
            ))
            .clicked()
        {
            commands.push(Command::StartDemoLoad);
        }
        ui.add_space(30.0);
        ui.label(
            RichText::new(lang.t("或创建管理员账号", "or create the administrator account"))
                .strong(),
        );
        egui::Grid::new("admin").num_columns(2).show(ui, |ui| {
            let fields: [(&str, &mut String, bool); 4] = [
                (lang.t("用户名", "User name"), &mut w.username, false),
                (lang.t("姓名", "Full name"), &mut w.display_name, false),
                (lang.t("密码", "Password"), &mut w.password, true),
                (lang.t("确认密码", "Confirm password"), &mut w.confirm, true),
            ];
            for (label, value, secret) in fields {
                let label = ui.label(label);
                ui.add(egui::TextEdit::singleline(value).password(secret))
                    .labelled_by(label.id);
                ui.end_row();
            }
        });
        if let Some(e) = &w.error {
            ui.colored_label(crate::gui::style::DANGER, e);
        }
        if ui
            .button(lang.t("创建管理员", "Create administrator"))
            .clicked()
        {
            if w.password != w.confirm {
                w.error = Some(
                    lang.t("两次输入的密码不一致", "The passwords differ")
                        .into(),
                );
                return;
            }
            w.error = None;
            commands.push(Command::CreateAdmin {
                username: w.username.clone(),
                display_name: w.display_name.clone(),
                password: std::mem::take(&mut w.password),
            });
            w.confirm.clear();
        }
    });
}

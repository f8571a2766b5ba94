//! The start-up tamper check fails closed: when the audit chain is broken, or no longer holds
//! what the hub countersigned, the window shows why and goes no further until an
//! administrator decides to continue, with a reason that goes into the audit log.

use egui::{RichText, Ui};

use crate::gui::command::Command;
use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED};

/// The problem found at start, and the administrator's form.
pub struct IntegrityGate {
    pub problem: String,
    username: String,
    password: String,
    reason: String,
    pub error: Option<String>,
}

impl IntegrityGate {
    pub fn new(problem: String) -> IntegrityGate {
        IntegrityGate {
            problem,
            username: String::new(),
            password: String::new(),
            reason: String::new(),
            error: None,
        }
    }
}

/// What the store's audit log says about itself at start: `Some(problem)` when it cannot be
/// trusted (a check that itself fails counts as a problem: the gate fails closed).
pub fn problem(store: &storage::Store) -> Option<String> {
    match store.verify_audit_chain(store.device()) {
        Err(e) => return Some(format!("the audit chain could not be checked: {e}")),
        Ok(report) => {
            if let Some(broken) = report.broken {
                return Some(format!("the audit chain is broken at {broken}"));
            }
        }
    }
    match sync::client::audit_receipt_problem(store) {
        Ok(None) => None,
        Ok(Some(problem)) => Some(problem),
        Err(e) => Some(format!("the hub's audit receipt could not be checked: {e}")),
    }
}

pub fn integrity_ui(
    ui: &mut Ui,
    state: &AppState,
    g: &mut IntegrityGate,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    ui.vertical_centered(|ui| {
        ui.add_space(40.0);
        ui.heading(
            RichText::new(lang.t("审计日志未通过校验", "The audit log failed its check"))
                .color(DANGER),
        );
        ui.label(RichText::new(&g.problem).color(DANGER));
        ui.add_space(8.0);
        ui.label(lang.t(
            "本机数据可能被篡改。请通知管理员；管理员可在记录原因后继续使用。",
            "This workstation's data may have been tampered with. Call the administrator, \
             who may continue after recording why.",
        ));
        ui.add_space(16.0);
        let label = ui.label(lang.t("管理员用户名", "Administrator"));
        ui.add(egui::TextEdit::singleline(&mut g.username).desired_width(260.0))
            .labelled_by(label.id);
        let label = ui.label(lang.t("密码", "Password"));
        ui.add(
            egui::TextEdit::singleline(&mut g.password)
                .password(true)
                .desired_width(260.0),
        )
        .labelled_by(label.id);
        let label = ui.label(lang.t("继续使用的原因", "Why the workstation may go on"));
        ui.add(egui::TextEdit::singleline(&mut g.reason).desired_width(260.0))
            .labelled_by(label.id);
        ui.add_space(8.0);
        if ui
            .button(lang.t("记录并继续", "Record and continue"))
            .clicked()
        {
            g.error = None;
            commands.push(Command::AcknowledgeTampering {
                username: std::mem::take(&mut g.username),
                password: std::mem::take(&mut g.password),
                reason: g.reason.clone(),
            });
        }
        if let Some(e) = &g.error {
            ui.label(RichText::new(e).color(DANGER));
        }
        ui.add_space(8.0);
        if ui.button(lang.t("关闭程序", "Close the program")).clicked() {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        ui.label(
            RichText::new(lang.t(
                "在此之前不显示任何居民资料",
                "No resident's data is shown until then",
            ))
            .color(MUTED),
        );
    });
}

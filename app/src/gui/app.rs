//! The eframe application: draws the current screen, then applies the commands screens pushed.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{RichText, Ui};
use storage::Store;

use super::command::Command;
use super::i18n::Lang;
use super::screens::login::{Login, login_ui};
use super::screens::records::{Records, records_ui};
use super::screens::welcome::{Welcome, welcome_ui};
use super::state::{AppState, Notice, Session, role_name};
use super::style::{DANGER, MUTED};
use super::widgets::history::ResidentView;
use super::workers::DemoLoader;
use crate::settings::Settings;

pub struct ClinicApp {
    pub state: AppState,
    welcome: Welcome,
    login: Login,
    pub records: Records,
    demo: Option<DemoLoader>,
    commands: Vec<Command>,
    ctx: egui::Context,
}

impl ClinicApp {
    pub fn new(
        ctx: egui::Context,
        store: Arc<Store>,
        settings: Settings,
        data_dir: PathBuf,
    ) -> ClinicApp {
        super::style::apply(&ctx);
        ClinicApp {
            state: AppState::new(store, settings, data_dir),
            welcome: Welcome::default(),
            login: Login::default(),
            records: Records::default(),
            demo: None,
            commands: Vec::new(),
            ctx,
        }
    }

    /// Starts loading the demo township in the background (used by `clinic --demo`).
    pub fn start_demo_load(&mut self) {
        if self.demo.is_none() {
            let today = self.state.today();
            let facility = self.state.settings.facility.clone();
            self.demo = Some(DemoLoader::spawn(
                self.ctx.clone(),
                self.state.store.clone(),
                facility,
                today,
            ));
        }
    }

    /// Draws one frame. Tests call this through egui_kittest.
    pub fn ui_root(&mut self, ui: &mut Ui) {
        self.poll_workers();
        egui::Panel::top("top").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar_ui(ui));
        let no_staff = self
            .state
            .store
            .staff()
            .map(|s| s.is_empty())
            .unwrap_or(true);
        let commands = &mut self.commands;
        if self.state.session.is_none() && (no_staff || self.demo.is_some()) {
            egui::CentralPanel::default().show(ui, |ui| {
                welcome_ui(
                    ui,
                    &self.state,
                    self.demo.as_ref(),
                    &mut self.welcome,
                    commands,
                )
            });
        } else if self.state.session.is_none() {
            egui::CentralPanel::default().show(ui, |ui| {
                login_ui(ui, &self.state, &mut self.login, commands)
            });
        } else {
            records_ui(ui, &self.state, &mut self.records, commands);
        }
        for command in std::mem::take(&mut self.commands) {
            self.apply(command);
        }
    }

    fn poll_workers(&mut self) {
        if let Some(result) = self.demo.as_mut().and_then(DemoLoader::poll) {
            self.demo = None;
            self.state.refresh_facility();
            self.state.notice = Some(match result {
                Ok(s) => Notice::Info(format!(
                    "{} {} {}, {} {}",
                    self.state
                        .lang
                        .t("演示数据已载入：", "Demo township loaded:"),
                    s.residents,
                    self.state.lang.t("位居民", "residents"),
                    s.records,
                    self.state.lang.t("条记录", "records")
                )),
                Err(e) => Notice::Error(e),
            });
        }
    }

    fn apply(&mut self, command: Command) {
        let lang = self.state.lang;
        match command {
            Command::LoggedIn(staff) => {
                let actor = storage::Actor {
                    staff: staff.username.clone(),
                    facility: self.state.settings.facility.clone(),
                    role: staff.role,
                };
                self.state.session = Some(Session { staff, actor });
                self.state.notice = None;
            }
            Command::Logout => {
                self.state.session = None;
                self.records = Records::default();
                self.login = Login::default();
            }
            Command::SetLanguage(l) => {
                self.state.lang = l;
                self.state.settings.language = l.code().into();
                if let Err(e) = self.state.settings.save(&self.state.data_dir) {
                    self.state.error(e);
                }
            }
            Command::OpenResident { id, reason } => {
                match ResidentView::load(&self.state, id, &reason) {
                    Ok(view) => self.records.open = Some(view),
                    Err(e) => self.state.error(format!(
                        "{}: {e}",
                        lang.t("无法打开记录", "Cannot open the record")
                    )),
                }
            }
            Command::StartDemoLoad => self.start_demo_load(),
            Command::Info(m) => self.state.notice = Some(Notice::Info(m)),
            Command::Error(m) => self.state.notice = Some(Notice::Error(m)),
        }
    }

    fn top_bar_ui(&mut self, ui: &mut Ui) {
        let lang = self.state.lang;
        ui.horizontal(|ui| {
            ui.label(RichText::new(lang.t("居民电子健康卡", "eHealth card")).strong());
            ui.label(RichText::new(&self.state.facility.name).color(MUTED));
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
                    ui.label(RichText::new(m).color(super::style::OK));
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

    fn status_bar_ui(&mut self, ui: &mut Ui) {
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

impl eframe::App for ClinicApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}

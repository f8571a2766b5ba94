//! The eframe application: draws the current screen, then applies the commands screens pushed.
//!
//! `apply.rs` carries out commands, `scans.rs` decides what a scanned code leads to,
//! `bars.rs` draws the top and status bars, `sync_status.rs` follows the sync worker.

mod apply;
mod bars;
mod forms;
mod printing;
mod scans;
mod sync_status;

use std::path::PathBuf;
use std::sync::Arc;

use egui::{RichText, Ui};
use storage::Store;

pub use self::sync_status::SyncStatus;
use super::command::Command;
use super::scanning::Scanners;
use super::screens::audit::{AuditScreen, audit_ui};
use super::screens::claims::{ClaimsScreen, claims_ui};
use super::screens::doctor::{DoctorScreen, doctor_ui};
use super::screens::front_desk::{FrontDesk, front_desk_ui};
use super::screens::integrity::{IntegrityGate, integrity_ui};
use super::screens::login::{Login, login_ui};
use super::screens::records::{Records, records_ui};
use super::screens::settings::{SettingsScreen, settings_ui};
use super::screens::welcome::{Welcome, welcome_ui};
use super::screens::worklist::{WorklistScreen, worklist_ui};
use super::state::{AppState, Notice, Screen};
use super::workers::{Job, JobLost};
use crate::settings::Settings;

pub struct ClinicApp {
    pub state: AppState,
    welcome: Welcome,
    login: Login,
    pub records: Records,
    pub front_desk: FrontDesk,
    pub doctor: DoctorScreen,
    pub worklist: WorklistScreen,
    pub settings_screen: SettingsScreen,
    pub claims: ClaimsScreen,
    pub audit: AuditScreen,
    /// The demo township loading (residents loaded so far), and how many it will hold.
    demo: Option<(Job<anyhow::Result<fixtures::LoadSummary>, u64>, u64)>,
    pub scanners: Scanners,
    sync: Option<sync::worker::SyncWorker>,
    pub sync_status: SyncStatus,
    /// A scanned resident being looked up at the hub, with the registration to offer if the
    /// hub does not know them either.
    pending_fetch: Option<(storage::model::Identifier, Box<storage::NewResident>)>,
    /// A break-glass at the hub in flight: the identifier asked for, and the resident.
    pending_break_glass: Option<(storage::model::Identifier, storage::Id)>,
    /// Documents being printed on worker threads: each sends its notice when done.
    prints: Vec<Job<Notice>>,
    /// A worklist being read on a worker thread (a township's list takes a second or two).
    worklist_job: Option<Job<super::screens::worklist::Loaded>>,
    /// Joining a hub, from the settings screen.
    enrolling: Option<Job<anyhow::Result<String>>>,
    /// A backup, from the settings screen.
    backup: Option<Job<anyhow::Result<String>>>,
    /// The camera preview texture and the preview frame count it shows.
    preview: Option<(u64, egui::TextureHandle)>,
    /// Time of the last input, for the idle lock; `locked` once it passed.
    last_input: f64,
    pub locked: bool,
    unlock_password: String,
    /// eframe calls the raw-input hook: the wedge filter runs there, before egui sees input.
    raw_input_hooked: bool,
    commands: Vec<Command>,
    ctx: egui::Context,
    /// The start-up tamper check failed: nothing else is shown until an administrator decides.
    pub integrity: Option<IntegrityGate>,
}

impl ClinicApp {
    pub fn new(
        ctx: egui::Context,
        store: Arc<Store>,
        settings: Settings,
        data_dir: PathBuf,
    ) -> ClinicApp {
        super::style::apply(&ctx);
        let mut notice = None;
        let lang = crate::i18n::Lang::from_code(&settings.language);
        let trust = crate::trust::root_key(&settings.root_key)
            .and_then(|root| {
                if root.is_none() {
                    notice = Some(Notice::Error(
                        lang.t(crate::trust::NO_ROOT.0, crate::trust::NO_ROOT.1)
                            .into(),
                    ));
                }
                crate::trust::load(&data_dir, root.as_ref(), &store)
            })
            .unwrap_or_else(|e| {
                notice = Some(Notice::Error(crate::format::error(lang, &e)));
                None
            });
        let scanners = Scanners::start(&ctx, &settings, scanner::card::Verifier::new(trust));
        let (sync, sync_status) = sync_status::start(&ctx, &store, &data_dir);
        // The audit log is checked on every start, and the check fails closed.
        let integrity = super::screens::integrity::problem(&store).map(IntegrityGate::new);
        let mut state = AppState::new(store, settings, data_dir);
        state.notice = notice.or(state.notice);
        ClinicApp {
            state,
            welcome: Welcome::default(),
            login: Login::default(),
            records: Records::default(),
            front_desk: FrontDesk::default(),
            doctor: DoctorScreen::default(),
            worklist: WorklistScreen::default(),
            settings_screen: SettingsScreen::default(),
            claims: ClaimsScreen::default(),
            audit: AuditScreen::default(),
            demo: None,
            scanners,
            sync,
            sync_status,
            pending_fetch: None,
            pending_break_glass: None,
            prints: Vec::new(),
            worklist_job: None,
            enrolling: None,
            backup: None,
            preview: None,
            last_input: 0.0,
            locked: false,
            unlock_password: String::new(),
            raw_input_hooked: false,
            commands: Vec::new(),
            ctx,
            integrity,
        }
    }

    /// Logs a staff member in without the login screen (benchmarks).
    pub fn log_in(&mut self, staff: storage::model::Staff) {
        self.apply(Command::LoggedIn(staff));
    }

    /// Starts loading the demo township in the background (used by `clinic --demo`).
    pub fn start_demo_load(&mut self) {
        if self.demo.is_none() {
            let today = self.state.today();
            let facility = self.state.settings.facility.clone();
            let store = self.state.store.clone();
            let residents = fixtures::Params::demo(today).residents;
            let job = Job::spawn(&self.ctx, "demo-loader", move |progress| {
                crate::services::demo::load_demo(&store, &facility, today, residents, &mut |n| {
                    progress.report(n)
                })
                .map_err(anyhow::Error::from)
            });
            self.demo = Some((job, residents as u64));
        }
    }

    /// Draws one frame. Tests call this through egui_kittest.
    pub fn ui_root(&mut self, ui: &mut Ui) {
        if !self.raw_input_hooked && self.wedge_listens() {
            self.scanners.filter_input(ui.ctx());
        }
        self.watch_idle(ui.ctx());
        self.poll_workers(ui.ctx());
        egui::Panel::top("top").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar_ui(ui));
        let no_staff = self
            .state
            .store
            .staff()
            .map(|s| s.is_empty())
            .unwrap_or(true);
        let outline = self.preview_outline();
        let preview = self.preview.as_ref().map(|(_, t)| (t, outline.as_slice()));
        let commands = &mut self.commands;
        let state = &self.state;
        if let Some(gate) = &mut self.integrity {
            egui::CentralPanel::default().show(ui, |ui| integrity_ui(ui, state, gate, commands));
        } else if state.session.is_none() && (no_staff || self.demo.is_some()) {
            egui::CentralPanel::default().show(ui, |ui| {
                let loading = self
                    .demo
                    .as_ref()
                    .map(|(job, of)| (job.progress.unwrap_or(0), *of));
                welcome_ui(ui, state, loading, &mut self.welcome, commands)
            });
        } else if state.session.is_none() {
            egui::CentralPanel::default()
                .show(ui, |ui| login_ui(ui, state, &mut self.login, commands));
        } else if self.locked {
            egui::CentralPanel::default().show(ui, |ui| {
                lock_ui(ui, state, &mut self.unlock_password, commands)
            });
        } else {
            match state.screen {
                Screen::FrontDesk => {
                    front_desk_ui(ui, state, &mut self.front_desk, preview, commands)
                }
                Screen::Doctor => doctor_ui(ui, state, &mut self.doctor, commands),
                Screen::Worklist => worklist_ui(ui, state, &mut self.worklist, commands),
                Screen::Records => records_ui(ui, state, &mut self.records, preview, commands),
                Screen::Settings => settings_ui(ui, state, &mut self.settings_screen, commands),
                Screen::Claims => claims_ui(ui, state, &mut self.claims, commands),
                Screen::Audit => audit_ui(ui, state, &mut self.audit),
            }
        }
        // Commands change what the next frame shows: draw it now, not at the next input.
        if !self.commands.is_empty() {
            ui.ctx().request_repaint();
        }
        for command in std::mem::take(&mut self.commands) {
            self.apply(command);
        }
    }

    /// Locks the screen after the configured idle time; the session stays, the screen hides.
    fn watch_idle(&mut self, ctx: &egui::Context) {
        let (time, active) = ctx.input(|i| (i.time, !i.events.is_empty() || i.pointer.is_moving()));
        if active || self.last_input == 0.0 {
            self.last_input = time;
        }
        let minutes = self.state.settings.idle_lock_minutes;
        if self.state.session.is_some() && minutes > 0 && !self.locked {
            let idle = time - self.last_input;
            if idle > minutes as f64 * 60.0 {
                self.locked = true;
            } else {
                ctx.request_repaint_after(std::time::Duration::from_secs_f64(
                    minutes as f64 * 60.0 - idle + 0.5,
                ));
            }
        }
    }

    fn poll_workers(&mut self, ctx: &egui::Context) {
        if let Some(result) = self.demo.as_mut().and_then(|(job, _)| job.poll()) {
            self.demo = None;
            self.state.refresh_facility();
            let lang = self.state.lang;
            self.state.notice = Some(match result {
                Ok(Ok(s)) => Notice::Info(format!(
                    "{} {} {}, {} {}",
                    self.state
                        .lang
                        .t("演示数据已载入：", "Demo township loaded:"),
                    s.residents,
                    self.state.lang.t("位居民", "residents"),
                    s.records,
                    self.state.lang.t("条记录", "records")
                )),
                Ok(Err(e)) => Notice::Error(crate::format::error(lang, &e)),
                Err(JobLost) => Notice::Error(crate::format::job_lost(lang)),
            });
        }
        let time = ctx.input(|i| i.time);
        let (checked, warnings) = self.scanners.poll(&self.state.store, time);
        for c in checked {
            self.handle_scan(c);
        }
        if let Some(w) = warnings.into_iter().last() {
            self.state.notice = Some(Notice::Error(w));
        }
        self.update_preview(ctx);
        self.poll_sync();
        self.poll_prints();
        self.poll_worklist();
        self.poll_settings_jobs();
    }

    /// The last camera code's corners as fractions of the frame.
    fn preview_outline(&self) -> Vec<egui::Pos2> {
        let Some(camera) = &self.scanners.camera else {
            return Vec::new();
        };
        let (w, h) = camera.preview.lock().map(|p| p.full_size).unwrap_or((1, 1));
        self.scanners
            .last_outline
            .iter()
            .map(|(x, y)| egui::pos2(x / w.max(1) as f32, y / h.max(1) as f32))
            .collect()
    }

    fn update_preview(&mut self, ctx: &egui::Context) {
        let Some(camera) = &self.scanners.camera else {
            return;
        };
        let Ok(p) = camera.preview.lock() else { return };
        let Some(frame) = &p.frame else { return };
        if self.preview.as_ref().is_some_and(|(n, _)| *n == p.frames) {
            return;
        }
        let image = egui::ColorImage::from_gray(
            [frame.width as usize, frame.height as usize],
            &frame.pixels,
        );
        match &mut self.preview {
            Some((n, texture)) => {
                texture.set(image, egui::TextureOptions::LINEAR);
                *n = p.frames;
            }
            None => {
                self.preview = Some((
                    p.frames,
                    ctx.load_texture("camera", image, egui::TextureOptions::LINEAR),
                ))
            }
        }
    }
}

/// The lock screen: the logged-in user's password, or log out.
fn lock_ui(ui: &mut Ui, state: &AppState, password: &mut String, commands: &mut Vec<Command>) {
    let lang = state.lang;
    let Some(session) = &state.session else {
        return;
    };
    ui.vertical_centered(|ui| {
        ui.add_space(80.0);
        ui.heading(lang.t("屏幕已锁定", "Screen locked"));
        ui.label(format!(
            "{} · {}",
            session.staff.display_name, session.staff.username
        ));
        let label = ui.label(lang.t("密码", "Password"));
        let field = ui
            .add(
                egui::TextEdit::singleline(password)
                    .password(true)
                    .desired_width(240.0),
            )
            .labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button(lang.t("解锁", "Unlock")).clicked() || enter {
            commands.push(Command::Unlock {
                password: std::mem::take(password),
            });
        }
        if ui.button(lang.t("退出登录", "Log out")).clicked() {
            commands.push(Command::Logout);
        }
        ui.label(
            RichText::new(lang.t("病历内容已隐藏", "Records are hidden while locked"))
                .color(super::style::MUTED),
        );
    });
}

impl ClinicApp {
    /// Filters keyboard-wedge input before egui processes it (see `Scanners::filter_raw`).
    pub fn filter_raw_input(&mut self, ctx: &egui::Context, raw: &mut egui::RawInput) {
        self.raw_input_hooked = true;
        if self.wedge_listens() {
            self.scanners.filter_raw(ctx, raw);
        }
    }

    /// The keyboard wedge is listened for only while someone is logged in: on the login and
    /// lock screens everything typed is a person's (a password typed fast and followed by
    /// Enter must never be taken for a code), and a scan would be refused anyway.
    fn wedge_listens(&self) -> bool {
        self.state.session.is_some() && !self.locked
    }
}

impl eframe::App for ClinicApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }

    fn raw_input_hook(&mut self, ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        self.filter_raw_input(ctx, raw_input);
    }
}

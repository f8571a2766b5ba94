//! The eframe application: draws the current screen, then applies the commands screens pushed.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{RichText, Ui};
use storage::Store;

use super::command::Command;
use super::i18n::Lang;
use super::scanning::{Checked, Scanners};
use super::screens::login::{Login, login_ui};
use super::screens::records::{Records, records_ui};
use super::screens::welcome::{Welcome, welcome_ui};
use super::state::{AppState, Notice, Session, role_name};
use super::style::{DANGER, MUTED};
use super::widgets::history::ResidentView;
use super::workers::DemoLoader;
use crate::scan::Resolution;
use crate::settings::Settings;

/// What the status bar says about sync.
#[derive(Default, Debug, Clone)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub syncing: bool,
    pub progress: Option<sync::client::Progress>,
    pub last_ok_ms: Option<i64>,
    pub error: Option<String>,
    /// Outbox depth at the last frame, to notice new local writes.
    pub outbox: u64,
}

pub struct ClinicApp {
    pub state: AppState,
    welcome: Welcome,
    login: Login,
    pub records: Records,
    demo: Option<DemoLoader>,
    pub scanners: Scanners,
    sync: Option<sync::worker::SyncWorker>,
    pub sync_status: SyncStatus,
    /// A scanned resident being looked up at the hub, with the registration to offer if the
    /// hub does not know them either.
    pending_fetch: Option<(storage::model::Identifier, Box<storage::NewResident>)>,
    /// The camera preview texture and the preview frame count it shows.
    preview: Option<(u64, egui::TextureHandle)>,
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
        let mut notice = None;
        let trust = crate::trust::root_key(&settings.root_key)
            .and_then(|root| crate::trust::load_or_install(&data_dir, &root))
            .unwrap_or_else(|e| {
                notice = Some(Notice::Error(format!("{e:#}")));
                None
            });
        let scanners = Scanners::start(&ctx, &settings, scanner::card::Verifier::new(trust));
        let sync_config = crate::cli::sync::load_config(&data_dir).ok().flatten();
        let sync_status = SyncStatus {
            enrolled: sync_config.is_some(),
            last_ok_ms: store
                .meta_u64("last_sync_ms")
                .ok()
                .filter(|v| *v > 0)
                .map(|v| v as i64),
            ..Default::default()
        };
        let sync = sync_config.map(|config| {
            let waker = ctx.clone();
            sync::worker::SyncWorker::spawn(
                store.clone(),
                config,
                std::sync::Arc::new(move || waker.request_repaint()),
            )
        });
        let mut state = AppState::new(store, settings, data_dir);
        state.notice = notice;
        ClinicApp {
            state,
            scanners,
            sync,
            sync_status,
            pending_fetch: None,
            preview: None,
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
        self.scanners.filter_wedge(ui.ctx());
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
            let preview = self.preview.as_ref().map(|(_, t)| (t, outline.as_slice()));
            records_ui(ui, &self.state, &mut self.records, preview, commands);
        }
        for command in std::mem::take(&mut self.commands) {
            self.apply(command);
        }
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

    fn offer_registration(&mut self, prefill: &storage::NewResident, why: &str) {
        self.records.register = Some(super::screens::register::Register::from_prefill(
            prefill,
            why.into(),
        ));
    }

    /// The hub answered a look-up: open the record it sent, or offer registration.
    fn fetched(&mut self, identifier: storage::model::Identifier, result: Result<usize, String>) {
        let lang = self.state.lang;
        let Some((pending, prefill)) = self.pending_fetch.take() else {
            return;
        };
        if pending != identifier {
            self.pending_fetch = Some((pending, prefill));
            return;
        }
        let found = self
            .state
            .store
            .find_by_identifier(&identifier)
            .ok()
            .flatten();
        match (found, result) {
            (Some(id), _) => {
                self.state.notice = None;
                self.commands.push(Command::OpenResident { id, reason: "card scan (fetched from the hub)".into() });
            }
            (None, Ok(_)) => self.offer_registration(&prefill, lang.t("中心也没有此居民：请核对后登记", "The hub does not know this resident either: check and register")),
            (None, Err(_)) => self.offer_registration(&prefill, lang.t("无法连接中心：请临时登记，联网后自动合并", "The hub cannot be reached: register provisionally; records merge when the link returns")),
        }
    }

    fn poll_sync(&mut self) {
        use sync::worker::SyncEvent;
        let outbox = self.state.store.outbox_len().unwrap_or(0);
        let Some(worker) = &self.sync else {
            self.sync_status.outbox = outbox;
            return;
        };
        // Something new was recorded here: send it now rather than at the next tick.
        if outbox > self.sync_status.outbox && !self.sync_status.syncing {
            worker.sync_now();
        }
        self.sync_status.outbox = outbox;
        let mut fetched = Vec::new();
        while let Ok(event) = worker.events.try_recv() {
            let s = &mut self.sync_status;
            match event {
                SyncEvent::Started => s.syncing = true,
                SyncEvent::Progress(p) => s.progress = Some(p),
                SyncEvent::Completed { at_ms, .. } => {
                    s.syncing = false;
                    s.progress = None;
                    s.last_ok_ms = Some(at_ms);
                    s.error = None;
                }
                SyncEvent::Failed { error, .. } => {
                    s.syncing = false;
                    s.progress = None;
                    s.error = Some(error);
                }
                SyncEvent::Fetched { identifier, result } => fetched.push((identifier, result)),
            }
        }
        for (identifier, result) in fetched {
            self.fetched(identifier, result);
        }
    }

    /// What a scanned code leads to: the resident's record, a registration form, or a message
    /// saying why the code was refused.
    fn handle_scan(&mut self, checked: Checked) {
        let lang = self.state.lang;
        if self.state.session.is_none() {
            self.state.notice = Some(Notice::Error(
                lang.t("请先登录再扫码", "Log in before scanning").into(),
            ));
            return;
        }
        let source = super::format::source(lang, checked.source);
        let warnings = checked.scan.warnings.join("; ");
        match checked.resolution {
            Resolution::Resident { id } => {
                self.records.register = None;
                self.commands.push(Command::OpenResident {
                    id,
                    reason: format!("card scan ({source})"),
                });
                if !warnings.is_empty() {
                    self.state.notice = Some(Notice::Info(warnings));
                }
            }
            Resolution::Unknown { prefill } => match (&self.sync, fetch_identifier(&prefill)) {
                (Some(worker), Some(identifier)) => {
                    worker.fetch(identifier.clone());
                    self.pending_fetch = Some((identifier, prefill));
                    self.state.notice = Some(Notice::Info(lang.t("本机没有此居民，正在向中心查询…", "Not known here: asking the hub…").into()));
                }
                _ => self.offer_registration(&prefill, lang.t("此卡有效，但居民尚未在本机登记：请核对后登记", "The card is genuine but the resident is not registered here: check and register")),
            },
            Resolution::Refused { outcome } => {
                self.state.notice = Some(Notice::Error(format!(
                    "{source}: {}",
                    super::format::outcome(lang, &outcome)
                )));
            }
            Resolution::NotACard { looks_like } => {
                self.state.notice = Some(Notice::Error(format!(
                    "{source}: {} ({looks_like})",
                    lang.t("这不是电子健康卡", "This is not a health card")
                )));
            }
            Resolution::Invalid { message } => {
                self.state.notice = Some(Notice::Error(format!("{source}: {message}")));
            }
        }
    }

    fn poll_workers(&mut self, ctx: &egui::Context) {
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
            for source in [
                scanner::source::Source::Camera,
                scanner::source::Source::Serial,
                scanner::source::Source::Wedge,
            ] {
                let (mark, color, detail) = match self.scanners.states.get(&source) {
                    Some(scanner::source::DeviceState::Connected(d)) => {
                        ("✓", super::style::OK, d.clone())
                    }
                    Some(scanner::source::DeviceState::Lost(d)) => ("!", DANGER, d.clone()),
                    Some(scanner::source::DeviceState::Absent(d)) => ("–", MUTED, d.clone()),
                    None => ("…", MUTED, String::new()),
                };
                ui.label(
                    RichText::new(format!("{} {mark}", super::format::source(lang, source)))
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

/// What to ask the hub about a resident unknown here: the card, or else the ID number.
fn fetch_identifier(prefill: &storage::NewResident) -> Option<storage::model::Identifier> {
    use storage::model::Identifier;
    if let Some(card) = prefill.card_id.as_deref().and_then(|c| c.parse().ok()) {
        return Some(Identifier::Card(card));
    }
    prefill
        .id_number
        .as_deref()
        .and_then(|n| storage::IdNumber::parse(n).ok())
        .map(Identifier::IdNumber)
}

impl eframe::App for ClinicApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}

//! Before anything else: the facility secret unlocks the encrypted data file. The key
//! derivation is deliberately slow (Argon2id, about half a second), so it runs off the UI
//! thread. A wrong secret changes nothing on disk; the screen says so and asks again.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use egui::{RichText, Ui};
use storage::{OpenOptions, Secret, Store};

use super::app::ClinicApp;
use super::style::{DANGER, MUTED};
use crate::i18n::Lang;
use crate::settings::Settings;

/// The window's two lives: locked (asking for the secret), then the app on the open store.
pub enum Root {
    Locked(Unlock),
    Open(Box<ClinicApp>),
}

pub struct Unlock {
    data_dir: PathBuf,
    settings: Settings,
    /// Load the demo township into an empty store once unlocked.
    demo: bool,
    secret: String,
    error: Option<String>,
    opening: Option<JoinHandle<storage::Result<Store>>>,
    focused: bool,
}

impl Unlock {
    pub fn new(data_dir: PathBuf, settings: Settings, demo: bool) -> Unlock {
        Unlock {
            data_dir,
            settings,
            demo,
            secret: String::new(),
            error: None,
            opening: None,
            focused: false,
        }
    }

    fn start(&mut self) {
        let path = crate::paths::store_path(&self.data_dir);
        let options = OpenOptions::new(Secret::new(std::mem::take(&mut self.secret)));
        self.error = None;
        self.opening = Some(std::thread::spawn(move || Store::open(path, options)));
    }

    /// Draws the screen; returns the app once the store is open.
    fn ui(&mut self, ui: &mut Ui) -> Option<ClinicApp> {
        let lang = Lang::from_code(&self.settings.language);
        if self.opening.as_ref().is_some_and(|h| h.is_finished()) {
            let handle = self.opening.take().expect("checked above");
            match handle.join() {
                Ok(Ok(store)) => {
                    let app = start(
                        ui.ctx(),
                        store,
                        self.settings.clone(),
                        self.data_dir.clone(),
                        self.demo,
                    );
                    return Some(app);
                }
                Ok(Err(e)) => self.error = Some(crate::format::error(lang, &e.into())),
                Err(_) => self.error = Some(crate::format::job_lost(lang)),
            }
            self.focused = false;
        }
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading(lang.t("解锁工作站", "Unlock the workstation"));
            ui.label(
                RichText::new(lang.t(
                    "本机数据已加密，请输入机构密钥。",
                    "This workstation's data is encrypted: enter the facility secret.",
                ))
                .color(MUTED),
            );
            ui.add_space(16.0);
            if self.opening.is_some() {
                ui.spinner();
                ui.label(lang.t("正在解锁…", "Unlocking…"));
                ui.ctx().request_repaint();
                return;
            }
            let label = ui.label(lang.t("机构密钥", "Facility secret"));
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.secret)
                        .password(true)
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            if !self.focused {
                field.request_focus();
                self.focused = true;
            }
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.add_space(8.0);
            let clicked = ui.button(lang.t("解锁", "Unlock")).clicked();
            if (enter || clicked) && !self.secret.is_empty() {
                self.start();
            }
            if let Some(e) = &self.error {
                ui.label(RichText::new(e).color(DANGER));
            }
            if self.demo {
                ui.add_space(20.0);
                ui.label(
                    RichText::new(format!(
                        "{} {}",
                        lang.t("演示机构密钥：", "Demo facility secret:"),
                        crate::services::demo::DEMO_SECRET
                    ))
                    .color(MUTED),
                );
            }
        });
        None
    }
}

/// The app on an open store; with `demo`, an empty store starts loading the demo township.
pub fn start(
    ctx: &egui::Context,
    store: Store,
    settings: Settings,
    data_dir: PathBuf,
    demo: bool,
) -> ClinicApp {
    let store = Arc::new(store);
    let empty = store.resident_count().unwrap_or(0) == 0;
    let mut settings = settings;
    if demo {
        crate::services::demo::pin_demo_root(&data_dir, &mut settings);
    }
    let mut app = ClinicApp::new(ctx.clone(), store, settings, data_dir);
    if demo && empty {
        app.start_demo_load();
    }
    app
}

impl eframe::App for Root {
    fn ui(&mut self, ui: &mut Ui, frame: &mut eframe::Frame) {
        match self {
            Root::Locked(unlock) => {
                if let Some(app) = unlock.ui(ui) {
                    *self = Root::Open(Box::new(app));
                }
            }
            Root::Open(app) => app.ui(ui, frame),
        }
    }

    fn raw_input_hook(&mut self, ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        if let Root::Open(app) = self {
            app.raw_input_hook(ctx, raw_input);
        }
    }
}

//! Helpers shared by the GUI tests: a real store with a fixed clock, the real window in an
//! egui_kittest harness, and the gestures of a user.
#![allow(dead_code)] // each test file uses some of them

use std::sync::Arc;
use std::time::Duration;

use app::gui::app::ClinicApp;
use app::settings::Settings;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use storage::{Clock, Date, OpenOptions, Store};

/// 2026-11-27 10:00 in Beijing.
pub fn clock() -> Clock {
    let day: Date = "2026-11-27".parse().unwrap();
    Clock::fixed(day.start_ms() + 10 * 3_600_000)
}

/// The facility secret of the stores the GUI tests make.
pub const SECRET: &str = "测试密钥";

/// How the GUI tests open stores: the test secret, cheap key derivation, the fixed clock.
pub fn options() -> OpenOptions {
    OpenOptions::new(SECRET)
        .fast_kdf_for_tests()
        .with_clock(clock())
}

pub fn store(dir: &std::path::Path, demo_residents: usize) -> Arc<Store> {
    let store = Store::open(dir.join("clinic.redb"), options()).unwrap();
    if demo_residents > 0 {
        let today = store.clock().today();
        app::services::demo::load_demo(
            &store,
            fixtures::catalogue::TOWNSHIP_CENTRE,
            today,
            demo_residents,
            &mut |_| {},
        )
        .unwrap();
    }
    Arc::new(store)
}

pub fn harness(store: Arc<Store>, dir: &std::path::Path) -> Harness<'static, ClinicApp> {
    harness_at(store, dir, 1.0 / 60.0)
}

/// A harness whose frames are `step_dt` seconds apart (60 fps by default).
pub fn harness_at(
    store: Arc<Store>,
    dir: &std::path::Path,
    step_dt: f32,
) -> Harness<'static, ClinicApp> {
    harness_with(store, dir, step_dt, demo_settings())
}

/// The settings of a demo installation: the demo root is pinned, so the demo's cards verify.
pub fn demo_settings() -> Settings {
    Settings {
        root_key: app::trust::DEMO_ROOT.into(),
        ..Settings::default()
    }
}

pub fn harness_with(
    store: Arc<Store>,
    dir: &std::path::Path,
    step_dt: f32,
    settings: Settings,
) -> Harness<'static, ClinicApp> {
    let dir = dir.to_path_buf();
    Harness::builder()
        .with_size([1366.0, 768.0])
        .with_step_dt(step_dt)
        .with_context_setup(app::gui::fonts::install)
        .build_eframe(move |cc| ClinicApp::new(cc.egui_ctx.clone(), store, settings, dir))
}

/// Types into the field labelled `label` as a person would: the keyboard-wedge filter holds
/// typed text for a few tens of milliseconds (it might be a scanner burst), so let a few
/// frames pass before the next action.
pub fn type_into<S>(h: &mut Harness<'_, S>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.get_by_label(label).type_text(text);
    h.run_steps(4);
    h.run();
}

pub fn log_in<S>(h: &mut Harness<'_, S>, user: &str, password: &str) {
    h.run();
    type_into(h, "用户名", user);
    type_into(h, "密码", password);
    h.get_by_role_and_label(Role::Button, "登录").click();
    h.run();
}

pub fn scan(h: &mut Harness<'_, ClinicApp>, text: String, source: scanner::source::Source) {
    h.state()
        .scanners
        .sender()
        .send(scanner::source::ScanEvent::Code { text, source })
        .unwrap();
    h.run();
}

pub fn click(h: &mut Harness<'_, ClinicApp>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

/// Steps the window until `done` (workers run on real threads), for at most five minutes:
/// only a failure, never a slow machine, takes that long.
pub fn wait_for<S>(h: &mut Harness<'_, S>, what: &str, done: impl Fn(&Harness<'_, S>) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    while !done(h) {
        assert!(
            std::time::Instant::now() < deadline,
            "waited too long for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Clicks the first button labelled `button`, waits for the printer to take the document and
/// returns its text (the printer is `cat` into `file`, which it empties first).
pub fn print_and_read(
    h: &mut Harness<'_, ClinicApp>,
    button: &str,
    file: &std::path::Path,
) -> String {
    let _ = std::fs::remove_file(file);
    h.get_all_by_label(button).next().unwrap().click();
    h.run();
    wait_for(h, "the printer", |h| {
        h.query_by_label_contains("已发送到打印机").is_some()
            || h.query_by_label_contains("打印失败").is_some()
    });
    assert!(h.query_by_label_contains("打印失败").is_none());
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(file)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    h.state_mut().state.notice = None;
    h.run();
    String::from_utf8(out.stdout).unwrap()
}

/// The demo's front-desk clerk at the township centre, for setting up queues.
pub fn clerk() -> storage::Actor {
    storage::Actor {
        staff: "frontdesk".into(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        role: storage::model::Role::FrontDesk,
    }
}

/// Empties the centre's waiting queue and checks `resident` in: they are the next to call.
pub fn check_in_alone(store: &Store, resident: storage::Id) {
    let centre = fixtures::catalogue::TOWNSHIP_CENTRE;
    for t in store.queue(centre, store.clock().today()).unwrap() {
        if t.status == storage::model::QueueStatus::Waiting {
            store
                .set_queue_status(&clerk(), t.id, storage::model::QueueStatus::Left, "")
                .unwrap();
        }
    }
    store
        .check_in(&clerk(), resident, storage::model::VisitType::General, None)
        .unwrap();
}

/// Types into several labelled fields in turn.
pub fn fill<S>(h: &mut Harness<'_, S>, fields: &[(&str, &str)]) {
    for (label, text) in fields {
        type_into(h, label, text);
    }
}

/// The window as eframe drives it, for what egui_kittest cannot reach: the raw-input hook,
/// then the egui pass, on an `egui::Context` of its own.
pub struct RawWindow {
    pub ctx: egui::Context,
    pub app: ClinicApp,
    time: f64,
}

impl RawWindow {
    /// The window on a demo township of `residents` (the real clock), no camera.
    pub fn new(dir: &std::path::Path, residents: usize) -> RawWindow {
        let store = Store::open(
            dir.join("clinic.redb"),
            OpenOptions::new(SECRET).fast_kdf_for_tests(),
        )
        .unwrap();
        let today = store.clock().today();
        app::services::demo::load_demo(
            &store,
            fixtures::catalogue::TOWNSHIP_CENTRE,
            today,
            residents,
            &mut |_| {},
        )
        .unwrap();
        let ctx = egui::Context::default();
        app::gui::fonts::install(&ctx);
        let settings = Settings {
            camera: "none".into(),
            ..demo_settings()
        };
        let app = ClinicApp::new(ctx.clone(), Arc::new(store), settings, dir.to_path_buf());
        RawWindow {
            ctx,
            app,
            time: 0.0,
        }
    }

    /// One frame `dt` seconds after the last, with these events; returns the delay after which
    /// it asked for the next frame (`Duration::MAX`: none).
    pub fn frame(&mut self, dt: f64, events: Vec<egui::Event>) -> Duration {
        self.time += dt;
        let mut raw = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1366.0, 740.0),
            )),
            time: Some(self.time),
            events,
            ..Default::default()
        };
        self.app.filter_raw_input(&self.ctx, &mut raw);
        let app = &mut self.app;
        let mut output = self.ctx.run_ui(raw, |ui| app.ui_root(ui));
        output.textures_delta.clear(); // no GPU here
        output.viewport_output[&egui::ViewportId::ROOT].repaint_delay
    }
}

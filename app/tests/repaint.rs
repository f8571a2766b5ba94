//! The window asks for a frame only when something changed: left alone at the front desk it
//! schedules none (but the idle lock's, minutes away), so an idle workstation draws nothing.
//! Drives an `egui::Context` directly, as eframe does, and reads the repaint each frame asks.

use std::sync::Arc;
use std::time::Duration;

use app::gui::app::ClinicApp;
use egui::{Event, RawInput, ViewportId};
use storage::{OpenOptions, Store};

struct Window {
    ctx: egui::Context,
    app: ClinicApp,
    time: f64,
}

impl Window {
    fn front_desk(dir: &std::path::Path) -> Window {
        let store = Store::open(
            dir.join("clinic.redb"),
            OpenOptions::new("测试密钥").fast_kdf_for_tests(),
        )
        .unwrap();
        let today = store.clock().today();
        let centre = fixtures::catalogue::TOWNSHIP_CENTRE;
        app::services::demo::load_demo(&store, centre, today, 20, &mut |_| {}).unwrap();
        let staff = store
            .log_in("frontdesk", app::services::demo::DEMO_PASSWORD, centre)
            .unwrap();
        let ctx = egui::Context::default();
        app::gui::fonts::install(&ctx);
        let settings = app::settings::Settings {
            camera: "none".into(),
            root_key: app::trust::DEMO_ROOT.into(),
            ..Default::default()
        };
        let mut app = ClinicApp::new(ctx.clone(), Arc::new(store), settings, dir.to_path_buf());
        app.log_in(staff);
        Window {
            ctx,
            app,
            time: 0.0,
        }
    }

    /// One frame `dt` seconds after the last, with these events; returns the delay after which
    /// it asked for the next frame (`Duration::MAX`: none).
    fn frame(&mut self, dt: f64, events: Vec<Event>) -> Duration {
        self.time += dt;
        let mut raw = RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1366.0, 740.0),
            )),
            time: Some(self.time),
            focused: true,
            events,
            ..Default::default()
        };
        self.app.filter_raw_input(&self.ctx, &mut raw);
        let app = &mut self.app;
        let mut output = self.ctx.run_ui(raw, |ui| app.ui_root(ui));
        output.textures_delta.clear(); // no GPU here
        output.viewport_output[&ViewportId::ROOT].repaint_delay
    }
}

#[test]
fn the_front_desk_left_alone_asks_for_no_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = Window::front_desk(dir.path());
    // The first frames lay the screen out (and focus the search box).
    for _ in 0..5 {
        w.frame(0.1, vec![]);
    }
    assert!(w.app.state.session.is_some());
    let delay = w.frame(1.0, vec![]);
    assert!(
        delay > Duration::from_secs(60),
        "the idle front desk asks for a frame in {delay:?}"
    );
    // Typing asks for frames while it changes things, then none again.
    w.frame(0.1, vec![Event::Text("王".into())]);
    for _ in 0..5 {
        w.frame(0.1, vec![]);
    }
    let delay = w.frame(1.0, vec![]);
    assert!(
        delay > Duration::from_secs(60),
        "after typing, the front desk asks for a frame in {delay:?}"
    );
}

//! The window asks for a frame only when something changed: left alone at the front desk it
//! schedules none (but the idle lock's, minutes away), so an idle workstation draws nothing.
//! Drives an `egui::Context` directly, as eframe does, and reads the repaint each frame asks.

use std::time::Duration;

use common::RawWindow;
use egui::Event;

mod common;

/// The window logged in at the township centre's front desk.
fn front_desk(dir: &std::path::Path) -> RawWindow {
    let mut w = RawWindow::new(dir, 20);
    let staff = w
        .app
        .state
        .store
        .log_in(
            "frontdesk",
            app::services::demo::DEMO_PASSWORD,
            fixtures::catalogue::TOWNSHIP_CENTRE,
        )
        .unwrap();
    w.app.log_in(staff);
    w
}

#[test]
fn the_front_desk_left_alone_asks_for_no_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = front_desk(dir.path());
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

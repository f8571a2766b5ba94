//! The real window, driven through egui_kittest by role and label, on a real store with a
//! fixed clock.

use std::sync::Arc;
use std::time::Duration;

use app::gui::app::ClinicApp;
use app::settings::Settings;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use storage::model::AuditAction;
use storage::{Clock, Date, OpenOptions, Store};

/// 2026-11-27 10:00 in Beijing.
fn clock() -> Clock {
    let day: Date = "2026-11-27".parse().unwrap();
    Clock::fixed(day.start_ms() + 10 * 3_600_000)
}

fn store(dir: &std::path::Path, demo_residents: usize) -> Arc<Store> {
    let store = Store::open(
        dir.join("clinic.redb"),
        OpenOptions {
            clock: clock(),
            ..Default::default()
        },
    )
    .unwrap();
    if demo_residents > 0 {
        let today = store.clock().today();
        app::demo::load_demo(
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

fn harness(store: Arc<Store>, dir: &std::path::Path) -> Harness<'static, ClinicApp> {
    let dir = dir.to_path_buf();
    Harness::builder()
        .with_size([1366.0, 768.0])
        .with_context_setup(app::gui::fonts::install)
        .build_eframe(move |cc| {
            ClinicApp::new(cc.egui_ctx.clone(), store, Settings::default(), dir)
        })
}

fn log_in(h: &mut Harness<'_, ClinicApp>, user: &str, password: &str) {
    h.run();
    h.get_by_label("用户名").focus();
    h.get_by_label("用户名").type_text(user);
    h.get_by_label("密码").focus();
    h.get_by_label("密码").type_text(password);
    h.get_by_role_and_label(Role::Button, "登录").click();
    h.run();
}

#[test]
fn a_wrong_password_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(store(dir.path(), 50), dir.path());
    log_in(&mut h, "doctor", "wrong-password");
    assert!(h.state().state.session.is_none());
    h.get_by_label("用户名或密码错误");
}

#[test]
fn log_in_search_and_read_a_history_which_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 200);
    let target = store.search("王", None).unwrap().remove(0).resident;
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "doctor", app::demo::DEMO_PASSWORD);
    assert!(h.state().state.session.is_some());

    h.get_by_label("查找居民").focus();
    h.get_by_label("查找居民").type_text(&target.initials);
    h.run();
    h.get_all_by_label_contains(&target.birth_date.to_string())
        .next()
        .unwrap()
        .click();
    h.run();

    let open = h.state().records.open.as_ref().expect("a record is open");
    assert_eq!(open.resident.id, target.id);
    // The header names the resident; the timeline shows every visible record.
    h.get_all_by_label(&target.name).next().unwrap();
    let all = format!("全部 {}", open.visible.len());
    h.get_by_label(&all);
    let audit = store.audit_for_resident(target.id).unwrap();
    let viewed = audit
        .iter()
        .filter(|(c, a)| a.action == AuditAction::ViewHistory && c.origin.staff == "doctor");
    assert_eq!(viewed.count(), 1);
}

#[test]
fn an_id_number_with_a_wrong_check_digit_says_which_digit() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(store(dir.path(), 50), dir.path());
    log_in(&mut h, "frontdesk", app::demo::DEMO_PASSWORD);
    h.get_by_label("查找居民").focus();
    h.get_by_label("查找居民").type_text("420921198503150016");
    h.run();
    h.get_by_label_contains("should be 5");
}

#[test]
fn switching_language_changes_visible_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(store(dir.path(), 50), dir.path());
    log_in(&mut h, "doctor", app::demo::DEMO_PASSWORD);
    h.get_by_label("查找居民");
    h.get_by_role_and_label(Role::Button, "English").click();
    h.run();
    h.get_by_label("Find a resident");
    assert!(h.query_by_label("查找居民").is_none());
    h.get_by_role_and_label(Role::Button, "中文").click();
    h.run();
    h.get_by_label("查找居民");
}

#[test]
fn an_empty_store_offers_the_demo_township_and_loads_it_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 0);
    let mut h = harness(store.clone(), dir.path());
    h.run();
    h.get_by_label_contains("载入演示数据").click();
    h.run();
    // The window keeps drawing while a worker loads.
    for _ in 0..600 {
        h.step();
        if store.resident_count().unwrap() >= 2_000
            && h.query_by_role_and_label(Role::Button, "登录").is_some()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    h.run();
    assert!(store.resident_count().unwrap() >= 2_000);
    h.get_by_label_contains("演示数据已载入");
    log_in(&mut h, "admin", app::demo::DEMO_PASSWORD);
    assert!(h.state().state.session.is_some());
}

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
    harness_at(store, dir, 1.0 / 60.0)
}

/// A harness whose frames are `step_dt` seconds apart (60 fps by default).
fn harness_at(
    store: Arc<Store>,
    dir: &std::path::Path,
    step_dt: f32,
) -> Harness<'static, ClinicApp> {
    let dir = dir.to_path_buf();
    Harness::builder()
        .with_size([1366.0, 768.0])
        .with_step_dt(step_dt)
        .with_context_setup(app::gui::fonts::install)
        .build_eframe(move |cc| {
            ClinicApp::new(cc.egui_ctx.clone(), store, Settings::default(), dir)
        })
}

/// Types into the field labelled `label` as a person would: the keyboard-wedge filter holds
/// typed text for a few tens of milliseconds (it might be a scanner burst), so let a few
/// frames pass before the next action.
fn type_into(h: &mut Harness<'_, ClinicApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.get_by_label(label).type_text(text);
    h.run_steps(4);
    h.run();
}

fn log_in(h: &mut Harness<'_, ClinicApp>, user: &str, password: &str) {
    h.run();
    type_into(h, "用户名", user);
    type_into(h, "密码", password);
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

    type_into(&mut h, "查找居民", &target.initials);
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
    type_into(&mut h, "查找居民", "420921198503150016");
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

/// A printed card for `resident`, issued now by the demo issuer.
fn card_text(store: &Store, resident: &storage::model::Resident) -> String {
    let now = (store.clock().now_ms() / 1000) as u64;
    let card = resident.card_id().map(|c| c.0).unwrap_or([3; 32]);
    let token = app::scan::token_for(resident, card, "CN-510000", now - 60, now + 365 * 86_400);
    scanner::card::issue_card(&token, &scanner::card::keys::demo::issuer())
}

fn a_resident_with_a_card(store: &Store) -> storage::model::Resident {
    store
        .search("王", None)
        .unwrap()
        .into_iter()
        .map(|h| h.resident)
        .find(|r| r.card_id().is_some())
        .unwrap()
}

#[test]
fn a_code_from_the_scanner_channel_opens_the_record_with_an_audited_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 200);
    let target = a_resident_with_a_card(&store);
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "frontdesk", app::demo::DEMO_PASSWORD);
    let sender = h.state().scanners.sender();
    sender
        .send(scanner::source::ScanEvent::Code {
            text: card_text(&store, &target),
            source: scanner::source::Source::Serial,
        })
        .unwrap();
    h.run();
    assert_eq!(
        h.state().records.open.as_ref().map(|o| o.resident.id),
        Some(target.id)
    );
    let audit = store.audit_for_resident(target.id).unwrap();
    assert!(audit.iter().any(|(_, a)| a.action == AuditAction::ViewHistory && a.reason.starts_with("card scan")));
}

#[test]
fn a_wedge_burst_opens_the_record_and_never_reaches_the_search_box() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 200);
    let target = a_resident_with_a_card(&store);
    let id_number = target.id_number().unwrap().as_str().to_string();
    let mut h = harness(store, dir.path());
    log_in(&mut h, "frontdesk", app::demo::DEMO_PASSWORD);
    h.get_by_label("查找居民").focus();
    h.run();
    // A scanner types 18 characters and Enter, one per frame (16 ms apart).
    for c in id_number.chars() {
        h.event(egui::Event::Text(c.to_string()));
        h.step();
    }
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(
        h.state().records.query,
        "",
        "the burst was typed into the search box"
    );
    assert_eq!(
        h.state().records.open.as_ref().map(|o| o.resident.id),
        Some(target.id)
    );
}

#[test]
fn an_expired_card_is_refused_with_a_translated_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 100);
    let target = a_resident_with_a_card(&store);
    let now = (store.clock().now_ms() / 1000) as u64;
    let token = app::scan::token_for(
        &target,
        target.card_id().unwrap().0,
        "CN-510000",
        now - 900 * 86_400,
        now - 86_400,
    );
    let text = scanner::card::issue_card(&token, &scanner::card::keys::demo::issuer());
    let mut h = harness(store, dir.path());
    log_in(&mut h, "frontdesk", app::demo::DEMO_PASSWORD);
    h.state()
        .scanners
        .sender()
        .send(scanner::source::ScanEvent::Code {
            text,
            source: scanner::source::Source::Camera,
        })
        .unwrap();
    h.run();
    h.get_by_label_contains("此卡已过期");
    assert!(h.state().records.open.is_none());
}

#[test]
fn an_unknown_genuine_card_opens_a_prefilled_registration() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 50);
    let stranger = storage::model::Resident {
        name: "欧阳明".into(),
        sex: storage::model::Sex::Male,
        birth_date: "1979-05-04".parse().unwrap(),
        ..Default::default()
    };
    let text = card_text(&store, &stranger);
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "frontdesk", app::demo::DEMO_PASSWORD);
    h.state()
        .scanners
        .sender()
        .send(scanner::source::ScanEvent::Code {
            text,
            source: scanner::source::Source::Wedge,
        })
        .unwrap();
    h.run();
    let form = h
        .state()
        .records
        .register
        .clone()
        .expect("registration form");
    assert_eq!(form.name, "欧阳明");
    assert_eq!(form.birth_date, "1979-05-04");
    h.get_by_role_and_label(Role::Button, "登记").click();
    h.run();
    let opened = h
        .state()
        .records
        .open
        .as_ref()
        .expect("the new record opens");
    assert_eq!(opened.resident.name, "欧阳明");
    assert!(opened.resident.provisional);
    let card = storage::model::Identifier::Card(storage::model::CardId([3; 32]));
    assert_eq!(
        store.find_by_identifier(&card).unwrap(),
        Some(opened.resident.id)
    );
}

#[test]
fn a_person_typing_key_by_key_gets_every_character() {
    let dir = tempfile::tempdir().unwrap();
    // Frames 120 ms apart: a brisk typist, one key per frame.
    let mut h = harness_at(store(dir.path(), 50), dir.path(), 0.12);
    log_in(&mut h, "frontdesk", app::demo::DEMO_PASSWORD);
    h.get_by_label("查找居民").focus();
    h.run();
    for c in "wang".chars() {
        h.event(egui::Event::Text(c.to_string()));
        h.step();
    }
    h.run_steps(2);
    assert_eq!(h.state().records.query, "wang");
}

/// Steps the window until `done` or `secs` pass (workers answer on their own threads).
fn step_until(
    h: &mut Harness<'_, ClinicApp>,
    secs: u64,
    done: impl Fn(&ClinicApp) -> bool,
) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        h.step();
        if done(h.state()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn a_card_unknown_here_is_fetched_from_the_hub_and_opened() {
    let dir = tempfile::tempdir().unwrap();
    // The hub knows the whole county; this workstation is in the other township, so the
    // resident is outside its catchment (never pulled) but inside the county (may be fetched).
    let hub_store = store(&dir.path().join("hub"), 120);
    let hub = sync::server::LocalHub::start(&dir.path().join("hub"), hub_store.clone()).unwrap();
    let ws = dir.path().join("ws");
    let local = store(&ws, 1);
    let target = hub_store
        .search("王", None)
        .unwrap()
        .into_iter()
        .map(|h| h.resident)
        .find(|r| r.card_id().is_some() && local.resident(r.id).unwrap().is_none())
        .expect("a resident the workstation lacks");
    let config = hub
        .enrol(&local, fixtures::catalogue::OTHER_TOWNSHIP_CENTRE)
        .unwrap();
    std::fs::write(ws.join("sync.json"), serde_json::to_vec(&config).unwrap()).unwrap();
    let text = card_text(&hub_store, &target);
    let mut h = harness(local.clone(), &ws);
    log_in(&mut h, "frontdesk", app::demo::DEMO_PASSWORD);
    h.state()
        .scanners
        .sender()
        .send(scanner::source::ScanEvent::Code {
            text,
            source: scanner::source::Source::Serial,
        })
        .unwrap();
    let opened = step_until(&mut h, 15, |app| {
        app.records
            .open
            .as_ref()
            .is_some_and(|o| o.resident.id == target.id)
    });
    assert!(opened, "the fetched record opens");
    assert_eq!(
        local.history(target.id).unwrap().len(),
        hub_store.history(target.id).unwrap().len()
    );
    // The hub audited the look-up.
    let audit = hub_store.audit_for_resident(target.id).unwrap();
    assert!(
        audit
            .iter()
            .any(|(_, a)| a.reason == "fetched from the hub")
    );
}

#[test]
fn with_the_hub_unreachable_the_front_desk_registers_provisionally() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let local = store(&ws, 1);
    // Enrolled, but the hub is gone (nothing listens on this port).
    let config = sync::client::SyncConfig {
        hub_url: "https://127.0.0.1:9".into(),
        token: "t".into(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        fingerprint: "00".into(),
    };
    std::fs::write(ws.join("sync.json"), serde_json::to_vec(&config).unwrap()).unwrap();
    let stranger = storage::model::Resident {
        name: "夏雨".into(),
        birth_date: "1988-02-02".parse().unwrap(),
        ..Default::default()
    };
    let text = card_text(&local, &stranger);
    let mut h = harness(local, &ws);
    log_in(&mut h, "frontdesk", app::demo::DEMO_PASSWORD);
    h.state()
        .scanners
        .sender()
        .send(scanner::source::ScanEvent::Code {
            text,
            source: scanner::source::Source::Camera,
        })
        .unwrap();
    assert!(
        step_until(&mut h, 15, |app| app.records.register.is_some()),
        "registration is offered"
    );
    assert_eq!(h.state().records.register.as_ref().unwrap().name, "夏雨");
    h.run();
    h.get_by_label_contains("无法连接中心");
}

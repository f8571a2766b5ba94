//! The real window, driven through egui_kittest by role and label, on a real store with a
//! fixed clock.

use std::time::Duration;

use app::gui::app::ClinicApp;
use app::settings::Settings;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use storage::Store;
use storage::model::AuditAction;

mod common;
use common::*;

#[test]
fn a_wrong_password_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(store(dir.path(), 50), dir.path());
    log_in(&mut h, "doctor", "wrong-password");
    assert!(h.state().state.session.is_none());
    h.get_by_label("用户名或密码错误");
}

#[test]
fn a_doctor_searches_and_reads_a_history_which_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 200);
    let target = store.search("王", None).unwrap().remove(0).resident;
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    assert!(h.state().state.session.is_some());
    click(&mut h, "查档");
    type_into(&mut h, "查找居民", &target.initials);
    h.get_all_by_label_contains(&target.birth_date.to_string())
        .next()
        .unwrap()
        .click();
    h.run();
    let open = h.state().records.open.as_ref().expect("a record is open");
    assert_eq!(open.resident.id, target.id);
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
fn the_front_desk_cannot_open_clinical_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 50);
    let target = store.search("王", None).unwrap().remove(0).resident;
    let desk = storage::Actor {
        staff: "frontdesk".into(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        role: storage::model::Role::FrontDesk,
    };
    assert!(matches!(
        store.view_history(&desk, target.id, "curious"),
        Err(storage::Error::Forbidden(_))
    ));
    let mut h = harness(store, dir.path());
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    // The front desk has its own screen only.
    assert!(h.query_by_label("查档").is_none());
    assert!(h.query_by_label("接诊").is_none());
}

#[test]
fn an_id_number_with_a_wrong_check_digit_says_which_digit() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(store(dir.path(), 50), dir.path());
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    type_into(&mut h, "查找居民", "420921198503150016");
    h.get_by_label_contains("校验位错误：最后一位应为 5");
}

#[test]
fn switching_language_changes_visible_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(store(dir.path(), 50), dir.path());
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
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
    // The window keeps drawing while a worker loads. How long the load takes is reported, not
    // asserted: tests do not measure the machine's speed (benchmarks do).
    let started = std::time::Instant::now();
    while store.resident_count().unwrap() < 2_000
        || h.query_by_role_and_label(Role::Button, "登录").is_none()
    {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the demo never finished loading"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "the demo loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    h.run();
    assert!(store.resident_count().unwrap() >= 2_000);
    h.get_by_label_contains("演示数据已载入");
    log_in(&mut h, "admin", app::services::demo::DEMO_PASSWORD);
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
fn a_scan_opens_the_record_for_a_doctor_with_an_audited_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 200);
    let target = a_resident_with_a_card(&store);
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    scan(
        &mut h,
        card_text(&store, &target),
        scanner::source::Source::Serial,
    );
    assert_eq!(
        h.state().records.open.as_ref().map(|o| o.resident.id),
        Some(target.id)
    );
    let audit = store.audit_for_resident(target.id).unwrap();
    assert!(audit.iter().any(|(_, a)| a.action == AuditAction::ViewHistory && a.reason.starts_with("card scan")));
}

#[test]
fn a_wedge_burst_selects_the_resident_and_never_reaches_the_search_box() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 200);
    let target = a_resident_with_a_card(&store);
    let id_number = target.id_number().unwrap().as_str().to_string();
    let mut h = harness(store, dir.path());
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
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
        h.state().front_desk.search.query,
        "",
        "the burst was typed into the search box"
    );
    assert_eq!(h.state().front_desk.selected, Some(target.id));
}

#[test]
fn a_person_typing_key_by_key_gets_every_character() {
    let dir = tempfile::tempdir().unwrap();
    // Frames 120 ms apart: a brisk typist, one key per frame.
    let mut h = harness_at(store(dir.path(), 50), dir.path(), 0.12);
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    h.get_by_label("查找居民").focus();
    h.run();
    for c in "wang".chars() {
        h.event(egui::Event::Text(c.to_string()));
        h.step();
    }
    h.run_steps(2);
    assert_eq!(h.state().front_desk.search.query, "wang");
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
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    scan(&mut h, text, scanner::source::Source::Camera);
    h.get_by_label_contains("此卡已过期");
    assert!(h.state().front_desk.selected.is_none());
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
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    scan(&mut h, text, scanner::source::Source::Wedge);
    let form = h
        .state()
        .front_desk
        .register
        .clone()
        .expect("registration form");
    assert_eq!(form.name, "欧阳明");
    assert_eq!(form.birth_date, "1979-05-04");
    h.get_by_role_and_label(Role::Button, "登记").click();
    h.run();
    let selected = h
        .state()
        .front_desk
        .selected
        .expect("the new resident is selected");
    let resident = store.resident(selected).unwrap().unwrap();
    assert_eq!(resident.name, "欧阳明");
    assert!(resident.provisional);
    let card = storage::model::Identifier::Card(storage::model::CardId([3; 32]));
    assert_eq!(store.find_by_identifier(&card).unwrap(), Some(selected));
}

#[test]
fn a_day_in_the_clinic_check_in_call_record_prescribe_print_correct() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 200);
    let target = a_resident_with_a_card(&store);
    let printed = dir.path().join("printer.pdf");
    let settings = Settings {
        printer: format!("cat > '{}'", printed.display()),
        ..common::demo_settings()
    };
    let mut h = harness_with(store.clone(), dir.path(), 1.0 / 60.0, settings);

    // The front desk scans the card, prints a paper card and checks the resident in.
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    scan(
        &mut h,
        card_text(&store, &target),
        scanner::source::Source::Serial,
    );
    assert_eq!(h.state().front_desk.selected, Some(target.id));
    // The scan is a card use at registration, reported through the outbox.
    let now = store.clock().now_ms();
    let uses = store.card_uses(now - 60_000, now + 60_000).unwrap();
    assert_eq!(uses.len(), 1, "{uses:?}");
    let (change, card_use) = &uses[0];
    assert_eq!(change.origin.staff, "frontdesk");
    assert_eq!(
        (card_use.resident, card_use.stage),
        (target.id, storage::model::CareStage::Registration)
    );
    assert_eq!(
        (card_use.code, card_use.reader.as_str()),
        (storage::model::CardCode::Signed, "serial")
    );
    assert_eq!(
        card_use.card,
        scanner::card::card_id_hex(&target.card_id().unwrap().0)
    );
    let card = print_and_read(&mut h, "打印健康卡", &printed);
    assert!(
        card.contains("居民电子健康卡") && card.contains(&target.name),
        "{card}"
    );
    h.get_by_role_and_label(Role::Button, "登记就诊").click();
    h.run();
    h.get_by_label_contains("已挂号");
    click(&mut h, "退出登录");

    // The doctor calls the next patient: the demo queue already has some waiting, so call
    // until ours comes up.
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    for _ in 0..12 {
        h.get_all_by_label_contains("叫下一位")
            .next()
            .unwrap()
            .click();
        h.run();
        if h.state()
            .doctor
            .consult
            .as_ref()
            .is_some_and(|c| c.view.resident.id == target.id)
        {
            break;
        }
        click(&mut h, "完成接诊");
    }
    assert_eq!(
        h.state()
            .doctor
            .consult
            .as_ref()
            .map(|c| c.view.resident.id),
        Some(target.id)
    );
    let before = store.history_unaudited(target.id).unwrap().len();

    // The encounter: complaint, vitals, a diagnosis from the picker, a drug, saved with
    // Ctrl+Enter.
    fill(
        &mut h,
        &[
            ("主诉", "头晕一周"),
            ("收缩压", "162"),
            ("舒张压", "98"),
            ("查找诊断", "I10"),
        ],
    );
    h.get_by_label_contains("+ I10").click();
    h.run();
    type_into(&mut h, "查找药品", "硝苯地平");
    h.get_by_label_contains("+ 硝苯地平缓释片").click();
    h.run();
    // The hypertension follow-up of the public health service, and an allergy found today.
    h.get_by_label("高血压").click();
    h.run();
    h.get_by_label("控制不满意").click();
    h.run();
    type_into(&mut h, "新发现过敏", "青霉素");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run();
    let history = store.history_unaudited(target.id).unwrap();
    assert_eq!(
        history.len(),
        before + 4,
        "an encounter, a prescription, a follow-up and an allergy"
    );
    let follow_up = history
        .iter()
        .find_map(|e| match &e.record.body {
            storage::model::RecordBody::ChronicFollowUp(f) if f.systolic == Some(162) => {
                Some(f.clone())
            }
            _ => None,
        })
        .expect("the follow-up was saved");
    assert_eq!(follow_up.diastolic, Some(98));
    assert_eq!(
        follow_up.control,
        storage::model::ControlStatus::Unsatisfactory
    );
    assert_eq!(follow_up.medications, ["硝苯地平缓释片"]);
    assert!(history.iter().any(|e| matches!(&e.record.body, storage::model::RecordBody::Allergy(a) if a.substance == "青霉素")));
    let encounter = history.iter().find(|e| matches!(&e.record.body, storage::model::RecordBody::Encounter(x) if x.chief_complaint == "头晕一周")).unwrap().clone();
    assert!(history.iter().any(|e| matches!(&e.record.body, storage::model::RecordBody::Prescription(p) if p.encounter == Some(encounter.id))));
    // The history on screen shows it.
    h.get_all_by_label_contains("头晕一周")
        .next()
        .expect("the complaint is in the history");

    // The prescription prints (the newest record is first), then a referral from the visit.
    let rx = print_and_read(&mut h, "打印处方", &printed);
    assert!(
        rx.contains("处方笺") && rx.contains("硝苯地平缓释片") && rx.contains(&target.name),
        "{rx}"
    );
    assert!(
        rx.contains("青霉素"),
        "the allergy found today is on the prescription:\n{rx}"
    );
    // The newest encounter's button may sit below the window's edge: scrolled to, as a user
    // would.
    h.get_all_by_label("转诊单").next().unwrap().scroll_to_me();
    h.run();
    h.get_all_by_label("转诊单").next().unwrap().click();
    h.run();
    fill(&mut h, &[("转出原因", "血压控制不佳，请上级医院调整用药")]);
    let referral = print_and_read(&mut h, "打印转诊单", &printed);
    assert!(
        referral.contains("血压控制不佳") && referral.contains("头晕一周"),
        "{referral}"
    );
    let prints = store
        .audit_for_resident(target.id)
        .unwrap()
        .into_iter()
        .filter(|(_, a)| a.action == AuditAction::Print)
        .count();
    assert_eq!(prints, 3, "card, prescription and referral are audited");

    // A correction: the original stays, struck through, the correction beside it.
    h.get_all_by_label("更正").next().unwrap().click();
    h.run();
    fill(&mut h, &[("更正原因", "血压录入错误")]);
    h.get_by_label("收缩压").focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    type_into(&mut h, "收缩压", "152");
    h.get_by_label_contains("保存更正").click();
    h.run();
    let history = store.history_unaudited(target.id).unwrap();
    let original = history.iter().find(|e| e.id == encounter.id).unwrap();
    assert_eq!(
        original.amended_by.len(),
        1,
        "the original is kept and marked corrected"
    );
    match original.current(&history) {
        storage::model::RecordBody::Encounter(e) => assert_eq!(e.vitals.systolic, Some(152)),
        other => panic!("{other:?}"),
    }
    h.get_all_by_label_contains("已更正于")
        .next()
        .expect("the screen says it was corrected");
    click(&mut h, "完成接诊");
    let queue = store
        .queue(fixtures::catalogue::TOWNSHIP_CENTRE, store.clock().today())
        .unwrap();
    assert!(
        queue
            .iter()
            .any(|t| t.resident == target.id && t.status == storage::model::QueueStatus::Done)
    );
}

#[test]
fn break_glass_needs_a_reason_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 400);
    // A resident who consented to nobody: other facilities' records are hidden here.
    let target = store
        .search("王", None)
        .unwrap()
        .into_iter()
        .map(|h| h.resident)
        .find(|r| {
            store.consents(r.id).unwrap().is_empty()
                && store.history_unaudited(r.id).unwrap().iter().any(|h| {
                    h.record.facility != fixtures::catalogue::TOWNSHIP_CENTRE
                        && !h.category.is_safety()
                })
        })
        .expect("a resident without consent, with records elsewhere that are not safety data");
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    click(&mut h, "查档");
    type_into(&mut h, "查找居民", &target.name);
    h.get_all_by_label_contains(&target.birth_date.to_string())
        .next()
        .unwrap()
        .click();
    h.run();
    let hidden = h.state().records.open.as_ref().unwrap().hidden.len();
    assert!(hidden > 0);
    h.get_by_label_contains("条其他机构的记录因居民未授权而未显示");
    // No reason: refused.
    click(&mut h, "破例查看（记录审计）");
    assert!(!h.state().records.open.as_ref().unwrap().broken_glass);
    type_into(&mut h, "破例查看原因", "昏迷急诊，需要既往史");
    click(&mut h, "破例查看（记录审计）");
    let view = h.state().records.open.as_ref().unwrap();
    assert!(view.broken_glass && view.hidden.is_empty());
    let audit = store.audit_for_resident(target.id).unwrap();
    let last = &audit.last().unwrap().1;
    assert_eq!(
        (last.action, last.reason.as_str()),
        (AuditAction::BreakGlass, "昏迷急诊，需要既往史")
    );
}

#[test]
fn the_screen_locks_when_idle_and_unlocks_with_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 30);
    let settings = Settings {
        idle_lock_minutes: 1,
        ..common::demo_settings()
    };
    settings.save(dir.path()).unwrap();
    let dir2 = dir.path().to_path_buf();
    let mut h = Harness::builder()
        .with_size([1366.0, 768.0])
        .with_step_dt(1.0 / 60.0)
        .with_context_setup(app::gui::fonts::install)
        .build_eframe(move |cc| ClinicApp::new(cc.egui_ctx.clone(), store, settings, dir2));
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    assert!(!h.state().locked);
    // Sixty-odd seconds without input.
    for _ in 0..(62 * 60) {
        h.step();
        if h.state().locked {
            break;
        }
    }
    assert!(h.state().locked);
    h.get_by_label("屏幕已锁定");
    type_into(&mut h, "密码", "nope-nope");
    click(&mut h, "解锁");
    assert!(h.state().locked);
    type_into(&mut h, "密码", app::services::demo::DEMO_PASSWORD);
    click(&mut h, "解锁");
    assert!(!h.state().locked);
}

#[test]
fn an_administrator_changes_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(store(dir.path(), 30), dir.path());
    log_in(&mut h, "admin", app::services::demo::DEMO_PASSWORD);
    assert_eq!(h.state().state.screen, app::gui::state::Screen::Settings);
    h.get_by_label("诊室").focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    type_into(&mut h, "诊室", "二诊室");
    click(&mut h, "保存设置");
    assert_eq!(Settings::load(dir.path()).unwrap().room, "二诊室");
    h.get_by_label_contains("设置已保存");
}

/// Steps the window until `done` (workers answer on their own threads), giving up after five
/// minutes: only a failure, never a slow machine, takes that long. Prints how long it took.
fn step_until(h: &mut Harness<'_, ClinicApp>, done: impl Fn(&ClinicApp) -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(300) {
        h.step();
        if done(h.state()) {
            eprintln!("waited {:.1} s", started.elapsed().as_secs_f64());
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
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    h.state()
        .scanners
        .sender()
        .send(scanner::source::ScanEvent::Code {
            text,
            source: scanner::source::Source::Serial,
        })
        .unwrap();
    let opened = step_until(&mut h, |app| app.front_desk.selected == Some(target.id));
    assert!(opened, "the fetched resident is shown at the front desk");
    assert_eq!(
        local.history_unaudited(target.id).unwrap().len(),
        hub_store.history_unaudited(target.id).unwrap().len()
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
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    h.state()
        .scanners
        .sender()
        .send(scanner::source::ScanEvent::Code {
            text,
            source: scanner::source::Source::Camera,
        })
        .unwrap();
    assert!(
        step_until(&mut h, |app| app.front_desk.register.is_some()),
        "registration is offered"
    );
    assert_eq!(h.state().front_desk.register.as_ref().unwrap().name, "夏雨");
    h.run();
    h.get_by_label_contains("无法连接中心");
}

#[test]
fn the_administrator_searches_the_audit_log_and_sees_the_chain_intact() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 50);
    let target = store.search("王", None).unwrap().remove(0).resident;
    let doctor = storage::Actor {
        staff: "doctor".into(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        role: storage::model::Role::Doctor,
    };
    store
        .view_history(&doctor, target.id, "consultation")
        .unwrap();
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "admin", app::services::demo::DEMO_PASSWORD);
    click(&mut h, "审计");
    h.get_all_by_label_contains("审计链完整").next().unwrap();
    // Today's log: the doctor's view and the administrator's login.
    h.get_by_label("查看病历");
    h.get_by_label("consultation");
    type_into(&mut h, "按人员", "admin");
    assert!(
        h.query_by_label("查看病历").is_none(),
        "only the administrator's entries"
    );
    h.get_by_label("登录");
    // By resident, through their ID number.
    h.state_mut().audit.staff.clear();
    h.run();
    let id_number = target.id_number().unwrap().as_str().to_string();
    type_into(&mut h, "按居民", &id_number);
    h.get_by_label("查看病历");
    assert!(
        h.query_by_label("登录").is_none(),
        "only entries about the resident"
    );
}

#[test]
fn a_tampered_audit_log_is_reported_at_start_and_on_the_audit_screen() {
    use redb::ReadableTable;
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 30);
    let target = store.search("王", None).unwrap().remove(0).resident;
    let doctor = storage::Actor {
        staff: "doctor".into(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        role: storage::model::Role::Doctor,
    };
    store
        .view_history(&doctor, target.id, "consultation")
        .unwrap();
    let entry = store.audit_for_resident(target.id).unwrap().remove(0).0.id;
    let path = store.path().to_path_buf();
    drop(store);
    // Someone with the file rewrites the reason of the entry.
    {
        const CHANGES: redb::TableDefinition<u128, &[u8]> = redb::TableDefinition::new("changes");
        let db = Store::open_raw(&path, &options()).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut t = tx.open_table(CHANGES).unwrap();
            let bytes = t.get(entry.0).unwrap().unwrap().value().to_vec();
            let mut change = storage::codec::unpack_change(entry.0, &bytes).unwrap();
            if let storage::model::Body::Audit(e) = &mut change.body {
                e.reason = "routine".into();
            }
            let altered = storage::codec::pack_change(&change).unwrap();
            t.insert(entry.0, altered.as_slice()).unwrap();
        }
        tx.commit().unwrap();
    }
    let store = std::sync::Arc::new(Store::open(&path, options()).unwrap());
    let mut h = harness(store.clone(), dir.path());
    h.run();
    // The check fails closed: the reason is shown, the login screen is not.
    h.get_all_by_label_contains("审计日志未通过校验")
        .next()
        .unwrap();
    h.get_all_by_label_contains("altered").next().unwrap();
    assert!(h.query_by_role_and_label(Role::Button, "登录").is_none());
    // A doctor may not decide; an administrator may, with a reason, which is audited.
    let decide =
        |h: &mut egui_kittest::Harness<'_, app::gui::app::ClinicApp>, user: &str, why: &str| {
            type_into(h, "管理员用户名", user);
            type_into(h, "密码", app::services::demo::DEMO_PASSWORD);
            type_into(h, "继续使用的原因", why);
            h.get_by_label("记录并继续").click();
            h.run();
        };
    decide(&mut h, "doctor", "复核后继续");
    h.get_all_by_label_contains("只有管理员可以决定")
        .next()
        .unwrap();
    assert!(h.state().integrity.is_some());
    decide(&mut h, "admin", "已报告县卫健局，继续接诊");
    assert!(h.state().integrity.is_none());
    let decided = store
        .search_audit(0, i64::MAX, Some("admin"), None, 100)
        .unwrap()
        .into_iter()
        .any(|(_, e)| {
            e.action == storage::model::AuditAction::Tampering && e.reason.contains("县卫健局")
        });
    assert!(decided, "the decision is in the audit log");
    click(&mut h, "审计");
    h.get_all_by_label_contains("altered").next().unwrap();
}

/// Steps the window until `done` holds (the unlock runs its key derivation on a thread).

#[test]
fn the_workstation_opens_only_with_the_facility_secret_and_a_wrong_one_changes_nothing() {
    use app::gui::unlock::{Root, Unlock};
    let dir = tempfile::tempdir().unwrap();
    drop(store(dir.path(), 5));
    let path = dir.path().join("clinic.redb");
    let before = std::fs::read(&path).unwrap();
    let data = dir.path().to_path_buf();
    let mut h = Harness::builder()
        .with_size([1366.0, 768.0])
        .with_context_setup(app::gui::fonts::install)
        .build_eframe(move |_| Root::Locked(Unlock::new(data, Settings::default(), false)));
    h.run();
    assert!(
        h.query_by_label("用户名").is_none(),
        "no login before the unlock"
    );
    for (secret, expect) in [("猜一个", "机构密钥不正确"), (SECRET, "用户名")] {
        type_into(&mut h, "机构密钥", secret);
        h.get_by_role_and_label(Role::Button, "解锁").click();
        wait_for(&mut h, expect, |h| {
            h.query_all_by_label_contains(expect).next().is_some()
        });
        if expect != "用户名" {
            assert!(
                std::fs::read(&path).unwrap() == before,
                "a wrong secret changed the file"
            );
        }
    }
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    h.get_by_label("接诊");
}

#[test]
fn the_administrator_backs_up_from_the_settings_while_the_window_works() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 20);
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "admin", app::services::demo::DEMO_PASSWORD);
    assert_eq!(h.state().state.screen, app::gui::state::Screen::Settings);
    h.get_by_label("立即备份").click();
    wait_for(&mut h, "the backup", |h| {
        h.query_all_by_label_contains("已备份").next().is_some()
            || h.query_all_by_label_contains("rror").next().is_some()
    });
    let file = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "backup"))
        .expect("a backup file");
    let check = storage::backup::verify_backup(&file, &options()).unwrap();
    assert_eq!(check.residents, store.resident_count().unwrap());
    let audited = store
        .search_audit(0, i64::MAX, Some("admin"), None, 100)
        .unwrap();
    assert!(
        audited
            .iter()
            .any(|(_, e)| e.action == storage::model::AuditAction::Backup),
        "the backup was not audited"
    );
}

/// A demo child with a dose due or overdue today, and that dose.
fn a_child_due_a_dose(
    store: &Store,
) -> (storage::model::Resident, storage::schedule::ScheduledDose) {
    let today = store.clock().today();
    for surname in fixtures::SURNAMES {
        for hit in store.search(surname, None).unwrap() {
            let r = hit.resident;
            if r.birth_date.age_on(today) >= 7 {
                continue;
            }
            let history = store.history_unaudited(r.id).unwrap();
            let summary = storage::summary::Summary::of(&history, r.birth_date, today);
            let due = summary.immunisations.iter().find(|s| s.is_due());
            if let Some(s) = due {
                return (r.clone(), s.dose);
            }
        }
    }
    panic!("no demo child has a dose due");
}

#[test]
fn a_child_due_a_dose_is_vaccinated_and_checked_at_the_visit() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 400);
    let (child, dose) = a_child_due_a_dose(&store);
    let desk = storage::Actor {
        staff: "frontdesk".into(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        role: storage::model::Role::FrontDesk,
    };
    let ticket = store
        .check_in(&desk, child.id, storage::model::VisitType::General, None)
        .unwrap();
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    // The child is in the room's queue: the doctor picks them and starts the visit.
    h.get_all_by_label_contains(&child.name)
        .next()
        .unwrap()
        .click();
    h.run();
    h.get_all_by_label_contains(&format!("接诊 {} {}", ticket.number, child.name))
        .next()
        .unwrap()
        .click();
    h.run();
    assert_eq!(
        h.state()
            .doctor
            .consult
            .as_ref()
            .map(|c| c.view.resident.id),
        Some(child.id)
    );
    fill(&mut h, &[("主诉", "预防接种")]);
    h.get_by_label(&format!("{} 第{}剂", dose.name, dose.dose))
        .click();
    h.run();
    let short = format!("{}{}", dose.vaccine, dose.dose);
    type_into(&mut h, &format!("{short} 批号"), "202611B");
    type_into(&mut h, &format!("{short} 部位"), "左上臂");
    // A dose given elsewhere, copied from the child's certificate (a dose not given here).
    let today = store.clock().today();
    let copied = storage::summary::Summary::of(
        &store.history_unaudited(child.id).unwrap(),
        child.birth_date,
        today,
    )
    .immunisations
    .iter()
    .rev()
    .find(|s| !s.is_due() && !matches!(s.state, storage::schedule::DoseState::Given(_)))
    .expect("a dose not given")
    .dose;
    click(&mut h, "补录既往接种（接种证）");
    click(&mut h, "补录疫苗");
    // The option may be below the popup's fold: scrolled to, as a user would.
    let option = format!("{} 第{}剂", copied.name, copied.dose);
    h.get_by_label(&option).scroll_to_me();
    h.run();
    click(&mut h, &option);
    let on = child.birth_date.add_days(1).to_string();
    fill(
        &mut h,
        &[("接种日期", on.as_str()), ("接种单位", "外省某卫生院")],
    );
    click(&mut h, "添加补录");
    // The child health check of the same visit: weight from the vitals, height measured.
    type_into(&mut h, "体重", "9.5");
    h.get_by_label("儿童健康检查").click();
    h.run();
    type_into(&mut h, "身长", "75.3");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run();
    let history = store.history_unaudited(child.id).unwrap();
    let check =
        history
            .iter()
            .find_map(|e| match &e.record.body {
                storage::model::RecordBody::MaternalChild(
                    storage::model::MaternalChild::Child(c),
                ) if c.height_x10 == Some(753) => Some(c.clone()),
                _ => None,
            })
            .expect("the child check was recorded");
    assert_eq!(check.weight_x10, Some(95));
    assert_eq!(
        i32::from(check.age_months),
        child.birth_date.months_until(store.clock().today())
    );
    let given = history
        .iter()
        .find_map(|e| match &e.record.body {
            storage::model::RecordBody::Immunisation(i) if i.lot == "202611B" => Some(i.clone()),
            _ => None,
        })
        .expect("the dose was recorded");
    assert_eq!(
        (given.vaccine.as_str(), given.dose_number),
        (dose.vaccine, dose.dose)
    );
    assert_eq!(given.site, "左上臂");
    assert!(
        history.iter().any(|e| matches!(&e.record.body,
            storage::model::RecordBody::PastDose(p)
                if p.dose.vaccine == copied.vaccine && p.dose.dose_number == copied.dose
                    && p.given_on.to_string() == on && p.given_at == "外省某卫生院")),
        "the copied dose is recorded as copied, on its day"
    );
    // The schedule now shows it given today.
    let summary = storage::summary::Summary::of(&history, child.birth_date, store.clock().today());
    assert!(
        summary.immunisations.iter().any(|s| s.dose == dose
            && s.state == storage::schedule::DoseState::Given(store.clock().today()))
    );
}

#[test]
fn entries_the_hub_refused_are_shown_with_their_reasons_and_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 20);
    let desk = storage::Actor {
        staff: "frontdesk".into(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        role: storage::model::Role::FrontDesk,
    };
    let who = store.search("王", None).unwrap().remove(0).resident.id;
    let id = store
        .commit_one(
            &desk,
            storage::model::Body::Audit(storage::model::AuditEntry::new(
                AuditAction::Search,
                Some(who),
                "",
            )),
        )
        .unwrap();
    store
        .mark_rejected(
            id,
            "its clock stamp is before 2000: this PC's clock is wrong",
        )
        .unwrap();
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "admin", app::services::demo::DEMO_PASSWORD);
    h.get_all_by_label_contains("中心拒收 1").next().unwrap();
    // The administrator starts on the settings, where the refusals are listed.
    assert_eq!(h.state().state.screen, app::gui::state::Screen::Settings);
    h.get_all_by_label_contains("this PC's clock is wrong")
        .next()
        .unwrap();
    click(&mut h, "原因已处理，全部重新发送");
    assert!(store.rejected().unwrap().is_empty(), "queued again");
    assert_eq!(
        store
            .pending(0, 10)
            .unwrap()
            .iter()
            .filter(|e| e.change.id == id)
            .count(),
        1,
        "the next push sends it"
    );
    assert!(h.query_by_label_contains("中心拒收 1").is_none());
}

//! Wrong-patient safeguards in the real window (egui_kittest): two residents of the same name
//! are told apart wherever they are named, Enter never picks one of several, starting a visit
//! and taking a patient off the queue are deliberate, and a notice does not move the buttons.

mod common;

use common::*;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use storage::model::{QueueStatus, Sex, VisitType};
use storage::{Date, Id, IdNumber, NewResident, Store};

const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;

/// The demo's queue of today emptied (everyone gone home), so only the test's patients wait.
fn empty_queue(store: &Store) {
    for t in store.queue(CENTRE, store.clock().today()).unwrap() {
        if t.status == QueueStatus::Waiting {
            store
                .set_queue_status(&clerk(), t.id, QueueStatus::Left, "")
                .unwrap();
        }
    }
}

/// Two women called 张丽华, 40 and 77, with their ID numbers (last four digits differ).
fn namesakes(store: &Store) -> [(Id, String); 2] {
    // Even 17th digits: women.
    [("1986-05-04", 20), ("1949-02-11", 22)].map(|(birth, sequence)| {
        let birth: Date = birth.parse().unwrap();
        let number = IdNumber::compose("420921", birth, sequence).unwrap();
        let id = store
            .register(
                &clerk(),
                NewResident {
                    name: "张丽华".into(),
                    sex: Sex::Female,
                    birth_date: Some(birth),
                    id_number: Some(number.as_str().into()),
                    ..Default::default()
                },
            )
            .unwrap();
        let tail = number.as_str()[14..].to_string();
        (id, tail)
    })
}

#[test]
fn enter_with_several_matches_opens_nobody_until_one_is_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 5);
    let [(_, _), (older, older_tail)] = namesakes(&store);
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    type_into(&mut h, "查找居民", "张丽华");
    h.key_press(egui::Key::Enter);
    h.run_steps(4);
    h.run();
    assert_eq!(h.state().front_desk.selected, None, "Enter took one of two");
    h.get_by_label_contains("找到多人");
    // The rows tell the two apart: age and the ID number's last digits.
    h.get_by_label_contains(&format!("女 77岁  1949-02-11  …{older_tail}"))
        .click();
    h.run();
    assert_eq!(h.state().front_desk.selected, Some(older));
    // The look-up is audited as a search.
    let audit = store.audit_for_resident(older).unwrap();
    assert!(
        audit
            .iter()
            .any(|(_, e)| e.action == storage::model::AuditAction::Search)
    );
}

#[test]
fn namesakes_are_told_apart_in_the_queues_and_a_visit_starts_only_on_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 5);
    empty_queue(&store);
    let [(younger, younger_tail), (older, older_tail)] = namesakes(&store);
    let first = store
        .check_in(&clerk(), younger, VisitType::General, None)
        .unwrap();
    let second = store
        .check_in(&clerk(), older, VisitType::General, None)
        .unwrap();
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    h.get_by_role_and_label(Role::Button, "接诊").click();
    h.run();
    let younger_row = format!("张丽华 · 女 40岁 · …{younger_tail}");
    let older_row = format!("张丽华 · 女 77岁 · …{older_tail}");
    h.get_by_label_contains(&younger_row);
    // One click on a row only picks it; the visit starts with the button that names them.
    h.get_by_label_contains(&older_row).click();
    h.run();
    assert!(
        h.state().doctor.consult.is_none(),
        "a row click started a visit"
    );
    let start = format!("接诊 {} {older_row}", second.number);
    h.get_by_role_and_label(Role::Button, &start).click();
    h.run();
    let consult = h
        .state()
        .doctor
        .consult
        .as_ref()
        .expect("the visit started");
    assert_eq!(consult.view.resident.id, older);
    // The consultation header names her the same way.
    h.get_all_by_label_contains(&older_row).next().unwrap();
    let waiting = store.queue(CENTRE, store.clock().today()).unwrap();
    let first = waiting.iter().find(|t| t.id == first.id).unwrap();
    assert_eq!(
        first.status,
        QueueStatus::Waiting,
        "the other one was called"
    );
}

#[test]
fn taking_a_waiting_patient_off_the_queue_takes_a_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 5);
    empty_queue(&store);
    let [(younger, _), _] = namesakes(&store);
    let ticket = store
        .check_in(&clerk(), younger, VisitType::General, None)
        .unwrap();
    let status = || {
        store
            .queue(CENTRE, store.clock().today())
            .unwrap()
            .into_iter()
            .find(|t| t.id == ticket.id)
            .unwrap()
            .status
    };
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    h.get_by_role_and_label(Role::Button, "离开").click();
    h.run();
    assert_eq!(status(), QueueStatus::Waiting, "one click took them off");
    h.get_by_role_and_label(Role::Button, "取消").click();
    h.run();
    assert_eq!(status(), QueueStatus::Waiting);
    h.get_by_role_and_label(Role::Button, "离开").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "确认已离开").click();
    h.run();
    assert_eq!(status(), QueueStatus::Left);
}

#[test]
fn a_notice_does_not_move_the_buttons() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 5);
    let mut h = harness(store.clone(), dir.path());
    log_in(&mut h, "frontdesk", app::services::demo::DEMO_PASSWORD);
    h.state_mut().state.notice = None;
    h.run();
    let before = h.get_by_label("+ 登记新居民").rect();
    // A payment code scanned at the wrong moment: an error notice appears.
    scan(
        &mut h,
        "134567890123456789".into(),
        scanner::source::Source::Serial,
    );
    h.get_by_label_contains("付款码");
    assert_eq!(h.get_by_label("+ 登记新居民").rect(), before);
}

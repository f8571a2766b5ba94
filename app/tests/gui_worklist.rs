//! The worklist screen in the real window (egui_kittest): a demo hypertensive patient overdue
//! for follow-up is listed; the doctor records their follow-up in a consultation and they
//! leave the list; a call that reached another takes them off too; the list prints on A4.

mod common;

use app::settings::Settings;
use common::*;
use egui_kittest::kittest::Queryable;
use storage::model::{AuditAction, ContactOutcome, RecordBody, Role, WorklistKind};
use storage::worklist::WorklistQuery;

const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;

fn doctor() -> storage::Actor {
    storage::Actor {
        staff: "doctor".into(),
        facility: CENTRE.into(),
        role: Role::Doctor,
    }
}

/// Waits until the list read on the worker thread is on screen.
fn wait_list(h: &mut egui_kittest::Harness<'_, app::gui::app::ClinicApp>) {
    wait_for(h, "the worklist", |h| {
        let w = &h.state().worklist;
        w.pending.is_none() && w.entries().is_some()
    });
    h.run();
}

/// Where a resident is in the list on screen, if there.
fn row(h: &egui_kittest::Harness<'_, app::gui::app::ClinicApp>, id: storage::Id) -> Option<usize> {
    h.state()
        .worklist
        .entries()?
        .iter()
        .position(|e| e.resident.id == id)
}

#[test]
fn an_overdue_hypertensive_patient_is_listed_seen_and_leaves_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), 600);
    let printed = dir.path().join("printer.pdf");
    let settings = Settings {
        printer: format!("cat > '{}'", printed.display()),
        ..common::demo_settings()
    };
    // Two demo patients overdue for a hypertension follow-up (from the store, as the screen
    // will show them).
    let overdue: Vec<_> = store
        .worklist(&doctor(), &WorklistQuery::new(WorklistKind::FollowUp), None)
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.overdue()
                && e.items
                    .iter()
                    .any(|i| i.overdue && i.what_en.starts_with("Hypertension"))
        })
        .collect();
    assert!(
        overdue.len() >= 2,
        "the demo has overdue hypertensive patients"
    );
    let (patient, called) = (&overdue[0].resident, &overdue[1].resident);

    let mut h = harness_with(store.clone(), dir.path(), 1.0 / 60.0, settings);
    log_in(&mut h, "doctor", app::services::demo::DEMO_PASSWORD);
    click(&mut h, "随访名单");
    wait_list(&mut h);
    assert!(
        row(&h, patient.id).is_some(),
        "the overdue patient is listed"
    );
    let shown = patient.name.clone();
    assert!(h.query_all_by_label(&shown).next().is_some());
    h.get_all_by_label_contains("逾期")
        .next()
        .expect("the overdue mark");

    // The list on paper for the round: the same people.
    let text = print_and_read(&mut h, "打印名单（A4）", &printed);
    assert!(text.contains("慢病随访名单"), "{text}");
    assert!(text.contains(&patient.name) && text.contains(&called.name));

    // A call that reached the second patient: off the list at once, and recorded.
    let index = row(&h, called.id).unwrap();
    h.get_all_by_label("已联系").nth(index).unwrap().click();
    h.run();
    assert_eq!(row(&h, called.id), None, "reached: off the list at once");
    wait_list(&mut h);
    assert_eq!(
        row(&h, called.id),
        None,
        "and still off when the list is read again"
    );
    assert!(store.history_unaudited(called.id).unwrap().iter().any(|e| matches!(
        &e.record.body,
        RecordBody::Contact(c) if c.outcome == ContactOutcome::Reached && c.list == WorklistKind::FollowUp
    )));

    // The first comes in: the doctor records the follow-up in the consultation.
    check_in_alone(&store, patient.id);
    click(&mut h, "接诊");
    h.get_all_by_label_contains("叫下一位")
        .next()
        .unwrap()
        .click();
    h.run();
    fill(
        &mut h,
        &[("主诉", "高血压随访"), ("收缩压", "128"), ("舒张压", "80")],
    );
    h.get_by_label("高血压").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run();
    assert!(
        store.history_unaudited(patient.id).unwrap().iter().any(
            |e| matches!(&e.record.body, RecordBody::ChronicFollowUp(f) if f.systolic == Some(128))
        ),
        "the follow-up was saved"
    );

    // Back on the worklist: they have left it.
    click(&mut h, "随访名单");
    wait_list(&mut h);
    assert_eq!(row(&h, patient.id), None, "seen: off the list");
    // Their name may still be on screen only as a namesake's, another resident on the list.
    // (Any listed entry of that name would do otherwise, and the name shown is one's.)
    assert!(
        h.query_all_by_label(&shown).next().is_none() || {
            h.state()
                .worklist
                .entries()
                .unwrap()
                .iter()
                .any(|e| e.resident.name == patient.name && e.resident.id != patient.id)
        },
        "{} is still shown on the worklist",
        patient.name
    );

    // Every reading of the list is audited, naming the list.
    let today = store.clock().today();
    let views = store
        .search_audit(
            today.start_ms(),
            today.add_days(1).start_ms(),
            Some("doctor"),
            None,
            100,
        )
        .unwrap()
        .into_iter()
        .filter(|(_, a)| a.action == AuditAction::ViewWorklist && a.reason.starts_with("followup"))
        .count();
    assert!(views >= 2, "{views}");
}

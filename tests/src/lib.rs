//! Helpers shared by the end-to-end tests. The tests themselves are in `tests/`:
//!
//! - `crash.rs`: a writer process is killed with SIGKILL at random moments; after each kill
//!   the store opens, every acknowledged write is there and the outbox matches the records.

use storage::model::*;
use storage::{Actor, Id, Store};

/// The actor the test writers use.
pub fn doctor() -> Actor {
    Actor {
        staff: "doc".into(),
        facility: "H42092100101".into(),
        role: Role::Doctor,
    }
}

/// An encounter for `resident` at `at`.
pub fn encounter(resident: Id, at: i64, n: u64) -> ClinicalRecord {
    ClinicalRecord {
        resident,
        at,
        facility: "H42092100101".into(),
        clinician: "测试医生".into(),
        body: RecordBody::Encounter(Encounter {
            visit_type: VisitType::General,
            chief_complaint: format!("complaint {n}"),
            vitals: Vitals {
                systolic: Some(120 + (n % 40) as u16),
                diastolic: Some(80),
                ..Default::default()
            },
            diagnoses: vec![Diagnosis {
                code: "I10".into(),
                name: "高血压".into(),
            }],
            notes: "x".repeat((n % 200) as usize),
            follow_up: None,
            discharged: None,
        }),
    }
}

/// Every change id in the journal, in order.
pub fn journal_ids(store: &Store) -> Vec<Id> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store.journal_after(after, 1000).expect("journal");
        if page.is_empty() {
            return out;
        }
        after = page.last().map_or(after, |(seq, _)| *seq);
        out.extend(page.into_iter().map(|(_, c)| c.id));
    }
}

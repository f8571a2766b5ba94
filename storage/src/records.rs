//! Clinical records: the append-only history of a resident.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::ids::{Hlc, Id};
use crate::model::{
    AuditAction, AuditEntry, Body, ClinicalRecord, Origin, RecordBody, RecordCategory,
};
use crate::store::{Actor, Store};
use crate::tables::{CHANGES, HISTORY};

/// One record in a resident's history, with who made it and what later corrected it.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub id: Id,
    pub hlc: Hlc,
    pub origin: Origin,
    pub category: RecordCategory,
    pub record: ClinicalRecord,
    /// Amendments that correct this record, oldest first. The record itself stays.
    pub amended_by: Vec<Id>,
}

impl HistoryEntry {
    /// The content now in force: the latest amendment's replacement, or the record itself.
    pub fn current<'a>(&'a self, history: &'a [HistoryEntry]) -> &'a RecordBody {
        self.amended_by
            .last()
            .and_then(|id| history.iter().find(|h| h.id == *id))
            .and_then(|h| match &h.record.body {
                RecordBody::Amendment(a) => Some(a.replacement.as_ref()),
                _ => None,
            })
            .unwrap_or(&self.record.body)
    }
}

impl Store {
    /// Every record of a resident, all categories, ordered by clinical time (then by id).
    ///
    /// Not audited and not checked against the reader's role: for the hub, benchmarks and
    /// tests. Screens use [`Store::view_history`] or [`Store::break_glass`].
    pub fn history_unaudited(&self, resident: Id) -> Result<Vec<HistoryEntry>> {
        let tx = self.read()?;
        let index = tx.open_table(HISTORY)?;
        let changes = tx.open_table(CHANGES)?;
        let mut out = Vec::new();
        for row in index.range((resident.0, i64::MIN, 0u128)..=(resident.0, i64::MAX, u128::MAX))? {
            let (key, category) = row?;
            let id = key.value().2;
            let bytes = changes.get(id)?.ok_or_else(|| {
                Error::Corrupt(format!("history points to a missing record {}", Id(id)))
            })?;
            let change = crate::codec::unpack_change(id, bytes.value())?;
            let Body::Record(record) = change.body else {
                return Err(Error::Corrupt(format!(
                    "history entry {} is not a record",
                    Id(id)
                )));
            };
            out.push(HistoryEntry {
                id: change.id,
                hlc: change.hlc,
                origin: change.origin,
                category: RecordCategory::from_code(category.value())
                    .unwrap_or(RecordCategory::Encounter),
                record,
                amended_by: Vec::new(),
            });
        }
        let position: HashMap<Id, usize> = out.iter().enumerate().map(|(i, h)| (h.id, i)).collect();
        let amendments: Vec<(usize, Id)> = out
            .iter()
            .filter_map(|h| match &h.record.body {
                RecordBody::Amendment(a) => position.get(&a.target).map(|&i| (i, h.id)),
                _ => None,
            })
            .collect();
        for (target, id) in amendments {
            out[target].amended_by.push(id);
        }
        Ok(out)
    }

    /// The history, for a doctor, with an audit entry saying who looked and why, written
    /// first: if the audit cannot be written, nothing is shown. Front desk and administrators
    /// are refused: they use [`Store::break_glass`].
    pub fn view_history(
        &self,
        actor: &Actor,
        resident: Id,
        reason: &str,
    ) -> Result<Vec<HistoryEntry>> {
        if actor.role != crate::model::Role::Doctor {
            return Err(Error::Forbidden(
                "only doctors read clinical records; others need break-glass with a reason".into(),
            ));
        }
        self.audited_history(actor, resident, AuditAction::ViewHistory, reason)
    }

    /// The history a doctor prints from (a prescription, a referral), audited as printing
    /// `what`. Only doctors print clinical documents.
    pub fn history_for_print(
        &self,
        actor: &Actor,
        resident: Id,
        what: &str,
    ) -> Result<Vec<HistoryEntry>> {
        if actor.role != crate::model::Role::Doctor {
            return Err(Error::Forbidden(
                "only doctors print prescriptions and referrals".into(),
            ));
        }
        self.audited_history(actor, resident, AuditAction::Print, what)
    }

    /// Opens a history outside the normal rules (records the resident has not consented to
    /// share here, or a non-doctor in an emergency). The reason is required and audited.
    pub fn break_glass(
        &self,
        actor: &Actor,
        resident: Id,
        reason: &str,
    ) -> Result<Vec<HistoryEntry>> {
        if reason.trim().chars().count() < crate::roles::MIN_REASON_CHARS {
            return Err(Error::Invalid(
                "break-glass needs a reason (at least a few words)".into(),
            ));
        }
        self.audited_history(actor, resident, AuditAction::BreakGlass, reason.trim())
    }

    fn audited_history(
        &self,
        actor: &Actor,
        resident: Id,
        action: AuditAction,
        reason: &str,
    ) -> Result<Vec<HistoryEntry>> {
        self.commit_one(
            actor,
            Body::Audit(AuditEntry::new(action, Some(resident), reason)),
        )?;
        self.history_unaudited(resident)
    }

    /// Appends a clinical record.
    pub fn add_record(&self, actor: &Actor, record: ClinicalRecord) -> Result<Id> {
        self.commit_one(actor, Body::Record(record))
    }
}

/// An encounter for tests with one diagnosis, and a blood pressure of `systolic`/90 if given.
#[cfg(test)]
pub(crate) fn test_encounter(code: &str, systolic: Option<u16>) -> RecordBody {
    use crate::model::{Diagnosis, Encounter, VisitType, Vitals};
    RecordBody::Encounter(Encounter {
        visit_type: VisitType::General,
        chief_complaint: String::new(),
        vitals: Vitals {
            systolic,
            diastolic: systolic.map(|_| 90),
            ..Default::default()
        },
        diagnoses: vec![Diagnosis {
            code: code.into(),
            name: code.into(),
        }],
        notes: String::new(),
        follow_up: None,
        discharged: None,
    })
}

/// A history entry for tests: record `n` made at 10:00 on `at_day` at `facility`.
#[cfg(test)]
pub(crate) fn test_entry(n: u128, at_day: &str, facility: &str, body: RecordBody) -> HistoryEntry {
    let at = at_day.parse::<crate::Date>().unwrap().start_ms() + 10 * 3_600_000;
    HistoryEntry {
        id: Id(n),
        hlc: Hlc(n as u64),
        origin: Origin::default(),
        category: body.category(),
        record: ClinicalRecord {
            resident: Id(1),
            at,
            facility: facility.into(),
            clinician: "x".into(),
            body,
        },
        amended_by: vec![],
    }
}

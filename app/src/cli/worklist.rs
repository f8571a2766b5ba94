//! `clinic worklist`: who is due or overdue, as a table, JSON or the A4 list for the round;
//! `clinic worklist contact`: the outcome of a call or a home visit.

use std::path::Path;

use anyhow::Context;
use serde_json::json;
use storage::model::{Contact, ContactOutcome, FollowUpMethod, WorklistKind};
use storage::worklist::{WorklistEntry, WorklistQuery};
use storage::{Actor, Store};

use super::query;
use crate::i18n::Lang;

pub struct ListArgs<'a> {
    pub query: WorklistQuery,
    pub json: bool,
    pub out: Option<&'a Path>,
    /// The doctor's display name on the printed list.
    pub doctor: String,
}

/// Prints the list. A doctor reads it as part of their work; the command line's own actor
/// (no `--doctor`) is audited with the reason "command line".
pub fn list(store: &Store, actor: &Actor, args: ListArgs) -> anyhow::Result<()> {
    let reason =
        (actor.role != storage::model::Role::Doctor).then_some("command line (clinic worklist)");
    let entries = store.worklist(actor, &args.query, reason)?;
    let today = store.clock().today();
    if let Some(path) = args.out {
        let printed =
            crate::services::printing::worklist(store, actor, &args.query, &entries, &args.doctor)?;
        std::fs::write(path, &printed.pdf)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "{}",
            crate::services::printing::with_missing(
                format!("written to {}", path.display()),
                &printed
            )
        );
    }
    if args.json {
        let out = json!({
            "kind": args.query.kind.code(),
            "facility": actor.facility,
            "village": args.query.village,
            "today": today,
            "within_days": args.query.within_days,
            "entries": entries.iter().map(|e| entry_json(e, today)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if args.out.is_none() {
        print!("{}", text(store, &entries, today));
    }
    Ok(())
}

fn entry_json(e: &WorklistEntry, today: storage::Date) -> serde_json::Value {
    let due = e.due();
    json!({
        "resident": e.resident.id.to_string(),
        "name": e.resident.name,
        "sex": e.resident.sex,
        "birth_date": e.resident.birth_date,
        "age": e.resident.birth_date.age_on(today),
        "village": e.resident.address.village,
        "address": e.resident.address.text,
        "phone": e.phone,
        "phone_of": e.phone_of,
        "household": e.household.iter().map(|(rel, name)| json!({"relation": rel, "name": name})).collect::<Vec<_>>(),
        "due": due,
        "overdue": e.overdue(),
        "overdue_days": if e.overdue() { due.days_until(today) } else { 0 },
        "items": e.items.iter().map(|i| json!({
            "what_zh": i.what_zh, "what_en": i.what_en, "due": i.due, "overdue": i.overdue,
        })).collect::<Vec<_>>(),
        "last_visit": e.last_visit.as_ref().map(|(day, facility)| json!({"date": day, "facility": facility})),
        "last_contact": e.last_contact.as_ref().map(|(day, c)| json!({
            "date": day, "outcome": c.outcome.code(), "method": c.method, "notes": c.notes,
        })),
        "attempts": e.attempts,
    })
}

/// One line per resident, for a terminal.
fn text(store: &Store, entries: &[WorklistEntry], today: storage::Date) -> String {
    let mut out = String::new();
    let names = crate::services::printing::FacilityNames::of(store);
    for e in entries {
        let row = crate::services::printing::worklist_row(Lang::Zh, &names, e, today);
        out += &format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            row.since,
            row.name,
            row.sex_age,
            row.address,
            row.phone,
            row.due.join("；"),
            row.last_contact
        );
    }
    out += &format!("{} 人\n", entries.len());
    out
}

pub fn parse_kind(text: &str) -> Result<WorklistKind, String> {
    WorklistKind::from_code(text).ok_or_else(|| {
        format!("a worklist is one of followup, immunisation, antenatal, child; not {text}")
    })
}

pub fn parse_outcome(text: &str) -> Result<ContactOutcome, String> {
    ContactOutcome::from_code(text).ok_or_else(|| {
        format!("an outcome is one of reached, not_reached, moved_away, died; not {text}")
    })
}

pub fn parse_method(text: &str) -> Result<FollowUpMethod, String> {
    match text {
        "phone" => Ok(FollowUpMethod::Phone),
        "home" => Ok(FollowUpMethod::Home),
        "clinic" => Ok(FollowUpMethod::Clinic),
        _ => Err(format!(
            "a contact is made by phone, home or clinic; not {text}"
        )),
    }
}

/// Records a contact for a resident (id, ID number, card or insurance number).
pub fn contact(
    store: &Store,
    actor: &Actor,
    clinician: &str,
    resident: &str,
    contact: Contact,
) -> anyhow::Result<()> {
    let id = query::resolve(store, resident)?;
    let record = store.record_contact(actor, clinician, id, contact)?;
    println!(
        "{}",
        json!({"record": record.to_string(), "resident": id.to_string()})
    );
    Ok(())
}

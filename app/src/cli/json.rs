//! JSON shapes printed by the headless commands (stable for scripts).

use serde::Serialize;
use serde_json::{Value, json};
use storage::model::{Identifier, Resident};
use storage::{Date, HistoryEntry};

/// A resident as scripts see it: no merge clocks, identifiers as kind/value pairs.
pub fn resident(r: &Resident, today: Date) -> Value {
    let identifiers: Vec<Value> = r.identifiers.iter().map(identifier).collect();
    json!({
        "id": r.id.to_string(),
        "name": r.name,
        "pinyin": r.pinyin,
        "sex": r.sex,
        "birth_date": r.birth_date,
        "age": r.birth_date.age_on(today),
        "phone": r.phone,
        "address": r.address.text,
        "identifiers": identifiers,
        "provisional": r.provisional,
        "home_facility": r.home_facility,
    })
}

pub fn identifier(i: &Identifier) -> Value {
    match i {
        Identifier::Card(c) => json!({"kind": "card", "value": c.to_string()}),
        Identifier::IdNumber(n) => json!({"kind": "id_number", "value": n.as_str()}),
        Identifier::Insurance { scheme, number } => {
            json!({"kind": "insurance", "scheme": scheme, "value": number})
        }
        Identifier::HospitalCard { facility, number } => {
            json!({"kind": "hospital_card", "facility": facility, "value": number})
        }
    }
}

pub fn history_entry(h: &HistoryEntry) -> Value {
    json!({
        "id": h.id.to_string(),
        "at": timestamp(h.record.at),
        "category": h.category.as_str(),
        "facility": h.record.facility,
        "clinician": h.record.clinician,
        "record": to_value(&h.record.body),
        "amended_by": h.amended_by.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
    })
}

/// `YYYY-MM-DDTHH:MM+08:00`: clinic times are Beijing time.
pub fn timestamp(unix_ms: i64) -> String {
    let day = Date::of_instant(unix_ms);
    let minutes = (unix_ms - day.start_ms()) / 60_000;
    format!("{day}T{:02}:{:02}+08:00", minutes / 60, minutes % 60)
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

//! `clinic find` and `clinic history`: JSON on stdout.

use anyhow::{Context, bail};
use serde_json::json;
use storage::model::{CardId, Identifier};
use storage::{Actor, Id, IdNumber, Store};

use super::json;

/// Resolves what a user typed to a resident: a resident id, an ID number, a card id (64 hex or
/// the platform QR text), or an insurance number.
pub fn resolve(store: &Store, text: &str) -> anyhow::Result<Id> {
    let text = text.trim();
    if let Ok(id) = text.parse::<Id>() {
        if store.resident(id)?.is_some() {
            return Ok(id);
        }
    }
    let mut candidates = Vec::new();
    if text.len() == 18 {
        match IdNumber::parse(text) {
            Ok(n) => candidates.push(Identifier::IdNumber(n)),
            Err(e) if text.bytes().take(17).all(|b| b.is_ascii_digit()) => {
                bail!("{text} is not a valid ID number: {e}")
            }
            Err(_) => {}
        }
    }
    let card_text = text.split(':').next().unwrap_or(text);
    if let Ok(card) = card_text.parse::<CardId>() {
        candidates.push(Identifier::Card(card));
    }
    candidates.push(Identifier::Insurance { scheme: String::new(), number: text.to_string() });
    for c in candidates {
        if let Some(id) = store.find_by_identifier(&c)? {
            return Ok(id);
        }
    }
    bail!("no resident with the id, ID number, card or insurance number {text}")
}

pub fn find(store: &Store, query: &str, year: Option<u16>) -> anyhow::Result<()> {
    let today = store.clock().today();
    let hits = store.search(query, year)?;
    let out: Vec<_> = hits
        .iter()
        .map(|h| json!({"rank": h.rank, "resident": json::resident(&h.resident, today)}))
        .collect();
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

pub fn history(store: &Store, actor: &Actor, who: &str) -> anyhow::Result<()> {
    let id = resolve(store, who)?;
    let resident = store.resident(id)?.context("resident vanished")?;
    let history = store.view_history(actor, id, "command line")?;
    let out = json!({
        "resident": json::resident(&resident, store.clock().today()),
        "records": history.iter().map(json::history_entry).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

//! `clinic find` and `clinic history`: JSON on stdout.

use anyhow::{Context, bail};
use serde_json::json;
use storage::{Actor, Id, Store};

use super::json;

/// Resolves what a user typed to a resident, or says why not.
pub fn resolve(store: &Store, text: &str) -> anyhow::Result<Id> {
    match store.find_typed(text) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => bail!("no resident with the id, ID number, card or insurance number {text}"),
        Err(e) => bail!("{text}: {e}"),
    }
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
    // The command line bypasses consent: recorded as break-glass, like any such reading.
    let history = store.break_glass(actor, id, "command line (clinic history)")?;
    let out = json!({
        "resident": json::resident(&resident, store.clock().today()),
        "records": history.iter().map(json::history_entry).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

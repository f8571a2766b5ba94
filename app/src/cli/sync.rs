//! `clinic sync …`: enrol with a hub, run one round, show the state.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;
use storage::Store;
use sync::client::{HubClient, round};

use crate::services::hub::load_config;

pub fn once(data_dir: &Path, store: &Store) -> anyhow::Result<()> {
    let config = load_config(data_dir, store)?.context(
        "this workstation is not enrolled: run `clinic sync enrol --hub URL --code CODE`",
    )?;
    let client = HubClient::new(
        &config.hub_url,
        &config.token,
        &config.fingerprint,
        Duration::from_secs(30),
    )?;
    let summary = round(store, &client, &mut |_| {})?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

pub fn status(data_dir: &Path, store: &Store) -> anyhow::Result<()> {
    let config = load_config(data_dir, store)?;
    let rejected: Vec<_> = store
        .rejected()?
        .into_iter()
        .map(|(e, reason)| json!({"id": e.change.id.to_string(), "kind": e.change.body.kind(), "reason": reason}))
        .collect();
    let out = json!({
        "hub": config.as_ref().map(|c| c.hub_url.clone()),
        "facility": config.as_ref().map(|c| c.facility.clone()),
        "device": store.device(),
        "outbox": store.outbox_len()?,
        "rejected": rejected,
        "pull_cursor": store.meta_u64(storage::Counter::PullCursor)?,
        "last_sync_ms": store.meta_u64(storage::Counter::LastSyncMs)?,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// Marks rejected entries to be sent again: those named, or every rejected one.
pub fn retry(store: &Store, ids: &[storage::Id]) -> anyhow::Result<()> {
    let rejected: Vec<storage::Id> = store
        .rejected()?
        .into_iter()
        .map(|(e, _)| e.change.id)
        .filter(|id| ids.is_empty() || ids.contains(id))
        .collect();
    for id in ids {
        anyhow::ensure!(rejected.contains(id), "{id} is not a rejected entry");
    }
    for id in &rejected {
        store.retry_rejected(*id)?;
    }
    println!("{}", json!({ "retried": rejected.len() }));
    Ok(())
}

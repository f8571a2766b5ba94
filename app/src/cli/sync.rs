//! `clinic sync …`: enrol with a hub, run one round, show the state.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;
use storage::Store;
use sync::client::{HubClient, SyncConfig, round};

use crate::settings::Settings;

/// The hub configuration (with the device token) lives inside the encrypted store: a stolen
/// disk must not let anyone sync as this workstation.
const CONFIG_KEY: &str = "sync_config";

/// Where older versions kept the configuration, in the clear; moved into the store on sight.
pub fn legacy_config_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("sync.json")
}

/// The saved hub configuration, if this workstation is enrolled.
pub fn load_config(data_dir: &Path, store: &Store) -> anyhow::Result<Option<SyncConfig>> {
    if let Some(bytes) = store.local_value(CONFIG_KEY)? {
        return Ok(Some(
            serde_json::from_slice(&bytes).context("the hub configuration is not valid")?,
        ));
    }
    let legacy = legacy_config_path(data_dir);
    match std::fs::read(&legacy) {
        Ok(bytes) => {
            let config: SyncConfig =
                serde_json::from_slice(&bytes).context("sync.json is not valid")?;
            save_config(store, &config)?;
            std::fs::remove_file(&legacy)?;
            Ok(Some(config))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn save_config(store: &Store, config: &SyncConfig) -> anyhow::Result<()> {
    store.set_local_value(CONFIG_KEY, &serde_json::to_vec(config)?)?;
    Ok(())
}

pub fn enrol(
    data_dir: &Path,
    store: &Store,
    settings: &mut Settings,
    hub: &str,
    code: &str,
    fingerprint: &str,
) -> anyhow::Result<()> {
    let client = HubClient::new(hub, "", fingerprint, Duration::from_secs(10))?;
    let answer = client.enrol(code, store.device())?;
    let config = SyncConfig {
        hub_url: hub.to_string(),
        token: answer.token,
        facility: answer.facility.clone(),
        fingerprint: fingerprint.to_string(),
    };
    save_config(store, &config)?;
    settings.hub_url = hub.to_string();
    settings.facility = answer.facility.clone();
    settings.save(data_dir)?;
    println!(
        "enrolled at {hub} for facility {} as device {}",
        answer.facility,
        store.device()
    );
    Ok(())
}

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
        "pull_cursor": store.meta_u64(sync::client::CURSOR_KEY)?,
        "last_sync_ms": store.meta_u64("last_sync_ms")?,
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

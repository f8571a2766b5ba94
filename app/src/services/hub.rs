//! Joining a hub and keeping its configuration, for the window and the command line.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use storage::Store;
use sync::client::{HubClient, SyncConfig};

use crate::settings::Settings;

/// The hub configuration (with the device token) lives inside the encrypted store: a stolen
/// disk must not let anyone sync as this workstation.
const CONFIG_KEY: storage::Local = storage::Local::SyncConfig;

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

/// Joins the hub at `hub` with a one-time enrolment code, checking its certificate against
/// `fingerprint`; keeps the configuration in the store and the hub and facility in the
/// settings. The facility the hub enrolled this workstation for.
pub fn enrol(
    data_dir: &Path,
    store: &Store,
    settings: &mut Settings,
    hub: &str,
    code: &str,
    fingerprint: &str,
) -> anyhow::Result<String> {
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
    Ok(answer.facility)
}

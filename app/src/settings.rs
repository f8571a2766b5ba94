//! Workstation settings, kept beside the store as `settings.json`.
//!
//! Clinical data lives only in the store; this file holds what configures the machine.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Facility code of this workstation.
    pub facility: String,
    /// Consulting room shown when a doctor calls a patient.
    pub room: String,
    /// `zh` or `en`.
    pub language: String,
    /// Lock the screen after this many minutes without input (0 = never).
    pub idle_lock_minutes: u32,
    pub hub_url: String,
    pub serial_port: String,
    pub serial_baud: u32,
    /// A keyboard-wedge scanner's keys come at most this many milliseconds apart (on average,
    /// over a code); a person types slower. Scanners type every 1–20 ms.
    pub wedge_gap_ms: u32,
    /// `auto` (first camera), `none`, a camera index, or `file:PATH`: a video (`.y4m`), a
    /// folder of pictures or a picture played in a loop as a camera (for measuring).
    pub camera: String,
    /// The pinned root key of the trust list (hex SEC1); empty: no root, so no card verifies
    /// (demo mode pins the card spec's demo root).
    pub root_key: String,
    /// Where printed documents go: a command that prints a PDF from its standard input
    /// (`lp`, `lp -d NAME`), or `folder:/path` to save unencrypted PDFs there.
    pub printer: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
            room: "诊室1".into(),
            language: "zh".into(),
            idle_lock_minutes: 10,
            hub_url: String::new(),
            serial_port: String::new(),
            serial_baud: 9600,
            wedge_gap_ms: 35,
            camera: "auto".into(),
            root_key: String::new(),
            printer: "lp".into(),
        }
    }
}

impl Settings {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("settings.json")
    }

    /// Reads the settings, or the defaults when there is no file yet.
    pub fn load(data_dir: &Path) -> anyhow::Result<Settings> {
        let path = Settings::path(data_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not valid settings JSON", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Writes atomically: a crash leaves the old or the new file, never half of one.
    pub fn save(&self, data_dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        let path = Settings::path(data_dir);
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
    }
}

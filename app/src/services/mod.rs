//! What the window and the command line both do with a workstation's store: open it, load
//! the demo, join a hub, issue and print documents, back up. `gui` and `cli` call these and
//! never each other.

pub mod demo;
pub mod hub;
pub mod printing;

use std::path::Path;

use storage::{OpenOptions, Store};

/// Opens the workstation's store with the facility secret from the environment.
pub fn open_store(data_dir: &Path) -> anyhow::Result<Store> {
    let path = crate::paths::store_path(data_dir);
    Store::open(&path, OpenOptions::from_env()?)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))
}

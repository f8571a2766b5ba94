//! Where the workstation keeps its files.

use std::path::PathBuf;

/// The platform data directory: `$XDG_DATA_HOME/clinic` or `~/.local/share/clinic` on Linux,
/// `%APPDATA%\clinic` on Windows, `~/Library/Application Support/clinic` on macOS.
pub fn default_data_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
    };
    base.unwrap_or_else(|| PathBuf::from(".")).join("clinic")
}

/// The store file inside a data directory.
pub fn store_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("clinic.redb")
}

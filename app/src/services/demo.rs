//! Loading the demo township and its staff accounts into a store.

use storage::model::Role;
use storage::{Date, Store};

/// Demo accounts (user name, display name, role). Demo data only: never for real residents.
pub const DEMO_STAFF: &[(&str, &str, Role)] = &[
    ("admin", "管理员", Role::Admin),
    ("doctor", "陈志强", Role::Doctor),
    ("frontdesk", "王丽", Role::FrontDesk),
];
/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo1234";
/// The demo township's facility secret, shown on the unlock screen in demo mode.
pub const DEMO_SECRET: &str = "huayuan-demo";

/// Generates the demo township for `today` and creates the demo staff at `facility`.
pub fn load_demo(
    store: &Store,
    facility: &str,
    today: Date,
    residents: usize,
    progress: &mut dyn FnMut(u64),
) -> storage::Result<fixtures::LoadSummary> {
    let params = fixtures::Params {
        residents,
        ..fixtures::Params::demo(today)
    };
    let summary = fixtures::load(store, params, progress)?;
    let existing = store.staff()?;
    for (user, name, role) in DEMO_STAFF {
        if !existing.iter().any(|s| s.username == *user) {
            store.put_staff(user, name, *role, facility, DEMO_PASSWORD)?;
        }
    }
    Ok(summary)
}

/// A demo installation pins the demo root of the card spec, so the demo's cards verify. Only
/// the demo: the root's private key is published. A root already set is kept.
pub fn pin_demo_root(data_dir: &std::path::Path, settings: &mut crate::settings::Settings) {
    if settings.root_key.trim().is_empty() {
        settings.root_key = crate::trust::DEMO_ROOT.to_string();
        if let Err(e) = settings.save(data_dir) {
            eprintln!("clinic: cannot save the settings: {e:#}");
        }
    }
}

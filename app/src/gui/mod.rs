//! The egui/eframe window. Thin: screens call `storage` and friends, nothing more.

pub mod app;
pub mod command;
pub mod fonts;
pub mod scanning;
pub mod screens;
pub mod state;
pub mod style;
pub mod unlock;
pub mod widgets;
pub mod workers;

use std::path::PathBuf;

use crate::settings::Settings;

/// Opens the window on the store in `data_dir`: unlocked at once with a secret from the
/// environment (`CLINIC_SECRET_FILE`), else after the unlock screen. With `demo`, an empty
/// store starts loading the demo township at once.
pub fn run(data_dir: PathBuf, demo: bool) -> anyhow::Result<()> {
    let settings = Settings::load(&data_dir)?;
    let store = match storage::Secret::from_env()? {
        Some(_) => Some(crate::services::open_store(&data_dir)?),
        None => None,
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1366.0, 740.0])
            .with_min_inner_size([1024.0, 600.0])
            .with_title("居民电子健康卡 · 诊所工作站"),
        ..Default::default()
    };
    eframe::run_native(
        "clinic",
        options,
        Box::new(move |cc| {
            fonts::install(&cc.egui_ctx);
            // Before the unlock screen, not after it: on a dark desktop theme its field would
            // be dark on dark.
            style::apply(&cc.egui_ctx);
            let root = match store {
                Some(store) => unlock::Root::Open(Box::new(unlock::start(
                    &cc.egui_ctx,
                    store,
                    settings,
                    data_dir,
                    demo,
                ))),
                None => unlock::Root::Locked(unlock::Unlock::new(data_dir, settings, demo)),
            };
            Ok(Box::new(root))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

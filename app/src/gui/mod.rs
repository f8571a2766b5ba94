//! The egui/eframe window. Thin: screens call `storage` and friends, nothing more.

pub mod app;
pub mod command;
pub mod fonts;
pub mod format;
pub mod i18n;
pub mod scanning;
pub mod screens;
pub mod state;
pub mod style;
pub mod widgets;
pub mod workers;

use std::path::PathBuf;
use std::sync::Arc;

use crate::settings::Settings;

/// Opens the window on the store in `data_dir`. With `demo`, an empty store starts loading the
/// demo township at once.
pub fn run(data_dir: PathBuf, demo: bool) -> anyhow::Result<()> {
    let settings = Settings::load(&data_dir)?;
    let store = Arc::new(crate::cli::open_store(&data_dir)?);
    let empty = store.resident_count()? == 0;
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
            let mut app = app::ClinicApp::new(cc.egui_ctx.clone(), store, settings, data_dir);
            if demo && empty {
                app.start_demo_load();
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

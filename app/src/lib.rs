//! The `clinic` application: the egui window, its workers, and the headless subcommands.
//! Domain logic lives in `storage` (and later `scanner`, `sync`); this crate only drives it.

pub mod cli;
pub mod demo;
pub mod gui;
pub mod paths;
pub mod scan;
pub mod settings;
pub mod trust;

//! Reusable pieces of screens.

pub mod history;
pub mod trend;

//! Reusable pieces of screens.

pub mod claim_lines;
pub mod day_picker;
pub mod encounter_form;
pub mod history;
pub mod public_health;
pub mod search;
pub mod trend;

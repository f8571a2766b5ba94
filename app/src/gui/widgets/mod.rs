//! Reusable pieces of screens.

pub mod encounter_form;
pub mod history;
pub mod search;
pub mod trend;

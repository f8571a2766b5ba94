//! One module per screen. Screens read the shared state and push commands; they never change
//! app-wide state themselves.

pub mod audit;
pub mod billing;
pub mod claims;
pub mod doctor;
pub mod front_desk;
pub mod integrity;
pub mod login;
pub mod records;
pub mod register;
pub mod settings;
pub mod welcome;
pub mod worklist;

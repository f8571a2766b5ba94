//! Screens ask for app-wide changes with commands; the app applies them after drawing.

use storage::Id;
use storage::model::Staff;

use super::i18n::Lang;

#[derive(Debug, Clone)]
pub enum Command {
    LoggedIn(Staff),
    Logout,
    SetLanguage(Lang),
    /// Open a resident's record; the reason goes into the audit log.
    OpenResident {
        id: Id,
        reason: String,
    },
    StartDemoLoad,
    Info(String),
    Error(String),
}

//! The audit log: who viewed or changed what, when, and why.

use serde::{Deserialize, Serialize};

use crate::ids::Id;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    /// Opened a resident's history.
    ViewHistory,
    /// Found a resident by search.
    Search,
    /// Found a resident by scanning a card.
    Scan,
    Register,
    UpdateResident,
    RecordClinical,
    Amend,
    /// Opened records the resident had not consented to share, giving a reason.
    BreakGlass,
    CheckIn,
    Print,
    Login,
    LoginFailed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub action: AuditAction,
    pub resident: Option<Id>,
    /// The record or object acted on, if any.
    pub target: Option<Id>,
    /// Why: "card scan", "search", a break-glass reason…
    pub reason: String,
}

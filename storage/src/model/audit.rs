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
    /// Took a backup of the whole store (appended: older variants keep their positions).
    Backup,
    /// The hub refused a pushed change (the reason says why and from which device).
    Rejected,
    /// The hub found a device's audit chain cut short or rewritten.
    Tampering,
    /// The chain continues from an earlier entry: the store was restored from a backup and
    /// the entries after it were lost. `prev` is the restored head; the hub accepts it as a
    /// declared fork and records it.
    ChainFork,
    /// A doctor prescribed despite a blocking warning (an allergy match), giving a reason.
    OverrideWarning,
    /// Opened a worklist (the reason names which list and village).
    ViewWorklist,
}

/// A SHA-256 hash linking an audit entry to the one before it.
pub type ChainHash = [u8; 32];

/// One audited act. Each device's entries form a hash chain: `prev` is the hash of the
/// device's previous audit change (zeros for its first), set by the store when it commits, so
/// an entry removed or altered breaks the chain where it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub action: AuditAction,
    pub resident: Option<Id>,
    /// The record or object acted on, if any.
    pub target: Option<Id>,
    /// Why: "card scan", "search", a break-glass reason…
    pub reason: String,
    pub prev: ChainHash,
}

impl AuditEntry {
    pub fn new(action: AuditAction, resident: Option<Id>, reason: impl Into<String>) -> AuditEntry {
        AuditEntry {
            action,
            resident,
            target: None,
            reason: reason.into(),
            prev: [0; 32],
        }
    }
}

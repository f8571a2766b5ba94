//! Screens ask for app-wide changes with commands; the app applies them after drawing.

use storage::Id;
use storage::model::{HouseholdLink, PaymentMethod, QueueStatus, Staff, VisitType};

use super::state::Screen;
use crate::i18n::Lang;
use crate::settings::Settings;

#[derive(Debug, Clone)]
pub enum Command {
    LoggedIn(Staff),
    /// An administrator decided to go on after the start-up check failed (audited).
    IntegrityAcknowledged(Staff),
    Logout,
    Unlock,
    SetLanguage(Lang),
    SetScreen(Screen),
    /// Open a resident's record (doctors); the reason goes into the audit log.
    OpenResident {
        id: Id,
        reason: String,
    },
    /// Open a record by break-glass, with the reason (audited).
    BreakGlass {
        id: Id,
        reason: String,
    },
    /// Show a resident at the front desk (no clinical record); how they were found is audited
    /// (a search or a scan, with the source), unless they were already on screen (the queue,
    /// a registration just made).
    SelectResident {
        id: Id,
        found: Option<(storage::model::AuditAction, String)>,
    },
    CheckIn {
        resident: Id,
        visit_type: VisitType,
        guardian: Option<Id>,
    },
    SetQueueStatus {
        ticket: Id,
        status: QueueStatus,
    },
    Link(HouseholdLink),
    /// Collect or refund what an adjusted or rejected claim still has due.
    SettleDifference {
        claim: Id,
        method: PaymentMethod,
    },
    /// Read a worklist (audited) for the worklist screen.
    LoadWorklist(storage::worklist::WorklistQuery),
    /// The outcome of a call or home visit made from a worklist.
    RecordContact {
        resident: Id,
        contact: storage::model::Contact,
    },
    CallNext,
    CallPatient(Id),
    SaveEncounter,
    FinishVisit,
    SaveSettings(Settings),
    /// This workstation just joined a hub: start syncing.
    Enrolled,
    /// Send entries the hub refused again (the cause was fixed), and sync.
    RetryRejected(Vec<Id>),
    StartDemoLoad,
    /// Print a document on a worker thread; the outcome becomes a notice.
    Print(PrintRequest),
    Info(String),
    Error(String),
}

/// What to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrintRequest {
    /// Issue the resident's card and print it.
    Card(Id),
    Prescription(Id),
    /// The charge list of a claim.
    Receipt(Id),
    Referral {
        encounter: Id,
        to: String,
        reason: String,
    },
    /// The A4 list for the village doctor's round.
    Worklist(storage::worklist::WorklistQuery),
}

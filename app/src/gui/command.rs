//! Screens ask for app-wide changes with commands; the app applies them after drawing.

use std::path::PathBuf;

use storage::model::{HouseholdLink, PaymentMethod, QueueStatus, Staff, VisitType};
use storage::{Checkout, Id, NewResident};

use super::state::Screen;
use crate::i18n::Lang;
use crate::settings::Settings;

#[derive(Debug, Clone)]
pub enum Command {
    /// Log in (the store audits success and failure); a refusal shows on the login screen.
    LogIn {
        username: String,
        password: String,
    },
    LoggedIn(Staff),
    /// Create the first administrator of an empty store, and log them in.
    CreateAdmin {
        username: String,
        display_name: String,
        password: String,
    },
    /// An administrator decides to go on after the start-up check failed (audited).
    AcknowledgeTampering {
        username: String,
        password: String,
        reason: String,
    },
    Logout,
    /// Unlock the idle lock with the logged-in staff member's password (audited as a login).
    Unlock {
        password: String,
    },
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
    /// Register a resident from the form at `desk`; a refusal shows on that form.
    Register {
        resident: Box<NewResident>,
        desk: Desk,
    },
    /// Take the patient's share of a settled bill; the claim is queued for the hub.
    TakePayment {
        checkout: Box<Checkout>,
        method: PaymentMethod,
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
    /// Join a hub with a one-time code (on a worker thread), then start syncing.
    Enrol {
        hub: String,
        code: String,
        fingerprint: String,
    },
    /// Back up the whole store into a folder, on a worker thread (audited).
    Backup(PathBuf),
    /// Send entries the hub refused again (the cause was fixed), and sync.
    RetryRejected(Vec<Id>),
    StartDemoLoad,
    /// Print a document on a worker thread; the outcome becomes a notice.
    Print(PrintRequest),
    Info(String),
    Error(String),
}

/// Where a registration form was opened, which decides what follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desk {
    /// The front desk: the new resident is selected there.
    FrontDesk,
    /// The records screen: the new resident's record opens.
    Records,
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

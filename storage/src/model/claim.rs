//! Insurance claims and payments. Money is integer fen (分), never floating point.

use serde::{Deserialize, Serialize};

use crate::ids::Id;

/// Insurance class of a catalogue item: 甲类 fully covered, 乙类 with a self-paid portion
/// first, 丙类 not covered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InsuranceClass {
    A,
    B,
    C,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimLine {
    pub item_code: String,
    pub name: String,
    pub class: InsuranceClass,
    pub quantity: u32,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    /// Part of the amount inside the policy range (after 乙类 self-pay, 丙类 excluded).
    pub eligible_fen: i64,
    pub insurance_fen: i64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ClaimStatus {
    /// Computed at the workstation, waiting in the outbox.
    Queued,
    /// Accepted by the hub's settlement service as computed.
    Accepted,
    /// Accepted with different amounts (e.g. the annual cap was reached elsewhere).
    Adjusted,
    Rejected,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 4] = [
        ClaimStatus::Queued,
        ClaimStatus::Accepted,
        ClaimStatus::Adjusted,
        ClaimStatus::Rejected,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimStatusChange {
    pub status: ClaimStatus,
    pub at: i64,
    pub insurance_fen: i64,
    pub patient_fen: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub id: Id,
    pub resident: Id,
    pub encounter: Option<Id>,
    pub facility: String,
    pub scheme: String,
    pub policy_version: u32,
    pub lines: Vec<ClaimLine>,
    pub total_fen: i64,
    pub insurance_fen: i64,
    pub patient_fen: i64,
    /// Computed offline from a possibly stale annual accumulator.
    pub provisional: bool,
    /// Every status the claim has had, oldest first; the last is current.
    pub history: Vec<ClaimStatusChange>,
}

impl Claim {
    pub fn status(&self) -> ClaimStatus {
        self.history
            .last()
            .map_or(ClaimStatus::Queued, |c| c.status)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentMethod {
    Cash,
    /// A mobile payment, with the transaction reference.
    Mobile {
        reference: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: Id,
    pub resident: Id,
    pub claim: Option<Id>,
    pub amount_fen: i64,
    pub method: PaymentMethod,
    pub at: i64,
}

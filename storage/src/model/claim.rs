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

/// One line of a claim with every step of its arithmetic, so the screen can show how the
/// insurance share came about and the hub can say which step it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimLine {
    pub item_code: String,
    pub name: String,
    pub class: InsuranceClass,
    /// Settled under the "两病" rule (hypertension/diabetes medication of a filed patient).
    pub chronic: bool,
    pub quantity: u32,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    /// Paid by the patient first: the 乙类 self-pay share, or all of a 丙类 item.
    pub self_pay_fen: i64,
    /// What remains inside the policy range.
    pub eligible_fen: i64,
    /// Taken by the annual deductible (起付线) on this line.
    pub deductible_fen: i64,
    /// The facility level's ratio, basis points (7000 = 70 %).
    pub ratio_bp: u32,
    /// What the ratio gives before the annual cap.
    pub before_cap_fen: i64,
    pub insurance_fen: i64,
}

impl ClaimLine {
    /// The annual cap cut this line short.
    pub fn capped(&self) -> bool {
        self.insurance_fen < self.before_cap_fen
    }
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

/// **Wire format, frozen**: append variants only. Why the hub's settlement service adjusted or
/// rejected a claim; the screens word it in the user's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdjudicationReason {
    /// The annual cap was reached: `used_fen` had already been reimbursed this year (by
    /// claims the workstation did not know of, e.g. at another clinic while it was offline).
    CapReached { cap_fen: i64, used_fen: i64 },
    /// Claims elsewhere had used `used_fen` of the deductible before this one.
    DeductibleUsedElsewhere { deductible_fen: i64, used_fen: i64 },
    /// The "两病" medication cap was reached.
    ChronicCapReached { cap_fen: i64, used_fen: i64 },
    /// Settled under another policy version than the workstation used.
    PolicyVersion { claimed: u32, applied: u32 },
    /// The catalogue puts an item in another insurance class.
    ClassChanged {
        item: String,
        claimed: InsuranceClass,
        applied: InsuranceClass,
    },
    /// The item is not in the catalogue: not covered.
    NotInCatalogue { item: String },
    /// The item does not qualify for the "两病" rule.
    NotChronic { item: String },
    /// The encounter was already settled by another claim: this one is void and what the
    /// patient paid for it is refunded.
    DuplicateOfClaim { claim: Id },
    /// No policy of the scheme was in force on the day.
    NoPolicy { scheme: String },
    /// The resident has no insurance of the claimed scheme.
    NotInsured { scheme: String },
    /// The facility is unknown to the hub, or its level is not covered.
    FacilityNotCovered { facility: String },
    /// The hub's computation differs for no reason above (e.g. an outdated program).
    Recomputed,
    /// The catalogue prices the item differently (fen per unit): the hub's price applies.
    PriceChanged {
        item: String,
        claimed_fen: i64,
        applied_fen: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimStatusChange {
    pub status: ClaimStatus,
    pub at: i64,
    pub insurance_fen: i64,
    pub patient_fen: i64,
    /// Why the hub changed or refused the claim; empty when accepted as computed.
    pub reasons: Vec<AdjudicationReason>,
    /// The lines as the hub settled them; empty when they are unchanged.
    pub lines: Vec<ClaimLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub id: Id,
    pub resident: Id,
    pub encounter: Option<Id>,
    pub facility: String,
    pub scheme: String,
    pub policy_version: u32,
    /// The lines as the workstation computed them; see [`Claim::settled_lines`].
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
    /// When the claim was computed at the workstation.
    pub fn opened_at(&self) -> i64 {
        self.history.first().map_or(0, |h| h.at)
    }

    /// The lines as last settled: the hub's, once it adjusted them, else the workstation's.
    pub fn settled_lines(&self) -> &[ClaimLine] {
        self.history
            .iter()
            .rev()
            .find(|h| !h.lines.is_empty())
            .map_or(&self.lines, |h| &h.lines)
    }

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
    /// Where the money changed hands.
    pub facility: String,
    pub claim: Option<Id>,
    /// Negative for a refund.
    pub amount_fen: i64,
    pub method: PaymentMethod,
    pub at: i64,
}

//! The unit of storage and replication: an immutable, globally identified change.

use serde::{Deserialize, Serialize};

use crate::ids::{Hlc, Id};

use super::{
    AuditEntry, CardUse, Claim, ClaimStatusChange, ClinicalRecord, Consent, ConsentProof, Facility,
    HouseholdLink, Payment, Policy, QueueStatus, QueueTicket, ResidentChange, TrustListRelease,
};

/// Where a change was made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub facility: String,
    pub device: String,
    /// Username of the staff member.
    pub staff: String,
}

/// **Wire format, frozen** (see the module docs): append variants only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Body {
    Resident(ResidentChange),
    Record(ClinicalRecord),
    Household(HouseholdLink),
    Consent(Consent),
    Facility(Facility),
    CheckIn(QueueTicket),
    QueueStatus {
        ticket: Id,
        status: QueueStatus,
        room: String,
    },
    Claim(Claim),
    ClaimStatus {
        claim: Id,
        change: ClaimStatusChange,
    },
    Payment(Payment),
    Audit(AuditEntry),
    /// An insurance policy version, made at the hub (appended: older variants keep their
    /// positions).
    Policy(Policy),
    /// A use of a resident's card, reported upstream.
    CardUse(CardUse),
    /// The card scanned when a consent was recorded away from the resident's home facility;
    /// checked by the hub, never sent down to other workstations.
    ConsentProof(ConsentProof),
    /// A root-signed trust list (issuer keys and revocations), published by a hub
    /// administrator and delivered to every workstation by pull.
    TrustList(TrustListRelease),
}

impl Body {
    /// The resident this change is about, if any (for catchment and audit).
    pub fn resident(&self) -> Option<Id> {
        match self {
            Body::Resident(r) => Some(r.resident),
            Body::Record(r) => Some(r.resident),
            Body::Household(h) => Some(h.from),
            Body::Consent(c) => Some(c.resident),
            Body::CheckIn(t) => Some(t.resident),
            Body::Claim(c) => Some(c.resident),
            Body::Payment(p) => Some(p.resident),
            Body::Audit(a) => a.resident,
            Body::CardUse(u) => Some(u.resident),
            Body::ConsentProof(p) => Some(p.resident),
            Body::TrustList(_)
            | Body::Facility(_)
            | Body::QueueStatus { .. }
            | Body::ClaimStatus { .. }
            | Body::Policy(_) => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Body::Resident(_) => "resident",
            Body::Record(_) => "record",
            Body::Household(_) => "household",
            Body::Consent(_) => "consent",
            Body::Facility(_) => "facility",
            Body::CheckIn(_) => "check_in",
            Body::QueueStatus { .. } => "queue_status",
            Body::Claim(_) => "claim",
            Body::ClaimStatus { .. } => "claim_status",
            Body::Payment(_) => "payment",
            Body::Audit(_) => "audit",
            Body::Policy(_) => "policy",
            Body::CardUse(_) => "card_use",
            Body::ConsentProof(_) => "consent_proof",
            Body::TrustList(_) => "trust_list",
        }
    }
}

/// **Wire format, frozen.** An immutable fact with a globally unique id. Applying the same
/// change twice has no further effect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub id: Id,
    pub hlc: Hlc,
    pub origin: Origin,
    pub body: Body,
}

impl Change {
    pub fn encode(&self) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_stdvec(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Change, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

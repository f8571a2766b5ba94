//! The domain model: plain serde types, no I/O.
//!
//! **Wire format, frozen**: these types are encoded with postcard into the store and onto the
//! sync wire. Postcard identifies enum variants and struct fields by position, so never reorder,
//! remove or retype a field or variant; append new variants at the end and new data as new
//! change kinds.

mod audit;
mod card_use;
mod change;
mod claim;
mod facility;
mod household;
mod policy;
mod queue;
mod record;
mod resident;
mod staff;

pub use audit::{AuditAction, AuditEntry, ChainHash};
pub use card_use::{CardCode, CardUse, CareStage};
pub use change::{Body, Change, Origin};
pub use claim::{
    AdjudicationReason, Claim, ClaimLine, ClaimStatus, ClaimStatusChange, InsuranceClass, Payment,
    PaymentMethod,
};
pub use facility::{Facility, FacilityLevel, TrustListRelease};
pub use household::{Consent, ConsentProof, Grantee, HouseholdLink, Relation};
pub use policy::{LevelRule, Policy};
pub use queue::{QueueStatus, QueueTicket, VisitType};
pub use record::{
    Adherence, Allergy, Amendment, AntenatalCheck, ChildCheck, ChronicCondition, ChronicFollowUp,
    ClinicalRecord, Contact, ContactOutcome, ControlStatus, Diagnosis, Encounter, FollowUpMethod,
    Frequency, Immunisation, MaternalChild, Observation, ObservationKind, PastDose, Prescription,
    PrescriptionLine, RecordBody, RecordCategory, Route, Vitals, WorklistKind,
};
pub use resident::{
    Address, CardId, Field, Identifier, Resident, ResidentChange, ResidentField, Sex,
};
pub use staff::{Role, Staff};

//! Household links and the resident's consent to share records.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::ids::Id;

use super::facility::FacilityLevel;
use super::record::RecordCategory;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Relation {
    Spouse,
    /// `from` is a parent of `to`.
    ParentOf,
    /// `from` is the legal guardian of `to` (may check `to` in with their own card).
    GuardianOf,
    /// The reverse of `ParentOf`, stored so either side lists the link.
    ChildOf,
    /// The reverse of `GuardianOf`.
    WardOf,
}

impl Relation {
    pub fn reverse(self) -> Relation {
        match self {
            Relation::Spouse => Relation::Spouse,
            Relation::ParentOf => Relation::ChildOf,
            Relation::ChildOf => Relation::ParentOf,
            Relation::GuardianOf => Relation::WardOf,
            Relation::WardOf => Relation::GuardianOf,
        }
    }

    /// May `from` check `to` in on their behalf?
    pub fn may_act_for(self) -> bool {
        matches!(self, Relation::ParentOf | Relation::GuardianOf)
    }
}

/// A link between two residents; `active: false` unlinks (last writer wins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdLink {
    pub from: Id,
    pub to: Id,
    pub relation: Relation,
    pub active: bool,
}

/// Who a consent grants access to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grantee {
    Facility(String),
    Level(FacilityLevel),
    Everyone,
}

/// The resident allows `grantee` to see records of `categories` between the dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub id: Id,
    pub resident: Id,
    pub grantee: Grantee,
    pub categories: Vec<RecordCategory>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    /// Staff member who recorded the resident's decision.
    pub recorded_by: String,
    /// A withdrawn consent is kept, marked withdrawn.
    pub withdrawn: bool,
}

impl Consent {
    /// Does this consent let a facility of `level` see `category` on `day`?
    pub fn allows(
        &self,
        facility: &str,
        level: FacilityLevel,
        category: RecordCategory,
        day: Date,
    ) -> bool {
        let grantee = match &self.grantee {
            Grantee::Facility(f) => f == facility,
            Grantee::Level(l) => *l == level,
            Grantee::Everyone => true,
        };
        grantee
            && !self.withdrawn
            && self.categories.contains(&category)
            && self.valid_from <= day
            && self.valid_until.is_none_or(|u| day <= u)
    }
}

/// **Wire format, frozen.** Proof that the resident was present when consent `consent` was
/// recorded: the text of the card code scanned at that visit (`EHP1:` live code or `EHC1:`
/// printed card). Committed with the consent, before it; the hub verifies it against its
/// trust list and keeps it, and never hands it to another workstation (a card code is a
/// credential).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentProof {
    pub consent: Id,
    pub resident: Id,
    pub code: String,
}

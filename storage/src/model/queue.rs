//! The check-in queue of a facility, one per day.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::ids::{Hlc, Id};

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VisitType {
    /// 普通门诊
    #[default]
    General,
    /// 慢病随访
    ChronicFollowUp,
    /// 预防接种
    Immunisation,
    /// 产前检查
    Antenatal,
    /// 儿童保健
    ChildHealth,
    /// 住院
    Inpatient,
}

impl VisitType {
    pub const ALL: [VisitType; 6] = [
        VisitType::General,
        VisitType::ChronicFollowUp,
        VisitType::Immunisation,
        VisitType::Antenatal,
        VisitType::ChildHealth,
        VisitType::Inpatient,
    ];
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QueueStatus {
    Waiting,
    WithDoctor,
    Done,
    /// Left before being seen.
    Left,
}

/// One check-in. The status is merged last-writer-wins by `status_clock`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTicket {
    pub id: Id,
    pub facility: String,
    pub day: Date,
    /// Number called out in the waiting room; per facility, device and day.
    pub number: u32,
    pub resident: Id,
    /// Set when a child without a card was checked in through this guardian's card.
    pub guardian: Option<Id>,
    pub visit_type: VisitType,
    pub checked_in_at: i64,
    pub status: QueueStatus,
    /// Consulting room (or doctor) that called the resident.
    pub room: String,
    pub status_clock: Hlc,
}

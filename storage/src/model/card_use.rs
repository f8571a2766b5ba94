//! Card-use reports (用卡数据上报): every use of a resident's eHealth card, with where, from
//! which terminal and at which stage of care, travels upstream in the outbox like any record.

use serde::{Deserialize, Serialize};

use crate::ids::Id;

/// The stage of care a card was used at, as the platforms' usage reports name them.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CareStage {
    /// 挂号: the front desk found the resident to check them in.
    Registration,
    /// 诊疗: a clinician opened the record.
    Consultation,
    /// 结算: at the till.
    Payment,
    Other,
}

impl CareStage {
    pub fn as_str(self) -> &'static str {
        match self {
            CareStage::Registration => "registration",
            CareStage::Consultation => "consultation",
            CareStage::Payment => "payment",
            CareStage::Other => "other",
        }
    }
}

/// Which kind of code was presented.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CardCode {
    /// The provincial platform's code (card id, flag, issuer).
    Platform,
    /// An `EHC1:` signed card, printed or on a phone.
    Signed,
    /// An `EHP1:` live code from the resident's phone.
    Phone,
}

/// One use of a card. The facility, terminal (device), staff member and time are the
/// change's own origin and clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardUse {
    pub resident: Id,
    /// The card id (64 hex characters) when the code carries one.
    pub card: String,
    pub code: CardCode,
    pub stage: CareStage,
    /// How it was read: `camera`, `serial`, `wedge`, `image`.
    pub reader: String,
}

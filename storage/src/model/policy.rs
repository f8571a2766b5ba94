//! Insurance policies: what a scheme pays at each facility level, by period. Distributed by the
//! hub, versioned; the version used is recorded on every claim.

use serde::{Deserialize, Serialize};

use crate::date::Date;

use super::facility::FacilityLevel;

/// What ordinary outpatient pooling (门诊统筹) pays at one facility level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelRule {
    pub level: FacilityLevel,
    /// Share of the eligible amount the fund pays, in basis points (7000 = 70 %).
    pub ratio_bp: u32,
}

/// **Wire format, frozen.** A scheme's outpatient policy for a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Scheme code, e.g. `390` residents' basic medical insurance.
    pub scheme: String,
    /// Increases with every change; claims record it.
    pub version: u32,
    /// In force from this day (inclusive) until the next version's `effective_from`.
    pub effective_from: Date,
    /// Annual deductible (起付线) of ordinary outpatient pooling, in fen.
    pub deductible_fen: i64,
    /// Annual cap (封顶线) of what ordinary outpatient pooling pays per resident, in fen.
    pub annual_cap_fen: i64,
    pub levels: Vec<LevelRule>,
    /// Share of a 乙类 item the patient pays first (先行自付), basis points.
    pub class_b_self_pay_bp: u32,
    /// The "两病" rule: hypertension and diabetes medication for filed patients — no
    /// deductible, this ratio, a separate annual cap.
    pub chronic_ratio_bp: u32,
    pub chronic_annual_cap_fen: i64,
}

impl Policy {
    pub fn ratio_bp(&self, level: FacilityLevel) -> u32 {
        self.levels
            .iter()
            .find(|l| l.level == level)
            .map_or(0, |l| l.ratio_bp)
    }
}

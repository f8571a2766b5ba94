//! Facilities: village clinics, township health centres, county hospitals.

use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FacilityLevel {
    /// 村卫生室
    Village,
    /// 乡镇卫生院
    Township,
    /// 县医院
    County,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facility {
    /// Designated-facility code (定点编号), e.g. `H42092100001`.
    pub code: String,
    pub name: String,
    pub level: FacilityLevel,
    /// GB/T 2260 county code.
    pub county: String,
    /// NBS township code; the township hub serves the facilities sharing it.
    pub township: String,
}

impl Facility {
    /// A facility this store has no entry for yet: named by its code, with the most
    /// restrictive level.
    pub fn unknown(code: &str) -> Facility {
        Facility {
            code: code.to_string(),
            name: code.to_string(),
            level: FacilityLevel::Village,
            county: String::new(),
            township: String::new(),
        }
    }
}

/// **Wire format, frozen.** A trust list file (`.ehtl`, signed by the root key every
/// installation pins) as a hub administrator published it. `version` is the list's own,
/// repeated so a store keeps the newest without parsing the file; workstations verify the
/// bytes against their pinned root before installing them, and never go back a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustListRelease {
    pub version: u64,
    pub bytes: Vec<u8>,
}

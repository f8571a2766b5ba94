//! A resident and the identifiers that find them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::id_number::IdNumber;
use crate::ids::{Hlc, Id};

/// Sex as coded by GB/T 2261.1.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    #[default]
    Unknown,
    Male,
    Female,
    Unspecified,
}

impl Sex {
    pub fn code(self) -> u8 {
        match self {
            Sex::Unknown => 0,
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::Unspecified => 9,
        }
    }
    pub fn from_code(code: u64) -> Option<Sex> {
        Some(match code {
            0 => Sex::Unknown,
            1 => Sex::Male,
            2 => Sex::Female,
            9 => Sex::Unspecified,
            _ => return None,
        })
    }
}

/// Address of residence: GB/T 2260 county code, NBS 12-digit township and village codes, text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub county: String,
    pub township: String,
    pub village: String,
    pub text: String,
}

impl Address {
    /// Two-digit province code, from the county code.
    pub fn province(&self) -> &str {
        self.county.get(..2).unwrap_or("")
    }
}

/// The 32-byte eHealth card id; shown as 64 uppercase hex digits, as in the platform QR code.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardId(pub [u8; 32]);

impl Serialize for CardId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::serde_util::bytes_or_text(s, &self.0, || self.to_string())
    }
}

impl<'de> Deserialize<'de> for CardId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::serde_util::from_bytes_or_text(d, CardId)
    }
}

impl fmt::Display for CardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

impl fmt::Debug for CardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardId({:02X}{:02X}…)", self.0[0], self.0[1])
    }
}

impl FromStr for CardId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("an eHealth card id is 64 hexadecimal digits".into());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(CardId(out))
    }
}

/// One way of finding a resident. Each maps to exactly one resident, never two.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Identifier {
    /// The eHealth card (居民电子健康卡) id, unique across regions.
    Card(CardId),
    /// The 18-character resident ID number.
    IdNumber(IdNumber),
    /// Medical insurance: scheme code (e.g. `390` residents' basic insurance) and number.
    Insurance { scheme: String, number: String },
    /// A legacy hospital card: the issuing facility's code and the card number.
    HospitalCard { facility: String, number: String },
}

impl Identifier {
    /// The key in the identifier index. Insurance numbers are unique regardless of scheme,
    /// because a scanned number does not say its scheme.
    pub fn index_key(&self) -> String {
        match self {
            Identifier::Card(c) => format!("C:{c}"),
            Identifier::IdNumber(n) => format!("N:{n}"),
            Identifier::Insurance { number, .. } => format!("I:{}", number.trim().to_uppercase()),
            Identifier::HospitalCard { facility, number } => {
                format!("H:{}:{}", facility.trim(), number.trim().to_uppercase())
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Card(_) => "card",
            Identifier::IdNumber(_) => "id_number",
            Identifier::Insurance { .. } => "insurance",
            Identifier::HospitalCard { .. } => "hospital_card",
        }
    }
}

/// The fields of a resident that change over time, each merged last-writer-wins by HLC.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Field {
    Name,
    Sex,
    BirthDate,
    Phone,
    Address,
    Provisional,
    HomeFacility,
}
const FIELD_COUNT: usize = 7;

/// A new value for one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResidentField {
    Name(String),
    Sex(Sex),
    BirthDate(Date),
    Phone(String),
    Address(Address),
    /// Registered at the front desk without verification (offline, unknown card).
    Provisional(bool),
    HomeFacility(String),
}

impl ResidentField {
    pub fn field(&self) -> Field {
        match self {
            ResidentField::Name(_) => Field::Name,
            ResidentField::Sex(_) => Field::Sex,
            ResidentField::BirthDate(_) => Field::BirthDate,
            ResidentField::Phone(_) => Field::Phone,
            ResidentField::Address(_) => Field::Address,
            ResidentField::Provisional(_) => Field::Provisional,
            ResidentField::HomeFacility(_) => Field::HomeFacility,
        }
    }
}

/// A registration or an update: new field values and identifiers to attach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentChange {
    pub resident: Id,
    pub fields: Vec<ResidentField>,
    pub add_identifiers: Vec<Identifier>,
    pub remove_identifiers: Vec<Identifier>,
}

/// The merged, current state of a resident.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    pub id: Id,
    pub name: String,
    /// Computed from `name`: `zhang wei`.
    pub pinyin: String,
    /// Computed from `name`: `zw`.
    pub initials: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub phone: String,
    pub address: Address,
    pub identifiers: Vec<Identifier>,
    pub provisional: bool,
    pub home_facility: String,
    /// The HLC of the change that last set each [`Field`].
    pub clocks: [Hlc; FIELD_COUNT],
}

impl Resident {
    pub fn new(id: Id) -> Resident {
        Resident {
            id,
            ..Resident::default()
        }
    }

    /// The value a field holds now.
    pub fn value(&self, field: Field) -> ResidentField {
        match field {
            Field::Name => ResidentField::Name(self.name.clone()),
            Field::Sex => ResidentField::Sex(self.sex),
            Field::BirthDate => ResidentField::BirthDate(self.birth_date),
            Field::Phone => ResidentField::Phone(self.phone.clone()),
            Field::Address => ResidentField::Address(self.address.clone()),
            Field::Provisional => ResidentField::Provisional(self.provisional),
            Field::HomeFacility => ResidentField::HomeFacility(self.home_facility.clone()),
        }
    }

    /// Applies one field if `hlc` is newer than the value held; returns whether it won.
    ///
    /// Two devices can stamp the same HLC: both synced past a clock running ahead of theirs
    /// and then edited offline. On such a tie the larger value (by its encoding) wins, so
    /// every replica keeps the same one whatever order the edits arrive in.
    pub fn merge(&mut self, value: &ResidentField, hlc: Hlc) -> bool {
        let field = value.field();
        let held = self.clocks[field as usize];
        let wins = hlc > held
            || hlc == held && {
                let encode = |v: &ResidentField| postcard::to_stdvec(v).unwrap_or_default();
                encode(value) > encode(&self.value(field))
            };
        if !wins {
            return false;
        }
        self.clocks[field as usize] = hlc;
        match value.clone() {
            ResidentField::Name(n) => {
                self.pinyin = crate::names::pinyin(&n);
                self.initials = crate::names::initials(&n);
                self.name = n;
            }
            ResidentField::Sex(s) => self.sex = s,
            ResidentField::BirthDate(d) => self.birth_date = d,
            ResidentField::Phone(p) => self.phone = p,
            ResidentField::Address(a) => self.address = a,
            ResidentField::Provisional(p) => self.provisional = p,
            ResidentField::HomeFacility(f) => self.home_facility = f,
        }
        true
    }

    pub fn card_id(&self) -> Option<CardId> {
        self.identifiers.iter().find_map(|i| match i {
            Identifier::Card(c) => Some(*c),
            _ => None,
        })
    }

    pub fn id_number(&self) -> Option<&IdNumber> {
        self.identifiers.iter().find_map(|i| match i {
            Identifier::IdNumber(n) => Some(n),
            _ => None,
        })
    }

    /// Scheme and number of the medical insurance, if any.
    pub fn insurance(&self) -> Option<(&str, &str)> {
        self.identifiers.iter().find_map(|i| match i {
            Identifier::Insurance { scheme, number } => Some((scheme.as_str(), number.as_str())),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_with_the_same_hlc_converge_in_either_order() {
        let hlc = Hlc(1_795_826_940_000 << 16 | 1);
        let (a, b) = (
            ResidentField::Phone("13900000001".into()),
            ResidentField::Phone("13900000002".into()),
        );
        let mut first = Resident::default();
        let mut second = Resident::default();
        assert!(first.merge(&a, hlc));
        assert!(first.merge(&b, hlc));
        assert!(second.merge(&b, hlc));
        assert!(!second.merge(&a, hlc));
        assert_eq!(first, second);
        assert_eq!(first.phone, "13900000002");
        // The same change applied again changes nothing; an older one loses.
        assert!(!first.merge(&b, hlc));
        assert!(!first.merge(&ResidentField::Phone("9".into()), Hlc(hlc.0 - 1)));
    }
}

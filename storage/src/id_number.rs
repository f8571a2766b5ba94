//! The 18-character resident ID number (公民身份号码, GB 11643-1999).
//!
//! `AAAAAA YYYYMMDD SSS C`: county code, birth date, sequence (odd 17th digit = male), and a
//! check character from ISO 7064 MOD 11-2.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::model::Sex;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS: &[u8; 11] = b"10X98765432";

/// Province-level prefixes of GB/T 2260 (the first two digits of every county code).
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// A resident ID number whose structure and check character have been verified.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdNumber(String);

/// Why a text is not a valid resident ID number; each variant says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an ID number has 18 characters, this one has {0}")]
    Length(usize),
    #[error("character {position} must be a digit (only the last may be X)")]
    NotDigit { position: usize },
    #[error("{0} is not a province code (first two digits)")]
    Region(String),
    #[error("the birth date {0} in the ID number does not exist")]
    BirthDate(String),
    #[error("wrong check digit: the last character should be {expected}, not {found}")]
    CheckDigit { expected: char, found: char },
}

/// The check character for the first 17 digits.
pub fn check_char(body: &[u8; 17]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    CHECKS[(sum % 11) as usize] as char
}

impl IdNumber {
    /// Validates a typed or scanned number. A lowercase `x` is accepted and stored uppercase.
    /// A first-generation 15-digit number is converted to its 18-digit form (GB 11643-1999:
    /// the century `19` goes before the two-digit birth year, and the check character is
    /// added), so both find the same resident.
    pub fn parse(text: &str) -> Result<IdNumber, IdNumberError> {
        let mut s = text.trim().to_ascii_uppercase();
        if s.len() == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            let body = format!("{}19{}", &s[..6], &s[6..]);
            let check = body
                .as_bytes()
                .try_into()
                .map(check_char)
                .map_err(|_| IdNumberError::Length(15))?;
            s = format!("{body}{check}");
        }
        let bytes = s.as_bytes();
        if bytes.len() != 18 || s.chars().count() != 18 {
            return Err(IdNumberError::Length(s.chars().count()));
        }
        if let Some(p) = bytes[..17].iter().position(|b| !b.is_ascii_digit()) {
            return Err(IdNumberError::NotDigit { position: p + 1 });
        }
        if !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdNumberError::NotDigit { position: 18 });
        }
        let province = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
        if !PROVINCES.contains(&province) {
            return Err(IdNumberError::Region(s[..2].to_string()));
        }
        s[6..14]
            .parse::<Date>()
            .map_err(|_| IdNumberError::BirthDate(s[6..14].to_string()))?;
        let body: &[u8; 17] = bytes[..17]
            .try_into()
            .map_err(|_| IdNumberError::Length(18))?;
        let expected = check_char(body);
        if expected as u8 != bytes[17] {
            return Err(IdNumberError::CheckDigit {
                expected,
                found: bytes[17] as char,
            });
        }
        Ok(IdNumber(s))
    }

    /// Builds a valid number from a county code, a birth date and a 3-digit sequence.
    pub fn compose(county: &str, birth: Date, sequence: u16) -> Result<IdNumber, IdNumberError> {
        let body = format!("{county:0>6.6}{}{:03}", birth.ymd_number(), sequence % 1000);
        let bytes: &[u8; 17] = body
            .as_bytes()
            .try_into()
            .map_err(|_| IdNumberError::Length(body.len() + 1))?;
        let check = check_char(bytes);
        IdNumber::parse(&format!("{body}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit county of household registration.
    pub fn county(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> Date {
        // Validated in `parse`.
        self.0[6..14].parse().unwrap_or(Date::FALLBACK)
    }

    /// Odd 17th digit: male; even: female.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print a whole ID number into logs.
        write!(f, "IdNumber(…{})", &self.0[14..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples_from_the_domain_sheet() {
        for good in [
            "420921198503150015",
            "420921196207080420",
            "11010519491231002X",
        ] {
            assert!(IdNumber::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            IdNumber::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X"
        );
        let n = IdNumber::parse("420921198503150015").unwrap();
        assert_eq!(n.sex(), Sex::Male);
        assert_eq!(n.birth_date().to_string(), "1985-03-15");
        assert_eq!(
            IdNumber::parse("420921196207080420").unwrap().sex(),
            Sex::Female
        );
    }

    #[test]
    fn a_wrong_check_digit_names_the_expected_one() {
        let err = IdNumber::parse("420921198503150016").unwrap_err();
        assert_eq!(
            err,
            IdNumberError::CheckDigit {
                expected: '5',
                found: '6'
            }
        );
        assert!(err.to_string().contains("should be 5"));
    }

    #[test]
    fn structural_errors() {
        assert_eq!(
            IdNumber::parse("4209211985").unwrap_err(),
            IdNumberError::Length(10)
        );
        assert!(matches!(
            IdNumber::parse("42092119850A150015"),
            Err(IdNumberError::NotDigit { position: 12 })
        ));
        assert!(matches!(
            IdNumber::parse("990921198503150015"),
            Err(IdNumberError::Region(_))
        ));
        assert!(matches!(
            IdNumber::parse("420921198502300015"),
            Err(IdNumberError::BirthDate(_))
        ));
    }

    #[test]
    fn compose_always_gives_a_valid_number() {
        let birth: Date = "1990-07-01".parse().unwrap();
        for seq in [0, 1, 2, 999] {
            let n = IdNumber::compose("420921", birth, seq).unwrap();
            assert_eq!(IdNumber::parse(n.as_str()).unwrap(), n);
        }
    }

    #[test]
    fn a_first_generation_number_becomes_its_18_digit_form() {
        // 420921850315002 (1985-03-15, sequence 002) is 42092119850315002 + its check, 3.
        let n = IdNumber::parse("420921850315002").unwrap();
        assert_eq!(n.as_str(), "420921198503150023");
        assert_eq!(n, IdNumber::parse("420921198503150023").unwrap());
        assert_eq!(n.birth_date(), "1985-03-15".parse().unwrap());
        assert!(IdNumber::parse("420921851315002").is_err(), "month 13");
    }
}

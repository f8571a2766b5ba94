//! Calendar dates and the clinic's day.
//!
//! All of China keeps one civil time, UTC+8, with no daylight saving, so "today" at a clinic is
//! the UTC+8 date of the instant: no time-zone database is needed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Offset of China Standard Time from UTC in milliseconds.
pub const CST_OFFSET_MS: i64 = 8 * 3600 * 1000;
const DAY_MS: i64 = 86_400_000;

/// A calendar date stored compactly as the number `YYYYMMDD` (always a valid date).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(u32);

/// A date that does not exist, or text that is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid date: {0}")]
pub struct InvalidDate(pub String);

impl Date {
    /// 1900-01-01: stands in where a validated date cannot be missing.
    pub const FALLBACK: Date = Date(1900_01_01);

    pub fn new(year: i16, month: i8, day: i8) -> Result<Date, InvalidDate> {
        jiff::civil::Date::new(year, month, day)
            .ok()
            .filter(|_| year >= 1800)
            .map(Date::from_civil)
            .ok_or_else(|| InvalidDate(format!("{year:04}-{month:02}-{day:02}")))
    }

    /// The last date this type holds: every date read from elsewhere lies in
    /// `Date::new(1800, 1, 1)..=MAX`.
    pub const MAX: Date = Date(9999_12_31);

    /// From the number `YYYYMMDD`, as card codes carry it.
    pub fn from_ymd_number(n: u32) -> Result<Date, InvalidDate> {
        let (y, m, d) = (n / 10_000, n / 100 % 100, n % 100);
        if y > 9999 {
            return Err(InvalidDate(n.to_string()));
        }
        Date::new(y as i16, m as i8, d as i8).map_err(|_| InvalidDate(n.to_string()))
    }

    pub fn ymd_number(self) -> u32 {
        self.0
    }

    pub fn year(self) -> i16 {
        (self.0 / 10_000) as i16
    }
    pub fn month(self) -> i8 {
        (self.0 / 100 % 100) as i8
    }
    pub fn day(self) -> i8 {
        (self.0 % 100) as i8
    }

    pub fn civil(self) -> jiff::civil::Date {
        jiff::civil::Date::constant(self.year(), self.month(), self.day())
    }

    /// A civil date before 1800 gives 1800-01-01: the type holds no earlier date.
    pub fn from_civil(d: jiff::civil::Date) -> Date {
        if d.year() < 1800 {
            return Date(1800_01_01);
        }
        Date(d.year() as u32 * 10_000 + d.month() as u32 * 100 + d.day() as u32)
    }

    /// The China Standard Time date of an instant (milliseconds since the Unix epoch).
    ///
    /// Instants come from other devices and may be absurd: one outside 1800–9999 gives the
    /// nearest end of that range (never a panic, never a plausible-looking 1970).
    pub fn of_instant(unix_ms: i64) -> Date {
        let min = Date(1800_01_01);
        let days = unix_ms.saturating_add(CST_OFFSET_MS).div_euclid(DAY_MS);
        let epoch = jiff::civil::Date::constant(1970, 1, 1);
        let (first, last) = (min.days_since_epoch(), Date::MAX.days_since_epoch());
        let days = days.clamp(first, last);
        jiff::Span::new()
            .try_days(days)
            .ok()
            .and_then(|span| epoch.checked_add(span).ok())
            .map_or(min, Date::from_civil)
    }

    /// Days from 1970-01-01 to this date.
    fn days_since_epoch(self) -> i64 {
        let epoch = jiff::civil::Date::constant(1970, 1, 1);
        (self.civil() - epoch).get_days() as i64
    }

    /// Milliseconds since the Unix epoch of this date's midnight in China Standard Time.
    pub fn start_ms(self) -> i64 {
        self.days_since_epoch() * DAY_MS - CST_OFFSET_MS
    }

    /// This date plus (or minus) a number of months, clamped to the month's last day.
    /// Past the end of the range it stays at its end.
    pub fn add_months(self, months: i32) -> Date {
        let moved = jiff::Span::new()
            .try_months(months)
            .ok()
            .and_then(|span| self.civil().checked_add(span).ok());
        self.moved_or_clamped(moved, months >= 0)
    }

    /// This date plus (or minus) a number of days; past the end of the range it stays at its
    /// end.
    pub fn add_days(self, days: i32) -> Date {
        let moved = jiff::Span::new()
            .try_days(days)
            .ok()
            .and_then(|span| self.civil().checked_add(span).ok());
        self.moved_or_clamped(moved, days >= 0)
    }

    fn moved_or_clamped(self, moved: Option<jiff::civil::Date>, forward: bool) -> Date {
        let min = Date(1800_01_01);
        match moved.map(Date::from_civil_checked) {
            Some(Some(d)) => d,
            _ if forward => Date::MAX,
            _ => min,
        }
    }

    /// A civil date inside this type's range, or `None`.
    fn from_civil_checked(d: jiff::civil::Date) -> Option<Date> {
        (d.year() >= 1800).then(|| Date::from_civil(d))
    }

    /// Whole years from `self` (a birth date) to `on`.
    pub fn age_on(self, on: Date) -> i32 {
        let mut years = on.year() as i32 - self.year() as i32;
        if (on.month(), on.day()) < (self.month(), self.day()) {
            years -= 1;
        }
        years
    }

    /// Days from `self` to `on` (negative when `on` is earlier).
    pub fn days_until(self, on: Date) -> i32 {
        (on.days_since_epoch() - self.days_since_epoch()) as i32
    }

    /// Whole months from `self` to `on`.
    pub fn months_until(self, on: Date) -> i32 {
        let mut months = (on.year() as i32 - self.year() as i32) * 12
            + (on.month() as i32 - self.month() as i32);
        if on.day() < self.day() {
            months -= 1;
        }
        months
    }
}

impl Serialize for Date {
    /// `"YYYY-MM-DD"` in JSON; the number `YYYYMMDD` in binary formats.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_u32(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            text.parse().map_err(D::Error::custom)
        } else {
            Date::from_ymd_number(u32::deserialize(d)?).map_err(D::Error::custom)
        }
    }
}

impl Default for Date {
    fn default() -> Self {
        Date::FALLBACK
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Date {
    type Err = InvalidDate;
    /// Accepts `YYYY-MM-DD` and `YYYYMMDD`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidDate(s.to_string()));
        }
        digits
            .parse::<u32>()
            .map_err(|_| InvalidDate(s.to_string()))
            .and_then(Date::from_ymd_number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_dates_are_refused() {
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!("2024-13-01".parse::<Date>().is_err());
        assert!("20240229".parse::<Date>().is_ok());
    }

    #[test]
    fn the_clinic_day_turns_at_midnight_beijing_time() {
        // 2024-01-01T15:59:59Z is 23:59:59 in Beijing; one second later it is the 2nd.
        let before = 1_704_124_799_000;
        assert_eq!(Date::of_instant(before).to_string(), "2024-01-01");
        assert_eq!(Date::of_instant(before + 1000).to_string(), "2024-01-02");
        let d: Date = "2024-01-02".parse().unwrap();
        assert_eq!(d.start_ms(), before + 1000);
    }

    #[test]
    fn ages_and_months() {
        let birth: Date = "2020-03-15".parse().unwrap();
        assert_eq!(birth.age_on("2024-03-14".parse().unwrap()), 3);
        assert_eq!(birth.age_on("2024-03-15".parse().unwrap()), 4);
        assert_eq!(birth.months_until("2020-09-14".parse().unwrap()), 5);
        assert_eq!(birth.add_months(18).to_string(), "2021-09-15");
        assert_eq!(
            "2024-01-31"
                .parse::<Date>()
                .unwrap()
                .add_months(1)
                .to_string(),
            "2024-02-29"
        );
    }

    /// Instants and offsets from other devices can be anything: no panic, and the answer is
    /// the end of the range, never a date that looks real (1970 was shown before).
    #[test]
    fn absurd_instants_and_offsets_stay_in_range() {
        for ms in [i64::MIN, -4_800_000 * DAY_MS, 4_800_000 * DAY_MS, i64::MAX] {
            let d = Date::of_instant(ms);
            assert!(
                d == Date::MAX || d == Date::new(1800, 1, 1).unwrap(),
                "{ms}: {d}"
            );
            let _ = d.start_ms();
        }
        assert_eq!(Date::of_instant(i64::MAX), Date::MAX);
        let d: Date = "2024-03-15".parse().unwrap();
        assert_eq!(d.add_days(i32::MAX), Date::MAX);
        assert_eq!(d.add_days(i32::MIN).year(), 1800);
        assert_eq!(d.add_months(i32::MAX), Date::MAX);
        assert_eq!(Date::MAX.add_days(1), Date::MAX);
        assert!(Date::from_ymd_number(u32::MAX).is_err());
        // 67536 wrapped to the year 2000 before.
        assert!(Date::from_ymd_number(675_360_101).is_err());
    }
}

//! Globally unique, time-ordered identifiers (UUIDv7) and the hybrid logical clock.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::serde_util::{bytes_or_text, from_bytes_or_text};

/// A UUIDv7: unique across every workstation and hub, ordered by creation time.
///
/// Stored as a `u128` so redb keys sort by time.
#[derive(Copy, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub u128);

impl Id {
    /// A UUIDv7 from a millisecond timestamp and 10 random (or counter) bytes.
    pub fn from_parts(unix_ms: u64, rand: [u8; 10]) -> Id {
        Id(uuid::Builder::from_unix_timestamp_millis(unix_ms, &rand)
            .into_uuid()
            .as_u128())
    }

    /// Milliseconds since the Unix epoch encoded in the id.
    pub fn unix_ms(self) -> u64 {
        (self.0 >> 80) as u64
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        uuid::Uuid::from_u128(self.0).hyphenated().fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        bytes_or_text(s, &self.0.to_be_bytes(), || self.to_string())
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_bytes_or_text(d, |b: [u8; 16]| Id(u128::from_be_bytes(b)))
    }
}

impl FromStr for Id {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Id(uuid::Uuid::parse_str(s)?.as_u128()))
    }
}

/// Makes ids that are strictly increasing on one device, even within one millisecond.
#[derive(Debug, Default)]
pub struct IdGen {
    last: u128,
}

impl IdGen {
    pub fn next(&mut self, unix_ms: u64) -> Id {
        let rand = uuid::Uuid::new_v4().as_u128().to_le_bytes();
        let fresh = Id::from_parts(unix_ms, rand[..10].try_into().unwrap_or_default());
        // Within a millisecond the random part may sort lower than the previous id:
        // then step from the previous id instead, keeping the version/variant bits.
        let id = if fresh.0 > self.last {
            fresh.0
        } else {
            self.last + 1
        };
        self.last = id;
        Id(id)
    }
}

/// Hybrid logical clock timestamp: wall milliseconds in the high 48 bits, a counter in the low 16.
///
/// Orders events across devices even when their clocks disagree a little; used for
/// last-writer-wins merges of mutable fields.
#[derive(Copy, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Hlc(pub u64);

impl Hlc {
    pub fn unix_ms(self) -> i64 {
        (self.0 >> 16) as i64
    }

    /// The next timestamp after `self` given the wall clock (never overflows: at the top of
    /// the range it stays there, which only a clock poisoned from elsewhere could reach).
    pub fn tick(self, now_ms: i64) -> Hlc {
        let wall = ((now_ms.max(0) as u64) & (u64::MAX >> 16)) << 16;
        Hlc(wall.max(self.0.saturating_add(1)))
    }

    /// Advance past a timestamp seen from another device, unless it is more than
    /// `max_ahead_ms` ahead of the wall clock `now_ms`: a stamp from a device whose clock is
    /// wrong (or lies) must not drag this clock, and every later write, into the future.
    pub fn observe(self, remote: Hlc, now_ms: i64, max_ahead_ms: i64) -> Hlc {
        if remote.unix_ms() > now_ms.saturating_add(max_ahead_ms) {
            return self;
        }
        Hlc(self.0.max(remote.0))
    }
}

impl fmt::Debug for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hlc({}+{})", self.unix_ms(), self.0 & 0xffff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_within_one_millisecond() {
        let mut g = IdGen::default();
        let mut prev = g.next(1_700_000_000_000);
        for _ in 0..1000 {
            let id = g.next(1_700_000_000_000);
            assert!(id > prev);
            assert_eq!(id.unix_ms(), 1_700_000_000_000);
            prev = id;
        }
    }

    #[test]
    fn id_round_trips_through_text() {
        let id = Id::from_parts(1_700_000_000_000, [7; 10]);
        assert_eq!(id.to_string().parse::<Id>().unwrap(), id);
        assert_eq!(uuid::Uuid::from_u128(id.0).get_version_num(), 7);
    }

    #[test]
    fn hlc_never_goes_back_when_the_wall_clock_does() {
        let a = Hlc::default().tick(10_000);
        let b = a.tick(5_000);
        assert!(b > a);
        let c = b.observe(Hlc(20_000 << 16), 10_000, 60_000).tick(10_000);
        assert!(c.0 > 20_000 << 16);
    }

    /// A stamp from far ahead is not observed, and a clock at the top of the range does not
    /// overflow (both reached the hub's clock from one rogue workstation before).
    #[test]
    fn a_poisoned_stamp_is_ignored_and_the_top_does_not_overflow() {
        let a = Hlc::default().tick(10_000);
        assert_eq!(a.observe(Hlc(u64::MAX), 10_000, 3_600_000), a);
        assert_eq!(Hlc(u64::MAX).tick(10_000), Hlc(u64::MAX));
        assert!(Hlc::default().tick(i64::MAX).0 > 0);
    }
}

//! The national immunisation programme's child schedule (国家免疫规划), and what is due.
//!
//! 2021 edition, with the DTaP change of 2025-01-01 (five DTaP doses at 2, 4, 6, 18 months and
//! 6 years; the DT dose at 6 years dropped). The live JE and live HepA vaccines are used (the
//! inactivated alternatives have other dose counts).
//!
//! A dose is due at its recommended age, but never before its minimum age, the minimum interval
//! after the doses it follows, or 28 days after another live injectable vaccine not given the
//! same day; it is no longer given from its maximum age (BCG from 4 years, MPSV-A from 24
//! months, everything from 18 years). Missed doses are caught up without restarting a series.
//! Sources: ../shared/DOMAIN.md §1a–§1c (the 2021 说明's 补种原则, as quoted there; the
//! intervals marked "verify" there are used as quoted).

use crate::date::Date;

/// A minimum gap after an earlier dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    Days(u16),
    Months(u16),
}

impl Gap {
    fn after(self, d: Date) -> Date {
        match self {
            Gap::Days(n) => d.add_days(n as i32),
            Gap::Months(n) => d.add_months(n as i32),
        }
    }
}

/// One dose of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledDose {
    /// Abbreviation used in records: `HepB`, `BCG`…
    pub vaccine: &'static str,
    pub name: &'static str,
    pub dose: u8,
    /// Recommended age, in months (0 = at birth).
    pub age_months: u16,
    /// Not given before this age, in months.
    pub min_age_months: u16,
    /// Not given from this age, in months (the dose is then dropped, not caught up).
    pub max_age_months: u16,
    /// Earlier doses `(vaccine, dose)` this one must follow by at least the gap.
    pub after: &'static [(&'static str, u8, Gap)],
    /// A live vaccine given by injection: two of them are given the same day or ≥ 28 days apart.
    pub live_injectable: bool,
}

/// Everything in the programme stops at 18 years.
const ADULT: u16 = 18 * 12;
const D28: Gap = Gap::Days(28);

#[allow(clippy::too_many_arguments)]
const fn d(
    vaccine: &'static str,
    name: &'static str,
    dose: u8,
    age_months: u16,
    min_age_months: u16,
    max_age_months: u16,
    after: &'static [(&'static str, u8, Gap)],
    live_injectable: bool,
) -> ScheduledDose {
    ScheduledDose {
        vaccine,
        name,
        dose,
        age_months,
        min_age_months,
        max_age_months,
        after,
        live_injectable,
    }
}

/// Doses common to both editions.
const COMMON: &[ScheduledDose] = &[
    d("HepB", "乙肝疫苗", 1, 0, 0, ADULT, &[], false),
    // BCG: from 3 months only after a negative PPD test; from 4 years not given.
    d("BCG", "卡介苗", 1, 0, 0, 48, &[], false),
    d(
        "HepB",
        "乙肝疫苗",
        2,
        1,
        0,
        ADULT,
        &[("HepB", 1, D28)],
        false,
    ),
    // HepB3: ≥ 60 days after dose 2 and ≥ 4 months after dose 1.
    d(
        "HepB",
        "乙肝疫苗",
        3,
        6,
        0,
        ADULT,
        &[("HepB", 2, Gap::Days(60)), ("HepB", 1, Gap::Months(4))],
        false,
    ),
    // Polio: four doses in all (IPV, IPV, bOPV, bOPV), ≥ 28 days apart.
    d("IPV", "脊灰灭活疫苗", 1, 2, 2, ADULT, &[], false),
    d(
        "IPV",
        "脊灰灭活疫苗",
        2,
        3,
        2,
        ADULT,
        &[("IPV", 1, D28)],
        false,
    ),
    d(
        "bOPV",
        "二价脊灰减毒活疫苗",
        1,
        4,
        2,
        ADULT,
        &[("IPV", 2, D28)],
        false,
    ),
    d(
        "bOPV",
        "二价脊灰减毒活疫苗",
        2,
        48,
        48,
        ADULT,
        &[("bOPV", 1, D28)],
        false,
    ),
    // MPSV-A: a child of 24 months or more who has not had it gets MPSV-AC instead.
    d("MPSV-A", "A群流脑多糖疫苗", 1, 6, 6, 24, &[], false),
    d(
        "MPSV-A",
        "A群流脑多糖疫苗",
        2,
        9,
        6,
        24,
        &[("MPSV-A", 1, Gap::Months(3))],
        false,
    ),
    d("MMR", "麻腮风疫苗", 1, 8, 8, ADULT, &[], true),
    d("JE-L", "乙脑减毒活疫苗", 1, 8, 8, ADULT, &[], true),
    d(
        "MMR",
        "麻腮风疫苗",
        2,
        18,
        8,
        ADULT,
        &[("MMR", 1, D28)],
        true,
    ),
    d("HepA-L", "甲肝减毒活疫苗", 1, 18, 18, ADULT, &[], true),
    d(
        "JE-L",
        "乙脑减毒活疫苗",
        2,
        24,
        24,
        ADULT,
        &[("JE-L", 1, Gap::Months(12))],
        true,
    ),
    d(
        "MPSV-AC",
        "A群C群流脑多糖疫苗",
        1,
        36,
        36,
        ADULT,
        &[("MPSV-A", 2, Gap::Months(12))],
        false,
    ),
    d(
        "MPSV-AC",
        "A群C群流脑多糖疫苗",
        2,
        72,
        72,
        ADULT,
        &[("MPSV-AC", 1, Gap::Months(36))],
        false,
    ),
];

/// DTaP at 3, 4, 5, 18 months and DT at 6 years (until 2024-12-31); DTaP not from 6 years.
const DTAP_2021: &[ScheduledDose] = &[
    d("DTaP", "百白破疫苗", 1, 3, 3, 72, &[], false),
    d(
        "DTaP",
        "百白破疫苗",
        2,
        4,
        3,
        72,
        &[("DTaP", 1, D28)],
        false,
    ),
    d(
        "DTaP",
        "百白破疫苗",
        3,
        5,
        3,
        72,
        &[("DTaP", 2, D28)],
        false,
    ),
    d(
        "DTaP",
        "百白破疫苗",
        4,
        18,
        18,
        72,
        &[("DTaP", 3, Gap::Months(6))],
        false,
    ),
    d("DT", "白破疫苗", 1, 72, 72, ADULT, &[], false),
];

/// DTaP at 2, 4, 6, 18 months and 6 years (from 2025-01-01); DTaP not from 7 years.
const DTAP_2025: &[ScheduledDose] = &[
    d("DTaP", "百白破疫苗", 1, 2, 2, 84, &[], false),
    d(
        "DTaP",
        "百白破疫苗",
        2,
        4,
        2,
        84,
        &[("DTaP", 1, D28)],
        false,
    ),
    d(
        "DTaP",
        "百白破疫苗",
        3,
        6,
        2,
        84,
        &[("DTaP", 2, D28)],
        false,
    ),
    d(
        "DTaP",
        "百白破疫苗",
        4,
        18,
        18,
        84,
        &[("DTaP", 3, Gap::Months(6))],
        false,
    ),
    d(
        "DTaP",
        "百白破疫苗",
        5,
        72,
        72,
        84,
        &[("DTaP", 4, D28)],
        false,
    ),
];

/// The day the 2025 DTaP schedule took effect.
pub fn dtap_change() -> Date {
    Date::new(2025, 1, 1).unwrap_or_default()
}

/// How a vaccine of the national schedule is given (《国家免疫规划疫苗儿童免疫程序及说明》:
/// BCG intradermal, OPV by mouth, the live measles, JE, hepatitis A and the meningococcal
/// polysaccharide vaccines under the skin, the rest into the muscle).
pub fn route(vaccine: &str) -> crate::model::Route {
    use crate::model::Route;
    match vaccine {
        "BCG" => Route::Intradermal,
        "bOPV" => Route::Oral,
        "MMR" | "JE-L" | "HepA-L" | "MPSV-A" | "MPSV-AC" => Route::Subcutaneous,
        _ => Route::Intramuscular,
    }
}

/// The schedule for a child, by the edition in force on `on`, ordered by recommended age.
///
/// Children who started under the 2021 DTaP programme keep it (they may already have had
/// doses at 3 and 5 months); children born from 2024-11 onwards follow the 2025 one.
pub fn schedule_for(birth: Date, on: Date) -> Vec<ScheduledDose> {
    let new_dtap = on >= dtap_change() && birth.add_months(2) >= dtap_change();
    let mut all: Vec<ScheduledDose> = COMMON.to_vec();
    all.extend_from_slice(if new_dtap { DTAP_2025 } else { DTAP_2021 });
    all.sort_by_key(|s| (s.age_months, s.vaccine, s.dose));
    all
}

/// Where a scheduled dose stands for a child on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoseState {
    Given(Date),
    /// Due now: its due date is reached, within a month.
    Due,
    /// More than a month past its due date and not given.
    Overdue,
    /// Not yet due, or waiting for the dose before it.
    Upcoming,
    /// Past its maximum age and not given: no longer given (replaced or dropped).
    NoLongerGiven,
}

/// A scheduled dose with its dates for one child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoseStatus {
    pub dose: ScheduledDose,
    /// The first day it may be given (minimum age, intervals, 28 days after another live
    /// injectable vaccine); for a dose waiting for an earlier one, as if that one were given on
    /// its own due date.
    pub earliest: Date,
    /// The recommended age's date, moved later by the minimum age and intervals.
    pub due: Date,
    pub state: DoseState,
}

impl DoseStatus {
    /// Due or overdue today.
    pub fn is_due(&self) -> bool {
        matches!(self.state, DoseState::Due | DoseState::Overdue)
    }

    /// Due, and may be given on this day.
    pub fn can_give_on(&self, day: Date) -> bool {
        self.is_due() && self.earliest <= day
    }
}

/// The state of every scheduled dose up to 18 years, given the doses recorded as
/// `(vaccine, dose number, date given)`.
pub fn dose_states(birth: Date, on: Date, given: &[(String, u8, Date)]) -> Vec<DoseStatus> {
    let given_on = |v: &str, n: u8| {
        given
            .iter()
            .filter(|(gv, gn, _)| gv == v && *gn == n)
            .map(|(_, _, d)| *d)
            .min()
    };
    let mut out: Vec<DoseStatus> = Vec::new();
    for s in schedule_for(birth, on) {
        let lapses = birth.add_months(s.max_age_months as i32);
        let mut earliest = birth.add_months(s.min_age_months as i32);
        let mut waiting = false;
        for &(v, n, gap) in s.after {
            // Earlier doses come first in the schedule, so their status is known.
            let Some(before) = out.iter().find(|x| x.dose.vaccine == v && x.dose.dose == n) else {
                continue;
            };
            let from = match before.state {
                DoseState::Given(d) => d,
                // A dose that was dropped sets no interval.
                DoseState::NoLongerGiven => continue,
                _ => {
                    waiting = true;
                    before.due
                }
            };
            earliest = earliest.max(gap.after(from));
        }
        let due = birth.add_months(s.age_months as i32).max(earliest);
        if s.live_injectable {
            // Another live injectable vaccine given before today: not within 28 days of it.
            // It moves the earliest day, not the due date (the dose may be overdue already).
            for (v, _, when) in given {
                let live = COMMON.iter().any(|x| x.vaccine == v && x.live_injectable);
                if live && v != s.vaccine && *when < on {
                    earliest = earliest.max(D28.after(*when));
                }
            }
        }
        let state = match given_on(s.vaccine, s.dose) {
            Some(when) => DoseState::Given(when),
            None if on >= lapses || due >= lapses => DoseState::NoLongerGiven,
            None if waiting || on < due => DoseState::Upcoming,
            None if on <= due.add_months(1) => DoseState::Due,
            None => DoseState::Overdue,
        };
        out.push(DoseStatus {
            dose: s,
            earliest,
            due,
            state,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_2021_schedule_has_dt_at_six() {
        let s = schedule_for(date("2020-06-01"), date("2024-06-01"));
        assert!(s.iter().any(|d| d.vaccine == "DT"));
        assert_eq!(s.iter().filter(|d| d.vaccine == "DTaP").count(), 4);
        assert_eq!(s.len(), 22);
    }

    #[test]
    fn children_born_after_the_change_get_five_dtap_doses() {
        let s = schedule_for(date("2025-03-01"), date("2025-06-01"));
        assert!(!s.iter().any(|d| d.vaccine == "DT"));
        let dtap: Vec<u16> = s
            .iter()
            .filter(|d| d.vaccine == "DTaP")
            .map(|d| d.age_months)
            .collect();
        assert_eq!(dtap, vec![2, 4, 6, 18, 72]);
    }

    #[test]
    fn every_interval_names_an_earlier_dose_of_the_schedule() {
        for birth in ["2020-06-01", "2025-03-01"] {
            let s = schedule_for(date(birth), date("2026-01-01"));
            for (i, dose) in s.iter().enumerate() {
                for (v, n, _) in dose.after {
                    assert!(
                        s[..i].iter().any(|x| x.vaccine == *v && x.dose == *n),
                        "{} {} follows {v} {n}, which must come before it",
                        dose.vaccine,
                        dose.dose
                    );
                }
                assert!(dose.min_age_months <= dose.age_months);
                assert!(dose.age_months < dose.max_age_months);
            }
        }
    }

    #[test]
    fn due_and_overdue() {
        let birth = date("2025-01-10");
        let given = vec![
            ("HepB".to_string(), 1, birth),
            ("BCG".to_string(), 1, birth),
        ];
        let states = dose_states(birth, date("2025-04-01"), &given);
        let state = |v: &str, n: u8| {
            states
                .iter()
                .find(|s| s.dose.vaccine == v && s.dose.dose == n)
                .unwrap()
                .state
        };
        assert_eq!(state("HepB", 1), DoseState::Given(birth));
        assert_eq!(state("HepB", 2), DoseState::Overdue); // due 2025-02-10
        assert_eq!(state("IPV", 1), DoseState::Due); // due 2025-03-10
        assert_eq!(state("MMR", 1), DoseState::Upcoming);
        // HepB3 waits for HepB2.
        assert_eq!(state("HepB", 3), DoseState::Upcoming);
    }

    /// Routes as 《国家免疫规划疫苗儿童免疫程序及说明（2021年版）》 gives them.
    #[test]
    fn each_vaccine_has_its_route() {
        use crate::model::Route;
        assert_eq!(route("BCG"), Route::Intradermal);
        assert_eq!(route("bOPV"), Route::Oral);
        for live in ["MMR", "JE-L", "HepA-L", "MPSV-A", "MPSV-AC"] {
            assert_eq!(route(live), Route::Subcutaneous, "{live}");
        }
        for shot in ["HepB", "DTaP", "DT", "IPV", "JE-I", "HepA-I"] {
            assert_eq!(route(shot), Route::Intramuscular, "{shot}");
        }
    }
}

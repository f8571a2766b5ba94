//! The national immunisation programme's child schedule (国家免疫规划), and what is due.
//!
//! 2021 edition, with the DTaP change of 2025-01-01 (five DTaP doses at 2, 4, 6, 18 months and
//! 6 years; the DT dose at 6 years dropped). Sources: ../shared/DOMAIN.md §1. The live JE
//! and live HepA vaccines are used (the inactivated alternatives have other dose counts).

use crate::date::Date;

/// One dose of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledDose {
    /// Abbreviation used in records: `HepB`, `BCG`…
    pub vaccine: &'static str,
    pub name: &'static str,
    pub dose: u8,
    /// Age at which the dose is due, in months (0 = at birth).
    pub age_months: u16,
}

const fn d(vaccine: &'static str, name: &'static str, dose: u8, age_months: u16) -> ScheduledDose {
    ScheduledDose {
        vaccine,
        name,
        dose,
        age_months,
    }
}

/// Doses common to both editions.
const COMMON: &[ScheduledDose] = &[
    d("HepB", "乙肝疫苗", 1, 0),
    d("BCG", "卡介苗", 1, 0),
    d("HepB", "乙肝疫苗", 2, 1),
    d("IPV", "脊灰灭活疫苗", 1, 2),
    d("IPV", "脊灰灭活疫苗", 2, 3),
    d("bOPV", "二价脊灰减毒活疫苗", 1, 4),
    d("HepB", "乙肝疫苗", 3, 6),
    d("MPSV-A", "A群流脑多糖疫苗", 1, 6),
    d("MMR", "麻腮风疫苗", 1, 8),
    d("JE-L", "乙脑减毒活疫苗", 1, 8),
    d("MPSV-A", "A群流脑多糖疫苗", 2, 9),
    d("MMR", "麻腮风疫苗", 2, 18),
    d("HepA-L", "甲肝减毒活疫苗", 1, 18),
    d("JE-L", "乙脑减毒活疫苗", 2, 24),
    d("MPSV-AC", "A群C群流脑多糖疫苗", 1, 36),
    d("bOPV", "二价脊灰减毒活疫苗", 2, 48),
    d("MPSV-AC", "A群C群流脑多糖疫苗", 2, 72),
];

/// DTaP at 3, 4, 5, 18 months and DT at 6 years (until 2024-12-31).
const DTAP_2021: &[ScheduledDose] = &[
    d("DTaP", "百白破疫苗", 1, 3),
    d("DTaP", "百白破疫苗", 2, 4),
    d("DTaP", "百白破疫苗", 3, 5),
    d("DTaP", "百白破疫苗", 4, 18),
    d("DT", "白破疫苗", 1, 72),
];

/// DTaP at 2, 4, 6, 18 months and 6 years (from 2025-01-01).
const DTAP_2025: &[ScheduledDose] = &[
    d("DTaP", "百白破疫苗", 1, 2),
    d("DTaP", "百白破疫苗", 2, 4),
    d("DTaP", "百白破疫苗", 3, 6),
    d("DTaP", "百白破疫苗", 4, 18),
    d("DTaP", "百白破疫苗", 5, 72),
];

/// The day the 2025 DTaP schedule took effect.
pub fn dtap_change() -> Date {
    Date::new(2025, 1, 1).unwrap_or_default()
}

/// The schedule for a child, by the edition in force on `on`, ordered by due age.
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
    /// Due now: the due age is reached, within a month.
    Due,
    /// More than a month past the due age and not given.
    Overdue,
    /// Not yet due.
    Upcoming,
}

/// The state of every scheduled dose up to age 7, given the doses recorded as
/// `(vaccine, dose number, date given)`.
pub fn dose_states(
    birth: Date,
    on: Date,
    given: &[(String, u8, Date)],
) -> Vec<(ScheduledDose, Date, DoseState)> {
    schedule_for(birth, on)
        .into_iter()
        .map(|s| {
            let due = birth.add_months(s.age_months as i32);
            let state = match given
                .iter()
                .find(|(v, n, _)| v == s.vaccine && *n == s.dose)
            {
                Some((_, _, when)) => DoseState::Given(*when),
                None if on < due => DoseState::Upcoming,
                None if on <= due.add_months(1) => DoseState::Due,
                None => DoseState::Overdue,
            };
            (s, due, state)
        })
        .collect()
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
                .find(|(s, _, _)| s.vaccine == v && s.dose == n)
                .unwrap()
                .2
        };
        assert_eq!(state("HepB", 1), DoseState::Given(birth));
        assert_eq!(state("HepB", 2), DoseState::Overdue); // due 2025-02-10
        assert_eq!(state("IPV", 1), DoseState::Due); // due 2025-03-10
        assert_eq!(state("MMR", 1), DoseState::Upcoming);
    }
}

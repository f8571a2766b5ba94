//! The village doctor's worklists: who is due or overdue for a hypertension or diabetes
//! follow-up, a vaccine dose, an antenatal or postpartum visit or a child health check, and
//! what came of the calls and home visits made for them.
//!
//! Pure functions over one resident's history decide what is due ([`due`]) and whether the
//! contacts made since keep them on the list ([`standing`]); [`Store::worklist`] runs them
//! over the facility's catchment. The intervals are those of the basic public health service
//! (DOMAIN §2a–2d) and of the immunisation schedule ([`crate::schedule`]).

use redb::ReadableTable;

use crate::date::Date;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::*;
use crate::records::HistoryEntry;
use crate::schedule::{DoseState, dose_states};
use crate::store::{Actor, Store};
use crate::tables::RESIDENTS;

/// How far ahead a list looks by default: what falls due within a month is planned now.
pub const DEFAULT_WITHIN_DAYS: i32 = 30;

/// A resident reached by a call stays off the list this long: time to come in.
pub const REACHED_GRACE_DAYS: i32 = 14;

/// Follow-ups of a controlled patient: at least every 3 months, four a year (DOMAIN §2a/2b).
const FOLLOW_UP_MONTHS: i32 = 3;
/// After an uncontrolled visit (or an adverse reaction, a complication): recheck in 2 weeks.
const RECHECK_DAYS: i32 = 14;

/// The antenatal visits 2–5 and their windows in completed weeks (DOMAIN §2c). Visit 1 (建册)
/// is the one that makes a pregnancy known, so it is never on the list.
const ANTENATAL: [(u8, i32, i32); 4] = [(2, 16, 20), (3, 21, 24), (4, 28, 36), (5, 37, 40)];

/// Child health checks, in months of age (DOMAIN §2d).
const CHILD_CHECKS: [i32; 12] = [1, 3, 6, 8, 12, 18, 24, 30, 36, 48, 60, 72];

/// One visit someone is due for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueItem {
    pub what_zh: String,
    pub what_en: String,
    /// From when it is due.
    pub due: Date,
    /// Past its last day (the follow-up date, the antenatal window, a month for a dose or a
    /// child check).
    pub overdue: bool,
}

/// What is due for a resident born on `birth`, on `today` or within `within_days` after it.
pub fn due(
    kind: WorklistKind,
    history: &[HistoryEntry],
    birth: Date,
    sex: Sex,
    today: Date,
    within_days: i32,
) -> Vec<DueItem> {
    let horizon = today.add_days(within_days.max(0));
    let mut items = match kind {
        WorklistKind::FollowUp => follow_ups(history, today),
        WorklistKind::Immunisation => doses(history, birth, today, horizon),
        WorklistKind::Antenatal if sex == Sex::Female => antenatal(history, today),
        WorklistKind::Antenatal => Vec::new(),
        WorklistKind::Child => child_check(history, birth, today),
    };
    items.retain(|i| i.due <= horizon);
    items.sort_by_key(|i| i.due);
    items
}

/// The records in force (amended ones with their corrected content), with their day.
fn current(history: &[HistoryEntry]) -> impl Iterator<Item = (Date, &RecordBody)> {
    history
        .iter()
        .filter(|h| !matches!(h.record.body, RecordBody::Amendment(_)))
        .map(|h| (Date::of_instant(h.record.at), h.current(history)))
}

fn follow_ups(history: &[HistoryEntry], today: Date) -> Vec<DueItem> {
    let mut out = Vec::new();
    for condition in [
        ChronicCondition::Hypertension,
        ChronicCondition::Type2Diabetes,
    ] {
        let (zh, en, codes): (&str, &str, &[&str]) = match condition {
            // I10–I15, the hypertensive diseases; E11 type 2 diabetes, E14 unspecified.
            ChronicCondition::Hypertension => ("高血压随访", "Hypertension follow-up", &["I1"]),
            ChronicCondition::Type2Diabetes => {
                ("糖尿病随访", "Diabetes follow-up", &["E11", "E14"])
            }
        };
        let mut diagnosed: Option<Date> = None;
        let mut last: Option<(Date, &ChronicFollowUp)> = None;
        for (day, body) in current(history) {
            match body {
                RecordBody::Encounter(e)
                    if diagnosed.is_none()
                        && e.diagnoses
                            .iter()
                            .any(|d| codes.iter().any(|c| d.code.starts_with(c))) =>
                {
                    // The first follow-up is due two weeks after the diagnosis, or when the
                    // diagnosing doctor asked them back.
                    let back = e.follow_up.unwrap_or(day.add_days(RECHECK_DAYS));
                    diagnosed = Some(back.min(day.add_days(RECHECK_DAYS)).max(day));
                }
                RecordBody::ChronicFollowUp(f)
                    if f.condition == condition && last.is_none_or(|(d, _)| day >= d) =>
                {
                    last = Some((day, f))
                }
                _ => {}
            }
        }
        let (due, what_zh, what_en) = match last {
            Some((day, f)) => {
                let controlled = f.control == ControlStatus::Satisfactory;
                let by_rule = if controlled {
                    day.add_months(FOLLOW_UP_MONTHS)
                } else {
                    day.add_days(RECHECK_DAYS)
                };
                // The doctor may ask them back sooner, never later than the rule.
                let due = f.next_visit.map_or(by_rule, |n| n.max(day).min(by_rule));
                if controlled {
                    (due, zh.to_string(), en.to_string())
                } else {
                    (
                        due,
                        format!("{zh}（上次控制不满意，2周复查）"),
                        format!("{en} (last not controlled: 2-week recheck)"),
                    )
                }
            }
            None => match diagnosed {
                Some(due) => (due, format!("{zh}（首次）"), format!("{en} (first)")),
                None => continue,
            },
        };
        out.push(DueItem {
            what_zh,
            what_en,
            due,
            overdue: today > due,
        });
    }
    out
}

fn doses(history: &[HistoryEntry], birth: Date, today: Date, horizon: Date) -> Vec<DueItem> {
    if birth.age_on(today) >= 18 {
        return Vec::new();
    }
    let given: Vec<(String, u8, Date)> = current(history)
        .filter_map(|(day, body)| {
            body.dose_given(day)
                .map(|(i, on)| (i.vaccine.clone(), i.dose_number, on))
        })
        .collect();
    dose_states(birth, today, &given)
        .into_iter()
        .filter(|s| match s.state {
            DoseState::Due | DoseState::Overdue => true,
            // Coming up; one waiting for an earlier dose is that dose's item.
            DoseState::Upcoming => s.due >= today && s.due <= horizon,
            DoseState::Given(_) | DoseState::NoLongerGiven => false,
        })
        .map(|s| DueItem {
            what_zh: format!("{} 第{}剂", s.dose.name, s.dose.dose),
            what_en: format!("{} dose {}", s.dose.vaccine, s.dose.dose),
            due: s.due.max(s.earliest),
            overdue: s.state == DoseState::Overdue,
        })
        .collect()
}

fn antenatal(history: &[HistoryEntry], today: Date) -> Vec<DueItem> {
    let mut latest: Option<(Date, &AntenatalCheck)> = None;
    let mut births: Vec<(Date, u16)> = Vec::new();
    for (day, body) in current(history) {
        match body {
            RecordBody::MaternalChild(MaternalChild::Antenatal(a))
                if latest.is_none_or(|(d, _)| day >= d) =>
            {
                latest = Some((day, a))
            }
            RecordBody::MaternalChild(MaternalChild::Postpartum {
                days_after_birth, ..
            }) => births.push((day.add_days(-(*days_after_birth as i32)), *days_after_birth)),
            _ => {}
        }
    }
    let Some((seen, check)) = latest else {
        return Vec::new();
    };
    let conception = seen.add_days(-7 * check.gestational_weeks as i32);
    let item = |zh: &str, en: &str, due: Date, last: Date| DueItem {
        what_zh: zh.into(),
        what_en: en.into(),
        due,
        overdue: today > last,
    };
    // Delivered: the home visit in the first week and the check at 42 days.
    let delivered: Vec<(Date, u16)> = births
        .iter()
        .copied()
        .filter(|(b, _)| *b >= conception)
        .collect();
    if let Some(birth) = delivered.iter().map(|(b, _)| *b).max() {
        if birth.add_days(90) < today {
            return Vec::new();
        }
        let visited = delivered.iter().any(|(_, d)| *d < 28);
        let checked = delivered.iter().any(|(_, d)| *d >= 28);
        return match (visited, checked) {
            (false, false) => vec![item(
                "产后访视",
                "Postpartum home visit",
                birth.add_days(3),
                birth.add_days(7),
            )],
            (_, false) => vec![item(
                "产后42天健康检查",
                "Postpartum check at 42 days",
                birth.add_days(42),
                birth.add_days(56),
            )],
            _ => Vec::new(),
        };
    }
    let weeks = conception.days_until(today) / 7;
    if weeks > 52 {
        return Vec::new(); // an old record whose outcome was never entered
    }
    if weeks >= 42 {
        return vec![item(
            "分娩情况未登记，请随访",
            "Delivery not recorded: visit her",
            conception.add_days(7 * 42),
            conception.add_days(7 * 42),
        )];
    }
    let done = current(history)
        .filter_map(|(day, body)| match body {
            RecordBody::MaternalChild(MaternalChild::Antenatal(a)) if day >= conception => {
                Some(a.visit_number)
            }
            _ => None,
        })
        .max()
        .unwrap_or(0);
    ANTENATAL
        .iter()
        .find(|(n, ..)| *n > done)
        .map(|&(n, from, to)| {
            item(
                &format!("第{n}次产前随访（孕{from}–{to}周）"),
                &format!("Antenatal visit {n} (weeks {from}–{to})"),
                conception.add_days(7 * from),
                conception.add_days(7 * (to + 1) - 1),
            )
        })
        .into_iter()
        .collect()
}

/// How far from its age a check may be done and still count (in months).
fn tolerance(months: i32) -> i32 {
    match months {
        ..12 => 0,
        12..48 => 1,
        _ => 3,
    }
}

fn child_check(history: &[HistoryEntry], birth: Date, today: Date) -> Vec<DueItem> {
    if birth.months_until(today) >= 84 {
        return Vec::new();
    }
    let last = current(history)
        .filter_map(|(_, body)| match body {
            RecordBody::MaternalChild(MaternalChild::Child(c)) => Some(c.age_months as i32),
            _ => None,
        })
        .max();
    let open: Vec<i32> = CHILD_CHECKS
        .into_iter()
        .filter(|m| last.is_none_or(|l| *m > l + tolerance(*m)))
        .collect();
    // A missed check is not made up: the latest one whose age is reached, else the next.
    let Some(m) = open
        .iter()
        .rev()
        .find(|m| birth.add_months(**m) <= today)
        .or(open.first())
        .copied()
    else {
        return Vec::new();
    };
    let due = birth.add_months(m);
    let (zh, en) = match m {
        1 => ("满月健康检查".to_string(), "Check at 1 month".to_string()),
        ..48 => (format!("{m}月龄健康检查"), format!("Check at {m} months")),
        _ => (
            format!("{}岁健康检查", m / 12),
            format!("Check at {} years", m / 12),
        ),
    };
    vec![DueItem {
        what_zh: zh,
        what_en: en,
        due,
        overdue: today > due.add_months(1),
    }]
}

/// Whether the contacts made keep a resident on a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Standing {
    /// On the list; with the latest contact of this round and how many calls found nobody.
    Listed {
        last_contact: Option<(Date, Contact)>,
        attempts: u32,
    },
    /// Reached by a call: off the list until this day (then back, if still not seen).
    Reached(Date),
    /// Moved away or died: off the lists, until a later visit says otherwise.
    Off(ContactOutcome),
}

/// The standing of a resident on the `kind` list for a round that fell due on `due`.
pub fn standing(kind: WorklistKind, history: &[HistoryEntry], due: Date, today: Date) -> Standing {
    let mut last_visit: Option<Date> = None;
    let mut gone: Option<(Date, ContactOutcome)> = None;
    let mut round: Vec<(Date, &Contact)> = Vec::new();
    for (day, body) in current(history) {
        match body {
            RecordBody::Contact(c) => {
                if matches!(c.outcome, ContactOutcome::MovedAway | ContactOutcome::Died) {
                    gone = Some((day, c.outcome));
                }
                // A call made in the month before it fell due counts for this round.
                if c.list == kind && day >= due.add_days(-DEFAULT_WITHIN_DAYS) {
                    round.push((day, c));
                }
            }
            _ => last_visit = Some(last_visit.map_or(day, |d| d.max(day))),
        }
    }
    if let Some((day, outcome)) = gone
        && last_visit.is_none_or(|v| v <= day)
    {
        return Standing::Off(outcome);
    }
    round.sort_by_key(|(d, _)| *d);
    if let Some((day, _)) = round
        .iter()
        .rev()
        .find(|(_, c)| c.outcome == ContactOutcome::Reached)
    {
        let until = day.add_days(REACHED_GRACE_DAYS);
        if until > today {
            return Standing::Reached(until);
        }
    }
    Standing::Listed {
        attempts: round
            .iter()
            .filter(|(_, c)| c.outcome == ContactOutcome::NotReached)
            .count() as u32,
        last_contact: round.last().map(|(d, c)| (*d, (*c).clone())),
    }
}

/// A resident on a worklist, with what the village doctor needs to call or visit them.
#[derive(Clone, Debug, PartialEq)]
pub struct WorklistEntry {
    pub resident: Resident,
    /// Soonest first; at least one.
    pub items: Vec<DueItem>,
    /// Household members: relation and name.
    pub household: Vec<(Relation, String)>,
    /// Their phone, or when they have none (a child, an elder) a household member's.
    pub phone: String,
    /// Whose phone it is when not theirs.
    pub phone_of: Option<String>,
    /// The last clinical record anywhere: day and facility code.
    pub last_visit: Option<(Date, String)>,
    pub last_contact: Option<(Date, Contact)>,
    /// Calls of this round that found nobody.
    pub attempts: u32,
}

impl WorklistEntry {
    /// Due since (the earliest item).
    pub fn due(&self) -> Date {
        self.items.iter().map(|i| i.due).min().unwrap_or_default()
    }

    pub fn overdue(&self) -> bool {
        self.items.iter().any(|i| i.overdue)
    }
}

/// Which worklist, for which village, looking how far ahead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorklistQuery {
    pub kind: WorklistKind,
    /// A 12-digit village code; the whole catchment when `None`.
    pub village: Option<String>,
    pub within_days: i32,
}

impl WorklistQuery {
    pub fn new(kind: WorklistKind) -> WorklistQuery {
        WorklistQuery {
            kind,
            village: None,
            within_days: DEFAULT_WITHIN_DAYS,
        }
    }
}

/// The village of an address as people say it (`新河村`), from its text; the code when the
/// text does not name one.
pub fn village_name(a: &Address) -> String {
    let text = a.text.as_str();
    let after = ["镇", "乡", "街道"]
        .iter()
        .filter_map(|m| text.find(m).map(|i| i + m.len()))
        .min()
        .unwrap_or(0);
    let rest = &text[after..];
    ["村", "社区"]
        .iter()
        .filter_map(|m| rest.find(m).map(|i| i + m.len()))
        .min()
        .map(|end| rest[..end].to_string())
        .unwrap_or_else(|| a.village.clone())
}

/// Residents whose public-health care is this facility's: those registered with it and, for a
/// township health centre, everyone living in its township (its village doctors work under it).
pub fn in_catchment(r: &Resident, facility: &Facility) -> bool {
    r.home_facility == facility.code
        || (facility.level == FacilityLevel::Township
            && !facility.township.is_empty()
            && r.address.township == facility.township)
}

impl Store {
    /// The worklist of the actor's facility, overdue first (longest overdue first), then by
    /// due date. The view is audited once, naming the list and village. Doctors read it as
    /// part of their work; anyone else (the command line of an administrator) gives a reason,
    /// as for break-glass.
    pub fn worklist(
        &self,
        actor: &Actor,
        q: &WorklistQuery,
        reason: Option<&str>,
    ) -> Result<Vec<WorklistEntry>> {
        let why = reason.map(str::trim).unwrap_or_default();
        if actor.role != Role::Doctor && why.chars().count() < crate::roles::MIN_REASON_CHARS {
            return Err(Error::Forbidden(
                "worklists show clinical data: doctors only, or others with a reason".into(),
            ));
        }
        let facility = self.facility_or_code(&actor.facility)?;
        let mut reason = match &q.village {
            Some(v) => format!("{} {v}", q.kind.code()),
            None => q.kind.code().to_string(),
        };
        if !why.is_empty() {
            reason = format!("{reason}: {why}");
        }
        self.commit_one(
            actor,
            Body::Audit(AuditEntry::new(AuditAction::ViewWorklist, None, &reason)),
        )?;
        let today = self.clock().today();
        let mut out = Vec::new();
        for r in self.catchment(&facility, q)? {
            let history = self.history_unaudited(r.id)?;
            let items = due(q.kind, &history, r.birth_date, r.sex, today, q.within_days);
            let Some(first) = items.iter().map(|i| i.due).min() else {
                continue;
            };
            let (last_contact, attempts) = match standing(q.kind, &history, first, today) {
                Standing::Listed {
                    last_contact,
                    attempts,
                } => (last_contact, attempts),
                Standing::Reached(_) | Standing::Off(_) => continue,
            };
            let household = self.household(r.id)?;
            let (phone, phone_of) = match household
                .iter()
                .find(|(_, m)| r.phone.trim().is_empty() && !m.phone.trim().is_empty())
            {
                Some((_, m)) => (m.phone.clone(), Some(m.name.clone())),
                None => (r.phone.clone(), None),
            };
            let last_visit = history
                .iter()
                .rev()
                .find(|h| !matches!(h.record.body, RecordBody::Contact(_)))
                .map(|h| (Date::of_instant(h.record.at), h.record.facility.clone()));
            out.push(WorklistEntry {
                household: household
                    .into_iter()
                    .map(|(l, m)| (l.relation, m.name))
                    .collect(),
                resident: r,
                items,
                phone,
                phone_of,
                last_visit,
                last_contact,
                attempts,
            });
        }
        out.sort_by_key(|e| (!e.overdue(), e.due(), e.resident.id));
        Ok(out)
    }

    /// Records a call or home visit made from a worklist by `clinician` (a display name).
    pub fn record_contact(
        &self,
        actor: &Actor,
        clinician: &str,
        resident: Id,
        contact: Contact,
    ) -> Result<Id> {
        if self.resident(resident)?.is_none() {
            return Err(Error::NotFound(format!("resident {resident}")));
        }
        let record = ClinicalRecord {
            resident,
            at: self.clock().now_ms(),
            facility: actor.facility.clone(),
            clinician: clinician.to_string(),
            body: RecordBody::Contact(contact),
        };
        self.add_record(actor, record)
    }

    /// The villages of the actor's catchment, by code, with their names.
    pub fn villages(&self, actor: &Actor) -> Result<Vec<(String, String)>> {
        let facility = self.facility_or_code(&actor.facility)?;
        let tx = self.read()?;
        let mut out = std::collections::BTreeMap::new();
        for row in tx.open_table(RESIDENTS)?.iter()? {
            let r: Resident = crate::apply::decode(row?.1.value())?;
            if !r.address.village.is_empty() && in_catchment(&r, &facility) {
                out.entry(r.address.village.clone())
                    .or_insert_with(|| village_name(&r.address));
            }
        }
        Ok(out.into_iter().collect())
    }

    fn facility_or_code(&self, code: &str) -> Result<Facility> {
        Ok(self
            .facility(code)?
            .unwrap_or_else(|| Facility::unknown(code)))
    }

    /// The residents of a facility's catchment that a list could hold.
    fn catchment(&self, facility: &Facility, q: &WorklistQuery) -> Result<Vec<Resident>> {
        let today = self.clock().today();
        let tx = self.read()?;
        let mut out = Vec::new();
        for row in tx.open_table(RESIDENTS)?.iter()? {
            let r: Resident = crate::apply::decode(row?.1.value())?;
            let age = r.birth_date.age_on(today);
            let plausible = match q.kind {
                WorklistKind::FollowUp => age >= 18,
                WorklistKind::Immunisation => age < 18,
                WorklistKind::Antenatal => r.sex == Sex::Female && (12..60).contains(&age),
                WorklistKind::Child => age < 7,
            };
            if plausible
                && in_catchment(&r, facility)
                && q.village.as_ref().is_none_or(|v| &r.address.village == v)
            {
                out.push(r);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::test_entry as entry;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    const TODAY: &str = "2026-11-27";

    fn follow_up(control: ControlStatus, next: &str) -> RecordBody {
        RecordBody::ChronicFollowUp(ChronicFollowUp {
            condition: ChronicCondition::Hypertension,
            method: FollowUpMethod::Clinic,
            systolic: Some(150),
            diastolic: Some(92),
            fasting_glucose_x10: None,
            hba1c_x10: None,
            weight_x10: None,
            adherence: Adherence::Regular,
            control,
            medications: vec![],
            next_visit: Some(d(next)),
            notes: String::new(),
        })
    }

    fn diagnosis(code: &str) -> RecordBody {
        crate::records::test_encounter(code, None)
    }

    fn list(kind: WorklistKind, history: &[HistoryEntry], birth: &str, sex: Sex) -> Vec<DueItem> {
        due(kind, history, d(birth), sex, d(TODAY), DEFAULT_WITHIN_DAYS)
    }

    fn dues(items: &[DueItem]) -> Vec<(String, bool)> {
        items
            .iter()
            .map(|i| (i.due.to_string(), i.overdue))
            .collect()
    }

    #[test]
    fn a_controlled_patient_is_due_three_months_after_the_last_follow_up() {
        let h = [entry(
            1,
            "2026-07-01",
            "A",
            follow_up(ControlStatus::Satisfactory, "2026-10-01"),
        )];
        let items = list(WorklistKind::FollowUp, &h, "1960-01-01", Sex::Male);
        assert_eq!(dues(&items), [("2026-10-01".to_string(), true)]);
        assert_eq!(items[0].what_zh, "高血压随访");
        // Seen today and controlled: next due 2027-02-27, beyond the month ahead.
        let h = [entry(
            1,
            TODAY,
            "A",
            follow_up(ControlStatus::Satisfactory, "2027-02-27"),
        )];
        assert!(list(WorklistKind::FollowUp, &h, "1960-01-01", Sex::Male).is_empty());
    }

    #[test]
    fn an_uncontrolled_visit_is_rechecked_in_two_weeks_whatever_the_date_written() {
        // DOMAIN §2a: "2周内随访" after a visit classified 控制不满意; the form said 3 months.
        let h = [entry(
            1,
            "2026-11-10",
            "A",
            follow_up(ControlStatus::Unsatisfactory, "2027-02-10"),
        )];
        let items = list(WorklistKind::FollowUp, &h, "1960-01-01", Sex::Male);
        assert_eq!(dues(&items), [("2026-11-24".to_string(), true)]);
        assert!(items[0].what_zh.contains("2周复查"));
    }

    #[test]
    fn a_new_diagnosis_needs_its_first_follow_up() {
        let h = [entry(1, "2026-11-20", "A", diagnosis("E11.9"))];
        let items = list(WorklistKind::FollowUp, &h, "1960-01-01", Sex::Female);
        assert_eq!(dues(&items), [("2026-12-04".to_string(), false)]);
        assert_eq!(items[0].what_zh, "糖尿病随访（首次）");
        // An acute illness is no chronic disease.
        let h = [entry(1, "2026-11-20", "A", diagnosis("J06.9"))];
        assert!(list(WorklistKind::FollowUp, &h, "1960-01-01", Sex::Female).is_empty());
    }

    fn antenatal(visit: u8, weeks: u8) -> RecordBody {
        RecordBody::MaternalChild(MaternalChild::Antenatal(AntenatalCheck {
            visit_number: visit,
            gestational_weeks: weeks,
            weight_x10: None,
            systolic: None,
            diastolic: None,
            fundal_height_cm: None,
            fetal_heart_rate: None,
            notes: String::new(),
        }))
    }

    #[test]
    fn antenatal_visits_follow_the_weeks_of_pregnancy() {
        // First visit at 11 weeks on 2026-09-01: conception 2026-06-16; visit 2 is due at 16
        // weeks (2026-10-06) and its window (16–20 weeks) closed on 2026-11-09.
        let h = [entry(1, "2026-09-01", "A", antenatal(1, 11))];
        let items = list(WorklistKind::Antenatal, &h, "1995-01-01", Sex::Female);
        assert_eq!(dues(&items), [("2026-10-06".to_string(), true)]);
        assert!(items[0].what_zh.starts_with("第2次产前随访"));
        // Visit 3 done at 23 weeks (2026-11-24): visit 4 at 28 weeks, 2026-12-29, beyond the month.
        let h = [
            entry(1, "2026-09-01", "A", antenatal(1, 11)),
            entry(2, "2026-11-24", "A", antenatal(3, 23)),
        ];
        assert!(list(WorklistKind::Antenatal, &h, "1995-01-01", Sex::Female).is_empty());
    }

    #[test]
    fn after_the_birth_come_the_home_visit_and_the_check_at_42_days() {
        let pp = |days| {
            RecordBody::MaternalChild(MaternalChild::Postpartum {
                days_after_birth: days,
                notes: String::new(),
            })
        };
        // Born 2026-10-20 (280 days after conception 2026-01-13), home visit on day 7.
        let h = [
            entry(1, "2026-03-31", "A", antenatal(1, 11)),
            entry(2, "2026-10-27", "A", pp(7)),
        ];
        let items = list(WorklistKind::Antenatal, &h, "1995-01-01", Sex::Female);
        assert_eq!(dues(&items), [("2026-12-01".to_string(), false)]);
        assert_eq!(items[0].what_zh, "产后42天健康检查");
        // A pregnancy past 42 weeks with no birth recorded is asked after.
        let h = [entry(1, "2026-03-10", "A", antenatal(1, 11))];
        let items = list(WorklistKind::Antenatal, &h, "1995-01-01", Sex::Female);
        assert!(items[0].overdue && items[0].what_zh.starts_with("分娩情况未登记"));
    }

    fn child(months: u16) -> RecordBody {
        RecordBody::MaternalChild(MaternalChild::Child(ChildCheck {
            age_months: months,
            weight_x10: None,
            height_x10: None,
            head_x10: None,
            development: String::new(),
            notes: String::new(),
        }))
    }

    #[test]
    fn the_child_check_due_is_the_latest_age_reached_missed_ones_are_not_made_up() {
        // Born 2026-05-20, seen at 1 and 3 months: the 6-month check fell due on 2026-11-20.
        let h = [
            entry(1, "2026-06-20", "A", child(1)),
            entry(2, "2026-08-21", "A", child(3)),
        ];
        let items = list(WorklistKind::Child, &h, "2026-05-20", Sex::Male);
        assert_eq!(dues(&items), [("2026-11-20".to_string(), false)]);
        assert_eq!(items[0].what_zh, "6月龄健康检查");
        // Never seen, 12 months old: the 12-month check, not the eight missed before it.
        let items = list(WorklistKind::Child, &[], "2025-11-01", Sex::Female);
        assert_eq!(dues(&items), [("2026-11-01".to_string(), false)]);
        // Seven and older: no longer on the list.
        assert!(list(WorklistKind::Child, &[], "2019-11-01", Sex::Female).is_empty());
    }

    #[test]
    fn doses_due_and_coming_within_the_month() {
        let hepb1 = RecordBody::Immunisation(Immunisation {
            vaccine: "HepB".into(),
            vaccine_name: "乙肝疫苗".into(),
            dose_number: 1,
            lot: String::new(),
            site: String::new(),
            route: Route::Intramuscular,
        });
        // Born 2026-11-20, HepB1 given at birth: BCG is due, HepB2 comes at one month.
        let h = [entry(1, "2026-11-20", "A", hepb1)];
        let items = list(WorklistKind::Immunisation, &h, "2026-11-20", Sex::Male);
        let en: Vec<&str> = items.iter().map(|i| i.what_en.as_str()).collect();
        assert_eq!(en, ["BCG dose 1", "HepB dose 2"], "{items:?}");
        assert_eq!(items[1].due, d("2026-12-20"));
        assert!(list(WorklistKind::Immunisation, &[], "1990-01-01", Sex::Male).is_empty());
    }

    fn contact(outcome: ContactOutcome) -> RecordBody {
        RecordBody::Contact(Contact {
            list: WorklistKind::FollowUp,
            method: FollowUpMethod::Phone,
            outcome,
            notes: String::new(),
        })
    }

    #[test]
    fn the_village_is_read_from_the_address() {
        let a = Address {
            village: "420921100201".into(),
            text: "湖北省孝感市孝昌县花园镇新河村3组".into(),
            ..Default::default()
        };
        assert_eq!(village_name(&a), "新河村");
        let a = Address {
            village: "420921100201".into(),
            text: "3组".into(),
            ..Default::default()
        };
        assert_eq!(village_name(&a), "420921100201");
    }

    #[test]
    fn contacts_shrink_the_list() {
        let due = d("2026-10-01");
        let today = d(TODAY);
        let seen = entry(
            1,
            "2026-07-01",
            "A",
            follow_up(ControlStatus::Satisfactory, "2026-10-01"),
        );
        let mut h = vec![
            seen.clone(),
            entry(2, "2026-11-02", "A", contact(ContactOutcome::NotReached)),
            entry(3, "2026-11-20", "A", contact(ContactOutcome::NotReached)),
        ];
        let Standing::Listed {
            attempts,
            last_contact,
        } = standing(WorklistKind::FollowUp, &h, due, today)
        else {
            panic!("nobody reached: still listed");
        };
        assert_eq!(attempts, 2);
        assert_eq!(
            last_contact.map(|(d, _)| d.to_string()).as_deref(),
            Some("2026-11-20")
        );
        // A call that reached them: off the list for two weeks, then back if still not seen.
        h.push(entry(
            4,
            "2026-11-25",
            "A",
            contact(ContactOutcome::Reached),
        ));
        assert_eq!(
            standing(WorklistKind::FollowUp, &h, due, today),
            Standing::Reached(d("2026-12-09"))
        );
        assert!(matches!(
            standing(WorklistKind::FollowUp, &h, due, d("2026-12-09")),
            Standing::Listed { attempts: 2, .. }
        ));
        // A call of another list does not count for this one.
        assert!(matches!(
            standing(WorklistKind::Child, &h, due, today),
            Standing::Listed { attempts: 0, .. }
        ));
        // Moved away: off every list, until a later visit brings them back.
        let mut h = vec![
            seen,
            entry(2, "2026-11-02", "A", contact(ContactOutcome::MovedAway)),
        ];
        assert_eq!(
            standing(WorklistKind::Child, &h, due, today),
            Standing::Off(ContactOutcome::MovedAway)
        );
        h.push(entry(3, "2026-11-20", "B", diagnosis("J06.9")));
        assert!(matches!(
            standing(WorklistKind::FollowUp, &h, due, today),
            Standing::Listed { .. }
        ));
    }
}

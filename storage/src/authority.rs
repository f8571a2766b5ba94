//! The hub's authority over what devices push: every change is checked against the device
//! that sent it and against the domain's invariants before it is stored (the pattern of
//! CouchDB's `validate_doc_update` in the Community Health Toolkit).
//!
//! A workstation may push only changes made at its own facility, about residents of its region
//! (the county), of the kinds a facility makes; facilities, policies, claim decisions and trust
//! lists come from hub administrators. A relay hub may forward only what its own workstations
//! could push. Clocks, dates, sizes and money must be plausible, so no reader anywhere meets an
//! absurd value from another device. The rules read the write transaction the batch is applied
//! in, so a change may rely on one earlier in the same batch (resident → encounter → claim).
//!
//! Consent needs more than a facility's word, because a consent releases records to others:
//! see [`check_consent`] and `sync/PROTOCOL.md`.

use redb::ReadableTable;

use crate::apply::{Tables, decode};
use crate::date::Date;
use crate::error::Result;
use crate::hub::Device;
use crate::ids::{Hlc, Id};
use crate::model::*;

/// How far ahead of the hub's clock a change's stamp may be. A workstation whose clock runs
/// further ahead gets "later" for its changes (they are sent again once the hub's clock has
/// caught up), so a wrong clock delays, never loses, and no stamp can win every merge forever.
pub const MAX_CLOCK_AHEAD_MS: i64 = 3_600_000;
/// Further ahead than this a stamp is no wrong clock but a forgery (or a clock so wrong that
/// every date it wrote is too): refused, not deferred.
const MAX_DEFER_MS: i64 = 7 * 86_400_000;

/// The earliest instant a pushed change or record may carry.
const EARLIEST_MS: i64 = -2_208_988_800_000; // 1900-01-01T00:00:00Z
/// A clock stamp before this is a broken clock (the program did not exist).
const EARLIEST_STAMP_MS: i64 = 946_684_800_000; // 2000-01-01T00:00:00Z

/// Money bounds, in fen: a catalogue price, a payment. Far below `i64` overflow even when
/// multiplied by the largest quantity and summed over the longest bill.
pub const MAX_PRICE_FEN: i64 = 10_000_000;
pub const MAX_QUANTITY: u32 = 10_000;
pub const MAX_BILL_LINES: usize = 200;
pub const MAX_PAYMENT_FEN: i64 = 100_000_000;

/// What the hub makes of one pushed change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Take,
    /// Not now: the change's clock is ahead of the hub's. The device keeps it and sends it
    /// again later.
    Later(String),
    /// Refused, with the reason the device is told and the hub audits.
    Refuse(String),
}

/// What became of one pushed change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// Stored with this journal sequence number.
    Stored(u64),
    /// Already held (a resend).
    Duplicate,
    /// Not yet: see [`Verdict::Later`].
    Later(String),
    /// Refused; `tampering` when it is an audit entry that extends nothing the hub holds of
    /// its device's chain.
    Rejected { reason: String, tampering: bool },
}

/// Checks a card code presented as proof that a resident was present: verifies it (against
/// the hub's trust list) as of the Unix second given, and returns the card id it proves.
pub type PresenceCheck<'a> = &'a dyn Fn(&str, u64) -> std::result::Result<CardId, String>;

/// Everything the rules need besides the transaction.
pub struct Pusher<'a> {
    pub device: &'a Device,
    pub now_ms: i64,
    pub presence: PresenceCheck<'a>,
}

macro_rules! refuse {
    ($($arg:tt)*) => { return Ok(Verdict::Refuse(format!($($arg)*))) };
}

/// Refuses text longer than `max` characters (or blank, when `required`).
fn text(what: &str, value: &str, max: usize, required: bool) -> std::result::Result<(), String> {
    if required && value.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    Ok(())
}

fn instant(what: &str, ms: i64, now_ms: i64) -> std::result::Result<(), String> {
    if ms < EARLIEST_MS || ms > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
        return Err(format!(
            "{what} ({}) is not a plausible time",
            Date::of_instant(ms)
        ));
    }
    Ok(())
}

/// A date in `lo..=hi`.
fn date_within(what: &str, d: Date, lo: Date, hi: Date) -> std::result::Result<(), String> {
    if d < lo || d > hi {
        return Err(format!("{what} {d} is outside {lo} to {hi}"));
    }
    Ok(())
}

fn range<T: PartialOrd + std::fmt::Display + Copy>(
    what: &str,
    v: Option<T>,
    lo: T,
    hi: T,
) -> std::result::Result<(), String> {
    match v {
        Some(v) if v < lo || v > hi => Err(format!("{what} {v} is outside {lo}–{hi}")),
        _ => Ok(()),
    }
}

/// Vital signs a living person can have (wider than the window's form accepts).
pub fn check_vitals(v: &Vitals) -> std::result::Result<(), String> {
    range("systolic pressure", v.systolic, 30, 350)?;
    range("diastolic pressure", v.diastolic, 10, 250)?;
    range("pulse", v.pulse, 10, 350)?;
    range("temperature ×10", v.temperature_x10, 250, 460)?;
    range("weight ×10", v.weight_x10, 2, 5_000)?;
    range("height ×10", v.height_x10, 200, 2_600)?;
    range("glucose ×10", v.glucose_x10, 5, 600)?;
    range("SpO2", v.spo2, 30, 100)
}

/// A bill's lines are inside the money bounds, so no sum or product over them can overflow.
pub fn check_bill_line(
    code: &str,
    quantity: u32,
    unit_price_fen: i64,
) -> std::result::Result<(), String> {
    if quantity == 0 || quantity > MAX_QUANTITY {
        return Err(format!(
            "item {code}: quantity {quantity} is outside 1–{MAX_QUANTITY}"
        ));
    }
    if !(0..=MAX_PRICE_FEN).contains(&unit_price_fen) {
        return Err(format!(
            "item {code}: price {unit_price_fen} fen is outside 0–{MAX_PRICE_FEN}"
        ));
    }
    Ok(())
}

/// A resident field's value is plausible: what the hub checks of every device's change, and
/// what a workstation's own forms are held to before anything is written. (The home facility
/// is checked against the hub's facilities, in [`check_resident`].)
pub fn check_field(field: &ResidentField, today: Date) -> std::result::Result<(), String> {
    match field {
        ResidentField::Name(n) => text("the name", n, 50, true),
        ResidentField::Sex(_) | ResidentField::Provisional(_) | ResidentField::HomeFacility(_) => {
            Ok(())
        }
        ResidentField::BirthDate(d) => date_within(
            "the birth date",
            *d,
            Date::new(1880, 1, 1).unwrap_or_default(),
            today.add_days(1),
        ),
        ResidentField::Phone(p) => text("the phone number", p, 20, false).and_then(|_| {
            match p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
                true => Ok(()),
                false => Err("the phone number has characters other than digits".into()),
            }
        }),
        ResidentField::Address(a) => text("the address", &a.text, 200, false)
            .and(text("the county code", &a.county, 12, false))
            .and(text("the township code", &a.township, 12, false))
            .and(text("the village code", &a.village, 12, false)),
    }
}

impl Tables<'_> {
    fn facility(&self, code: &str) -> Result<Option<Facility>> {
        self.facilities
            .get(code)?
            .map(|v| decode(v.value()))
            .transpose()
    }

    fn change(&self, id: Id) -> Result<Option<Change>> {
        crate::codec::read_change(&self.changes, id.0)
    }

    fn ticket(&self, id: Id) -> Result<Option<QueueTicket>> {
        self.tickets
            .get(id.0)?
            .map(|v| decode(v.value()))
            .transpose()
    }

    fn claim(&self, id: Id) -> Result<Option<Claim>> {
        self.claims
            .get(id.0)?
            .map(|v| decode(v.value()))
            .transpose()
    }

    fn consent(&self, resident: Id, id: Id) -> Result<Option<Consent>> {
        Ok(self
            .consents
            .get((resident.0, id.0))?
            .map(|v| decode::<(Consent, Hlc)>(v.value()))
            .transpose()?
            .map(|(c, _)| c))
    }
}

/// The region rule: a facility acts on residents whose home facility is in its county.
fn in_region(
    t: &Tables,
    resident: Id,
    acting: &Facility,
) -> Result<std::result::Result<(), String>> {
    let Some(r) = t.resident(resident)? else {
        return Ok(Err(format!("resident {resident} is unknown to the hub")));
    };
    let home = t.facility(&r.home_facility)?;
    Ok(match home {
        Some(h) if h.county == acting.county => Ok(()),
        _ => Err(format!(
            "resident {resident} is not of facility {}'s county",
            acting.code
        )),
    })
}

/// Checks one pushed change inside the transaction that will apply it.
pub(crate) fn check(t: &Tables, p: &Pusher, change: &Change) -> Result<Verdict> {
    let device = p.device;
    let origin = &change.origin;
    if !device.relay {
        if origin.device != device.id {
            refuse!(
                "device {} may not push changes made by {}",
                device.id,
                origin.device
            );
        }
        if origin.facility != device.facility {
            refuse!(
                "a change made at {} cannot come from a device of {}",
                origin.facility,
                device.facility
            );
        }
    }
    let Some(acting) = t.facility(&origin.facility)? else {
        refuse!("facility {} is unknown to the hub", origin.facility);
    };
    if device.relay {
        let own = t.facility(&device.facility)?.map(|f| f.township);
        if own.as_deref() != Some(acting.township.as_str()) || origin.device.is_empty() {
            refuse!(
                "relay {} may forward only changes of its township's facilities",
                device.id
            );
        }
    }
    if let Err(e) = text("the staff name", &origin.staff, 64, true) {
        refuse!("{e}");
    }
    if origin.staff == "settlement" {
        refuse!("the staff name “settlement” is the hub's own");
    }
    let limit = p.now_ms.saturating_add(MAX_CLOCK_AHEAD_MS);
    for (what, ms) in [
        ("clock stamp", change.hlc.unix_ms()),
        ("change id", change.id.unix_ms() as i64),
    ] {
        if ms > p.now_ms.saturating_add(MAX_DEFER_MS) {
            refuse!("its {what} is more than a week ahead of the hub's clock");
        }
        if ms > limit {
            let ahead_min = (ms - p.now_ms) / 60_000;
            return Ok(Verdict::Later(format!(
                "its {what} is {ahead_min} minutes ahead of the hub's clock: it is sent again \
                 once the hub's clock has caught up; check this PC's clock"
            )));
        }
        if ms < EARLIEST_STAMP_MS {
            refuse!("its {what} is before 2000: this PC's clock is wrong");
        }
    }
    let verdict = check_body(t, p, change, &acting)?;
    Ok(match verdict {
        Ok(()) => Verdict::Take,
        Err(reason) => Verdict::Refuse(reason),
    })
}

type Check = std::result::Result<(), String>;

fn check_body(t: &Tables, p: &Pusher, change: &Change, acting: &Facility) -> Result<Check> {
    let now = p.now_ms;
    let today = Date::of_instant(now);
    let own = |facility: &str, what: &str| -> Check {
        if facility == acting.code {
            Ok(())
        } else {
            Err(format!(
                "{what} names facility {facility}, not {} where it was made",
                acting.code
            ))
        }
    };
    Ok(match &change.body {
        Body::Facility(_) | Body::Policy(_) | Body::ClaimStatus { .. } | Body::TrustList(_) => {
            Err(format!(
                "only the hub's administrators make {} changes",
                change.body.kind()
            ))
        }
        Body::Resident(rc) => check_resident(t, rc, acting, today)?,
        Body::Record(r) => {
            let region = in_region(t, r.resident, acting)?;
            region
                .and_then(|_| own(&r.facility, "the record"))
                .and_then(|_| text("the clinician", &r.clinician, 64, false))
                .and_then(|_| instant("the record's time", r.at, now))
                .and(check_record(t, r, acting)?)
        }
        Body::Household(link) => {
            in_region(t, link.from, acting)?.and(in_region(t, link.to, acting)?)
        }
        Body::Consent(c) => {
            in_region(t, c.resident, acting)?.and(check_consent(t, p, change, c, acting)?)
        }
        Body::ConsentProof(proof) => in_region(t, proof.resident, acting)?
            .and_then(|_| text("the card code", &proof.code, 4_000, true)),
        Body::CheckIn(ticket) => {
            let fresh = match t.ticket(ticket.id)? {
                Some(_) => Err(format!("ticket {} exists already", ticket.id)),
                None => Ok(()),
            };
            let guardian = match ticket.guardian {
                Some(g) => in_region(t, g, acting)?,
                None => Ok(()),
            };
            let stamped = Date::of_instant(change.hlc.unix_ms());
            fresh
                .and(own(&ticket.facility, "the check-in"))
                .and(in_region(t, ticket.resident, acting)?)
                .and(guardian)
                .and(date_within(
                    "the queue day",
                    ticket.day,
                    stamped.add_days(-1),
                    stamped.add_days(1),
                ))
                .and(instant("the check-in time", ticket.checked_in_at, now))
                .and(text("the room", &ticket.room, 32, false))
        }
        Body::QueueStatus { ticket, room, .. } => match t.ticket(*ticket)? {
            None => Err(format!("queue ticket {ticket} is unknown to the hub")),
            Some(held) => own(&held.facility, "the ticket").and(text("the room", room, 32, false)),
        },
        Body::Claim(claim) => check_claim(t, claim, acting, now)?,
        Body::Payment(pay) => {
            let claim = match pay.claim {
                None if pay.amount_fen < 0 => Err("a refund must name its claim".to_string()),
                None => Ok(()),
                Some(id) => match t.claim(id)? {
                    Some(c) if c.resident == pay.resident => Ok(()),
                    Some(_) => Err(format!("claim {id} is another resident's")),
                    None => Err(format!("claim {id} is unknown to the hub")),
                },
            };
            let amount = if pay.amount_fen.unsigned_abs() > MAX_PAYMENT_FEN as u64
                || pay.amount_fen == 0 && pay.claim.is_none()
            {
                Err(format!(
                    "a payment of {} fen is not plausible",
                    pay.amount_fen
                ))
            } else {
                Ok(())
            };
            let reference = match &pay.method {
                PaymentMethod::Cash => Ok(()),
                PaymentMethod::Mobile { reference } => text("the reference", reference, 64, true),
            };
            in_region(t, pay.resident, acting)?
                .and(own(&pay.facility, "the payment"))
                .and(claim)
                .and(amount)
                .and(reference)
                .and(instant("the payment time", pay.at, now))
        }
        Body::Audit(entry) => text("the audit reason", &entry.reason, 1_000, false),
        Body::CardUse(u) => in_region(t, u.resident, acting)?
            .and(text("the card", &u.card, 64, false))
            .and(text("the reader", &u.reader, 16, false)),
    })
}

fn check_resident(
    t: &Tables,
    rc: &ResidentChange,
    acting: &Facility,
    today: Date,
) -> Result<Check> {
    let existing = t.resident(rc.resident)?;
    if existing.is_some() {
        if let Err(e) = in_region(t, rc.resident, acting)? {
            return Ok(Err(e));
        }
    }
    let mut home = None;
    for field in &rc.fields {
        let ok = match field {
            ResidentField::HomeFacility(f) => {
                home = Some(f.clone());
                match t.facility(f)? {
                    Some(h) if h.county == acting.county => Ok(()),
                    _ => Err(format!(
                        "home facility {f} is not a facility of {}'s county",
                        acting.code
                    )),
                }
            }
            field => check_field(field, today),
        };
        if ok.is_err() {
            return Ok(ok);
        }
    }
    if existing.is_none() {
        // A new resident is registered where they live: their home is in this township.
        let home = match &home {
            Some(code) => t.facility(code)?,
            None => None,
        };
        if home.is_none_or(|h| h.township != acting.township) {
            return Ok(Err(format!(
                "a new resident's home facility must be in {}'s township",
                acting.code
            )));
        }
    }
    for ident in rc.add_identifiers.iter().chain(&rc.remove_identifiers) {
        let ok = match ident {
            Identifier::Card(_) => Ok(()),
            Identifier::IdNumber(n) => match crate::IdNumber::parse(n.as_str()) {
                Ok(valid) if valid == *n => Ok(()),
                _ => Err("an ID number that is not valid".to_string()),
            },
            Identifier::Insurance { scheme, number } => text(
                "the insurance scheme",
                scheme,
                10,
                false,
            )
            .and(text("the insurance number", number, 32, true)),
            Identifier::HospitalCard { facility, number } => text(
                "the hospital card's facility",
                facility,
                20,
                true,
            )
            .and(text("the hospital card number", number, 32, true)),
        };
        if ok.is_err() {
            return Ok(ok);
        }
    }
    Ok(Ok(()))
}

fn check_record(t: &Tables, r: &ClinicalRecord, acting: &Facility) -> Result<Check> {
    let day = Date::of_instant(r.at);
    let after = |what: &str, d: Date, years: i32| {
        date_within(what, d, day.add_days(-1), day.add_months(12 * years))
    };
    let body = match &r.body {
        RecordBody::Amendment(a) => {
            if matches!(*a.replacement, RecordBody::Amendment(_)) {
                return Ok(Err("an amendment may not replace with an amendment".into()));
            }
            let target = match t.change(a.target)? {
                Some(Change {
                    body: Body::Record(target),
                    ..
                }) => target,
                _ => return Ok(Err(format!("record {} to amend is unknown", a.target))),
            };
            if target.facility != acting.code {
                return Ok(Err(format!(
                    "only {}, which made it, may correct record {}",
                    target.facility, a.target
                )));
            }
            if let Err(e) = text("the correction's reason", &a.reason, 500, true) {
                return Ok(Err(e));
            }
            &*a.replacement
        }
        body => body,
    };
    Ok(match body {
        RecordBody::Encounter(e) => text("the complaint", &e.chief_complaint, 2_000, false)
            .and(text("the notes", &e.notes, 10_000, false))
            .and(check_vitals(&e.vitals))
            .and(match e.diagnoses.len() {
                0..=20 => e.diagnoses.iter().try_for_each(|d| {
                    text("a diagnosis code", &d.code, 16, true).and(text(
                        "a diagnosis name",
                        &d.name,
                        100,
                        false,
                    ))
                }),
                n => Err(format!("{n} diagnoses in one encounter")),
            })
            .and(e.follow_up.map_or(Ok(()), |d| after("the follow-up", d, 5)))
            .and(
                e.discharged
                    .map_or(Ok(()), |d| after("the discharge", d, 2)),
            ),
        RecordBody::Prescription(rx) => {
            let encounter = match rx.encounter {
                None => Ok(()),
                Some(id) => match t.change(id)? {
                    Some(Change {
                        body: Body::Record(enc),
                        ..
                    }) if enc.resident == r.resident => Ok(()),
                    _ => Err(format!("encounter {id} of this resident is unknown")),
                },
            };
            let lines = match rx.lines.len() {
                1..=50 => rx.lines.iter().try_for_each(|l| {
                    check_bill_line(&l.drug_code, l.quantity, l.unit_price_fen)
                        .and(text("a drug code", &l.drug_code, 32, true))
                        .and(text("a drug name", &l.drug_name, 100, true))
                        .and(text("a specification", &l.spec, 64, false))
                        .and(text("a dose", &l.dose, 32, false))
                        .and(text("a unit", &l.unit, 16, false))
                        .and(range("days", Some(l.days), 0, 366))
                }),
                n => Err(format!("a prescription of {n} lines")),
            };
            encounter.and(lines)
        }
        RecordBody::Immunisation(i) => check_dose(i),
        RecordBody::PastDose(p) => check_dose(&p.dose)
            .and(date_within(
                "the day the dose was given",
                p.given_on,
                Date::new(1900, 1, 1).unwrap_or_default(),
                Date::of_instant(r.at).add_days(1),
            ))
            .and(text("where it was given", &p.given_at, 100, false))
            .and(text("the source", &p.source, 64, false)),
        RecordBody::MaternalChild(m) => match m {
            MaternalChild::Antenatal(a) => range("the visit number", Some(a.visit_number), 1, 20)
                .and(range("gestational weeks", Some(a.gestational_weeks), 0, 45))
                .and(range("systolic pressure", a.systolic, 30, 350))
                .and(range("diastolic pressure", a.diastolic, 10, 250))
                .and(range("weight ×10", a.weight_x10, 2, 5_000))
                .and(range("fundal height", a.fundal_height_cm, 0, 60))
                .and(range("fetal heart rate", a.fetal_heart_rate, 50, 250))
                .and(text("the notes", &a.notes, 4_000, false)),
            MaternalChild::Postpartum {
                days_after_birth,
                notes,
            } => range("days after the birth", Some(*days_after_birth), 0, 400).and(text(
                "the notes",
                notes,
                4_000,
                false,
            )),
            MaternalChild::Child(c) => range("age in months", Some(c.age_months), 0, 240)
                .and(range("weight ×10", c.weight_x10, 2, 5_000))
                .and(range("height ×10", c.height_x10, 200, 2_600))
                .and(range("head ×10", c.head_x10, 200, 800))
                .and(text("the development", &c.development, 200, false))
                .and(text("the notes", &c.notes, 4_000, false)),
        },
        RecordBody::ChronicFollowUp(f) => range("systolic pressure", f.systolic, 30, 350)
            .and(range("diastolic pressure", f.diastolic, 10, 250))
            .and(range("glucose ×10", f.fasting_glucose_x10, 5, 600))
            .and(range("HbA1c ×10", f.hba1c_x10, 20, 250))
            .and(range("weight ×10", f.weight_x10, 2, 5_000))
            .and(match f.medications.len() {
                0..=20 => f
                    .medications
                    .iter()
                    .try_for_each(|m| text("a medication", m, 100, true)),
                n => Err(format!("{n} medications in one follow-up")),
            })
            .and(
                f.next_visit
                    .map_or(Ok(()), |d| after("the next visit", d, 2)),
            )
            .and(text("the notes", &f.notes, 4_000, false)),
        RecordBody::Observation(o) => range("the value", Some(o.value), -100_000, 100_000)
            .and(range("the second value", o.second, -100_000, 100_000))
            .and(text("the device", &o.device, 64, false)),
        RecordBody::Allergy(a) => text("the substance", &a.substance, 64, true).and(text(
            "the reaction",
            &a.reaction,
            200,
            false,
        )),
        RecordBody::Contact(c) => text("the notes", &c.notes, 1_000, false),
        RecordBody::Amendment(_) => Err("an amendment may not replace with an amendment".into()),
    })
}

fn check_dose(i: &Immunisation) -> std::result::Result<(), String> {
    text("the vaccine", &i.vaccine, 16, true)
        .and(text("the vaccine name", &i.vaccine_name, 64, false))
        .and(text("the lot", &i.lot, 64, false))
        .and(text("the site", &i.site, 64, false))
        .and(range("the dose number", Some(i.dose_number), 1, 10))
}

/// A claim is the facility's own, for a resident of its region, just computed (queued, with
/// no decision of its own), for a visit of that resident, with its arithmetic inside the money
/// bounds and adding up. The hub's settlement service then prices it from the hub's own
/// catalogue and policy ([`crate::settlement::adjudicate`]).
fn check_claim(t: &Tables, c: &Claim, acting: &Facility, now: i64) -> Result<Check> {
    if let Err(e) = in_region(t, c.resident, acting)? {
        return Ok(Err(e));
    }
    if c.facility != acting.code {
        return Ok(Err(format!(
            "the claim names facility {}, not {} where it was made",
            c.facility, acting.code
        )));
    }
    if t.claim(c.id)?.is_some() {
        return Ok(Err(format!("claim {} exists already", c.id)));
    }
    let fresh = matches!(c.history.as_slice(), [h] if h.status == ClaimStatus::Queued
        && h.reasons.is_empty() && h.lines.is_empty());
    if !fresh {
        return Ok(Err(
            "a workstation's claim is queued, with no decision: the hub decides".into(),
        ));
    }
    if let Err(e) =
        instant("the claim's time", c.opened_at(), now).and(text("the scheme", &c.scheme, 10, true))
    {
        return Ok(Err(e));
    }
    if c.lines.is_empty() || c.lines.len() > MAX_BILL_LINES {
        return Ok(Err(format!("a claim of {} lines", c.lines.len())));
    }
    let (mut total, mut insurance) = (0i64, 0i64);
    for l in &c.lines {
        if let Err(e) = check_bill_line(&l.item_code, l.quantity, l.unit_price_fen)
            .and(text("an item code", &l.item_code, 32, true))
            .and(text("an item name", &l.name, 100, false))
        {
            return Ok(Err(e));
        }
        let amount = l.unit_price_fen * l.quantity as i64;
        if l.amount_fen != amount || !(0..=amount).contains(&l.insurance_fen) {
            return Ok(Err(format!(
                "item {}: the amounts do not add up",
                l.item_code
            )));
        }
        total += amount;
        insurance += l.insurance_fen;
    }
    let last = &c.history[0];
    if c.total_fen != total
        || c.insurance_fen != insurance
        || c.patient_fen != total - insurance
        || last.insurance_fen != c.insurance_fen
        || last.patient_fen != c.patient_fen
    {
        return Ok(Err("the claim's totals do not add up".into()));
    }
    if let Some(enc) = c.encounter {
        let visit = match t.change(enc)? {
            Some(Change {
                body: Body::Record(r),
                ..
            }) if r.resident == c.resident => r,
            _ => return Ok(Err(format!("the claim's visit {enc} is unknown"))),
        };
        // Billed on the visit's day, or within the week after it (a till closed early).
        let (visit_day, claim_day) = (Date::of_instant(visit.at), Date::of_instant(c.opened_at()));
        if let Err(e) = date_within(
            "the claim's day",
            claim_day,
            visit_day.add_days(-1),
            visit_day.add_days(7),
        ) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}

/// The consent rule. Withdrawing a consent is always allowed. Granting (or changing) one
/// releases records to other facilities, so it must come from the resident's home facility,
/// or with proof that the resident was there: a [`ConsentProof`] for this consent, pushed
/// before it, holding a card code (`EHC1:` card or `EHP1:` live code) that verifies against
/// the hub's trust list at the consent's time, for a card of the resident or of a parent or
/// guardian linked to them.
fn check_consent(
    t: &Tables,
    p: &Pusher,
    change: &Change,
    c: &Consent,
    acting: &Facility,
) -> Result<Check> {
    if let Err(e) = text("recorded by", &c.recorded_by, 64, true) {
        return Ok(Err(e));
    }
    if c.categories.is_empty() || c.categories.len() > RecordCategory::ALL.len() {
        return Ok(Err("a consent names 1 to 7 categories".into()));
    }
    let held = t.consent(c.resident, c.id)?;
    let withdrawal = c.withdrawn
        && held
            .as_ref()
            .is_none_or(|h| h.grantee == c.grantee && h.categories == c.categories);
    if withdrawal {
        return Ok(Ok(()));
    }
    let home = t.resident(c.resident)?.map(|r| r.home_facility);
    if home.as_deref() == Some(acting.code.as_str()) {
        return Ok(Ok(()));
    }
    let proofs = proofs_for(t, c.resident, c.id)?;
    if proofs.is_empty() {
        return Ok(Err(format!(
            "a consent recorded away from the resident's home facility ({}) needs the card \
             scanned at that visit",
            home.unwrap_or_default()
        )));
    }
    let at_s = (change.hlc.unix_ms() / 1000).max(0) as u64;
    let mut last = String::new();
    for proof in proofs {
        match (p.presence)(&proof.code, at_s) {
            Ok(card) => {
                let holder = t
                    .identifiers
                    .get(Identifier::Card(card).index_key().as_str())?
                    .map(|v| Id(v.value()));
                match holder {
                    Some(h) if h == c.resident || acts_for(t, h, c.resident)? => {
                        return Ok(Ok(()));
                    }
                    _ => last = "the card shown is not the resident's nor a guardian's".into(),
                }
            }
            Err(e) => last = format!("the card shown does not prove presence: {e}"),
        }
    }
    Ok(Err(last))
}

/// The proofs pushed for consent `consent` of `resident`.
fn proofs_for(t: &Tables, resident: Id, consent: Id) -> Result<Vec<ConsentProof>> {
    let mut out = Vec::new();
    for row in t
        .by_resident
        .range((resident.0, 0u128)..=(resident.0, u128::MAX))?
    {
        let id = Id(row?.0.value().1);
        if let Some(Change {
            body: Body::ConsentProof(proof),
            ..
        }) = t.change(id)?
        {
            if proof.consent == consent {
                out.push(proof);
            }
        }
    }
    Ok(out)
}

/// Is `adult` a linked parent or guardian of `child`?
fn acts_for(t: &Tables, adult: Id, child: Id) -> Result<bool> {
    Ok(match t.household.get((adult.0, child.0))? {
        Some(v) => {
            let (link, _): (HouseholdLink, Hlc) = decode(v.value())?;
            link.active && link.relation.may_act_for()
        }
        None => false,
    })
}

//! Applying a change to the store: the one place where views are maintained.
//!
//! Local commits and remote changes go through the same [`apply`], so a workstation and a hub
//! that hold the same changes hold the same views. Every check happens before the first
//! mutation, so a refused change leaves the transaction as it was.

use redb::{ReadableTable, Table, WriteTransaction};

use crate::error::{Error, Result};
use crate::ids::{Hlc, Id};
use crate::model::*;
use crate::names::search_keys;
use crate::tables::*;

/// Meta keys of the newest trust list release held.
pub(crate) const TRUST_LIST_VERSION: &str = "trust_list_version";
pub(crate) const TRUST_LIST: &str = "trust_list";

/// What applying a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Stored with this journal sequence number.
    New(u64),
    /// Already held: nothing changed.
    Duplicate,
}

/// All tables of a write transaction, opened once.
pub(crate) struct Tables<'t> {
    pub(crate) meta: Table<'t, &'static str, &'static [u8]>,
    pub(crate) changes: Table<'t, u128, &'static [u8]>,
    pub(crate) journal: Table<'t, u64, u128>,
    pub(crate) outbox: Table<'t, u64, (u128, u32)>,
    pub(crate) outbox_by_change: Table<'t, u128, u64>,
    pub(crate) residents: Table<'t, u128, &'static [u8]>,
    pub(crate) identifiers: Table<'t, &'static str, u128>,
    pub(crate) names: Table<'t, (&'static str, u16, u128), ()>,
    pub(crate) history: Table<'t, (u128, i64, u128), u8>,
    pub(crate) household: Table<'t, (u128, u128), &'static [u8]>,
    pub(crate) consents: Table<'t, (u128, u128), &'static [u8]>,
    pub(crate) facilities: Table<'t, &'static str, &'static [u8]>,
    pub(crate) tickets: Table<'t, u128, &'static [u8]>,
    pub(crate) queue: Table<'t, (&'static str, u32, u128), ()>,
    pub(crate) claims: Table<'t, u128, &'static [u8]>,
    pub(crate) claims_by_status: Table<'t, (u8, u128), ()>,
    pub(crate) claims_by_resident: Table<'t, (u128, u128), ()>,
    pub(crate) claims_by_day: Table<'t, (&'static str, u32, u128), ()>,
    pub(crate) policies: Table<'t, (&'static str, u32), &'static [u8]>,
    pub(crate) payments: Table<'t, (u128, i64, u128), i64>,
    pub(crate) payments_by_claim: Table<'t, (u128, u128), i64>,
    pub(crate) payments_by_day: Table<'t, (&'static str, u32, u128), &'static [u8]>,
    pub(crate) by_resident: Table<'t, (u128, u128), ()>,
    pub(crate) audit_by_resident: Table<'t, (u128, i64, u128), ()>,
    pub(crate) audit_chain: Table<'t, (&'static str, u64), ([u8; 32], u128)>,
    pub(crate) audit_by_time: Table<'t, (i64, u128), ()>,
}

impl<'t> Tables<'t> {
    pub fn open(tx: &'t WriteTransaction) -> Result<Tables<'t>> {
        Ok(Tables {
            meta: tx.open_table(META)?,
            changes: tx.open_table(CHANGES)?,
            journal: tx.open_table(JOURNAL)?,
            outbox: tx.open_table(OUTBOX)?,
            outbox_by_change: tx.open_table(OUTBOX_BY_CHANGE)?,
            residents: tx.open_table(RESIDENTS)?,
            identifiers: tx.open_table(IDENTIFIERS)?,
            names: tx.open_table(NAMES)?,
            history: tx.open_table(HISTORY)?,
            household: tx.open_table(HOUSEHOLD)?,
            consents: tx.open_table(CONSENTS)?,
            facilities: tx.open_table(FACILITIES)?,
            tickets: tx.open_table(TICKETS)?,
            queue: tx.open_table(QUEUE)?,
            claims: tx.open_table(CLAIMS)?,
            claims_by_status: tx.open_table(CLAIMS_BY_STATUS)?,
            claims_by_resident: tx.open_table(CLAIMS_BY_RESIDENT)?,
            claims_by_day: tx.open_table(CLAIMS_BY_DAY)?,
            policies: tx.open_table(POLICIES)?,
            payments: tx.open_table(PAYMENTS)?,
            payments_by_claim: tx.open_table(PAYMENTS_BY_CLAIM)?,
            payments_by_day: tx.open_table(PAYMENTS_BY_DAY)?,
            by_resident: tx.open_table(BY_RESIDENT)?,
            audit_by_resident: tx.open_table(AUDIT_BY_RESIDENT)?,
            audit_chain: tx.open_table(AUDIT_CHAIN)?,
            audit_by_time: tx.open_table(AUDIT_BY_TIME)?,
        })
    }

    pub(crate) fn resident(&self, id: Id) -> Result<Option<Resident>> {
        self.residents
            .get(id.0)?
            .map(|v| decode(v.value()))
            .transpose()
    }

    fn require_resident(&self, id: Id) -> Result<()> {
        match self.residents.get(id.0)? {
            Some(_) => Ok(()),
            None => Err(Error::NotFound(format!("resident {id}"))),
        }
    }
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    Ok(postcard::from_bytes(bytes)?)
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    Ok(postcard::to_stdvec(value)?)
}

/// Applies one change: stores it, journals it, and updates the views.
pub(crate) fn apply(t: &mut Tables, change: &Change) -> Result<Applied> {
    if t.changes.get(change.id.0)?.is_some() {
        return Ok(Applied::Duplicate);
    }
    let effect = plan(t, change)?;
    t.changes
        .insert(change.id.0, crate::codec::pack_change(change)?.as_slice())?;
    let seq = t.journal.last()?.map_or(0, |(k, _)| k.value()) + 1;
    t.journal.insert(seq, change.id.0)?;
    if let Some(r) = change.body.resident() {
        if !matches!(change.body, Body::Record(_) | Body::Audit(_)) {
            t.by_resident.insert((r.0, change.id.0), ())?;
        }
    }
    effect(t)?;
    if let Body::Audit(entry) = &change.body {
        crate::audit::link(t, change, &change.encode()?, entry)?;
    }
    Ok(Applied::New(seq))
}

type Effect<'a> = Box<dyn FnOnce(&mut Tables) -> Result<()> + 'a>;

/// Checks a change against the store and returns the writes it makes, without writing.
fn plan<'a>(t: &Tables, change: &'a Change) -> Result<Effect<'a>> {
    let (id, hlc) = (change.id, change.hlc);
    Ok(match &change.body {
        Body::Resident(rc) => plan_resident(t, rc, hlc)?,
        Body::Record(r) => {
            t.require_resident(r.resident)?;
            if let RecordBody::Amendment(a) = &r.body {
                check_amendment_target(t, r.resident, a.target)?;
            }
            let category = r.body.category().code();
            Box::new(move |t| {
                t.history.insert((r.resident.0, r.at, id.0), category)?;
                Ok(())
            })
        }
        Body::Household(link) => {
            if link.from == link.to {
                return Err(Error::Invalid(
                    "a resident cannot be linked to themselves".into(),
                ));
            }
            t.require_resident(link.from)?;
            t.require_resident(link.to)?;
            Box::new(move |t| {
                let forward = (link.clone(), hlc);
                let backward = (reversed(link), hlc);
                // On an HLC tie between two devices the larger link wins, compared as seen
                // from the same side, so both rows and every replica keep the same one.
                let rank = encode(&canonical(link))?;
                for (key, value) in [
                    ((link.from.0, link.to.0), forward),
                    ((link.to.0, link.from.0), backward),
                ] {
                    let newer = match t.household.get(key)? {
                        Some(old) => {
                            let (held, at) = decode::<(HouseholdLink, Hlc)>(old.value())?;
                            at < hlc || at == hlc && rank > encode(&canonical(&held))?
                        }
                        None => true,
                    };
                    if newer {
                        t.household.insert(key, encode(&value)?.as_slice())?;
                    }
                }
                Ok(())
            })
        }
        Body::Consent(c) => {
            t.require_resident(c.resident)?;
            Box::new(move |t| {
                let key = (c.resident.0, c.id.0);
                // On an HLC tie between two devices the larger consent (by its encoding)
                // wins, so every replica keeps the same one.
                let newer = match t.consents.get(key)? {
                    Some(old) => {
                        let (held, at) = decode::<(Consent, Hlc)>(old.value())?;
                        at < hlc || at == hlc && encode(c)? > encode(&held)?
                    }
                    None => true,
                };
                if newer {
                    t.consents
                        .insert(key, encode(&(c.clone(), hlc))?.as_slice())?;
                }
                Ok(())
            })
        }
        Body::Facility(f) => Box::new(move |t| {
            t.facilities
                .insert(f.code.as_str(), encode(f)?.as_slice())?;
            Ok(())
        }),
        Body::CheckIn(ticket) => {
            t.require_resident(ticket.resident)?;
            Box::new(move |t| {
                let mut ticket = ticket.clone();
                ticket.status_clock = hlc;
                t.tickets.insert(ticket.id.0, encode(&ticket)?.as_slice())?;
                t.queue.insert(
                    (
                        ticket.facility.as_str(),
                        ticket.day.ymd_number(),
                        ticket.id.0,
                    ),
                    (),
                )?;
                Ok(())
            })
        }
        Body::QueueStatus {
            ticket,
            status,
            room,
        } => {
            let mut current: QueueTicket = match t.tickets.get(ticket.0)? {
                Some(v) => decode(v.value())?,
                None => return Err(Error::NotFound(format!("queue ticket {ticket}"))),
            };
            Box::new(move |t| {
                // On an HLC tie between two devices, the later status in the flow wins,
                // so every replica agrees.
                let newer = hlc > current.status_clock
                    || hlc == current.status_clock
                        && (*status as u8, room) > (current.status as u8, &current.room);
                if newer {
                    current.status = *status;
                    current.room = room.clone();
                    current.status_clock = hlc;
                    t.tickets
                        .insert(current.id.0, encode(&current)?.as_slice())?;
                }
                Ok(())
            })
        }
        Body::Claim(claim) => {
            t.require_resident(claim.resident)?;
            Box::new(move |t| {
                t.claims.insert(claim.id.0, encode(claim)?.as_slice())?;
                t.claims_by_status
                    .insert((claim.status().code(), claim.id.0), ())?;
                t.claims_by_resident
                    .insert((claim.resident.0, claim.id.0), ())?;
                let day = crate::date::Date::of_instant(claim.opened_at()).ymd_number();
                t.claims_by_day
                    .insert((claim.facility.as_str(), day, claim.id.0), ())?;
                Ok(())
            })
        }
        Body::ClaimStatus {
            claim,
            change: status,
        } => {
            let mut current: Claim = match t.claims.get(claim.0)? {
                Some(v) => decode(v.value())?,
                None => return Err(Error::NotFound(format!("claim {claim}"))),
            };
            Box::new(move |t| {
                t.claims_by_status
                    .remove((current.status().code(), current.id.0))?;
                let at = current.history.partition_point(|h| h.at <= status.at);
                current.history.insert(at, status.clone());
                if let Some(last) = current.history.last() {
                    current.insurance_fen = last.insurance_fen;
                    current.patient_fen = last.patient_fen;
                }
                t.claims
                    .insert(current.id.0, encode(&current)?.as_slice())?;
                t.claims_by_status
                    .insert((current.status().code(), current.id.0), ())?;
                Ok(())
            })
        }
        Body::Payment(p) => {
            t.require_resident(p.resident)?;
            Box::new(move |t| {
                t.payments
                    .insert((p.resident.0, p.at, id.0), p.amount_fen)?;
                if let Some(claim) = p.claim {
                    t.payments_by_claim.insert((claim.0, id.0), p.amount_fen)?;
                }
                let day = crate::date::Date::of_instant(p.at).ymd_number();
                t.payments_by_day
                    .insert((p.facility.as_str(), day, id.0), encode(p)?.as_slice())?;
                Ok(())
            })
        }
        Body::Policy(p) => Box::new(move |t| {
            t.policies
                .insert((p.scheme.as_str(), p.version), encode(p)?.as_slice())?;
            Ok(())
        }),
        Body::Audit(a) => Box::new(move |t| {
            if let Some(r) = a.resident {
                t.audit_by_resident.insert((r.0, hlc.unix_ms(), id.0), ())?;
            }
            t.audit_by_time.insert((hlc.unix_ms(), id.0), ())?;
            Ok(())
        }),
        // Kept in the change log and the resident's index (done for every change above); the
        // reports are read back by time from the change log, whose ids are time-ordered.
        Body::CardUse(u) => {
            t.require_resident(u.resident)?;
            Box::new(|_| Ok(()))
        }
        Body::ConsentProof(p) => {
            t.require_resident(p.resident)?;
            Box::new(|_| Ok(()))
        }
        // The newest list wins whatever order releases arrive in.
        Body::TrustList(list) => Box::new(move |t| {
            let held = crate::store::meta_u64(&t.meta, TRUST_LIST_VERSION)?.unwrap_or(0);
            if list.version > held {
                t.meta
                    .insert(TRUST_LIST_VERSION, list.version.to_le_bytes().as_slice())?;
                t.meta.insert(TRUST_LIST, list.bytes.as_slice())?;
            }
            Ok(())
        }),
    })
}

/// The same link seen from the other resident.
fn reversed(link: &HouseholdLink) -> HouseholdLink {
    HouseholdLink {
        from: link.to,
        to: link.from,
        relation: link.relation.reverse(),
        active: link.active,
    }
}

/// A link as seen from the resident with the smaller id: the same for both rows it writes.
fn canonical(link: &HouseholdLink) -> HouseholdLink {
    if link.from < link.to {
        link.clone()
    } else {
        reversed(link)
    }
}

fn check_amendment_target(t: &Tables, resident: Id, target: Id) -> Result<()> {
    let target = crate::codec::read_change(&t.changes, target.0)?
        .ok_or_else(|| Error::NotFound(format!("record {target} to amend")))?;
    match target.body {
        Body::Record(r) if r.resident == resident => Ok(()),
        _ => Err(Error::Invalid(
            "an amendment must correct a record of the same resident".into(),
        )),
    }
}

fn plan_resident<'a>(t: &Tables, rc: &'a ResidentChange, hlc: Hlc) -> Result<Effect<'a>> {
    let existing = t.resident(rc.resident)?;
    for ident in &rc.add_identifiers {
        let key = ident.index_key();
        if let Some(owner) = t.identifiers.get(key.as_str())? {
            if owner.value() != rc.resident.0 {
                return Err(Error::IdentifierTaken {
                    kind: ident.kind(),
                    resident: Id(owner.value()),
                });
            }
        }
    }
    if existing.is_none()
        && !rc
            .fields
            .iter()
            .any(|f| matches!(f, ResidentField::Name(_)))
    {
        return Err(Error::Invalid("a new resident needs a name".into()));
    }
    let mut resident = existing
        .clone()
        .unwrap_or_else(|| Resident::new(rc.resident));
    Ok(Box::new(move |t| {
        for field in &rc.fields {
            resident.merge(field, hlc);
        }
        for ident in &rc.remove_identifiers {
            let key = ident.index_key();
            let owned = t.identifiers.get(key.as_str())?.map(|v| v.value()) == Some(rc.resident.0);
            if owned {
                t.identifiers.remove(key.as_str())?;
            }
            resident.identifiers.retain(|i| i.index_key() != key);
        }
        for ident in &rc.add_identifiers {
            t.identifiers
                .insert(ident.index_key().as_str(), rc.resident.0)?;
            if !resident
                .identifiers
                .iter()
                .any(|i| i.index_key() == ident.index_key())
            {
                resident.identifiers.push(ident.clone());
            }
        }
        // One order on every replica, whatever order the additions arrived in.
        resident.identifiers.sort_by_key(|i| i.index_key());
        let old_keys = existing.as_ref().map(name_rows).unwrap_or_default();
        let new_keys = name_rows(&resident);
        if old_keys != new_keys {
            for (key, year) in &old_keys {
                t.names.remove((key.as_str(), *year, rc.resident.0))?;
            }
            for (key, year) in &new_keys {
                t.names.insert((key.as_str(), *year, rc.resident.0), ())?;
            }
        }
        t.residents
            .insert(rc.resident.0, encode(&resident)?.as_slice())?;
        Ok(())
    }))
}

/// The rows of the name index for a resident: the keys of the name, and the last four and
/// six characters of the ID number, which staff ask for (`#0023`, `#150023`).
pub(crate) fn name_rows(r: &Resident) -> Vec<(String, u16)> {
    let year = r.birth_date.year() as u16;
    let tails = r.id_number().into_iter().flat_map(|n| {
        let n = n.as_str().to_ascii_lowercase();
        [4, 6].map(|len| format!("{ID_TAIL}{}", &n[n.len() - len..]))
    });
    search_keys(&r.name)
        .into_iter()
        .chain(tails)
        .map(|k| (k, year))
        .collect()
}

/// Marks an ID-number tail in the name index (no name starts with it).
pub(crate) const ID_TAIL: char = '#';

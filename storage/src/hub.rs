//! What a hub keeps besides the changes: enrolled devices, one-time enrolment codes, the
//! catchment (township) each change belongs to, and which clinical records the resident's
//! consent lets it hand to a workstation. Secrets arrive hashed; none is stored.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use crate::apply::{decode, encode};
use crate::date::Date;
use crate::error::Result;
use crate::ids::Id;
use crate::model::{
    Body, Change, ClinicalRecord, Consent, FacilityLevel, Grantee, QueueTicket, RecordBody,
};
use crate::store::Store;
use crate::tables::{
    CLAIMS, DEVICES, DEVICES_SEEN, ENROLMENTS, ENROLMENTS_USED, FROM_UPSTREAM, TICKETS,
};

/// A workstation enrolled at this hub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub facility: String,
    pub name: String,
    pub active: bool,
    pub enrolled_at: i64,
    /// A hub below this one, relaying its township's changes.
    pub relay: bool,
}

/// What an enrolment attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrolOutcome {
    Enrolled(Device),
    /// Unknown, used or expired.
    NoSuchCode,
    /// A device with this id is (or was) enrolled already.
    DeviceTaken,
}

/// A one-time code the hub admin handed out, for a device of `facility`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub facility: String,
    pub name: String,
    pub expires_at: i64,
    pub relay: bool,
}

impl Store {
    pub fn add_enrolment(&self, code_hash: &str, enrolment: &Enrolment) -> Result<()> {
        let tx = self.begin_write_raw()?;
        tx.open_table(ENROLMENTS)?
            .insert(code_hash, encode(enrolment)?.as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// Enrols `device_id` with a one-time code, under the token whose hash is given: the code
    /// works once, only before it expires, and never for a device id already enrolled (active
    /// or revoked), which would let its holder push as another workstation. An unknown code
    /// costs a read, not a write.
    ///
    /// The answer to an enrolment can be lost on the way (the link drops after the hub
    /// committed): the same device may then send the same code again, until the code expires
    /// or the device is first seen ([`Store::mark_device_seen`]); it gets a new token, and the
    /// lost one stops working.
    pub fn enrol_device(
        &self,
        code_hash: &str,
        token_hash: &str,
        device_id: &str,
        now_ms: i64,
    ) -> Result<EnrolOutcome> {
        let (unused, retry) = {
            let tx = self.read()?;
            let codes = tx.open_table(ENROLMENTS)?;
            let unused = codes
                .get(code_hash)?
                .map(|v| decode::<Enrolment>(v.value()))
                .transpose()?
                .filter(|e| e.expires_at > now_ms);
            let used = tx.open_table(ENROLMENTS_USED)?;
            let seen = tx.open_table(DEVICES_SEEN)?;
            let retry = match used.get(code_hash)? {
                Some(v) => {
                    let (device, expires) = v.value();
                    device == device_id && expires > now_ms && seen.get(device_id)?.is_none()
                }
                None => false,
            };
            (unused, retry)
        };
        if retry {
            return self.reissue_token(device_id, token_hash);
        }
        let Some(enrolment) = unused else {
            return Ok(EnrolOutcome::NoSuchCode);
        };
        let tx = self.begin_write_raw()?;
        let outcome = {
            let mut devices = tx.open_table(DEVICES)?;
            let taken = devices.iter()?.any(|row| {
                row.ok()
                    .and_then(|(_, v)| decode::<Device>(v.value()).ok())
                    .is_some_and(|d| d.id == device_id)
            });
            if taken {
                EnrolOutcome::DeviceTaken
            } else {
                tx.open_table(ENROLMENTS)?.remove(code_hash)?;
                tx.open_table(ENROLMENTS_USED)?
                    .insert(code_hash, (device_id, enrolment.expires_at))?;
                let device = Device {
                    id: device_id.to_string(),
                    facility: enrolment.facility.clone(),
                    name: enrolment.name.clone(),
                    active: true,
                    enrolled_at: now_ms,
                    relay: enrolment.relay,
                };
                devices.insert(token_hash, encode(&device)?.as_slice())?;
                EnrolOutcome::Enrolled(device)
            }
        };
        match outcome {
            // The code stays usable: the caller may enrol a workstation with its own id.
            EnrolOutcome::DeviceTaken => tx.abort()?,
            _ => tx.commit()?,
        }
        Ok(outcome)
    }

    /// Replaces an active device's token (its enrolment answer was lost).
    fn reissue_token(&self, device_id: &str, token_hash: &str) -> Result<EnrolOutcome> {
        let tx = self.begin_write_raw()?;
        let found = {
            let mut devices = tx.open_table(DEVICES)?;
            let held = devices
                .iter()?
                .filter_map(|row| row.ok())
                .map(|(k, v)| (k.value().to_string(), decode::<Device>(v.value())))
                .find(|(_, d)| d.as_ref().is_ok_and(|d| d.id == device_id && d.active));
            match held {
                Some((old_hash, Ok(device))) => {
                    devices.remove(old_hash.as_str())?;
                    devices.insert(token_hash, encode(&device)?.as_slice())?;
                    Some(device)
                }
                _ => None,
            }
        };
        tx.commit()?;
        Ok(found.map_or(EnrolOutcome::NoSuchCode, EnrolOutcome::Enrolled))
    }

    /// Notes a device's first authenticated request: from then on its enrolment code cannot
    /// be used again. Costs a read on later requests.
    pub fn mark_device_seen(&self, device_id: &str, now_ms: i64) -> Result<()> {
        {
            let tx = self.read()?;
            if tx.open_table(DEVICES_SEEN)?.get(device_id)?.is_some() {
                return Ok(());
            }
        }
        let tx = self.begin_write_raw()?;
        tx.open_table(DEVICES_SEEN)?.insert(device_id, now_ms)?;
        tx.commit()?;
        Ok(())
    }

    pub fn put_device(&self, token_hash: &str, device: &Device) -> Result<()> {
        let tx = self.begin_write_raw()?;
        tx.open_table(DEVICES)?
            .insert(token_hash, encode(device)?.as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// The active device holding a token (by its hash); revoked devices are not returned.
    pub fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        let tx = self.read()?;
        let t = tx.open_table(DEVICES)?;
        let device: Option<Device> = t.get(token_hash)?.map(|v| decode(v.value())).transpose()?;
        Ok(device.filter(|d| d.active))
    }

    pub fn devices(&self) -> Result<Vec<Device>> {
        let tx = self.read()?;
        let t = tx.open_table(DEVICES)?;
        t.iter()?.map(|row| decode(row?.1.value())).collect()
    }

    /// Revokes a device by id; returns whether it existed.
    pub fn revoke_device(&self, id: &str) -> Result<bool> {
        let tx = self.begin_write_raw()?;
        let mut found = false;
        {
            let mut t = tx.open_table(DEVICES)?;
            let rows: Vec<(String, Device)> = t
                .iter()?
                .map(|row| {
                    let (k, v) = row?;
                    Ok((k.value().to_string(), decode::<Device>(v.value())?))
                })
                .collect::<Result<_>>()?;
            for (key, mut device) in rows {
                if device.id == id {
                    device.active = false;
                    t.insert(key.as_str(), encode(&device)?.as_slice())?;
                    found = true;
                }
            }
        }
        tx.commit()?;
        Ok(found)
    }

    /// The township (NBS code) a change belongs to, for catchment filtering: that of the
    /// resident's home facility, or of the facility where it happened. `None`: everyone needs
    /// it (facilities, and changes whose place is unknown here).
    pub fn township_of(&self, change: &Change) -> Result<Option<String>> {
        let facility_code = match &change.body {
            Body::Facility(_) | Body::TrustList(_) => return Ok(None),
            Body::QueueStatus { ticket, .. } => {
                let tx = self.read()?;
                let t = tx.open_table(TICKETS)?;
                let ticket: Option<QueueTicket> =
                    t.get(ticket.0)?.map(|v| decode(v.value())).transpose()?;
                ticket.map(|t| t.facility)
            }
            Body::ClaimStatus { claim, .. } => {
                let tx = self.read()?;
                let t = tx.open_table(CLAIMS)?;
                let claim: Option<crate::model::Claim> =
                    t.get(claim.0)?.map(|v| decode(v.value())).transpose()?;
                match claim {
                    Some(c) => self.resident(c.resident)?.map(|r| r.home_facility),
                    None => None,
                }
            }
            body => match body.resident() {
                Some(r) => self.resident(r)?.map(|r| r.home_facility),
                None => Some(change.origin.facility.clone()),
            },
        };
        let Some(code) = facility_code else {
            return Ok(None);
        };
        Ok(self.facility(&code)?.map(|f| f.township))
    }

    /// Every change about one resident, in the order they can be applied: registration and
    /// updates, links, consents, check-ins, claims, then the clinical records by time.
    pub fn resident_changes(&self, resident: crate::ids::Id) -> Result<Vec<Change>> {
        let tx = self.read()?;
        let index = tx.open_table(crate::tables::BY_RESIDENT)?;
        let changes = tx.open_table(crate::tables::CHANGES)?;
        let mut ids: Vec<u128> = Vec::new();
        for row in index.range((resident.0, 0u128)..=(resident.0, u128::MAX))? {
            ids.push(row?.0.value().1);
        }
        let mut out: Vec<Change> = ids
            .into_iter()
            .filter_map(|id| crate::codec::read_change(&changes, id).transpose())
            .collect::<Result<_>>()?;
        // Resident changes first (a registration may be newer than an imported record).
        out.sort_by_key(|c| (!matches!(c.body, Body::Resident(_)), c.hlc, c.id));
        drop((index, changes, tx));
        for h in self.history_unaudited(resident)? {
            if let Some(c) = self.change(h.id)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// Relay hubs: remembers that changes came from upstream (so they are not pushed back).
    pub fn mark_from_upstream(&self, ids: &[crate::ids::Id]) -> Result<()> {
        let tx = self.begin_write_raw()?;
        {
            let mut t = tx.open_table(FROM_UPSTREAM)?;
            for id in ids {
                t.insert(id.0, ())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn is_from_upstream(&self, id: crate::ids::Id) -> Result<bool> {
        let tx = self.read()?;
        Ok(tx.open_table(FROM_UPSTREAM)?.get(id.0)?.is_some())
    }
}

/// Amendments of amendments followed at most this deep (a chain is never longer in practice).
const AMENDMENT_DEPTH: usize = 16;

impl Consent {
    /// Does this consent name a facility `facility` of `level` (`None`: a level the hub does
    /// not know, so grants to a level do not apply), whatever its categories, dates or
    /// withdrawal?
    pub fn names(&self, facility: &str, level: Option<FacilityLevel>) -> bool {
        match &self.grantee {
            Grantee::Facility(f) => f == facility,
            Grantee::Level(l) => Some(*l) == level,
            Grantee::Everyone => true,
        }
    }
}

/// Is a record of `record`'s category released to `facility` on `day`: made there, or allowed
/// by one of the resident's `consents` ([`Consent::allows`])?
fn allowed_by(
    record: &ClinicalRecord,
    consents: &[Consent],
    facility: &str,
    level: Option<FacilityLevel>,
    day: Date,
) -> bool {
    record.facility == facility
        || record.body.category().is_safety()
        || consents.iter().any(|c| {
            c.names(facility, level)
                && c.allows(
                    facility,
                    level.unwrap_or(FacilityLevel::Village),
                    record.body.category(),
                    day,
                )
        })
}

/// Consent at the hub. The rule is in [`Store::hub_may_send`].
impl Store {
    /// May the hub hand `change` to a workstation of `facility` (`level` as the hub knows it)
    /// on `day`? Everything but a clinical record may (the catchment is decided elsewhere). A
    /// clinical record may when it was made at `facility`, or when a consent of the resident
    /// held here allows `facility` that record's category on `day` (the hub's today: the same
    /// test the workstation's screen applies). An amendment also needs the record it corrects
    /// to be released, so a workstation never receives an amendment it cannot apply.
    pub fn hub_may_send(
        &self,
        change: &Change,
        facility: &str,
        level: Option<FacilityLevel>,
        day: Date,
    ) -> Result<bool> {
        let record = match &change.body {
            Body::Record(record) => record,
            // Card-use reports travel up only: where a resident was seen is nobody else's;
            // a consent's proof is a card code, a credential.
            Body::CardUse(_) | Body::ConsentProof(_) => return Ok(false),
            // The hub's own audit of devices (refusals, misses, forks) is its administrator's.
            Body::Audit(a) => {
                return Ok(a.resident.is_some() || change.origin.device != self.device());
            }
            _ => return Ok(true),
        };
        let consents = self.consents(record.resident)?;
        self.record_released(record, &consents, facility, level, day)
    }

    fn record_released(
        &self,
        record: &ClinicalRecord,
        consents: &[Consent],
        facility: &str,
        level: Option<FacilityLevel>,
        day: Date,
    ) -> Result<bool> {
        let mut record = std::borrow::Cow::Borrowed(record);
        for _ in 0..AMENDMENT_DEPTH {
            if !allowed_by(&record, consents, facility, level, day) {
                return Ok(false);
            }
            let RecordBody::Amendment(a) = &record.body else {
                return Ok(true);
            };
            match self.change(a.target)?.map(|c| c.body) {
                Some(Body::Record(target)) => record = std::borrow::Cow::Owned(target),
                // The hub refuses amendments without their target; nothing to withhold.
                _ => return Ok(true),
            }
        }
        Ok(false)
    }

    /// The clinical records of `resident` made at other facilities than `facility` that the
    /// resident's consent releases to it on `day`: the corrected records before their
    /// amendments, each group by clinical time. What a workstation receives when a consent
    /// naming its facility reaches it (it may hold some already: applying is idempotent).
    pub fn released_records(
        &self,
        resident: Id,
        facility: &str,
        level: Option<FacilityLevel>,
        day: Date,
    ) -> Result<Vec<Change>> {
        let consents = self.consents(resident)?;
        if !consents.iter().any(|c| c.names(facility, level)) {
            return Ok(Vec::new());
        }
        let mut records = Vec::new();
        let mut amendments = Vec::new();
        for h in self.history_unaudited(resident)? {
            if h.record.facility == facility
                || !self.record_released(&h.record, &consents, facility, level, day)?
            {
                continue;
            }
            let Some(change) = self.change(h.id)? else {
                continue;
            };
            match h.record.body {
                RecordBody::Amendment(_) => amendments.push(change),
                _ => records.push(change),
            }
        }
        records.extend(amendments);
        Ok(records)
    }
}

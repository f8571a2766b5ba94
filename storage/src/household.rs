//! Household links and consent, read side.

use redb::ReadableTable;

use crate::apply::decode;
use crate::date::Date;
use crate::error::Result;
use crate::ids::{Hlc, Id};
use crate::model::{Consent, Facility, FacilityLevel, HouseholdLink, RecordCategory, Resident};
use crate::store::Store;
use crate::tables::{CONSENTS, FACILITIES, HOUSEHOLD, RESIDENTS};

impl Store {
    /// Active links from `resident` to others, with the other resident.
    pub fn household(&self, resident: Id) -> Result<Vec<(HouseholdLink, Resident)>> {
        let tx = self.read()?;
        let links = tx.open_table(HOUSEHOLD)?;
        let residents = tx.open_table(RESIDENTS)?;
        let mut out = Vec::new();
        for row in links.range((resident.0, 0u128)..=(resident.0, u128::MAX))? {
            let (link, _): (HouseholdLink, Hlc) = decode(row?.1.value())?;
            if !link.active {
                continue;
            }
            if let Some(other) = residents.get(link.to.0)? {
                out.push((link, decode(other.value())?));
            }
        }
        Ok(out)
    }

    /// Every consent recorded for a resident, withdrawn ones included.
    pub fn consents(&self, resident: Id) -> Result<Vec<Consent>> {
        let tx = self.read()?;
        let t = tx.open_table(CONSENTS)?;
        let mut out = Vec::new();
        for row in t.range((resident.0, 0u128)..=(resident.0, u128::MAX))? {
            out.push(decode::<(Consent, Hlc)>(row?.1.value())?.0);
        }
        Ok(out)
    }

    /// May `facility` see `category` records of `resident` on `day`? A facility always sees
    /// what it recorded itself; everything else needs a consent.
    pub fn consent_allows(
        &self,
        resident: Id,
        facility: &Facility,
        category: RecordCategory,
        day: Date,
    ) -> Result<bool> {
        Ok(self
            .consents(resident)?
            .iter()
            .any(|c| c.allows(&facility.code, facility.level, category, day)))
    }

    pub fn facility(&self, code: &str) -> Result<Option<Facility>> {
        let tx = self.read()?;
        let t = tx.open_table(FACILITIES)?;
        t.get(code)?.map(|v| decode(v.value())).transpose()
    }

    pub fn facilities(&self) -> Result<Vec<Facility>> {
        let tx = self.read()?;
        let t = tx.open_table(FACILITIES)?;
        t.iter()?.map(|row| decode(row?.1.value())).collect()
    }

    /// The level of a facility, `Village` when unknown (the most restrictive guess).
    pub fn facility_level(&self, code: &str) -> Result<FacilityLevel> {
        Ok(self
            .facility(code)?
            .map_or(FacilityLevel::Village, |f| f.level))
    }

    /// Records a resident's consent. Away from the resident's home facility the hub takes a
    /// grant only with proof that the resident was there: `shown_card`, the text of the card
    /// code scanned at this visit, travels with it (see `storage::authority`). A withdrawal
    /// needs none.
    pub fn record_consent(
        &self,
        actor: &crate::store::Actor,
        consent: Consent,
        shown_card: Option<&str>,
    ) -> Result<Id> {
        let mut bodies = Vec::new();
        if let Some(code) = shown_card.map(str::trim).filter(|c| !c.is_empty()) {
            bodies.push((
                self.new_id(),
                crate::model::Body::ConsentProof(crate::model::ConsentProof {
                    consent: consent.id,
                    resident: consent.resident,
                    code: code.to_string(),
                }),
            ));
        }
        let id = self.new_id();
        bodies.push((id, crate::model::Body::Consent(consent)));
        self.commit_with_ids(actor, bodies)?;
        Ok(id)
    }
}

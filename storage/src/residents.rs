//! Finding residents: by identifier (exact, indexed) and by name, pinyin or initials (ranked).

use redb::ReadableTableMetadata;

use crate::apply::decode;
use crate::date::Date;
use crate::error::{Error, Result};
use crate::id_number::IdNumber;
use crate::ids::Id;
use crate::model::{
    Address, AuditAction, AuditEntry, Body, CardId, HouseholdLink, Identifier, Resident,
    ResidentChange, ResidentField, Sex,
};
use crate::names::normalise_query;
use crate::store::{Actor, Store};
use crate::tables::{IDENTIFIERS, NAMES, RESIDENTS};

/// How well a search hit matches; lower ranks sort first.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum MatchRank {
    /// The whole name, pinyin or initials equal the query.
    Exact,
    /// A name key starts with the query.
    Prefix,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SearchHit {
    pub rank: MatchRank,
    pub resident: Resident,
}

/// At most this many hits are returned; a front desk refines rather than scrolls.
pub const SEARCH_LIMIT: usize = 50;

impl Store {
    pub fn resident(&self, id: Id) -> Result<Option<Resident>> {
        let tx = self.read()?;
        let t = tx.open_table(RESIDENTS)?;
        t.get(id.0)?.map(|v| decode(v.value())).transpose()
    }

    /// The resident holding an identifier, through the unique identifier index.
    pub fn find_by_identifier(&self, ident: &Identifier) -> Result<Option<Id>> {
        let tx = self.read()?;
        let t = tx.open_table(IDENTIFIERS)?;
        Ok(t.get(ident.index_key().as_str())?.map(|v| Id(v.value())))
    }

    /// Residents whose name, full pinyin or initials equal or start with `query`, optionally
    /// born in `birth_year`. Exact matches rank first, then by name; at most [`SEARCH_LIMIT`].
    pub fn search(&self, query: &str, birth_year: Option<u16>) -> Result<Vec<SearchHit>> {
        let q = normalise_query(query);
        if q.is_empty() {
            return Ok(Vec::new());
        }
        // The last four or six characters of an ID number: those exactly, nothing that merely
        // begins with them.
        let tail = matches!(q.len(), 4 | 6)
            && q.bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || (b == b'x' && i == q.len() - 1));
        let q = match tail {
            true => format!("{}{q}", crate::apply::ID_TAIL),
            false => q,
        };
        let tx = self.read()?;
        let names = tx.open_table(NAMES)?;
        let residents = tx.open_table(RESIDENTS)?;
        let mut found: Vec<(MatchRank, u128)> = Vec::new();
        let push = |found: &mut Vec<(MatchRank, u128)>, rank, id| {
            if !found.iter().any(|(_, f)| *f == id) {
                found.push((rank, id));
            }
        };
        // Exact key first: one contiguous range, narrowed by birth year when given.
        let (lo, hi) = birth_year.map_or((0, u16::MAX), |y| (y, y));
        for row in names.range((q.as_str(), lo, 0u128)..=(q.as_str(), hi, u128::MAX))? {
            if found.len() >= SEARCH_LIMIT {
                break;
            }
            push(&mut found, MatchRank::Exact, row?.0.value().2);
        }
        // Then keys that extend the query (not an ID tail's); `char::MAX` sorts after any
        // continuation.
        let upper = format!("{q}{}", char::MAX);
        let start = format!("{q}\0");
        let extending =
            names.range((start.as_str(), 0u16, 0u128)..(upper.as_str(), 0u16, 0u128))?;
        for row in extending.take_while(|_| !tail) {
            if found.len() >= SEARCH_LIMIT {
                break;
            }
            let key = row?.0;
            let (_, year, id) = key.value();
            if birth_year.is_none_or(|y| y == year) {
                push(&mut found, MatchRank::Prefix, id);
            }
        }
        let mut hits = found
            .into_iter()
            .filter_map(|(rank, id)| match residents.get(id) {
                Ok(Some(v)) => Some(decode(v.value()).map(|resident| SearchHit { rank, resident })),
                Ok(None) => None,
                Err(e) => Some(Err(e.into())),
            })
            .collect::<Result<Vec<_>>>()?;
        hits.sort_by(|a, b| {
            (a.rank, &a.resident.pinyin, a.resident.birth_date).cmp(&(
                b.rank,
                &b.resident.pinyin,
                b.resident.birth_date,
            ))
        });
        Ok(hits)
    }

    pub fn resident_count(&self) -> Result<u64> {
        let tx = self.read()?;
        Ok(tx.open_table(RESIDENTS)?.len()?)
    }
}

/// What the front desk fills in to register a resident. Identifiers arrive as typed text and
/// are validated here, so every caller gets the same clear errors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewResident {
    pub name: String,
    pub sex: Sex,
    pub birth_date: Option<Date>,
    pub phone: String,
    pub address: Address,
    pub id_number: Option<String>,
    pub card_id: Option<String>,
    /// (scheme code, number)
    pub insurance: Option<(String, String)>,
    /// (facility code, card number)
    pub hospital_cards: Vec<(String, String)>,
    pub provisional: bool,
}

impl NewResident {
    /// Validates the form and turns it into a change for a new resident `id`.
    pub fn into_change(self, id: Id, home_facility: &str) -> Result<ResidentChange> {
        let name = self.name.trim().to_string();
        if name.is_empty() {
            return Err(Error::Invalid("a name is required".into()));
        }
        let mut add_identifiers = Vec::new();
        let mut birth_date = self.birth_date;
        let mut sex = self.sex;
        if let Some(text) = self.id_number.filter(|t| !t.trim().is_empty()) {
            let n = IdNumber::parse(&text)?;
            if birth_date.is_some_and(|d| d != n.birth_date()) {
                return Err(Error::Invalid(format!(
                    "the birth date does not match the ID number ({})",
                    n.birth_date()
                )));
            }
            birth_date = Some(n.birth_date());
            if sex != Sex::Unknown && sex != n.sex() {
                return Err(Error::Invalid(
                    "the sex chosen does not match the ID number's (its 17th digit): check both"
                        .into(),
                ));
            }
            sex = n.sex();
            add_identifiers.push(Identifier::IdNumber(n));
        }
        let birth_date = birth_date
            .ok_or_else(|| Error::Invalid("a birth date or an ID number is required".into()))?;
        if let Some(text) = self.card_id.filter(|t| !t.trim().is_empty()) {
            add_identifiers.push(Identifier::Card(text.parse().map_err(Error::Invalid)?));
        }
        if let Some((scheme, number)) = self.insurance.filter(|(_, n)| !n.trim().is_empty()) {
            add_identifiers.push(Identifier::Insurance {
                scheme,
                number: number.trim().to_string(),
            });
        }
        for (facility, number) in self.hospital_cards {
            add_identifiers.push(Identifier::HospitalCard {
                facility,
                number: number.trim().to_string(),
            });
        }
        Ok(ResidentChange {
            resident: id,
            fields: vec![
                ResidentField::Name(name),
                ResidentField::Sex(sex),
                ResidentField::BirthDate(birth_date),
                ResidentField::Phone(self.phone.trim().to_string()),
                ResidentField::Address(self.address),
                ResidentField::Provisional(self.provisional),
                ResidentField::HomeFacility(home_facility.to_string()),
            ],
            add_identifiers,
            remove_identifiers: Vec::new(),
        })
    }
}

impl Store {
    /// Registers a new resident at the actor's facility, with an audit entry.
    pub fn register(&self, actor: &Actor, form: NewResident) -> Result<Id> {
        let id = self.new_id();
        let change = form.into_change(id, &actor.facility)?;
        let today = self.clock().today();
        for field in &change.fields {
            crate::authority::check_field(field, today).map_err(Error::Invalid)?;
        }
        self.commit(
            actor,
            vec![
                Body::Resident(change),
                Body::Audit(AuditEntry::new(AuditAction::Register, Some(id), "")),
            ],
        )?;
        Ok(id)
    }

    /// Changes some fields or identifiers of a resident.
    pub fn update_resident(&self, actor: &Actor, change: ResidentChange) -> Result<()> {
        if self.resident(change.resident)?.is_none() {
            return Err(Error::NotFound(format!("resident {}", change.resident)));
        }
        let today = self.clock().today();
        for field in &change.fields {
            crate::authority::check_field(field, today).map_err(Error::Invalid)?;
        }
        self.commit_one(actor, Body::Resident(change))?;
        Ok(())
    }

    /// Issues a printed card to `resident`: gives them a card id if they have none and audits
    /// the issue, in one transaction, so a card is never printed without its id stored and its
    /// issue in the audit log. The resident as they were read, and their card id.
    pub fn issue_card(&self, actor: &Actor, resident: Id) -> Result<(Resident, CardId)> {
        let r = self
            .resident(resident)?
            .ok_or_else(|| Error::NotFound(format!("resident {resident}")))?;
        let audit = Body::Audit(AuditEntry::new(
            AuditAction::Print,
            Some(resident),
            "card issued",
        ));
        if let Some(card) = r.card_id() {
            self.commit_one(actor, audit)?;
            return Ok((r, card));
        }
        // A new card id: 32 bytes from two fresh UUIDv7s, unique across workstations (the
        // platform's ids are 32 random bytes; an id is not a secret).
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(&self.new_id().0.to_be_bytes());
        bytes[16..].copy_from_slice(&self.new_id().0.to_le_bytes());
        let card = CardId(bytes);
        let change = ResidentChange {
            resident,
            fields: vec![],
            add_identifiers: vec![Identifier::Card(card)],
            remove_identifiers: vec![],
        };
        self.commit(actor, vec![Body::Resident(change), audit])?;
        Ok((r, card))
    }

    /// Links two residents (or unlinks with `active: false`).
    pub fn link(&self, actor: &Actor, link: HouseholdLink) -> Result<()> {
        self.commit_one(actor, Body::Household(link))?;
        Ok(())
    }
}

impl Store {
    /// Finds a resident from typed or scanned text: a resident id, an 18-character ID number
    /// (an invalid one is an error naming what is wrong), an eHealth card id (64 hex, or the
    /// platform QR text `<card id>:<flag>:<reserved>:<issuer>`), or an insurance number.
    pub fn find_typed(&self, text: &str) -> Result<Option<Id>> {
        let text = text.trim();
        if let Ok(id) = text.parse::<Id>() {
            if self.resident(id)?.is_some() {
                return Ok(Some(id));
            }
        }
        let mut candidates = Vec::new();
        let digits = |n: usize| text.bytes().take(n).all(|b| b.is_ascii_digit());
        if (text.len() == 18 && digits(17)) || (text.len() == 15 && digits(15)) {
            candidates.push(Identifier::IdNumber(IdNumber::parse(text)?));
        }
        let card_text = text.split(':').next().unwrap_or(text);
        if let Ok(card) = card_text.parse::<crate::model::CardId>() {
            candidates.push(Identifier::Card(card));
        }
        if !text.is_empty() {
            candidates.push(Identifier::Insurance {
                scheme: String::new(),
                number: text.into(),
            });
        }
        for c in candidates {
            if let Some(id) = self.find_by_identifier(&c)? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }
}

//! From a scanned text to a resident: verify offline, then resolve through the store.
//!
//! Kept out of the GUI so the CLI, the window and the tests resolve scans the same way.

use serde::Serialize;
use storage::model::{CardCode, CardId, CardUse, CareStage, Identifier, Sex};
use storage::{Id, IdNumber, NewResident, Store};

use scanner::card::{CardToken, CodeKind, Outcome, Scan, Verifier, card_id_hex};

/// What the front desk should do with a scan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "resolution", rename_all = "snake_case")]
pub enum Resolution {
    /// The resident is known here.
    Resident { id: Id },
    /// A genuine card (or a valid identifier) of someone not in this store: register them;
    /// the form is pre-filled from the card.
    Unknown {
        #[serde(skip)]
        prefill: Box<NewResident>,
    },
    /// The code was refused (expired, forged, replayed…): the outcome says why.
    Refused { outcome: Outcome },
    /// Not a health card at all (payment code, web address…).
    NotACard { looks_like: String },
    /// An identifier that cannot be right (wrong ID check digit…).
    Invalid { message: String },
    /// A payer's mobile payment code: the till takes it, nothing else does.
    PaymentCode { value: String },
}

/// Checks a scanned text at `now_s` (Unix seconds) and resolves it.
pub fn resolve(
    store: &Store,
    verifier: &mut Verifier,
    text: &str,
    now_s: u64,
) -> (Scan, Resolution) {
    let scan = verifier.check(text, now_s);
    let resolution = resolve_scan(store, &scan);
    (scan, resolution)
}

fn lookup(store: &Store, ident: Identifier) -> Option<Id> {
    store.find_by_identifier(&ident).ok().flatten()
}

pub fn resolve_scan(store: &Store, scan: &Scan) -> Resolution {
    match (&scan.kind, &scan.outcome, &scan.token) {
        (CodeKind::PlatformCard { card_id, .. }, _, _) => match card_id.parse::<CardId>() {
            Ok(card) => match lookup(store, Identifier::Card(card)) {
                Some(id) => Resolution::Resident { id },
                None => Resolution::Unknown {
                    prefill: Box::new(NewResident {
                        card_id: Some(card_id.clone()),
                        provisional: true,
                        ..Default::default()
                    }),
                },
            },
            Err(e) => Resolution::Invalid { message: e },
        },
        (_, Some(Outcome::Valid), Some(token)) => {
            match lookup(store, Identifier::Card(CardId(token.card.card_id))) {
                Some(id) => Resolution::Resident { id },
                None => Resolution::Unknown {
                    prefill: Box::new(prefill(token)),
                },
            }
        }
        (_, Some(outcome), _) => Resolution::Refused {
            outcome: outcome.clone(),
        },
        (CodeKind::IdNumber { value }, None, _) => match IdNumber::parse(value) {
            Ok(n) => match lookup(store, Identifier::IdNumber(n)) {
                Some(id) => Resolution::Resident { id },
                None => Resolution::Unknown {
                    prefill: Box::new(NewResident {
                        id_number: Some(value.clone()),
                        provisional: true,
                        ..Default::default()
                    }),
                },
            },
            Err(e) => Resolution::Invalid {
                message: e.to_string(),
            },
        },
        (CodeKind::Number { value }, None, _) => {
            let insurance = Identifier::Insurance {
                scheme: String::new(),
                number: value.clone(),
            };
            let by_insurance = lookup(store, insurance);
            let by_hospital_card = || {
                store.facilities().ok()?.into_iter().find_map(|f| {
                    lookup(
                        store,
                        Identifier::HospitalCard {
                            facility: f.code,
                            number: value.clone(),
                        },
                    )
                })
            };
            match by_insurance.or_else(by_hospital_card) {
                Some(id) => Resolution::Resident { id },
                None => Resolution::Invalid {
                    message: format!("no resident has the number {value}"),
                },
            }
        }
        (CodeKind::PaymentCode { value }, _, _) => Resolution::PaymentCode {
            value: value.clone(),
        },
        (CodeKind::NotAHealthCard { looks_like }, _, _) => Resolution::NotACard {
            looks_like: looks_like.clone(),
        },
        _ => Resolution::Invalid {
            message: "unreadable code".into(),
        },
    }
}

/// A registration form filled from a verified card's claims.
/// The card-use report of a scan that found `resident`: `None` when what was scanned is not a
/// card (an ID or insurance number read off paper is not a use of the eHealth card).
pub fn card_use(scan: &Scan, resident: Id, stage: CareStage, reader: &str) -> Option<CardUse> {
    let (code, card) = match (&scan.kind, &scan.token) {
        (CodeKind::PlatformCard { card_id, .. }, _) => (CardCode::Platform, card_id.to_uppercase()),
        (CodeKind::SignedCard, Some(t)) => (CardCode::Signed, card_id_hex(&t.card.card_id)),
        (CodeKind::PhonePresentation, Some(t)) => (CardCode::Phone, card_id_hex(&t.card.card_id)),
        _ => return None,
    };
    Some(CardUse {
        resident,
        card,
        code,
        stage,
        reader: reader.into(),
    })
}

pub fn prefill(token: &CardToken) -> NewResident {
    let c = &token.card;
    NewResident {
        name: c.name.clone(),
        sex: Sex::from_code(c.sex as u64).unwrap_or_default(),
        birth_date: storage::Date::from_ymd_number(c.birth_date).ok(),
        card_id: Some(card_id_hex(&c.card_id)),
        insurance: c.insurance.clone(),
        address: storage::model::Address {
            county: c.region.clone().unwrap_or_default(),
            ..Default::default()
        },
        provisional: true,
        ..Default::default()
    }
}

/// The card token for printing a resident's card: what the card carries, from the record.
pub fn token_for(
    resident: &storage::model::Resident,
    card_id: [u8; 32],
    iss: &str,
    iat: u64,
    exp: u64,
) -> CardToken {
    let id_hint = resident.id_number().map(|n| n.as_str()[14..].to_string());
    CardToken {
        iss: iss.to_string(),
        iat,
        exp,
        card: scanner::card::CardClaims {
            version: 1,
            card_id,
            name: resident.name.clone(),
            pinyin: Some(resident.pinyin.to_uppercase()),
            sex: resident.sex.code(),
            birth_date: resident.birth_date.ymd_number(),
            region: (!resident.address.county.is_empty()).then(|| resident.address.county.clone()),
            id_hint,
            holder_key: None,
            insurance: resident
                .insurance()
                .map(|(s, n)| (s.to_string(), n.to_string())),
        },
    }
}

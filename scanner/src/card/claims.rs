//! CWT claims and the card map (CARD_FORMAT.md): parsed leniently (unknown keys ignored), built
//! exactly.

use ciborium::Value;
use serde::Serialize;

use super::outcome::{Layer, Outcome};

/// CWT claim keys.
const ISS: i128 = 1;
const EXP: i128 = 4;
const IAT: i128 = 6;
const CARD: i128 = -70000;

/// The resident's card: what the code says about them. **Wire format, frozen.**
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CardClaims {
    pub version: u64,
    /// 32 bytes; its uppercase hex is the card id of the platform code.
    #[serde(serialize_with = "hex_upper")]
    pub card_id: [u8; 32],
    pub name: String,
    pub pinyin: Option<String>,
    /// GB/T 2261.1: 0 unknown, 1 male, 2 female, 9 unspecified.
    pub sex: u8,
    /// YYYYMMDD
    pub birth_date: u32,
    /// 6-digit GB/T 2260 code.
    pub region: Option<String>,
    /// Last 4 characters of the resident ID number.
    pub id_hint: Option<String>,
    /// 65-byte SEC1 P-256 key: present only in phone-bound cards.
    #[serde(skip)]
    pub holder_key: Option<Vec<u8>>,
    /// (scheme code, number)
    pub insurance: Option<(String, String)>,
}

fn hex_upper<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&card_id_hex(bytes))
}

pub fn card_id_hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The signed token: issuer, times, card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CardToken {
    pub iss: String,
    pub iat: u64,
    pub exp: u64,
    pub card: CardClaims,
}

impl CardToken {
    pub fn phone_bound(&self) -> bool {
        self.card.holder_key.is_some()
    }
}

fn claims_err(detail: impl std::fmt::Display) -> Outcome {
    Outcome::malformed(Layer::Claims, detail)
}

fn int_key(k: &Value) -> Option<i128> {
    match k {
        Value::Integer(i) => Some(i128::from(*i)),
        _ => None,
    }
}

fn get(map: &[(Value, Value)], key: i128) -> Option<&Value> {
    map.iter()
        .find(|(k, _)| int_key(k) == Some(key))
        .map(|(_, v)| v)
}

fn uint(v: &Value, what: &str) -> Result<u64, Outcome> {
    match v {
        Value::Integer(i) => {
            u64::try_from(i128::from(*i)).map_err(|_| claims_err(format!("{what} is negative")))
        }
        _ => Err(claims_err(format!("{what} is not an unsigned integer"))),
    }
}

fn text(v: &Value, what: &str) -> Result<String, Outcome> {
    v.as_text()
        .map(str::to_string)
        .ok_or_else(|| claims_err(format!("{what} is not text")))
}

fn required<'a>(map: &'a [(Value, Value)], key: i128, what: &str) -> Result<&'a Value, Outcome> {
    get(map, key).ok_or_else(|| claims_err(format!("missing {what}")))
}

/// Parses the CWT payload. Not CBOR → `malformed (cbor)`; CBOR with missing or mistyped
/// claims → `malformed (claims)`.
pub fn parse(payload: &[u8]) -> Result<CardToken, Outcome> {
    let value: Value =
        ciborium::from_reader(payload).map_err(|e| Outcome::malformed(Layer::Cbor, e))?;
    let Value::Map(cwt) = value else {
        return Err(claims_err("the payload is not a claims map"));
    };
    let iss = get(&cwt, ISS)
        .map(|v| text(v, "iss"))
        .transpose()?
        .unwrap_or_default();
    let iat = uint(required(&cwt, IAT, "iat")?, "iat")?;
    let exp = uint(required(&cwt, EXP, "exp")?, "exp")?;
    let Value::Map(card) = required(&cwt, CARD, "the card map (-70000)")? else {
        return Err(claims_err("the card (-70000) is not a map"));
    };
    let version = uint(required(card, 1, "schema version (1)")?, "schema version")?;
    let card_id: [u8; 32] = match required(card, 2, "card id (2)")? {
        Value::Bytes(b) => b
            .as_slice()
            .try_into()
            .map_err(|_| claims_err("the card id is not 32 bytes"))?,
        _ => return Err(claims_err("the card id is not a byte string")),
    };
    let name = text(required(card, 3, "name (3)")?, "name")?;
    if name.trim().is_empty() {
        return Err(claims_err("the name is empty"));
    }
    let sex = uint(required(card, 5, "sex (5)")?, "sex")?;
    if !matches!(sex, 0 | 1 | 2 | 9) {
        return Err(claims_err(format!("sex code {sex} is not GB/T 2261.1")));
    }
    let birth_date = uint(required(card, 6, "birth date (6)")?, "birth date")?;
    let (y, m, d) = (
        birth_date / 10_000,
        birth_date / 100 % 100,
        birth_date % 100,
    );
    if !(1850..=2200).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(claims_err(format!(
            "birth date {birth_date} is not YYYYMMDD"
        )));
    }
    let holder_key = match get(card, 9) {
        Some(Value::Bytes(b)) if b.len() == 65 && b[0] == 4 => Some(b.clone()),
        Some(_) => return Err(claims_err("the holder key is not a 65-byte P-256 key")),
        None => None,
    };
    let insurance = match get(card, 10) {
        Some(Value::Array(a)) if a.len() == 2 => Some((
            text(&a[0], "insurance scheme")?,
            text(&a[1], "insurance number")?,
        )),
        Some(_) => return Err(claims_err("insurance is not [scheme, number]")),
        None => None,
    };
    Ok(CardToken {
        iss,
        iat,
        exp,
        card: CardClaims {
            version,
            card_id,
            name,
            pinyin: get(card, 4).map(|v| text(v, "pinyin")).transpose()?,
            sex: sex as u8,
            birth_date: birth_date as u32,
            region: get(card, 7).map(|v| text(v, "region")).transpose()?,
            id_hint: get(card, 8).map(|v| text(v, "ID hint")).transpose()?,
            holder_key,
            insurance,
        },
    })
}

fn int(n: i128) -> Value {
    Value::Integer(ciborium::value::Integer::try_from(n).unwrap_or(0.into()))
}

/// The CWT payload for a token, keys in the spec's order.
pub fn build(token: &CardToken) -> Value {
    let c = &token.card;
    let mut card = vec![
        (int(1), int(c.version as i128)),
        (int(2), Value::Bytes(c.card_id.to_vec())),
        (int(3), Value::Text(c.name.clone())),
    ];
    if let Some(p) = &c.pinyin {
        card.push((int(4), Value::Text(p.clone())));
    }
    card.push((int(5), int(c.sex as i128)));
    card.push((int(6), int(c.birth_date as i128)));
    if let Some(r) = &c.region {
        card.push((int(7), Value::Text(r.clone())));
    }
    if let Some(h) = &c.id_hint {
        card.push((int(8), Value::Text(h.clone())));
    }
    if let Some(k) = &c.holder_key {
        card.push((int(9), Value::Bytes(k.clone())));
    }
    if let Some((scheme, number)) = &c.insurance {
        card.push((
            int(10),
            Value::Array(vec![
                Value::Text(scheme.clone()),
                Value::Text(number.clone()),
            ]),
        ));
    }
    Value::Map(vec![
        (int(ISS), Value::Text(token.iss.clone())),
        (int(IAT), int(token.iat as i128)),
        (int(EXP), int(token.exp as i128)),
        (int(CARD), Value::Map(card)),
    ])
}

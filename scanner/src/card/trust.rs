//! The trust list: issuer keys and revocations, signed by a root key the installation pins.

use ciborium::Value;
use p256::ecdsa::{SigningKey, VerifyingKey};

use super::container::{parse_sign1, seal, to_cbor};
use super::keys;
use super::outcome::Outcome;

/// An issuer key the trust list vouches for. **Wire format, frozen.**
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKey {
    pub kid: [u8; 8],
    pub alg: i64,
    /// 65-byte SEC1 uncompressed public key.
    pub public_key: Vec<u8>,
    pub issuer: String,
    pub not_before: u64,
    pub not_after: u64,
}

impl TrustedKey {
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        VerifyingKey::from_sec1_bytes(&self.public_key).ok()
    }
}

/// A card id whose codes issued before `revoked_before` are revoked (a reprinted card gets a
/// new `iat` and stays valid).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    pub card_id: [u8; 32],
    pub revoked_before: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustList {
    /// Only ever increases; an older list never replaces a newer one.
    pub version: u64,
    pub issued_at: u64,
    pub next_update: u64,
    pub keys: Vec<TrustedKey>,
    pub revocations: Vec<Revocation>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("the trust list is not readable: {0}")]
    Malformed(String),
    #[error("the trust list is not signed by this installation's root key")]
    BadSignature,
    #[error(
        "the trust list (version {offered}) is older than the one installed (version {installed})"
    )]
    Older { offered: u64, installed: u64 },
}

fn bad(detail: impl std::fmt::Display) -> TrustError {
    TrustError::Malformed(detail.to_string())
}

fn int(n: i128) -> Value {
    Value::Integer(ciborium::value::Integer::try_from(n).unwrap_or(0.into()))
}

fn field<'a>(map: &'a [(Value, Value)], key: i128) -> Result<&'a Value, TrustError> {
    map.iter()
        .find(|(k, _)| matches!(k, Value::Integer(i) if i128::from(*i) == key))
        .map(|(_, v)| v)
        .ok_or_else(|| bad(format!("missing key {key}")))
}

fn uint(v: &Value) -> Result<u64, TrustError> {
    match v {
        Value::Integer(i) => u64::try_from(i128::from(*i)).map_err(bad),
        _ => Err(bad("expected an unsigned integer")),
    }
}

fn fixed<const N: usize>(v: &Value) -> Result<[u8; N], TrustError> {
    match v {
        Value::Bytes(b) => b
            .as_slice()
            .try_into()
            .map_err(|_| bad(format!("expected {N} bytes"))),
        _ => Err(bad("expected a byte string")),
    }
}

fn array(v: &Value) -> Result<&[Value], TrustError> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| bad("expected an array"))
}

fn map(v: &Value) -> Result<&[(Value, Value)], TrustError> {
    v.as_map()
        .map(Vec::as_slice)
        .ok_or_else(|| bad("expected a map"))
}

impl TrustList {
    /// Reads a `.ehtl` file's bytes and checks the root's signature.
    pub fn verify(bytes: &[u8], root: &VerifyingKey) -> Result<TrustList, TrustError> {
        let sign1 = parse_sign1(bytes).map_err(|o| bad(o))?;
        sign1
            .verify_es256(root)
            .map_err(|_: Outcome| TrustError::BadSignature)?;
        let value: Value = ciborium::from_reader(sign1.payload()).map_err(bad)?;
        let top = map(&value)?;
        let keys = array(field(top, 4)?)?
            .iter()
            .map(|k| {
                let k = map(k)?;
                let public_key = match field(k, 3)? {
                    Value::Bytes(b) if b.len() == 65 => b.clone(),
                    _ => return Err(bad("a public key is not 65 bytes")),
                };
                Ok(TrustedKey {
                    kid: fixed::<8>(field(k, 1)?)?,
                    alg: match field(k, 2)? {
                        Value::Integer(i) => i64::try_from(i128::from(*i)).map_err(bad)?,
                        _ => return Err(bad("alg is not an integer")),
                    },
                    public_key,
                    issuer: field(k, 4)?.as_text().unwrap_or_default().to_string(),
                    not_before: uint(field(k, 5)?)?,
                    not_after: uint(field(k, 6)?)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let revocations = array(field(top, 5)?)?
            .iter()
            .map(|r| {
                let r = map(r)?;
                Ok(Revocation {
                    card_id: fixed::<32>(field(r, 1)?)?,
                    revoked_before: uint(field(r, 2)?)?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustList {
            version: uint(field(top, 1)?)?,
            issued_at: uint(field(top, 2)?)?,
            next_update: uint(field(top, 3)?)?,
            keys,
            revocations,
        })
    }

    /// Signs the list with the root key: the bytes of a `.ehtl` file.
    pub fn sign(&self, root: &SigningKey) -> Vec<u8> {
        let keys = self
            .keys
            .iter()
            .map(|k| {
                Value::Map(vec![
                    (int(1), Value::Bytes(k.kid.to_vec())),
                    (int(2), int(k.alg as i128)),
                    (int(3), Value::Bytes(k.public_key.clone())),
                    (int(4), Value::Text(k.issuer.clone())),
                    (int(5), int(k.not_before as i128)),
                    (int(6), int(k.not_after as i128)),
                ])
            })
            .collect();
        let revocations = self
            .revocations
            .iter()
            .map(|r| {
                Value::Map(vec![
                    (int(1), Value::Bytes(r.card_id.to_vec())),
                    (int(2), int(r.revoked_before as i128)),
                ])
            })
            .collect();
        let payload = Value::Map(vec![
            (int(1), int(self.version as i128)),
            (int(2), int(self.issued_at as i128)),
            (int(3), int(self.next_update as i128)),
            (int(4), Value::Array(keys)),
            (int(5), Value::Array(revocations)),
        ]);
        seal(to_cbor(&payload), root, &keys::kid(root.verifying_key()))
    }

    pub fn key(&self, kid: &[u8]) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.kid.as_slice() == kid)
    }

    /// Is a code for `card_id` issued at `iat` revoked?
    pub fn revoked(&self, card_id: &[u8; 32], iat: u64) -> bool {
        self.revocations
            .iter()
            .any(|r| &r.card_id == card_id && iat < r.revoked_before)
    }

    /// Replaces `self` with `newer` if its version is higher; refuses an older or equal one.
    pub fn update(&mut self, newer: TrustList) -> Result<(), TrustError> {
        if newer.version <= self.version {
            return Err(TrustError::Older {
                offered: newer.version,
                installed: self.version,
            });
        }
        *self = newer;
        Ok(())
    }
}

/// An issuer key entry for `key`, valid between the two times.
pub fn trusted(key: &VerifyingKey, issuer: &str, not_before: u64, not_after: u64) -> TrustedKey {
    TrustedKey {
        kid: keys::kid(key),
        alg: -7,
        public_key: keys::public_bytes(key),
        issuer: issuer.to_string(),
        not_before,
        not_after,
    }
}

//! The container shared with the EU Digital COVID Certificate: Base45, optional zlib,
//! COSE_Sign1 (tag 18, or untagged, or inside a CWT tag 61), ES256 signatures.

use std::io::Read;

use ciborium::Value;
use coset::{AsCborValue, CoseSign1, CoseSign1Builder, HeaderBuilder, iana};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

use super::outcome::{Layer, Outcome};

/// Largest inflated body accepted: a card is a few hundred bytes; a zip bomb is refused.
const MAX_INFLATED: u64 = 64 * 1024;

/// A parsed COSE_Sign1 with what the verifier needs from its headers.
#[derive(Clone, Debug)]
pub struct Sign1 {
    pub cose: CoseSign1,
    /// The algorithm from the protected header: only what the signature covers counts.
    pub alg: Option<i64>,
    /// The key id from the protected header (empty when it has none).
    pub kid: Vec<u8>,
    /// A key id in the unprotected header. Not signed, so never used to verify our codes;
    /// kept for the EU vectors, whose issuers may put it there.
    pub unprotected_kid: Vec<u8>,
}

impl Sign1 {
    pub fn payload(&self) -> &[u8] {
        self.cose.payload.as_deref().unwrap_or(&[])
    }

    /// Checks an ES256 signature (r‖s, 64 bytes) over the COSE Sig_structure.
    pub fn verify_es256(&self, key: &VerifyingKey) -> Result<(), Outcome> {
        if self.alg != Some(iana::Algorithm::ES256 as i64) {
            return Err(Outcome::SignatureInvalid);
        }
        self.cose.verify_signature(b"", |sig, data| {
            let sig = Signature::from_slice(sig).map_err(|_| Outcome::SignatureInvalid)?;
            key.verify(data, &sig)
                .map_err(|_| Outcome::SignatureInvalid)
        })
    }
}

/// Base45 text → bytes. Lowercase letters (a keyboard-wedge scanner with Caps Lock on) are
/// read as uppercase: the Base45 alphabet has none.
pub fn unbase45(text: &str) -> Result<Vec<u8>, Outcome> {
    let text = text.trim_matches(|c: char| c == '\r' || c == '\n');
    let upper;
    let text = if text.bytes().any(|b| b.is_ascii_lowercase()) {
        upper = text.to_ascii_uppercase();
        upper.as_str()
    } else {
        text
    };
    base45::decode(text).map_err(|e| Outcome::malformed(Layer::Base45, format!("{e:?}")))
}

/// Inflates a zlib body (it starts with 0x78), or returns the bytes as they are.
pub fn inflate_if_zlib(bytes: Vec<u8>) -> Result<Vec<u8>, Outcome> {
    if bytes.first() != Some(&0x78) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(bytes.as_slice())
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| Outcome::malformed(Layer::Zlib, e))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(Outcome::malformed(
            Layer::Zlib,
            "inflates to more than 64 KiB",
        ));
    }
    Ok(out)
}

/// Parses COSE_Sign1 bytes: tag 18, untagged, or tag 18 inside the CWT tag 61.
pub fn parse_sign1(bytes: &[u8]) -> Result<Sign1, Outcome> {
    let mut value: Value =
        ciborium::from_reader(bytes).map_err(|e| Outcome::malformed(Layer::Cose, e))?;
    while let Value::Tag(tag, inner) = value {
        if tag != 18 && tag != 61 {
            return Err(Outcome::malformed(
                Layer::Cose,
                format!("unexpected CBOR tag {tag}"),
            ));
        }
        value = *inner;
    }
    let cose = CoseSign1::from_cbor_value(value).map_err(|e| Outcome::malformed(Layer::Cose, e))?;
    if cose.payload.is_none() {
        return Err(Outcome::malformed(Layer::Cose, "detached payload"));
    }
    let alg_of = |h: &coset::Header| match &h.alg {
        Some(coset::Algorithm::Assigned(a)) => Some(*a as i64),
        Some(coset::Algorithm::PrivateUse(n)) => Some(*n),
        _ => None,
    };
    let alg = alg_of(&cose.protected.header);
    let kid = cose.protected.header.key_id.clone();
    let unprotected_kid = cose.unprotected.key_id.clone();
    Ok(Sign1 {
        cose,
        alg,
        kid,
        unprotected_kid,
    })
}

/// The whole container of an `EHC1:` body: Base45 → (zlib) → COSE_Sign1.
pub fn open(body: &str) -> Result<Sign1, Outcome> {
    parse_sign1(&inflate_if_zlib(unbase45(body)?)?)
}

/// Signs `payload` with ES256 under `key`, with `{1: -7, 4: kid}` protected; tagged bytes.
pub fn seal(payload: Vec<u8>, key: &SigningKey, kid: &[u8]) -> Vec<u8> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(kid.to_vec())
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |data| {
            let sig: Signature = key.sign(data);
            sig.to_bytes().to_vec()
        })
        .build();
    coset::TaggedCborSerializable::to_tagged_vec(sign1).unwrap_or_default()
}

/// Base45 of the COSE bytes, zlib-compressed only when that is shorter.
pub fn wrap(cose: &[u8]) -> String {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let compressed = std::io::Write::write_all(&mut z, cose)
        .and_then(|_| z.finish())
        .ok();
    match compressed {
        Some(c) if c.len() < cose.len() => base45::encode(c),
        _ => base45::encode(cose),
    }
}

/// CBOR encoding of a value (infallible for in-memory values).
pub fn to_cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = ciborium::into_writer(value, &mut out);
    out
}

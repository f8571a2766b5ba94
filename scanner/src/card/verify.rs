//! Offline verification of scanned codes against the installed trust list.

use std::collections::HashMap;

use ciborium::Value;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::claims::{self, CardToken};
use super::classify::{CodeKind, classify};
use super::container::{self, Sign1};
use super::outcome::{Layer, Outcome};
use super::trust::TrustList;

/// The accepted age of a phone code: `now − past ≤ ts ≤ now + future` (seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub past: u64,
    pub future: u64,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            past: 120,
            future: 60,
        }
    }
}

/// Codes issued up to this far in the future still count as valid (clocks drift).
const CLOCK_SKEW: u64 = 300;
/// A static printed card may be valid at most five years.
const STATIC_MAX_SECONDS: u64 = 5 * 366 * 86_400;
/// A phone code this far from the PC clock suggests the PC clock is wrong.
const CLOCK_WARNING: u64 = 600;

/// The result of checking one scanned text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scan {
    pub text: String,
    #[serde(flatten)]
    pub kind: CodeKind,
    /// `None` for texts that are not signed codes (platform codes, numbers, other).
    #[serde(flatten)]
    pub outcome: Option<Outcome>,
    /// The signed content, when it could be read (even if the verdict is negative).
    pub token: Option<CardToken>,
    /// Warnings that do not change the verdict: stale trust list, PC clock looks wrong.
    pub warnings: Vec<String>,
}

/// Verifies codes; remembers phone presentations to catch replays.
pub struct Verifier {
    trust: Option<TrustList>,
    pub window: Window,
    /// (card id, ts) → ts, pruned as they leave the window.
    seen: HashMap<([u8; 32], u64), u64>,
}

impl Verifier {
    pub fn new(trust: Option<TrustList>) -> Verifier {
        Verifier {
            trust,
            window: Window::default(),
            seen: HashMap::new(),
        }
    }

    pub fn trust_list(&self) -> Option<&TrustList> {
        self.trust.as_ref()
    }

    /// Installs a newer trust list (an older or equal version is refused).
    pub fn update_trust(&mut self, list: TrustList) -> Result<(), super::trust::TrustError> {
        match &mut self.trust {
            Some(current) => current.update(list),
            None => {
                self.trust = Some(list);
                Ok(())
            }
        }
    }

    /// Classifies and, for signed codes, verifies `text` at `now` (Unix seconds).
    pub fn check(&mut self, text: &str, now: u64) -> Scan {
        let kind = classify(text);
        let mut warnings = Vec::new();
        let (outcome, token) = match &kind {
            CodeKind::SignedCard => {
                match prefixed(text, "EHC1:").and_then(|body| self.signed_card(body, now)) {
                    Ok((token, outcome)) => (Some(outcome), Some(token)),
                    Err(o) => (Some(o), None),
                }
            }
            CodeKind::PhonePresentation => {
                match prefixed(text, "EHP1:")
                    .and_then(|body| self.presentation(body, now, &mut warnings))
                {
                    Ok((token, outcome)) => (Some(outcome), Some(token)),
                    Err(o) => (Some(o), None),
                }
            }
            CodeKind::PlatformCard { .. } => (Some(Outcome::PlatformCardCode), None),
            _ => (None, None),
        };
        if let (Some(t), Some(_)) = (&self.trust, &token) {
            if now > t.next_update {
                warnings.push(format!(
                    "the trust list (version {}) is past its update date",
                    t.version
                ));
            }
        }
        Scan {
            text: text.trim().to_string(),
            kind,
            outcome,
            token,
            warnings,
        }
    }

    /// Opens and verifies the COSE layer and the claims; returns the token and the verdict on
    /// its validity at `now` (errors are verdicts that leave no readable token).
    fn verified_token(&self, sign1: &Sign1, now: u64) -> Result<(CardToken, Outcome), Outcome> {
        let kid_hex = super::keys::hex(&sign1.kid);
        let trust = self.trust.as_ref().ok_or(Outcome::UnknownKey {
            kid: kid_hex.clone(),
        })?;
        let key = trust
            .key(&sign1.kid)
            .ok_or(Outcome::UnknownKey { kid: kid_hex })?;
        let verifying = key.verifying_key().ok_or(Outcome::SignatureInvalid)?;
        sign1.verify_es256(&verifying)?;
        let token = claims::parse(sign1.payload())?;
        // A key signs for the issuer the trust list names: a card claiming another issuer
        // was not signed by its issuer.
        if token.iss != key.issuer {
            return Err(Outcome::SignatureInvalid);
        }
        let outcome = if token.iat < key.not_before || token.iat > key.not_after {
            Outcome::KeyNotValidAtIat
        } else if trust.revoked(&token.card.card_id, token.iat) {
            Outcome::Revoked
        } else if token.iat > now + CLOCK_SKEW {
            Outcome::NotYetValid { from: token.iat }
        } else if token.exp <= now {
            Outcome::Expired { since: token.exp }
        } else {
            Outcome::Valid
        };
        Ok((token, outcome))
    }

    fn signed_card(&self, body: &str, now: u64) -> Result<(CardToken, Outcome), Outcome> {
        let sign1 = container::open(body)?;
        let (token, outcome) = self.verified_token(&sign1, now)?;
        if !outcome.is_valid() {
            return Ok((token, outcome));
        }
        if token.phone_bound() {
            return Ok((token, Outcome::NeedsLiveCode));
        }
        if token.exp > token.iat + STATIC_MAX_SECONDS {
            return Err(Outcome::malformed(
                Layer::Claims,
                "a printed card may be valid at most five years",
            ));
        }
        Ok((token, outcome))
    }

    fn presentation(
        &mut self,
        body: &str,
        now: u64,
        warnings: &mut Vec<String>,
    ) -> Result<(CardToken, Outcome), Outcome> {
        let bytes = container::unbase45(body)?;
        let value: Value = ciborium::from_reader(bytes.as_slice())
            .map_err(|e| Outcome::malformed(Layer::Cbor, e))?;
        let parts = value
            .as_array()
            .filter(|a| a.len() == 3)
            .ok_or_else(|| Outcome::malformed(Layer::Cbor, "expected [card, ts, sig]"))?;
        let (Value::Bytes(card), Value::Integer(ts), Value::Bytes(sig)) =
            (&parts[0], &parts[1], &parts[2])
        else {
            return Err(Outcome::malformed(
                Layer::Cbor,
                "expected [bstr, uint, bstr]",
            ));
        };
        let ts = u64::try_from(i128::from(*ts))
            .map_err(|_| Outcome::malformed(Layer::Cbor, "negative timestamp"))?;
        let sign1 = container::parse_sign1(card)?;
        let (token, outcome) = self.verified_token(&sign1, now)?;
        let holder = token
            .card
            .holder_key
            .as_deref()
            .and_then(|k| VerifyingKey::from_sec1_bytes(k).ok())
            .ok_or_else(|| {
                Outcome::malformed(
                    Layer::Claims,
                    "the card is not bound to a phone (no holder key)",
                )
            })?;
        let sig = Signature::from_slice(sig).map_err(|_| Outcome::SignatureInvalid)?;
        holder
            .verify(&presentation_message(card, ts), &sig)
            .map_err(|_| Outcome::SignatureInvalid)?;
        if !outcome.is_valid() {
            return Ok((token, outcome));
        }
        if ts.abs_diff(now) > CLOCK_WARNING {
            warnings.push(
                "this PC's clock differs from the phone's by more than 10 minutes: check the clock"
                    .into(),
            );
        }
        if ts + self.window.past < now || ts > now + self.window.future {
            return Ok((token, Outcome::StalePresentation { ts, now }));
        }
        let horizon = self.window.past + self.window.future;
        self.seen.retain(|_, seen_ts| *seen_ts + horizon >= now);
        if self.seen.insert((token.card.card_id, ts), ts).is_some() {
            return Ok((token, Outcome::ReplayedPresentation));
        }
        Ok((token, Outcome::Valid))
    }
}

/// The body after a known prefix (case-insensitive), or a malformed-prefix verdict.
fn prefixed<'a>(text: &'a str, prefix: &str) -> Result<&'a str, Outcome> {
    let t = text.trim();
    match t.get(..prefix.len()) {
        Some(p) if p.eq_ignore_ascii_case(prefix) => Ok(&t[prefix.len()..]),
        _ => Err(Outcome::malformed(
            Layer::Prefix,
            format!("expected {prefix}"),
        )),
    }
}

/// The bytes the holder signs: `"EHP1" ‖ SHA-256(card) ‖ ts` (8-byte big endian).
pub fn presentation_message(card: &[u8], ts: u64) -> Vec<u8> {
    let mut m = b"EHP1".to_vec();
    m.extend_from_slice(&Sha256::digest(card));
    m.extend_from_slice(&ts.to_be_bytes());
    m
}

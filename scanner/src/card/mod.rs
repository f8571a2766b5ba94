//! The eHealth card code formats of CARD_FORMAT.md: recognise, verify offline, issue.

mod claims;
mod classify;
mod container;
mod issue;
pub mod keys;
mod outcome;
mod trust;
mod verify;

pub use claims::{CardClaims, CardToken, card_id_hex};
pub use classify::{CodeKind, classify};
pub use container::{Sign1, inflate_if_zlib, open as open_container, parse_sign1, unbase45, wrap};
pub use issue::{QrMatrix, issue_card, present, qr_image, qr_matrix, sign_card};
pub use outcome::{Layer, Outcome};
pub use trust::{Revocation, TrustError, TrustList, TrustedKey, trusted};
pub use verify::{Scan, Verifier, Window, presentation_message};

/// Parses the CWT payload of a card (exposed for fuzzing and for the EU/SMART vectors).
pub fn parse_claims(payload: &[u8]) -> Result<CardToken, Outcome> {
    claims::parse(payload)
}

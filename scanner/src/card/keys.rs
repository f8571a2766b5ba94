//! Keys: key ids, and the demo keys of the card format spec (demo data and tests only).

use p256::ecdsa::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The first 8 bytes of SHA-256 of the SEC1 uncompressed (65-byte) public key.
pub fn kid(key: &VerifyingKey) -> [u8; 8] {
    let point = key.to_encoded_point(false);
    let digest = Sha256::digest(point.as_bytes());
    let mut kid = [0u8; 8];
    kid.copy_from_slice(&digest[..8]);
    kid
}

/// The 65-byte SEC1 uncompressed form of a public key.
pub fn public_bytes(key: &VerifyingKey) -> Vec<u8> {
    key.to_encoded_point(false).as_bytes().to_vec()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn signing_key(hex_private: &str) -> SigningKey {
    let bytes = from_hex(hex_private).unwrap_or_default();
    // The demo keys are constants of the spec; a typo would fail every test at once.
    SigningKey::from_slice(&bytes)
        .unwrap_or_else(|_| SigningKey::from_slice(&[1; 32]).expect("constant key"))
}

/// Demo keys from CARD_FORMAT.md. **Never for real residents.**
pub mod demo {
    use super::*;

    pub const ROOT_PRIVATE: &str =
        "c0ad67d79cd21d7e3feb0a1b3b2f53f472722884d638113e2c102869837ffd27";
    pub const ROOT_PUBLIC: &str = "047cda9822548aa018fe06af8792a1d43b002128f2b211a694a1313f4f93866ccc8a7c24b3ae9517d1290a1c934d6c29cc301767b2d6f24e2aa2e21fb1fd7431e6";
    pub const ISSUER: &str = "CN-510000";
    pub const ISSUER_PRIVATE: &str =
        "48de94c56572c5fc01f77c60e712f00274c7ffbcacd2b573fb3e6bfec5fc3281";
    pub const ISSUER_PUBLIC: &str = "04b72ad205ddb18fd24d5744f4acd7e20279e4a489280d946f5a26ca4e9e767f028d3485309ed4939761d5ec57c416473d716132d4b40436581778b357a9025c1a";

    pub fn root() -> SigningKey {
        signing_key(ROOT_PRIVATE)
    }

    pub fn issuer() -> SigningKey {
        signing_key(ISSUER_PRIVATE)
    }

    /// Unix seconds of 2026-01-01 (UTC+8): the demo list's issue date.
    const ISSUED: u64 = 1_767_196_800;
    const YEAR: u64 = 365 * 86_400;

    /// The demo trust list: the demo issuer `CN-510000`, valid 2020–2035, signed by the demo
    /// root. Demo data only.
    pub fn trust_list() -> crate::card::TrustList {
        crate::card::TrustList {
            version: 1,
            issued_at: ISSUED,
            next_update: ISSUED + 2 * YEAR,
            keys: vec![crate::card::trusted(
                issuer().verifying_key(),
                ISSUER,
                ISSUED - 6 * YEAR,
                ISSUED + 9 * YEAR,
            )],
            revocations: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_keys_match_the_spec() {
        let root = demo::root();
        assert_eq!(hex(&public_bytes(root.verifying_key())), demo::ROOT_PUBLIC);
        assert_eq!(hex(&kid(root.verifying_key())), "7b7001e067f3cf34");
        let issuer = demo::issuer();
        assert_eq!(
            hex(&public_bytes(issuer.verifying_key())),
            demo::ISSUER_PUBLIC
        );
        assert_eq!(hex(&kid(issuer.verifying_key())), "f0e96f8c07d0f43c");
    }
}

//! The keys of an encrypted store: the facility secret, the key-encryption key derived from it
//! with Argon2id, and the random data key that encrypts the file, kept wrapped in the file's
//! key header.
//!
//! Changing the facility secret rewraps the data key; nothing else in the file changes.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// The facility secret: what unlocks a store. Never printed, wiped from memory when dropped.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(text.into()))
    }

    /// The secret handed to a program that runs unattended: the first line of the file named
    /// by `CLINIC_SECRET_FILE` (a file only the service's user may read), else `CLINIC_SECRET`.
    pub fn from_env() -> Result<Option<Secret>> {
        if let Some(path) = std::env::var_os("CLINIC_SECRET_FILE") {
            return Secret::from_file(std::path::Path::new(&path)).map(Some);
        }
        Ok(std::env::var("CLINIC_SECRET").ok().map(Secret::new))
    }

    /// The first line of a file holding a secret.
    pub fn from_file(path: &std::path::Path) -> Result<Secret> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Error::Invalid(format!(
                "cannot read the secret file {}: {e}",
                path.display()
            ))
        })?);
        Ok(Secret::new(text.lines().next().unwrap_or_default()))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Secret {
        Secret::new(text)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Argon2id cost of turning the secret into the key-encryption key. Recorded in the file, so
/// a file opens with the cost it was made with.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct KdfCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub lanes: u32,
}

impl KdfCost {
    /// For real stores: 64 MiB and 3 passes, about half a second on an old PC, once per start.
    pub const STANDARD: KdfCost = KdfCost {
        memory_kib: 64 * 1024,
        iterations: 3,
        lanes: 1,
    };
    /// For tests and benchmarks that open hundreds of throwaway stores. Never for real data.
    pub const FAST_FOR_TESTS: KdfCost = KdfCost {
        memory_kib: 64,
        iterations: 1,
        lanes: 1,
    };
}

impl Default for KdfCost {
    fn default() -> Self {
        KdfCost::STANDARD
    }
}

/// A 256-bit key, wiped from memory when dropped.
#[derive(Clone)]
pub(crate) struct Key(pub(crate) [u8; 32]);

impl Drop for Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Key {
    pub(crate) fn random() -> Key {
        let mut key = [0; 32];
        fill_random(&mut key);
        Key(key)
    }

    pub(crate) fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

pub(crate) fn fill_random(out: &mut [u8]) {
    use chacha20poly1305::aead::rand_core::RngCore;
    chacha20poly1305::aead::OsRng.fill_bytes(out);
}

/// Argon2id of the secret under the file's salt.
pub(crate) fn derive_kek(secret: &Secret, salt: &[u8], cost: KdfCost) -> Result<Key> {
    let params = Params::new(cost.memory_kib, cost.iterations, cost.lanes, Some(32))
        .map_err(|e| Error::Corrupt(format!("key header: bad key derivation cost: {e}")))?;
    let mut key = [0; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(secret.bytes(), salt, &mut key)
        .map_err(|e| Error::Invalid(format!("key derivation: {e}")))?;
    Ok(Key(key))
}

pub(crate) const NONCE_LEN: usize = 24;
pub(crate) const TAG_LEN: usize = 16;

/// Encrypts `plain` under `key` with a fresh random nonce, bound to `context`:
/// nonce ‖ ciphertext ‖ tag.
pub(crate) fn seal(key: &XChaCha20Poly1305, context: &[u8], plain: &[u8], out: &mut [u8]) {
    debug_assert_eq!(out.len(), NONCE_LEN + plain.len() + TAG_LEN);
    let (nonce, rest) = out.split_at_mut(NONCE_LEN);
    fill_random(nonce);
    let sealed = key
        .encrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: plain,
                aad: context,
            },
        )
        .expect("XChaCha20-Poly1305 encrypts any length this store writes");
    rest.copy_from_slice(&sealed);
}

/// Decrypts what [`seal`] made; `None` if the key or the context is wrong, or a bit changed.
pub(crate) fn open(key: &XChaCha20Poly1305, context: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    let (nonce, rest) = sealed.split_at_checked(NONCE_LEN)?;
    key.decrypt(
        XNonce::from_slice(nonce),
        Payload {
            msg: rest,
            aad: context,
        },
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_block_opens_only_with_its_key_and_context() {
        let key = Key::random().cipher();
        let mut sealed = vec![0; NONCE_LEN + 5 + TAG_LEN];
        seal(&key, b"block 7", b"hello", &mut sealed);
        assert_eq!(
            open(&key, b"block 7", &sealed).as_deref(),
            Some(&b"hello"[..])
        );
        assert!(
            open(&key, b"block 8", &sealed).is_none(),
            "moved to another place"
        );
        assert!(
            open(&Key::random().cipher(), b"block 7", &sealed).is_none(),
            "another key"
        );
        sealed[NONCE_LEN + 2] ^= 1;
        assert!(open(&key, b"block 7", &sealed).is_none(), "one bit flipped");
    }

    #[test]
    fn the_key_derivation_depends_on_secret_and_salt() {
        let cost = KdfCost::FAST_FOR_TESTS;
        let a = derive_kek(&"甲".into(), b"0123456789abcdef", cost).unwrap();
        let b = derive_kek(&"甲".into(), b"0123456789abcdef", cost).unwrap();
        let c = derive_kek(&"乙".into(), b"0123456789abcdef", cost).unwrap();
        let d = derive_kek(&"甲".into(), b"fedcba9876543210", cost).unwrap();
        assert_eq!(a.0, b.0);
        assert_ne!(a.0, c.0);
        assert_ne!(a.0, d.0);
    }
}

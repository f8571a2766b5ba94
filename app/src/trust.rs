//! The installation's trust list: a root-signed file in the data directory, verified against
//! the pinned root key, replaced only by a newer version.

use std::path::{Path, PathBuf};

use anyhow::Context;
use p256::ecdsa::VerifyingKey;
use scanner::card::{TrustList, keys, trusted};

/// Unix seconds of 2026-01-01 (UTC+8): the demo list's issue date.
const DEMO_ISSUED: u64 = 1_767_196_800;
const YEAR: u64 = 365 * 86_400;

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("trust-list.ehtl")
}

/// The pinned root key: from the settings (hex, SEC1), or the demo root of the card spec.
pub fn root_key(hex: &str) -> anyhow::Result<VerifyingKey> {
    let hex = if hex.trim().is_empty() {
        keys::demo::ROOT_PUBLIC
    } else {
        hex.trim()
    };
    let bytes = keys::from_hex(hex).context("the root key in the settings is not hex")?;
    VerifyingKey::from_sec1_bytes(&bytes)
        .map_err(|_| anyhow::anyhow!("the root key in the settings is not a P-256 key"))
}

/// The demo trust list: the spec's demo issuer `CN-510000`, valid 2020–2035, signed by the
/// demo root. Demo data only.
pub fn demo_list() -> TrustList {
    let issuer = keys::demo::issuer();
    TrustList {
        version: 1,
        issued_at: DEMO_ISSUED,
        next_update: DEMO_ISSUED + 2 * YEAR,
        keys: vec![trusted(
            issuer.verifying_key(),
            keys::demo::ISSUER,
            DEMO_ISSUED - 6 * YEAR,
            DEMO_ISSUED + 9 * YEAR,
        )],
        revocations: vec![],
    }
}

/// Reads and verifies a trust list file.
pub fn read(file: &Path, root: &VerifyingKey) -> anyhow::Result<TrustList> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    TrustList::verify(&bytes, root).with_context(|| format!("{} is refused", file.display()))
}

/// The installed list; a new installation with the demo root gets the demo list.
pub fn load_or_install(data_dir: &Path, root: &VerifyingKey) -> anyhow::Result<Option<TrustList>> {
    let file = path(data_dir);
    if file.exists() {
        return read(&file, root).map(Some);
    }
    if keys::public_bytes(root) == keys::public_bytes(keys::demo::root().verifying_key()) {
        std::fs::create_dir_all(data_dir)?;
        write_atomic(&file, &demo_list().sign(&keys::demo::root()))?;
        return read(&file, root).map(Some);
    }
    Ok(None)
}

/// Installs a list from a file (USB stick), if it verifies and is newer than the installed one.
pub fn import(data_dir: &Path, root: &VerifyingKey, from: &Path) -> anyhow::Result<TrustList> {
    let offered = read(from, root)?;
    if let Some(mut current) = load_or_install(data_dir, root)? {
        current.update(offered.clone())?;
    }
    write_atomic(&path(data_dir), &std::fs::read(from)?)?;
    Ok(offered)
}

fn write_atomic(file: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, file)?;
    Ok(())
}

//! The installation's trust list: a root-signed file in the data directory, verified against
//! the root key pinned in the settings, replaced only by a newer version. It arrives from a
//! file (a USB stick) or from the hub through sync.
//!
//! Nothing is trusted by default: without a pinned root no signed card is verified (the demo
//! root's private key is published in the card spec, so trusting it by default would let
//! anyone forge cards). The demo pins the demo root explicitly.

use std::path::{Path, PathBuf};

use anyhow::Context;
use p256::ecdsa::VerifyingKey;
use scanner::card::{TrustList, keys};
use storage::Store;

/// The demo root (public, SEC1 hex), pinned by demo installations only.
pub const DEMO_ROOT: &str = keys::demo::ROOT_PUBLIC;

/// The store's record of the newest list version installed here: an older file copied over
/// the list later is refused.
const VERSION_FLOOR_KEY: storage::Local = storage::Local::TrustListVersion;

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("trust-list.ehtl")
}

/// The root key pinned in the settings (hex, SEC1), or `None` when none is.
pub fn root_key(hex: &str) -> anyhow::Result<Option<VerifyingKey>> {
    if hex.trim().is_empty() {
        return Ok(None);
    }
    let bytes = keys::from_hex(hex.trim()).context("the root key in the settings is not hex")?;
    VerifyingKey::from_sec1_bytes(&bytes)
        .map(Some)
        .map_err(|_| anyhow::anyhow!("the root key in the settings is not a P-256 key"))
}

/// What the screens say when no root is pinned.
pub const NO_ROOT: (&str, &str) = (
    "未配置信任根：无法验证电子健康卡的签名。请在设置中填写省级平台的根公钥，或导入信任列表。",
    "No trust root is configured: signed eHealth cards cannot be verified. Set the provincial \
     root key in the settings, or import a trust list.",
);

/// The demo trust list (the spec's demo issuer, signed by the demo root). Demo data only.
pub fn demo_list() -> TrustList {
    keys::demo::trust_list()
}

fn is_demo_root(root: &VerifyingKey) -> bool {
    keys::public_bytes(root) == keys::public_bytes(keys::demo::root().verifying_key())
}

/// Reads and verifies a trust list file.
pub fn read(file: &Path, root: &VerifyingKey) -> anyhow::Result<TrustList> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    TrustList::verify(&bytes, root).with_context(|| format!("{} is refused", file.display()))
}

fn floor(store: &Store) -> anyhow::Result<u64> {
    Ok(store
        .local_value(VERSION_FLOOR_KEY)?
        .and_then(|b| b.try_into().ok().map(u64::from_le_bytes))
        .unwrap_or(0))
}

fn raise_floor(store: &Store, version: u64) -> anyhow::Result<()> {
    if version > floor(store)? {
        store.set_local_value(VERSION_FLOOR_KEY, &version.to_le_bytes())?;
    }
    Ok(())
}

/// The installed list, verified against `root` and no older than the newest installed here
/// before; the newest list the hub delivered through sync is installed first when it is
/// newer. A demo root with no list gets the demo list. `None` without a root.
pub fn load(
    data_dir: &Path,
    root: Option<&VerifyingKey>,
    store: &Store,
) -> anyhow::Result<Option<TrustList>> {
    let Some(root) = root else {
        return Ok(None);
    };
    let file = path(data_dir);
    let mut installed = if file.exists() {
        let list = read(&file, root)?;
        let floor = floor(store)?;
        anyhow::ensure!(
            list.version >= floor,
            "{} holds trust list version {}, older than version {floor} installed here before: \
             an old file was put back; import the current list",
            file.display(),
            list.version
        );
        Some(list)
    } else if is_demo_root(root) {
        std::fs::create_dir_all(data_dir)?;
        write_atomic(&file, &demo_list().sign(&keys::demo::root()))?;
        Some(read(&file, root)?)
    } else {
        None
    };
    if let Some(release) = store.trust_list_release()? {
        let newer = installed
            .as_ref()
            .is_none_or(|l| release.version > l.version);
        // A release the root did not sign is left alone: the hub cannot make us trust it.
        if newer && let Ok(list) = TrustList::verify(&release.bytes, root) {
            write_atomic(&file, &release.bytes)?;
            installed = Some(list);
        }
    }
    if let Some(list) = &installed {
        raise_floor(store, list.version)?;
    }
    Ok(installed)
}

/// Installs a list from a file (USB stick), if it verifies and is newer than the installed one.
pub fn import(
    data_dir: &Path,
    root: Option<&VerifyingKey>,
    store: &Store,
    from: &Path,
) -> anyhow::Result<TrustList> {
    let root = root.ok_or_else(|| anyhow::anyhow!("{}", NO_ROOT.1))?;
    let offered = read(from, root)?;
    if let Some(mut current) = load(data_dir, Some(root), store)? {
        current.update(offered.clone())?;
    }
    write_atomic(&path(data_dir), &std::fs::read(from)?)?;
    raise_floor(store, offered.version)?;
    Ok(offered)
}

fn write_atomic(file: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, file)?;
    Ok(())
}

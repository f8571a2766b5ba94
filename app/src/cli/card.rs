//! `clinic card issue` and `clinic trust …`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use storage::{Actor, Store};

use scanner::card::{keys, qr_image};

use super::query::resolve;

/// Issues a printed card for a resident (giving them a card id if they have none) and prints
/// the `EHC1:` text; with `png`, also writes the QR image.
pub fn issue(store: &Store, actor: &Actor, who: &str, png: Option<&Path>) -> anyhow::Result<()> {
    let issued = crate::services::printing::issue(store, actor, resolve(store, who)?)?;
    if let Some(path) = png {
        let image = qr_image(&issued.text, 6)
            .map_err(|e| anyhow::anyhow!("cannot draw the QR code: {e}"))?;
        image::GrayImage::from_raw(image.width, image.height, image.pixels)
            .context("image size")?
            .save(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("{}", issued.text);
    Ok(())
}

pub fn trust_import(
    data_dir: &Path,
    store: &Store,
    root_hex: &str,
    file: &PathBuf,
) -> anyhow::Result<()> {
    let root = crate::trust::root_key(root_hex)?;
    let list = crate::trust::import(data_dir, root.as_ref(), store, file)?;
    println!(
        "trust list version {} installed: {} issuer keys, {} revocations",
        list.version,
        list.keys.len(),
        list.revocations.len()
    );
    Ok(())
}

pub fn trust_show(data_dir: &Path, store: &Store, root_hex: &str) -> anyhow::Result<()> {
    let root = crate::trust::root_key(root_hex)?;
    if root.is_none() {
        bail!("{}", crate::trust::NO_ROOT.1);
    }
    let Some(list) = crate::trust::load(data_dir, root.as_ref(), store)? else {
        bail!("no trust list installed: import one with `clinic trust import FILE`");
    };
    let keys: Vec<serde_json::Value> = list
        .keys
        .iter()
        .map(|k| serde_json::json!({"kid": keys::hex(&k.kid), "issuer": k.issuer, "not_before": k.not_before, "not_after": k.not_after}))
        .collect();
    let out = serde_json::json!({
        "version": list.version,
        "issued_at": list.issued_at,
        "next_update": list.next_update,
        "keys": keys,
        "revocations": list.revocations.len(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

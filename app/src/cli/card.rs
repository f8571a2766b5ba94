//! `clinic card issue` and `clinic trust …`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use storage::model::{AuditAction, AuditEntry, Body, CardId, Identifier, ResidentChange};
use storage::{Actor, Store};

use scanner::card::{issue_card, keys, qr_image};

use super::query::resolve;

/// Five years, the longest a printed card may be valid.
const PRINTED_CARD_SECONDS: u64 = 5 * 365 * 86_400;

/// Issues a printed card for a resident (giving them a card id if they have none) and prints
/// the `EHC1:` text; with `png`, also writes the QR image.
pub fn issue(store: &Store, actor: &Actor, who: &str, png: Option<&Path>) -> anyhow::Result<()> {
    let id = resolve(store, who)?;
    let resident = store.resident(id)?.context("resident vanished")?;
    let card = match resident.card_id() {
        Some(c) => c,
        None => {
            // A new card id: 32 random bytes, as the platform issues.
            let mut bytes = [0u8; 32];
            bytes[..16].copy_from_slice(&store.new_id().0.to_be_bytes());
            bytes[16..].copy_from_slice(&store.new_id().0.to_le_bytes());
            let card = CardId(bytes);
            store.update_resident(
                actor,
                ResidentChange {
                    resident: id,
                    fields: vec![],
                    add_identifiers: vec![Identifier::Card(card)],
                    remove_identifiers: vec![],
                },
            )?;
            card
        }
    };
    let now = (store.clock().now_ms() / 1000).max(0) as u64;
    let token = crate::scan::token_for(
        &resident,
        card.0,
        keys::demo::ISSUER,
        now,
        now + PRINTED_CARD_SECONDS,
    );
    let text = issue_card(&token, &keys::demo::issuer());
    if let Some(path) = png {
        let image =
            qr_image(&text, 6).map_err(|e| anyhow::anyhow!("cannot draw the QR code: {e}"))?;
        image::GrayImage::from_raw(image.width, image.height, image.pixels)
            .context("image size")?
            .save(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    store.commit_one(
        actor,
        Body::Audit(AuditEntry::new(AuditAction::Print, Some(id), "card issued")),
    )?;
    println!("{text}");
    Ok(())
}

pub fn trust_import(data_dir: &Path, root_hex: &str, file: &PathBuf) -> anyhow::Result<()> {
    let root = crate::trust::root_key(root_hex)?;
    let list = crate::trust::import(data_dir, &root, file)?;
    println!(
        "trust list version {} installed: {} issuer keys, {} revocations",
        list.version,
        list.keys.len(),
        list.revocations.len()
    );
    Ok(())
}

pub fn trust_show(data_dir: &Path, root_hex: &str) -> anyhow::Result<()> {
    let root = crate::trust::root_key(root_hex)?;
    let Some(list) = crate::trust::load_or_install(data_dir, &root)? else {
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

//! Keeping the data safe from the command line: backups and restore, the facility secret,
//! converting an old unencrypted file, and the audit log (verify the chains, search).
//! Each command takes the facility secret from `CLINIC_SECRET_FILE` (or `CLINIC_SECRET`).

use std::path::Path;

use serde_json::json;
use storage::backup;
use storage::{Date, Id, OpenOptions, Secret, Store};

use crate::paths::store_path;

/// `clinic backup --to DIR`: a consistent, encrypted snapshot, even while the app runs.
/// Prints what the backup holds and writes the same next to it (`*.backup.json`).
/// Audited as the operating-system user, unless the window has the store open (then only it
/// may write, and a warning says the backup is not in the audit log).
pub fn backup(data_dir: &Path, actor: &storage::Actor, to: &Path) -> anyhow::Result<()> {
    let options = OpenOptions::from_env()?;
    let report = backup::backup_file(&store_path(data_dir), &options, actor, to)?;
    let text = serde_json::to_string_pretty(&report)?;
    std::fs::write(report.file.with_extension("backup.json"), &text)?;
    println!("{text}");
    if !report.audited {
        eprintln!(
            "clinic: warning: the app has the store open, so this backup is not in its audit log"
        );
    }
    Ok(())
}

/// `clinic restore --from FILE`: verifies the backup in full, then replaces the store (the app
/// must be closed); the replaced file is kept beside it. `--check-only` verifies and stops.
pub fn restore(data_dir: &Path, from: &Path, check_only: bool) -> anyhow::Result<()> {
    let options = OpenOptions::from_env()?;
    if check_only {
        let check = backup::verify_backup(from, &options)?;
        println!("{}", serde_json::to_string_pretty(&check)?);
        return Ok(());
    }
    let report = backup::restore(from, &store_path(data_dir), &options).map_err(|e| match e {
        storage::Error::InUse => {
            anyhow::anyhow!("the workstation app is running: close it, then restore")
        }
        e => anyhow::anyhow!("the backup was not restored, nothing was replaced: {e}"),
    })?;
    // The audit entries made after the backup are gone from this file (the hub holds those it
    // received): the chain continues from the backup's last entry, and says so, so the hub
    // takes what follows as a declared fork rather than as tampering.
    let settings = crate::settings::Settings::load(data_dir)?;
    let store = storage::Store::open(store_path(data_dir), options)?;
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let actor = storage::Actor {
        staff: format!("cli:{user}"),
        facility: settings.facility,
        role: storage::model::Role::Admin,
    };
    let reason = format!(
        "restored from {} ({} changes); later entries of this workstation were lost here",
        from.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        report.check.changes
    );
    store.declare_fork(&actor, &reason)?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// `clinic encrypt`: converts a store made before encryption at rest, in place.
pub fn encrypt(data_dir: &Path) -> anyhow::Result<()> {
    let path = store_path(data_dir);
    let check = backup::encrypt_plain_store(&path, &OpenOptions::from_env()?)?;
    println!(
        "{} is now encrypted: {} changes, {} residents, {} audit chains verified",
        path.display(),
        check.changes,
        check.residents,
        check.audit_chains
    );
    eprintln!("note: copies of the old file made before (backups, USB sticks) are still readable");
    Ok(())
}

/// `clinic secret change --new-secret-file F [--rekey]`: rewraps the data key under a new
/// secret, or with `--rekey` copies the store under a new data key as well.
pub fn change_secret(data_dir: &Path, new_secret_file: &Path, rekey: bool) -> anyhow::Result<()> {
    let old = Secret::from_env()?
        .ok_or_else(|| anyhow::anyhow!("give the current secret in CLINIC_SECRET_FILE"))?;
    let new = Secret::from_file(new_secret_file)?;
    let path = store_path(data_dir);
    if rekey {
        let check = backup::rekey(&path, &OpenOptions::new(old), &OpenOptions::new(new))?;
        println!(
            "the store has a new data key and secret: {} changes, {} audit chains verified",
            check.changes, check.audit_chains
        );
        eprintln!("note: backups made before are still locked by the old key and secret");
    } else {
        Store::change_secret(path, &old, &new)?;
        println!("the facility secret is changed; the old one no longer opens this file");
    }
    Ok(())
}

/// `clinic audit verify`: checks every page of the file against redb's checksums (a page
/// rolled back to an older copy) and every device's hash chain, and the hub's last receipt;
/// fails if any does not hold.
pub fn audit_verify(mut store: Store) -> anyhow::Result<()> {
    store.check_integrity()?;
    let mut broken = 0;
    for device in store.audit_devices()? {
        let report = store.verify_audit_chain(&device)?;
        broken += usize::from(report.broken.is_some());
        println!(
            "{}",
            json!({"device": report.device, "entries": report.entries, "broken": report.broken})
        );
    }
    anyhow::ensure!(
        broken == 0,
        "{broken} audit chain(s) broken: the log was altered"
    );
    if let Some(problem) = sync::client::audit_receipt_problem(&store)? {
        anyhow::bail!("{problem}");
    }
    Ok(())
}

/// `clinic audit search`: entries between two days (Beijing time), by staff or resident; one
/// JSON object per line.
pub fn audit_search(
    store: &Store,
    from: Date,
    to: Date,
    staff: Option<&str>,
    resident: Option<&str>,
) -> anyhow::Result<()> {
    let resident = resident
        .map(|r| r.parse::<Id>())
        .transpose()
        .map_err(|e| anyhow::anyhow!("resident id: {e}"))?;
    let entries = store.search_audit(
        from.start_ms(),
        to.add_days(1).start_ms(),
        staff,
        resident,
        10_000,
    )?;
    for (change, entry) in entries {
        println!(
            "{}",
            json!({
                "at": change.hlc.unix_ms(),
                "staff": change.origin.staff,
                "facility": change.origin.facility,
                "device": change.origin.device,
                "action": format!("{:?}", entry.action),
                "resident": entry.resident.map(|r| r.to_string()),
                "reason": entry.reason,
            })
        );
    }
    Ok(())
}

//! Backups: one consistent moment of a store, copied table by table from a single read
//! transaction into a new encrypted file, while the app goes on writing (the store is opened
//! in redb's single-writer mode, so another process may read a snapshot). Restore verifies a
//! backup end to end before it replaces anything, and keeps the file it replaces.
//!
//! The same copy converts a store made before encryption at rest (`clinic encrypt`).

use std::path::{Path, PathBuf};

use redb::{
    Database, Key, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, TableError,
    TableHandle, Value, WriteTransaction,
};

use crate::error::{Error, Result};
use crate::model::{AuditAction, AuditEntry, Body};
use crate::store::{OpenOptions, Store};
use crate::tables::*;

/// What a backup holds, as written next to it and shown to the user.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BackupReport {
    pub file: PathBuf,
    pub device: String,
    /// When the snapshot was taken (milliseconds since the Unix epoch).
    pub taken_at_ms: i64,
    pub changes: u64,
    pub residents: u64,
    pub bytes: u64,
    /// Whether the store's audit log records this backup (and the backup holds that entry).
    /// Not when another program (the running window) had the store open: only it may write.
    pub audited: bool,
}

/// Something done to each table of a store in turn, whatever its key and value types.
pub(crate) trait EachTable {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        src: &ReadTransaction,
        def: TableDefinition<K, V>,
    ) -> Result<()>;
}

/// Visits every table of the snapshot. A table this program does not know is an error, so a
/// backup can never silently leave one out.
pub(crate) fn each_table(src: &ReadTransaction, visitor: &mut impl EachTable) -> Result<()> {
    let mut known = Vec::new();
    macro_rules! visit {
        ($($t:ident),* $(,)?) => {$(
            known.push($t.name());
            match src.open_table($t) {
                Ok(_) => visitor.table(src, $t)?,
                Err(TableError::TableDoesNotExist(_)) => {}
                Err(e) => return Err(e.into()),
            }
        )*};
    }
    visit!(
        META,
        CHANGES,
        JOURNAL,
        OUTBOX,
        OUTBOX_BY_CHANGE,
        RESIDENTS,
        IDENTIFIERS,
        NAMES,
        HISTORY,
        HOUSEHOLD,
        CONSENTS,
        FACILITIES,
        TICKETS,
        QUEUE,
        CLAIMS,
        CLAIMS_BY_STATUS,
        CLAIMS_BY_RESIDENT,
        CLAIMS_BY_DAY,
        POLICIES,
        PAYMENTS,
        AUDIT_CHAIN,
        AUDIT_BY_TIME,
        PAYMENTS_BY_CLAIM,
        PAYMENTS_BY_DAY,
        BY_RESIDENT,
        AUDIT_BY_RESIDENT,
        STAFF,
        OUTBOX_REJECTED,
        DEVICES,
        ENROLMENTS,
        FROM_UPSTREAM,
        ENROLMENTS_USED,
        DEVICES_SEEN,
    );
    for table in src.list_tables()? {
        if !known.contains(&table.name()) {
            return Err(Error::Invalid(format!(
                "the store has a table this program does not know ({}): use the newer program",
                table.name()
            )));
        }
    }
    Ok(())
}

/// Copies each table into a write transaction.
struct Copy<'a>(&'a WriteTransaction);

impl EachTable for Copy<'_> {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        src: &ReadTransaction,
        def: TableDefinition<K, V>,
    ) -> Result<()> {
        let mut to = self.0.open_table(def)?;
        for row in src.open_table(def)?.iter()? {
            let (k, v) = row?;
            to.insert(k.value(), v.value())?;
        }
        Ok(())
    }
}

/// Reads every row: with the encrypted file underneath, this authenticates every page in use.
struct ReadAll(u64);

impl EachTable for ReadAll {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        src: &ReadTransaction,
        def: TableDefinition<K, V>,
    ) -> Result<()> {
        for row in src.open_table(def)?.iter()? {
            row?;
            self.0 += 1;
        }
        Ok(())
    }
}

/// Writes `snapshot` into a new encrypted store at `dest` (through a `.part` file renamed at
/// the end, so a half-written backup never carries the final name).
fn write_copy(snapshot: &ReadTransaction, dest: &Path, options: &OpenOptions) -> Result<()> {
    let part = dest.with_extension("part");
    let db = copy_into(snapshot, &part, options)?;
    drop(db);
    let result = std::fs::rename(&part, dest)
        .map_err(Error::from)
        .and_then(|()| sync_dir(dest));
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result
}

/// Copies every table of `snapshot`, in key order, into a new encrypted store at `dest`
/// (replacing any file there), committed durably, and returns it still open. A copy that
/// fails is removed.
pub(crate) fn copy_into(
    snapshot: &ReadTransaction,
    dest: &Path,
    options: &OpenOptions,
) -> Result<Database> {
    let _ = std::fs::remove_file(dest);
    let result = (|| {
        let db = Store::open_raw(dest, options)?;
        let tx = db.begin_write()?;
        each_table(snapshot, &mut Copy(&tx))?;
        tx.commit()?;
        Ok(db)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    result
}

/// Makes a rename durable.
pub(crate) fn sync_dir(file: &Path) -> Result<()> {
    match file.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => Ok(std::fs::File::open(dir)?.sync_all()?),
        None => Ok(()),
    }
}

/// What the snapshot holds; the file and its size are filled in once it is written.
fn report_of(snapshot: &ReadTransaction, taken_at_ms: i64) -> Result<BackupReport> {
    use redb::ReadableTableMetadata;
    let meta = snapshot.open_table(META)?;
    let device = meta
        .get("device")?
        .map(|v| String::from_utf8_lossy(v.value()).into_owned())
        .unwrap_or_default();
    Ok(BackupReport {
        device,
        taken_at_ms,
        changes: snapshot.open_table(CHANGES)?.len()?,
        residents: snapshot.open_table(RESIDENTS)?.len()?,
        bytes: 0,
        file: PathBuf::new(),
        audited: false,
    })
}

/// The name of a backup of `device` taken at `ms`: sorts by time.
fn backup_name(device: &str, ms: i64) -> String {
    let day = crate::Date::of_instant(ms);
    let into_day = ms - day.start_ms();
    let second = into_day / 1000;
    let (h, m, s, milli) = (
        second / 3600,
        second / 60 % 60,
        second % 60,
        into_day % 1000,
    );
    format!(
        "clinic-{device}-{}-{h:02}{m:02}{s:02}.{milli:03}.backup",
        day.ymd_number()
    )
}

impl Store {
    /// Backs this open store up into `dir`, locked by the same secret, from one read
    /// transaction: a consistent moment even while other threads write. Audited: the entry
    /// saying who took it is committed first, so the backup holds it too.
    pub fn backup_to(&self, actor: &crate::Actor, dir: &Path) -> Result<BackupReport> {
        let entry = AuditEntry::new(
            AuditAction::Backup,
            None,
            format!("backup to {}", dir.display()),
        );
        self.commit_one(actor, Body::Audit(entry))?;
        let snapshot = self.read()?;
        let mut report = backup_snapshot(
            &snapshot,
            dir,
            &self.sibling_options(),
            self.clock().now_ms(),
        )?;
        report.audited = true;
        Ok(report)
    }
}

fn backup_snapshot(
    snapshot: &ReadTransaction,
    dir: &Path,
    options: &OpenOptions,
    now_ms: i64,
) -> Result<BackupReport> {
    std::fs::create_dir_all(dir)?;
    let mut report = report_of(snapshot, now_ms)?;
    let dest = dir.join(backup_name(&report.device, now_ms));
    if dest.exists() {
        return Err(Error::Invalid(format!("{} exists already", dest.display())));
    }
    write_copy(snapshot, &dest, options)?;
    report.bytes = std::fs::metadata(&dest)?.len();
    report.file = dest;
    Ok(report)
}

/// Backs up the store file at `path` into `dir`, whether or not the app has it open: a
/// running app shares the file with readers, and the snapshot is one committed moment.
///
/// When nobody has it open the backup is audited as `actor`'s ([`Store::backup_to`]); a
/// running app is the store's only writer, so then the report says it is not
/// ([`BackupReport::audited`]).
pub fn backup_file(
    path: &Path,
    options: &OpenOptions,
    actor: &crate::Actor,
    dir: &Path,
) -> Result<BackupReport> {
    if !crate::encrypted_file::in_use(path)? {
        return Store::open(path, options.clone())?.backup_to(actor, dir);
    }
    let file = crate::encrypted_file::open(path, &options.secret, options.kdf, false)?;
    let db = options.builder().open_read_only_with_backend(file)?;
    let snapshot = db.begin_read()?;
    backup_snapshot(&snapshot, dir, options, options.clock.now_ms())
}

/// What a verified backup holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BackupCheck {
    pub device: String,
    pub changes: u64,
    pub residents: u64,
    /// Rows read (every one authenticated).
    pub rows: u64,
    /// Devices whose audit chain was checked (all of them whole).
    pub audit_chains: usize,
}

/// Checks a store file end to end: the secret opens it, every page it holds authenticates
/// (those no longer in use too, before redb opens the file and may rewrite some), the schema is
/// one this program reads, every page matches its parent's checksum, every row of every table
/// reads, every change decodes under its own id, and every device's audit chain is whole.
fn check_store_file(path: &Path, options: &OpenOptions) -> Result<BackupCheck> {
    crate::encrypted_file::authenticate_every_page(path, &options.secret)?;
    let mut store = Store::open(
        path,
        OpenOptions {
            exclusive: true,
            ..options.clone()
        },
    )?;
    store.check_integrity()?;
    let tx = store.read()?;
    let mut rows = ReadAll(0);
    each_table(&tx, &mut rows)?;
    let mut changes = 0;
    for row in tx.open_table(CHANGES)?.iter()? {
        let (id, bytes) = row?;
        let change = crate::codec::unpack_change(id.value(), bytes.value())?;
        if change.id.0 != id.value() {
            return Err(Error::Corrupt(format!(
                "change {} is filed under another id",
                change.id
            )));
        }
        changes += 1;
    }
    let devices = store.audit_devices()?;
    for device in &devices {
        if let Some(why) = store.verify_audit_chain(device)?.broken {
            return Err(Error::Corrupt(format!(
                "the audit chain of {device} is broken: {why}"
            )));
        }
    }
    Ok(BackupCheck {
        device: store.device().to_string(),
        changes,
        residents: store.resident_count()?,
        rows: rows.0,
        audit_chains: devices.len(),
    })
}

/// Copies `backup` to `copy` and checks the copy (opening a store may write to it, so the
/// backup itself is never opened); a copy that fails the check is removed.
fn copy_checked(backup: &Path, copy: &Path, options: &OpenOptions) -> Result<BackupCheck> {
    std::fs::copy(backup, copy)?;
    let check = check_store_file(copy, options);
    if check.is_err() {
        let _ = std::fs::remove_file(copy);
    }
    check
}

/// Verifies a backup without changing it (the check runs on a copy).
pub fn verify_backup(backup: &Path, options: &OpenOptions) -> Result<BackupCheck> {
    let copy = backup.with_extension(format!("verify-{}", std::process::id()));
    let check = copy_checked(backup, &copy, options);
    let _ = std::fs::remove_file(&copy);
    check
}

/// What a restore did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RestoreReport {
    pub check: BackupCheck,
    /// Where the replaced file was kept, if there was one.
    pub previous: Option<PathBuf>,
}

/// Restores `backup` as the store at `target`. The exact bytes to be installed are verified
/// first (a copy beside the target), so a bad backup replaces nothing; the target must not be
/// open anywhere, and the file it replaces is kept beside it, renamed.
pub fn restore(backup: &Path, target: &Path, options: &OpenOptions) -> Result<RestoreReport> {
    let in_use = || target.exists() && crate::encrypted_file::in_use(target).unwrap_or(true);
    if in_use() {
        return Err(Error::InUse);
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let incoming = target.with_extension("restoring");
    let check = copy_checked(backup, &incoming, options)?;
    std::fs::File::open(&incoming).and_then(|f| f.sync_all())?;
    if in_use() {
        let _ = std::fs::remove_file(&incoming);
        return Err(Error::InUse);
    }
    let previous = if target.exists() {
        let kept = target.with_extension(format!("before-restore-{}", options.clock.now_ms()));
        std::fs::rename(target, &kept)?;
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&incoming, target)?;
    sync_dir(target)?;
    Ok(RestoreReport { check, previous })
}

/// Re-keys the (closed) store at `path`: every table is copied into a new file under a new
/// random data key, locked by the secret of `new`; the copy is checked end to end and then
/// replaces the file. Rewrapping the key (`Store::change_secret`) is enough when a secret was
/// only seen; re-keying is for a data key that may have leaked (read from the memory of a
/// running workstation), after which even the old file with the old secret no longer opens
/// the new one's pages.
pub fn rekey(path: &Path, old: &OpenOptions, new: &OpenOptions) -> Result<BackupCheck> {
    if new.secret.is_empty() {
        return Err(Error::Invalid(
            "the facility secret may not be empty".into(),
        ));
    }
    if crate::encrypted_file::in_use(path)? {
        return Err(Error::InUse);
    }
    let next = path.with_extension("rekeying");
    {
        let store = Store::open(
            path,
            OpenOptions {
                exclusive: true,
                ..old.clone()
            },
        )?;
        write_copy(&store.read()?, &next, new)?;
    }
    let check = check_store_file(&next, new);
    if check.is_err() {
        let _ = std::fs::remove_file(&next);
    }
    let check = check?;
    std::fs::File::open(&next).and_then(|f| f.sync_all())?;
    std::fs::rename(&next, path)?;
    sync_dir(path)?;
    Ok(check)
}

/// Converts a store made before encryption at rest into an encrypted one, in place. The plain
/// file is removed once the encrypted copy is verified.
pub fn encrypt_plain_store(path: &Path, options: &OpenOptions) -> Result<BackupCheck> {
    if crate::encrypted_file::is_encrypted(path) {
        return Err(Error::Invalid("this data file is already encrypted".into()));
    }
    let plain = redb::Database::open(path)?;
    let encrypted = path.with_extension("encrypting");
    write_copy(&plain.begin_read()?, &encrypted, options)?;
    drop(plain);
    let check = check_store_file(&encrypted, options)?;
    std::fs::rename(&encrypted, path)?;
    sync_dir(path)?;
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, Clock, NewResident};

    fn options() -> OpenOptions {
        OpenOptions::new("备份测试").fast_kdf_for_tests()
    }

    fn clerk() -> Actor {
        Actor {
            staff: "clerk".into(),
            facility: "H42092100101".into(),
            role: crate::model::Role::FrontDesk,
        }
    }

    fn register(store: &Store, name: &str) -> crate::Id {
        let form = NewResident {
            name: name.into(),
            birth_date: Some("1980-01-01".parse().unwrap()),
            ..Default::default()
        };
        store.register(&clerk(), form).unwrap()
    }

    #[test]
    fn a_backup_taken_while_another_thread_writes_is_one_consistent_moment() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(
            Store::open(
                dir.path().join("clinic.redb"),
                options().with_clock(Clock::system()),
            )
            .unwrap(),
        );
        for i in 0..50 {
            register(&store, &format!("居民{i}"));
        }
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..200)
                    .map(|i| register(&store, &format!("新{i}")))
                    .count()
            })
        };
        let report = store
            .backup_to(&clerk(), &dir.path().join("backups"))
            .unwrap();
        assert_eq!(writer.join().unwrap(), 200);
        assert!(
            report.residents >= 50 && report.residents <= 250,
            "{report:?}"
        );
        let check = verify_backup(&report.file, &options()).unwrap();
        assert_eq!(check.residents, report.residents);
        assert_eq!(check.changes, report.changes);
        assert_eq!(check.audit_chains, 1);
        // Every resident in the backup came with its change and its outbox entry.
        let target = dir.path().join("restored.redb");
        restore(&report.file, &target, &options()).unwrap();
        let restored = Store::open(&target, options()).unwrap();
        assert_eq!(restored.resident_count().unwrap(), report.residents);
        assert_eq!(restored.outbox_len().unwrap(), report.changes);
        assert_eq!(restored.device(), store.device());
    }

    #[test]
    fn a_damaged_or_foreign_backup_replaces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("clinic.redb");
        let report = {
            let store = Store::open(&live, options()).unwrap();
            for i in 0..30 {
                register(&store, &format!("居民{i}"));
            }
            store.backup_to(&clerk(), &dir.path().join("b")).unwrap()
        };
        let before = std::fs::read(&live).unwrap();
        let mut bytes = std::fs::read(&report.file).unwrap();
        // One page in five altered (one alone may be a free page, which harms nothing).
        let slot = 8 + 24 + 4096 + 16;
        for at in (4096 + 2 * slot + 100..bytes.len()).step_by(5 * slot) {
            bytes[at] ^= 1;
        }
        let damaged = dir.path().join("damaged.backup");
        std::fs::write(&damaged, &bytes).unwrap();
        assert!(verify_backup(&damaged, &options()).is_err());
        assert!(restore(&damaged, &live, &options()).is_err());
        let wrong = restore(
            &report.file,
            &live,
            &OpenOptions::new("别的密钥").fast_kdf_for_tests(),
        );
        assert!(matches!(wrong, Err(Error::WrongSecret)), "{wrong:?}");
        assert!(
            std::fs::read(&live).unwrap() == before,
            "the live store was touched"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("restoring") || n.contains("verify"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        // The good backup restores, and the replaced file is kept.
        let done = restore(&report.file, &live, &options()).unwrap();
        assert!(std::fs::read(done.previous.unwrap()).unwrap() == before);
    }

    #[test]
    fn an_old_unencrypted_store_is_converted_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clinic.redb");
        let (who, device) = {
            let store = Store::open(dir.path().join("source.redb"), options()).unwrap();
            let who = register(&store, "张伟");
            // The same tables in a plain redb file: a store from before encryption at rest.
            let plain = redb::Database::create(&path).unwrap();
            let tx = plain.begin_write().unwrap();
            each_table(&store.read().unwrap(), &mut Copy(&tx)).unwrap();
            tx.commit().unwrap();
            (who, store.device().to_string())
        };
        assert!(matches!(
            Store::open(&path, options()).err(),
            Some(Error::Unencrypted)
        ));
        let check = encrypt_plain_store(&path, &options()).unwrap();
        assert_eq!(check.residents, 1);
        assert!(crate::is_encrypted(&path));
        let store = Store::open(&path, options()).unwrap();
        assert_eq!(store.resident(who).unwrap().unwrap().name, "张伟");
        assert_eq!(store.device(), device);
    }
}

//! Opening the store, the schema version, and the one write path for local changes.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use redb::{
    ConcurrencyMode, Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata,
};

use crate::apply::{Applied, Tables, apply};
use crate::authority::{MAX_CLOCK_AHEAD_MS, Pushed, Pusher, Verdict};
use crate::clock::Clock;
use crate::crypto::{KdfCost, Secret};
use crate::encrypted_file;
use crate::error::{Error, Result};
use crate::ids::{Hlc, Id, IdGen};
use crate::model::{Body, Change, Origin, Role};

/// The schema this program writes. Bump it with a migration in `migrate.rs`.
/// 2: the name index also holds the ID number's last four and six characters.
/// 3: changes are stored compressed, without their id (`codec.rs`).
pub const SCHEMA_VERSION: u32 = 3;

/// Who is making a change: the logged-in staff member at a facility.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub staff: String,
    pub facility: String,
    pub role: Role,
}

/// Options for [`Store::open`].
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// Unlocks the file (or locks a new one).
    pub secret: Secret,
    /// Cost of deriving the key from the secret, for a new file (an existing one keeps its own).
    pub kdf: KdfCost,
    pub clock: Clock,
    /// redb page cache; bounds resident memory on big stores.
    pub cache_bytes: usize,
    /// Keep other processes out entirely. Off by default, so `clinic backup` can read a
    /// consistent snapshot while the app runs; on for bulk loads, which may then skip fsyncs.
    pub exclusive: bool,
}

impl OpenOptions {
    pub fn new(secret: impl Into<Secret>) -> OpenOptions {
        OpenOptions {
            secret: secret.into(),
            kdf: KdfCost::STANDARD,
            clock: Clock::system(),
            cache_bytes: 64 << 20,
            exclusive: false,
        }
    }

    /// With the facility secret from the environment (`CLINIC_SECRET_FILE`, else
    /// `CLINIC_SECRET`): for programs that run unattended, such as the hub service.
    pub fn from_env() -> Result<OpenOptions> {
        match Secret::from_env()? {
            Some(secret) => Ok(OpenOptions::new(secret)),
            None => Err(Error::Invalid(
                "the data file is encrypted: give the facility secret in a file named by \
                 CLINIC_SECRET_FILE (or in CLINIC_SECRET)"
                    .into(),
            )),
        }
    }

    /// Cheap key derivation, for tests that make many throwaway stores.
    pub fn fast_kdf_for_tests(mut self) -> OpenOptions {
        self.kdf = KdfCost::FAST_FOR_TESTS;
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> OpenOptions {
        self.clock = clock;
        self
    }

    pub(crate) fn builder(&self) -> redb::Builder {
        let mut builder = redb::Builder::new();
        builder.set_cache_size(self.cache_bytes);
        builder.set_concurrency_mode(if self.exclusive {
            ConcurrencyMode::ExclusiveWriter
        } else {
            ConcurrencyMode::SingleWriter
        });
        builder
    }
}

/// What a page that authenticates but does not fit its place means.
const ROLLED_BACK: &str = "a page of the data file was replaced by an older copy or damaged: \
    restore the latest backup (clinic restore)";

pub(crate) struct WriterState {
    hlc: Hlc,
    ids: IdGen,
    /// Hash of this device's last audit entry: the next one's `prev`.
    audit_head: crate::model::ChainHash,
}

/// One redb file holding a workstation's (or a hub's) data. Share it as `Arc<Store>`.
pub struct Store {
    pub(crate) db: Database,
    pub(crate) path: PathBuf,
    device: String,
    clock: Clock,
    exclusive: bool,
    cache_bytes: usize,
    /// Kept to lock the backups this store writes under the same secret.
    secret: Secret,
    writer: Mutex<WriterState>,
}

impl Store {
    /// Opens the store at `path` with the facility secret, creating it if absent. A wrong
    /// secret, a file from a newer program version or an unencrypted file are refused before
    /// anything is written; an older version is migrated forward in one transaction.
    pub fn open(path: impl AsRef<Path>, options: OpenOptions) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let unlocked = encrypted_file::unlock(&path, &options.secret, options.kdf, true)?;
        // The version check reads the table tree too: a damaged page there is told as damage.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::migrate::check_existing(&path, &options, &unlocked)
        }))
        .map_err(|_| Error::Corrupt(ROLLED_BACK.into()))??;
        let file = encrypted_file::backend(&path, &unlocked, true)?;
        // Every page authenticates, but a page replaced by an older authentic copy of itself
        // can trip an assertion inside redb (a plain open does not check the pages'
        // checksums): that is a damaged file, told as one, not a crash.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let db = options.builder().create_with_backend(file)?;
            let prepared = crate::migrate::prepare(&db)?;
            let db = crate::compact::compact_at_open(db, &path, &options)?;
            Ok::<_, Error>((db, prepared))
        }));
        let (db, (device, hlc)) = opened.map_err(|_| Error::Corrupt(ROLLED_BACK.into()))??;
        let store = Store {
            db,
            path,
            device,
            clock: options.clock,
            exclusive: options.exclusive,
            cache_bytes: options.cache_bytes,
            secret: options.secret.clone(),
            writer: Mutex::new(WriterState {
                hlc,
                ids: IdGen::default(),
                audit_head: [0; 32],
            }),
        };
        let head = store.audit_head(&store.device)?.unwrap_or([0; 32]);
        store.writer().audit_head = head;
        Ok(store)
    }

    /// The redb database inside an encrypted store file, unlocked, for repair tools and for
    /// tests that must alter tables behind the store's back (as an insider with the secret
    /// could). It bypasses every rule of the store: never use it for normal work.
    pub fn open_raw(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Database> {
        let file = encrypted_file::open(path.as_ref(), &options.secret, options.kdf, true)?;
        Ok(options.builder().create_with_backend(file)?)
    }

    /// Gives the store at `path` (not open elsewhere) a new facility secret. Only the wrapped
    /// key changes; the old secret stops working at once.
    pub fn change_secret(path: impl AsRef<Path>, old: &Secret, new: &Secret) -> Result<()> {
        encrypted_file::change_secret(path.as_ref(), old, new, KdfCost::STANDARD)
    }

    /// Checks every page in use against the checksum redb keeps of it in its parent page, up
    /// to the root's in the header (two slots, each with a commit counter). Every page already
    /// authenticates on its own; this is what catches one replaced by an *older* authentic copy
    /// of itself (a rolled-back page). A whole file rolled back to an older copy passes here and
    /// is caught by the hub instead: its next audit entry does not extend the chain the hub
    /// holds. Reads the whole file: `clinic audit verify` and every restore run it.
    pub fn check_integrity(&mut self) -> Result<()> {
        let db = &mut self.db;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| db.check_integrity())) {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) | Err(_) => Err(Error::Corrupt(ROLLED_BACK.into())),
            Ok(Err(e)) => Err(Error::Corrupt(format!(
                "the data file failed its integrity check: {e}"
            ))),
        }
    }

    /// Options to make another file locked by the same secret (a backup).
    pub(crate) fn sibling_options(&self) -> OpenOptions {
        OpenOptions::new(self.secret.clone()).with_clock(self.clock.clone())
    }

    /// Options to open this store's file again as it is open now (a rewritten copy of it).
    pub(crate) fn reopen_options(&self) -> OpenOptions {
        OpenOptions {
            exclusive: self.exclusive,
            cache_bytes: self.cache_bytes,
            ..self.sibling_options()
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This workstation's device id, made when the file was created.
    pub fn device(&self) -> &str {
        &self.device
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A fresh id for an object created by the caller (a ticket, a claim, a resident).
    pub fn new_id(&self) -> Id {
        let now = self.clock.now_ms().max(0) as u64;
        self.writer().ids.next(now)
    }

    pub(crate) fn begin_write_raw(&self) -> Result<redb::WriteTransaction> {
        Ok(self.db.begin_write()?)
    }

    pub(crate) fn read(&self) -> Result<ReadTransaction> {
        Ok(self.db.begin_read()?)
    }

    pub(crate) fn writer(&self) -> MutexGuard<'_, WriterState> {
        // A panic while holding the lock leaves no half-state: redb aborted that transaction.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records local changes atomically: each is applied to the views and queued in the
    /// outbox in the same write transaction. Returns the new change ids in order.
    pub fn commit(&self, actor: &Actor, bodies: Vec<Body>) -> Result<Vec<Id>> {
        let now = self.clock.now_ms();
        let with_ids = {
            let mut w = self.writer();
            bodies
                .into_iter()
                .map(|b| (w.ids.next(now.max(0) as u64), b))
                .collect()
        };
        self.commit_with_ids(actor, with_ids)
    }

    /// Like [`Store::commit`], with change ids the caller took from [`Store::new_id`]: lets one
    /// change refer to another made in the same transaction (a prescription to its encounter).
    pub fn commit_with_ids(&self, actor: &Actor, bodies: Vec<(Id, Body)>) -> Result<Vec<Id>> {
        for (_, body) in &bodies {
            crate::roles::check_write(actor.role, body)?;
        }
        let mut w = self.writer();
        let now = self.clock.now_ms();
        let tx = self.db.begin_write()?;
        let mut ids = Vec::with_capacity(bodies.len());
        let mut hlc = w.hlc;
        let mut audit_head = w.audit_head;
        {
            let mut t = Tables::open(&tx)?;
            for (id, mut body) in bodies {
                hlc = hlc.tick(now);
                if let Body::Audit(entry) = &mut body {
                    entry.prev = audit_head;
                }
                let change = Change {
                    id,
                    hlc,
                    origin: Origin {
                        facility: actor.facility.clone(),
                        device: self.device.clone(),
                        staff: actor.staff.clone(),
                    },
                    body,
                };
                if apply(&mut t, &change)? == Applied::Duplicate {
                    return Err(Error::Invalid(format!(
                        "change {} already exists",
                        change.id
                    )));
                }
                if matches!(change.body, Body::Audit(_)) {
                    audit_head = crate::audit::hash(&change.encode()?);
                }
                crate::outbox::push(&mut t, change.id, 1)?;
                ids.push(change.id);
            }
            t.meta.insert("hlc", hlc.0.to_le_bytes().as_slice())?;
        }
        tx.commit()?;
        w.hlc = hlc;
        w.audit_head = audit_head;
        Ok(ids)
    }

    /// Convenience for one change.
    pub fn commit_one(&self, actor: &Actor, body: Body) -> Result<Id> {
        Ok(self.commit(actor, vec![body])?[0])
    }

    /// Applies changes made elsewhere (pulled from the hub, or demo data). Each is applied at
    /// most once; none enters the outbox. `durable: false` skips the fsync for bulk loads
    /// (a later durable commit makes everything before it durable).
    pub fn apply_remote(&self, changes: &[Change], durable: bool) -> Result<Vec<Result<Applied>>> {
        self.apply_remote_at(changes, durable, None)
    }

    /// Like [`Store::apply_remote`], and records `cursor` (a meta key and value, e.g. the hub's
    /// pull sequence) in the same transaction: after a crash the cursor never runs ahead of, or
    /// behind, what was applied.
    ///
    /// A change the model refuses gets its own error in the result and the others go on; a
    /// storage failure (disk full, I/O) aborts the whole batch and is returned.
    pub fn apply_remote_at(
        &self,
        changes: &[Change],
        durable: bool,
        cursor: Option<(crate::Counter, u64)>,
    ) -> Result<Vec<Result<Applied>>> {
        self.apply_batch(changes, durable, cursor, |t, change| {
            match apply(t, change) {
                Ok(a) => Ok((Ok(a), true)),
                // Dropping the transaction aborts everything it wrote.
                Err(e) if e.is_storage_failure() => Err(e),
                Err(e) => Ok((Err(e), false)),
            }
        })
    }

    /// The hub's push: applies changes a device sent, each checked first against that device
    /// and the domain's invariants ([`crate::authority`]) and, for audit entries, against the
    /// device's chain, in one durable transaction. Checks see the changes before them in the
    /// batch, and nothing another push commits meanwhile (redb has one writer).
    pub fn apply_pushed(&self, pusher: &Pusher, changes: &[Change]) -> Result<Vec<Pushed>> {
        self.apply_batch(changes, true, None, |t, change| {
            if t.changes.get(change.id.0)?.is_some() {
                return Ok((Pushed::Duplicate, false));
            }
            let refused = |reason: String, tampering: bool| {
                Ok((Pushed::Rejected { reason, tampering }, false))
            };
            match crate::authority::check(t, pusher, change)? {
                Verdict::Take => {}
                Verdict::Later(reason) => return Ok((Pushed::Later(reason), false)),
                Verdict::Refuse(reason) => return refused(reason, false),
            }
            if let Body::Audit(entry) = &change.body
                && let Some(reason) = crate::audit::push_verdict(t, change, entry)?
            {
                return refused(reason, true);
            }
            match apply(t, change) {
                Ok(Applied::New(seq)) => Ok((Pushed::Stored(seq), true)),
                Ok(Applied::Duplicate) => Ok((Pushed::Duplicate, false)),
                Err(e) if e.is_storage_failure() => Err(e),
                Err(e) => refused(e.to_string(), false),
            }
        })
    }

    /// Applies `changes` in one write transaction through `one`, which says what became of
    /// each and whether it was applied (its clock is then observed). An error from `one` is a
    /// storage failure: the whole batch is abandoned.
    fn apply_batch<T>(
        &self,
        changes: &[Change],
        durable: bool,
        cursor: Option<(crate::Counter, u64)>,
        mut one: impl FnMut(&mut Tables, &Change) -> Result<(T, bool)>,
    ) -> Result<Vec<T>> {
        let mut w = self.writer();
        let mut tx = self.db.begin_write()?;
        // Shared with readers in other processes, every commit must reach the disk.
        if !durable && self.exclusive {
            tx.set_durability(Durability::None)
                .map_err(|e| Error::Invalid(format!("durability: {e}")))?;
        }
        let now = self.clock.now_ms();
        let mut hlc = w.hlc;
        let mut outcomes = Vec::with_capacity(changes.len());
        {
            let mut t = Tables::open(&tx)?;
            for change in changes {
                let (outcome, applied) = one(&mut t, change)?;
                if applied {
                    hlc = hlc.observe(change.hlc, now, MAX_CLOCK_AHEAD_MS);
                }
                outcomes.push(outcome);
            }
            t.meta.insert("hlc", hlc.0.to_le_bytes().as_slice())?;
            if let Some((counter, value)) = cursor {
                t.meta
                    .insert(counter.key(), value.to_le_bytes().as_slice())?;
            }
        }
        tx.commit()?;
        w.hlc = hlc;
        Ok(outcomes)
    }

    /// A counter or cursor kept in the store (0 when never set).
    pub fn meta_u64(&self, counter: crate::Counter) -> Result<u64> {
        let tx = self.read()?;
        let t = tx.open_table(crate::tables::META)?;
        Ok(meta_u64(&t, counter.key())?.unwrap_or(0))
    }

    pub fn set_meta_u64(&self, counter: crate::Counter, value: u64) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(crate::tables::META)?
            .insert(counter.key(), value.to_le_bytes().as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// A value kept by this workstation alone (never synced), inside the encrypted file: the
    /// hub's device token and the like.
    pub fn local_value(&self, key: crate::Local) -> Result<Option<Vec<u8>>> {
        let tx = self.read()?;
        let t = tx.open_table(crate::tables::META)?;
        Ok(t.get(key.key())?.map(|v| v.value().to_vec()))
    }

    pub fn set_local_value(&self, key: crate::Local, value: &[u8]) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(crate::tables::META)?
            .insert(key.key(), value)?;
        tx.commit()?;
        Ok(())
    }

    /// The newest trust list a hub administrator published that this store holds.
    pub fn trust_list_release(&self) -> Result<Option<crate::model::TrustListRelease>> {
        let tx = self.read()?;
        let t = tx.open_table(crate::tables::META)?;
        let version = meta_u64(&t, crate::apply::TRUST_LIST_VERSION)?;
        let bytes = t.get(crate::apply::TRUST_LIST)?.map(|v| v.value().to_vec());
        Ok(match (version, bytes) {
            (Some(version), Some(bytes)) => Some(crate::model::TrustListRelease { version, bytes }),
            _ => None,
        })
    }

    pub fn change(&self, id: Id) -> Result<Option<Change>> {
        let tx = self.read()?;
        crate::codec::read_change(&tx.open_table(crate::tables::CHANGES)?, id.0)
    }

    /// Number of changes held.
    pub fn change_count(&self) -> Result<u64> {
        let tx = self.read()?;
        Ok(tx.open_table(crate::tables::CHANGES)?.len()?)
    }

    /// Changes in arrival order after journal sequence `after`, at most `limit`.
    pub fn journal_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Change)>> {
        let tx = self.read()?;
        let journal = tx.open_table(crate::tables::JOURNAL)?;
        let changes = tx.open_table(crate::tables::CHANGES)?;
        let mut out = Vec::new();
        for row in journal.range(after + 1..)?.take(limit) {
            let (seq, id) = row?;
            let bytes = changes.get(id.value())?.ok_or_else(|| {
                Error::Corrupt(format!("journal entry {} has no change", seq.value()))
            })?;
            out.push((
                seq.value(),
                crate::codec::unpack_change(id.value(), bytes.value())?,
            ));
        }
        Ok(out)
    }

    /// Size of the file on disk in bytes.
    pub fn file_size(&self) -> u64 {
        std::fs::metadata(&self.path).map_or(0, |m| m.len())
    }
}

/// Reads a little-endian integer stored in `meta`.
pub(crate) fn meta_u64(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<u64>> {
    Ok(table
        .get(key)?
        .and_then(|v| v.value().try_into().ok().map(u64::from_le_bytes)))
}

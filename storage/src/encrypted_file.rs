//! The store's file, encrypted page by page: redb reads and writes plain 4 KiB pages through
//! this backend, and the disk only ever holds each page sealed with XChaCha20-Poly1305 under
//! the data key, bound to this file and to the page's place. Everything redb keeps — records,
//! names, identifier indexes, the audit log, even the table names — is ciphertext; what the
//! file shows is its size (the model of SQLCipher, whose page-level design health apps rely on).
//!
//! Layout:
//! - bytes 0..4096: the key header, in the clear: magic, file id, Argon2id salt and cost, and
//!   the data key sealed under the key derived from the facility secret;
//! - then slots of [`SLOT`] bytes, each `counter ‖ nonce ‖ ciphertext ‖ tag`. Page 0 (redb's
//!   own header, the one page redb rewrites in place) has two slots and each write goes to the
//!   other one, so a write torn by a power cut leaves the previous version readable; page
//!   `n ≥ 1` lives in slot `n + 1`. An all-zero slot is a page never written (redb expects new
//!   space to read as zeros).

use std::fs::File;
use std::io;
use std::ops::Bound;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use chacha20poly1305::XChaCha20Poly1305;
use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};

use crate::crypto::{self, KdfCost, Key, NONCE_LEN, Secret, TAG_LEN};
use crate::error::{Error, Result};

/// redb's page size, and the unit of encryption.
pub(crate) const PAGE: u64 = 4096;
const HEADER: u64 = 4096;
const COUNTER_LEN: usize = 8;
const SLOT: u64 = (COUNTER_LEN + NONCE_LEN + PAGE as usize + TAG_LEN) as u64;

const MAGIC: &[u8; 8] = b"CLINENC1";
/// magic, file id, salt, cost (3 × u32): what the wrapped key is bound to.
const BOUND_LEN: usize = 8 + 16 + 16 + 12;
const WRAPPED_LEN: usize = NONCE_LEN + 32 + TAG_LEN;

/// The clear part of the file: enough to derive the key-encryption key and unwrap the data key.
struct KeyHeader {
    file_id: [u8; 16],
    salt: [u8; 16],
    cost: KdfCost,
    wrapped: [u8; WRAPPED_LEN],
}

impl KeyHeader {
    fn bound(&self) -> [u8; BOUND_LEN] {
        let mut out = [0; BOUND_LEN];
        out[..8].copy_from_slice(MAGIC);
        out[8..24].copy_from_slice(&self.file_id);
        out[24..40].copy_from_slice(&self.salt);
        out[40..44].copy_from_slice(&self.cost.memory_kib.to_le_bytes());
        out[44..48].copy_from_slice(&self.cost.iterations.to_le_bytes());
        out[48..52].copy_from_slice(&self.cost.lanes.to_le_bytes());
        out
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![0; HEADER as usize];
        out[..BOUND_LEN].copy_from_slice(&self.bound());
        out[BOUND_LEN..BOUND_LEN + WRAPPED_LEN].copy_from_slice(&self.wrapped);
        out
    }

    fn parse(bytes: &[u8]) -> Result<KeyHeader> {
        if bytes.len() < BOUND_LEN + WRAPPED_LEN || &bytes[..8] != MAGIC {
            return Err(if bytes.starts_with(b"redb") {
                Error::Unencrypted
            } else {
                Error::NotAStore
            });
        }
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        let mut header = KeyHeader {
            file_id: bytes[8..24].try_into().expect("16 bytes"),
            salt: bytes[24..40].try_into().expect("16 bytes"),
            cost: KdfCost {
                memory_kib: u32_at(40),
                iterations: u32_at(44),
                lanes: u32_at(48),
            },
            wrapped: [0; WRAPPED_LEN],
        };
        header
            .wrapped
            .copy_from_slice(&bytes[BOUND_LEN..BOUND_LEN + WRAPPED_LEN]);
        Ok(header)
    }

    /// A new header holding `data_key` wrapped under `secret`.
    fn new(secret: &Secret, cost: KdfCost, file_id: [u8; 16], data_key: &Key) -> Result<Self> {
        let mut header = KeyHeader {
            file_id,
            salt: [0; 16],
            cost,
            wrapped: [0; WRAPPED_LEN],
        };
        crypto::fill_random(&mut header.salt);
        let kek = crypto::derive_kek(secret, &header.salt, cost)?;
        crypto::seal(
            &kek.cipher(),
            &header.bound(),
            &data_key.0,
            &mut header.wrapped,
        );
        Ok(header)
    }

    fn unwrap(&self, secret: &Secret) -> Result<Key> {
        let kek = crypto::derive_kek(secret, &self.salt, self.cost)?;
        let key =
            crypto::open(&kek.cipher(), &self.bound(), &self.wrapped).ok_or(Error::WrongSecret)?;
        Ok(Key(key.try_into().map_err(|_| Error::WrongSecret)?))
    }
}

fn read_header(file: &File) -> Result<KeyHeader> {
    let mut bytes = vec![0; BOUND_LEN + WRAPPED_LEN];
    match file.read_exact_at(&mut bytes, 0) {
        Ok(()) => KeyHeader::parse(&bytes),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            // Shorter than a key header: maybe an old plain redb file, else not ours.
            let mut head = [0; 4];
            let plain = file.read_exact_at(&mut head, 0).is_ok() && &head == b"redb";
            Err(if plain {
                Error::Unencrypted
            } else {
                Error::NotAStore
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// The data key of a file, unwrapped: what opening it again needs, without the slow key
/// derivation.
pub(crate) struct Unlocked {
    file_id: [u8; 16],
    key: Key,
}

/// Opens (or, when absent or empty and `create`, makes) the encrypted file at `path` and
/// unlocks it. A wrong secret fails here, before redb sees the file: nothing is written.
pub(crate) fn open(
    path: &Path,
    secret: &Secret,
    cost_if_new: KdfCost,
    writable: bool,
) -> Result<EncryptedFile> {
    backend(
        path,
        &unlock(path, secret, cost_if_new, writable)?,
        writable,
    )
}

fn open_file(path: &Path, writable: bool) -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(writable)
        .create(writable)
        .truncate(false)
        .open(path)
        .map_err(Error::from)
}

/// Unwraps the data key of the file at `path` (making the file's key header first when the
/// file is absent or empty and `create`).
pub(crate) fn unlock(
    path: &Path,
    secret: &Secret,
    cost_if_new: KdfCost,
    create: bool,
) -> Result<Unlocked> {
    let file = open_file(path, create)?;
    let empty = file.metadata()?.len() == 0;
    let (header, key) = if empty && create {
        if secret.is_empty() {
            return Err(Error::Invalid(
                "the facility secret may not be empty".into(),
            ));
        }
        let mut file_id = [0; 16];
        crypto::fill_random(&mut file_id);
        let key = Key::random();
        let header = KeyHeader::new(secret, cost_if_new, file_id, &key)?;
        file.write_all_at(&header.to_bytes(), 0)?;
        file.sync_all()?;
        (header, key)
    } else {
        let header = read_header(&file)?;
        let key = header.unwrap(secret)?;
        (header, key)
    };
    Ok(Unlocked {
        file_id: header.file_id,
        key,
    })
}

/// The backend of an unlocked file.
pub(crate) fn backend(path: &Path, unlocked: &Unlocked, writable: bool) -> Result<EncryptedFile> {
    let backend = EncryptedFile {
        file: FileBackend::new(open_file(path, writable)?).map_err(Error::from)?,
        cipher: unlocked.key.cipher(),
        file_id: unlocked.file_id,
        page0_writes: AtomicU64::new(0),
        io: RwLock::new(()),
    };
    let (latest, _) = backend.read_page0()?;
    backend.page0_writes.store(latest, Ordering::Relaxed);
    Ok(backend)
}

/// Authenticates every page the file at `path` holds, whether or not redb still uses it (page
/// 0 by its readable copy): a page altered anywhere is an error naming it.
pub(crate) fn authenticate_every_page(path: &Path, secret: &Secret) -> Result<()> {
    // An existing file keeps its own key derivation cost: the one given here is not used.
    let file = open(path, secret, KdfCost::STANDARD, false)?;
    let pages = file.len()? / PAGE;
    for page in 0..pages {
        file.read_page(page)?;
    }
    Ok(())
}

/// Rewraps the data key of the (closed) file at `path` under a new secret. Only the key
/// header changes; the old secret no longer opens the file.
pub(crate) fn change_secret(path: &Path, old: &Secret, new: &Secret, cost: KdfCost) -> Result<()> {
    if new.is_empty() {
        return Err(Error::Invalid(
            "the facility secret may not be empty".into(),
        ));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let header = read_header(&file)?;
    let key = header.unwrap(old)?;
    let rewrapped = KeyHeader::new(new, cost, header.file_id, &key)?;
    file.write_all_at(&rewrapped.to_bytes(), 0)?;
    Ok(file.sync_all()?)
}

/// Whether a running program has the store at `path` open for writing, without a key and
/// without writing: probes the byte redb's writer holds locked in every concurrency mode
/// (`WRITER_BYTE`, 2^62, in redb's design document).
pub(crate) fn in_use(path: &Path) -> Result<bool> {
    const WRITER_BYTE: u64 = 1 << 62;
    let file = File::open(path)?;
    let probe = FileBackend::new(file).map_err(Error::from)?;
    let range = (
        Bound::Included(WRITER_BYTE),
        Bound::Excluded(WRITER_BYTE + 1),
    );
    let free = probe
        .try_lock_shared_range(range.0, range.1)
        .map_err(|e| Error::Invalid(format!("cannot probe the store's lock: {e}")))?;
    if free {
        let _ = probe.unlock_range(range.0, range.1);
    }
    let _ = probe.close();
    Ok(!free)
}

/// Whether the file at `path` is an encrypted store (by its magic), without any key.
pub fn is_encrypted(path: &Path) -> bool {
    let mut magic = [0; 8];
    File::open(path).is_ok_and(|f| f.read_exact_at(&mut magic, 0).is_ok() && &magic == MAGIC)
}

pub(crate) struct EncryptedFile {
    /// The plain file backend underneath: does the I/O at physical offsets and the locking.
    file: FileBackend,
    cipher: XChaCha20Poly1305,
    file_id: [u8; 16],
    /// Counter of page-0 writes: the newest readable copy wins, the next write takes the
    /// other slot.
    page0_writes: AtomicU64,
    /// A partial page write is read-modify-write; readers must not see it half done.
    io: RwLock<()>,
}

impl std::fmt::Debug for EncryptedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFile").finish_non_exhaustive()
    }
}

fn corrupt(page: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("page {page} of the encrypted store failed authentication: the file was altered"),
    )
}

fn slot_offset(slot: u64) -> u64 {
    HEADER + slot * SLOT
}

impl EncryptedFile {
    fn context(&self, page: u64, counter: u64) -> [u8; 32] {
        let mut out = [0; 32];
        out[..16].copy_from_slice(&self.file_id);
        out[16..24].copy_from_slice(&page.to_le_bytes());
        out[24..].copy_from_slice(&counter.to_le_bytes());
        out
    }

    fn physical_len(&self) -> io::Result<u64> {
        self.file.len()
    }

    /// The slot's page and its write counter; `Ok(None)` if the slot was never written.
    fn read_slot(&self, slot: u64, page: u64) -> io::Result<Option<(u64, Vec<u8>)>> {
        let mut raw = vec![0; SLOT as usize];
        if slot_offset(slot) + SLOT > self.physical_len()? {
            return Ok(None);
        }
        self.file.read(slot_offset(slot), &mut raw)?;
        if raw.iter().all(|b| *b == 0) {
            return Ok(None);
        }
        let counter = u64::from_le_bytes(raw[..COUNTER_LEN].try_into().expect("8 bytes"));
        let plain = crypto::open(
            &self.cipher,
            &self.context(page, counter),
            &raw[COUNTER_LEN..],
        )
        .ok_or_else(|| corrupt(page))?;
        Ok(Some((counter, plain)))
    }

    /// Page 0: the readable copy written last, and its counter (0 and zeros if none yet).
    fn read_page0(&self) -> io::Result<(u64, Vec<u8>)> {
        let copies = [self.read_slot(0, 0), self.read_slot(1, 0)];
        let mut best: Option<(u64, Vec<u8>)> = None;
        let mut failures = 0;
        for copy in copies {
            match copy {
                Ok(Some(c)) if best.as_ref().is_none_or(|b| c.0 > b.0) => best = Some(c),
                Ok(_) => {}
                Err(_) => failures += 1,
            }
        }
        match best {
            Some(found) => Ok(found),
            None if failures > 0 => Err(corrupt(0)),
            None => Ok((0, vec![0; PAGE as usize])),
        }
    }

    fn read_page(&self, page: u64) -> io::Result<Vec<u8>> {
        if page == 0 {
            return Ok(self.read_page0()?.1);
        }
        Ok(self
            .read_slot(page + 1, page)?
            .map_or_else(|| vec![0; PAGE as usize], |(_, plain)| plain))
    }

    fn write_page(&self, page: u64, plain: &[u8]) -> io::Result<()> {
        let (slot, counter) = if page == 0 {
            let counter = self.page0_writes.fetch_add(1, Ordering::Relaxed) + 1;
            (counter % 2, counter)
        } else {
            (page + 1, 0)
        };
        let mut raw = vec![0; SLOT as usize];
        raw[..COUNTER_LEN].copy_from_slice(&counter.to_le_bytes());
        crypto::seal(
            &self.cipher,
            &self.context(page, counter),
            plain,
            &mut raw[COUNTER_LEN..],
        );
        self.file.write(slot_offset(slot), &raw)
    }
}

impl StorageBackend for EncryptedFile {
    fn len(&self) -> io::Result<u64> {
        let physical = self.physical_len()?;
        // Page 0 takes two slots, so a file with pages holds one slot more than it has pages.
        Ok(physical.saturating_sub(HEADER) / SLOT).map(|slots| slots.saturating_sub(1) * PAGE)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let _guard = self.io.read().unwrap_or_else(|p| p.into_inner());
        if offset + out.len() as u64 > self.len()? {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end of the store",
            ));
        }
        let mut done = 0;
        while done < out.len() {
            let at = offset + done as u64;
            let (page, within) = (at / PAGE, (at % PAGE) as usize);
            let n = (PAGE as usize - within).min(out.len() - done);
            let plain = self.read_page(page)?;
            out[done..done + n].copy_from_slice(&plain[within..within + n]);
            done += n;
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let _guard = self.io.write().unwrap_or_else(|p| p.into_inner());
        let pages = len.div_ceil(PAGE);
        let slots = if pages == 0 { 0 } else { pages + 1 };
        self.file.set_len(HEADER + slots * SLOT)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let _guard = self.io.write().unwrap_or_else(|p| p.into_inner());
        let mut done = 0;
        while done < data.len() {
            let at = offset + done as u64;
            let (page, within) = (at / PAGE, (at % PAGE) as usize);
            let n = (PAGE as usize - within).min(data.len() - done);
            if n == PAGE as usize {
                self.write_page(page, &data[done..done + n])?;
            } else {
                let mut plain = self.read_page(page)?;
                plain[within..within + n].copy_from_slice(&data[done..done + n]);
                self.write_page(page, &plain)?;
            }
            done += n;
        }
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        self.file.close()
    }

    // Locks are byte ranges redb places far beyond any data: the plain file takes them as is.
    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.file.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.file.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.file.query_lock_range(start, end)
    }
}

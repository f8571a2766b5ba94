//! Errors of the storage crate; variants the app can branch on.

use crate::id_number::IdNumberError;
use crate::ids::Id;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file was written by a newer version of the program.
    #[error(
        "this data file has schema version {found}, newer than the {supported} this program \
         understands; install the newer program version"
    )]
    NewerSchema { found: u32, supported: u32 },
    /// The file is locked by another running program.
    #[error("the data file is in use by another running copy of the program")]
    InUse,
    /// The facility secret does not unlock this file. Nothing was written to it.
    #[error("the facility secret is wrong: the data file stays locked and unchanged")]
    WrongSecret,
    /// A data file from before encryption at rest; it must be converted once.
    #[error("this data file is not encrypted; convert it with `clinic encrypt` before use")]
    Unencrypted,
    #[error("this file is not a clinic data file")]
    NotAStore,
    #[error("the disk is full: nothing was saved; free some space and try again")]
    DiskFull,
    /// Two residents may never share an identifier.
    #[error("this {kind} already belongs to another resident ({resident})")]
    IdentifierTaken { kind: &'static str, resident: Id },
    #[error(transparent)]
    IdNumber(#[from] IdNumberError),
    #[error("{0} not found")]
    NotFound(String),
    /// Input that breaks a rule of the model; the text says which.
    #[error("{0}")]
    Invalid(String),
    #[error("wrong user name or password")]
    AuthFailed,
    /// Too many failed logins of this user name: the next attempt must wait.
    #[error("too many failed attempts: try again in {wait_s} s")]
    TooManyAttempts { wait_s: u64 },
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("stored data could not be decoded: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Db(redb::Error),
}

impl Error {
    /// The storage itself failed (not the data): the transaction must be abandoned.
    pub fn is_storage_failure(&self) -> bool {
        matches!(self, Error::Db(_) | Error::DiskFull | Error::InUse)
    }

    /// Errors worth retrying later (the disk may be freed, the lock released).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::InUse | Error::DiskFull)
    }
}

impl From<postcard::Error> for Error {
    fn from(e: postcard::Error) -> Self {
        Error::Corrupt(e.to_string())
    }
}

fn from_redb(e: redb::Error) -> Error {
    match e {
        redb::Error::DatabaseAlreadyOpen => Error::InUse,
        redb::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => Error::DiskFull,
        // No space (ENOSPC), the file may not grow (EFBIG), or the quota is used (EDQUOT).
        redb::Error::Io(io) if matches!(io.raw_os_error(), Some(28 | 27 | 122)) => Error::DiskFull,
        other => Error::Db(other),
    }
}

macro_rules! from_redb_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                from_redb(e.into())
            }
        }
    )*};
}
from_redb_errors!(
    std::io::Error,
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

//! The clinic's domain model and its one-file redb store.
//!
//! Every write is an immutable [`Change`](model::Change) with a globally unique id. A local
//! write is applied to the views *and* queued in the outbox in one transaction
//! ([`Store::commit`]); a change from elsewhere goes through the same apply path
//! ([`Store::apply_remote`]), once. Clinical records are append-only; mutable resident fields
//! merge last-writer-wins by hybrid logical clock. Only this crate imports `redb`.

mod adjudication;
mod apply;
pub mod audit;
pub mod authority;
pub mod backup;
mod card_uses;
pub mod catalogue;
mod claims;
mod clock;
pub mod codec;
mod compact;
pub mod crypto;
mod date;
mod encrypted_file;
mod error;
mod household;
mod hub;
mod id_number;
mod ids;
mod meta;
mod migrate;
pub mod model;
pub mod names;
mod outbox;
mod pull;
mod queue;
mod records;
mod residents;
pub mod roles;
pub mod rules;
pub mod schedule;
mod serde_util;
pub mod settlement;
mod staff;
mod store;
pub mod summary;
mod tables;
mod usage;
pub mod visit;
pub mod worklist;

pub use apply::Applied;
pub use claims::{
    CONSULTATION_FEE, Checkout, ClaimBalance, DailyReport, ReportRow, VisitToBill, bill_line,
};
pub use clock::Clock;
pub use crypto::{KdfCost, Secret};
pub use date::{Date, InvalidDate};
pub use encrypted_file::is_encrypted;
pub use error::{Error, Result};
pub use hub::{Device, EnrolOutcome, Enrolment};
pub use id_number::{IdNumber, IdNumberError};
pub use ids::{Hlc, Id};
pub use meta::{Counter, Local};
pub use outbox::OutboxEntry;
pub use pull::PullPage;
pub use records::HistoryEntry;
pub use residents::{MatchRank, NewResident, SEARCH_LIMIT, SearchHit};
pub use staff::{FREE_ATTEMPTS, MIN_PASSWORD_LEN};
pub use store::{Actor, OpenOptions, SCHEMA_VERSION, Store};
pub use usage::{StorageUsage, TableUsage};

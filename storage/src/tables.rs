//! Every redb table of the store, in one place.
//!
//! `changes` is the source of truth; every other table except `meta`, `outbox`, `staff` and
//! the cursors is a view that `apply` maintains in the same transaction.

use redb::TableDefinition;

/// Schema version, device id, HLC state, counters.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Change id → encoded `Change`.
pub const CHANGES: TableDefinition<u128, &[u8]> = TableDefinition::new("changes");
/// Arrival sequence → change id. At a hub this sequence is the pull cursor.
pub const JOURNAL: TableDefinition<u64, u128> = TableDefinition::new("journal");
/// Outbox sequence → (change id, version): changes waiting to be pushed.
pub const OUTBOX: TableDefinition<u64, (u128, u32)> = TableDefinition::new("outbox");
/// Change id → outbox sequence, to acknowledge by id.
pub const OUTBOX_BY_CHANGE: TableDefinition<u128, u64> = TableDefinition::new("outbox_by_change");

/// Resident id → encoded merged `Resident`.
pub const RESIDENTS: TableDefinition<u128, &[u8]> = TableDefinition::new("residents");
/// `Identifier::index_key` → resident id. Unique by construction.
pub const IDENTIFIERS: TableDefinition<&str, u128> = TableDefinition::new("identifiers");
/// (name key, birth year, resident) → (): names, pinyin and initials.
pub const NAMES: TableDefinition<(&str, u16, u128), ()> = TableDefinition::new("names");
/// (resident, clinical time, change id) → record category code.
pub const HISTORY: TableDefinition<(u128, i64, u128), u8> = TableDefinition::new("history");
/// (from, to) → encoded `HouseholdLink` with the HLC that set it.
pub const HOUSEHOLD: TableDefinition<(u128, u128), &[u8]> = TableDefinition::new("household");
/// (resident, consent id) → encoded `Consent`.
pub const CONSENTS: TableDefinition<(u128, u128), &[u8]> = TableDefinition::new("consents");
/// Facility code → encoded `Facility`.
pub const FACILITIES: TableDefinition<&str, &[u8]> = TableDefinition::new("facilities");
/// Ticket id → encoded `QueueTicket`.
pub const TICKETS: TableDefinition<u128, &[u8]> = TableDefinition::new("tickets");
/// (facility, day YYYYMMDD, ticket id) → ().
pub const QUEUE: TableDefinition<(&str, u32, u128), ()> = TableDefinition::new("queue");
/// Claim id → encoded `Claim`.
pub const CLAIMS: TableDefinition<u128, &[u8]> = TableDefinition::new("claims");
/// (status code, claim id) → ().
pub const CLAIMS_BY_STATUS: TableDefinition<(u8, u128), ()> =
    TableDefinition::new("claims_by_status");
/// (resident, claim id) → (): a resident's claims, for the annual accumulators.
pub const CLAIMS_BY_RESIDENT: TableDefinition<(u128, u128), ()> =
    TableDefinition::new("claims_by_resident");
/// (facility, day YYYYMMDD, claim id) → (): the claims of a facility's day.
pub const CLAIMS_BY_DAY: TableDefinition<(&str, u32, u128), ()> =
    TableDefinition::new("claims_by_day");
/// (scheme, version) → encoded `Policy`.
pub const POLICIES: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("policies");
/// (resident, time, payment change id) → amount in fen.
pub const PAYMENTS: TableDefinition<(u128, i64, u128), i64> = TableDefinition::new("payments");
/// (device, position in its chain) → (hash of the audit change, its id): each device's audit
/// hash chain, in order.
pub const AUDIT_CHAIN: TableDefinition<(&str, u64), ([u8; 32], u128)> =
    TableDefinition::new("audit_chain");
/// (time, audit change id) → (): the audit log by time, for the search screen.
pub const AUDIT_BY_TIME: TableDefinition<(i64, u128), ()> = TableDefinition::new("audit_by_time");
/// (claim, payment change id) → amount in fen: what was paid (or refunded) against a claim.
pub const PAYMENTS_BY_CLAIM: TableDefinition<(u128, u128), i64> =
    TableDefinition::new("payments_by_claim");
/// (facility, day YYYYMMDD, payment change id) → encoded `Payment`: a facility's till.
pub const PAYMENTS_BY_DAY: TableDefinition<(&str, u32, u128), &[u8]> =
    TableDefinition::new("payments_by_day");
/// (resident, change id) → (): a resident's non-record changes (registration, updates,
/// household, consent, check-ins, claims, payments), so a hub can hand one resident over.
pub const BY_RESIDENT: TableDefinition<(u128, u128), ()> = TableDefinition::new("by_resident");
/// (resident, time, audit change id) → ().
pub const AUDIT_BY_RESIDENT: TableDefinition<(u128, i64, u128), ()> =
    TableDefinition::new("audit_by_resident");
/// Username → encoded `Staff`. Local to the workstation; never synced.
pub const STAFF: TableDefinition<&str, &[u8]> = TableDefinition::new("staff");

/// Change id → the reason the hub rejected it. The entry stays in the outbox, skipped by
/// pushes until it is retried.
pub const OUTBOX_REJECTED: TableDefinition<u128, &str> = TableDefinition::new("outbox_rejected");
/// Hub: SHA-256 of a device token (hex) → encoded `Device`.
pub const DEVICES: TableDefinition<&str, &[u8]> = TableDefinition::new("devices");
/// Hub: SHA-256 of a one-time enrolment code (hex) → encoded `Enrolment`.
pub const ENROLMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("enrolments");
/// Relay hub: ids of changes that came from the upstream hub (not to be pushed back up).
pub const FROM_UPSTREAM: TableDefinition<u128, ()> = TableDefinition::new("from_upstream");
/// Hub: SHA-256 of a used enrolment code → (device id, the code's expiry): lets a device whose
/// enrolment answer was lost enrol again with the same code, until it is first seen.
pub const ENROLMENTS_USED: TableDefinition<&str, (&str, i64)> =
    TableDefinition::new("enrolments_used");
/// Hub: device id → when it first made an authenticated request.
pub const DEVICES_SEEN: TableDefinition<&str, i64> = TableDefinition::new("devices_seen");

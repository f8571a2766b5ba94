//! The workstation's side: a blocking HTTP client for the hub, and one sync round.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use storage::model::{Change, Identifier};
use storage::{Applied, Store};

use crate::protocol::*;

/// Where this workstation syncs to; kept inside the workstation's encrypted store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncConfig {
    pub hub_url: String,
    /// The device credential from enrolment.
    pub token: String,
    pub facility: String,
    /// SHA-256 of the hub's certificate (hex), pinned at enrolment.
    pub fingerprint: String,
}

/// Why a sync step failed; `is_permanent` says whether retrying can help.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the hub cannot be reached: {0}")]
    Offline(String),
    #[error("the hub does not accept this workstation (not enrolled, or revoked)")]
    Unauthorised,
    #[error("the hub refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the hub answered something unreadable: {0}")]
    Protocol(String),
    #[error("local storage: {0}")]
    Storage(#[from] storage::Error),
}

impl SyncError {
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            SyncError::Unauthorised
                | SyncError::Refused {
                    status: 400..=499,
                    ..
                }
        )
    }
}

pub struct HubClient {
    base: String,
    token: String,
    http: reqwest::blocking::Client,
    /// Compressed bytes sent and received (request and answer bodies).
    wire: std::sync::Mutex<(usize, usize)>,
}

/// Meta keys of the pull state, written with the changes they describe.
pub const CURSOR_KEY: storage::Counter = storage::Counter::PullCursor;
pub const EPOCH_KEY: storage::Counter = storage::Counter::PullEpoch;

impl HubClient {
    /// A client for `base` (e.g. `https://10.0.0.5:7400`) that trusts only the hub certificate
    /// with `fingerprint`; `timeout` bounds each request.
    pub fn new(
        base: &str,
        token: &str,
        fingerprint: &str,
        timeout: Duration,
    ) -> Result<HubClient, SyncError> {
        // Plain HTTP would skip the pinned certificate, and with it everything TLS promises.
        if !base.trim().to_ascii_lowercase().starts_with("https://") {
            return Err(SyncError::Refused {
                status: 400,
                message: format!("the hub address must start with https:// (not “{base}”)"),
            });
        }
        let tls = crate::tls::client_config(fingerprint)
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        let http = reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        Ok(HubClient {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http,
            wire: Default::default(),
        })
    }

    fn post<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        route: &str,
        req: &Req,
    ) -> Result<Resp, SyncError> {
        let bytes = self.post_raw(route, req)?;
        decode(&bytes).map_err(|e| SyncError::Protocol(e.to_string()))
    }

    /// Sends a request; the answer's body when it is `200`.
    fn post_raw<Req: Serialize>(&self, route: &str, req: &Req) -> Result<Vec<u8>, SyncError> {
        let body = encode(req);
        let sent = body.len();
        let response = self
            .http
            .post(format!("{}{route}", self.base))
            .header("content-type", CONTENT_TYPE)
            .header("x-clinic-protocol", PROTOCOL_VERSION.to_string())
            .header("authorization", format!("Bearer {}", self.token))
            .body(body)
            .send()
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        let status = response.status();
        // A body cut short is an error of the link, never a success.
        let bytes = response
            .bytes()
            .map_err(|e| SyncError::Offline(format!("incomplete answer: {e}")))?;
        if let Ok(mut w) = self.wire.lock() {
            w.0 += sent;
            w.1 += bytes.len();
        }
        match status.as_u16() {
            200 => Ok(bytes.to_vec()),
            401 => Err(SyncError::Unauthorised),
            code => Err(SyncError::Refused {
                status: code,
                message: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
            }),
        }
    }

    /// Compressed body bytes (sent, received) so far.
    pub fn wire_bytes(&self) -> (usize, usize) {
        self.wire.lock().map(|w| *w).unwrap_or_default()
    }

    pub fn enrol(&self, code: &str, device: &str) -> Result<EnrolResponse, SyncError> {
        self.post(
            route::ENROL,
            &EnrolRequest {
                code: code.into(),
                device: device.into(),
            },
        )
    }

    pub fn push(&self, entries: Vec<PushEntry>) -> Result<PushResponse, SyncError> {
        let bytes = self.post_raw(route::PUSH, &PushRequest { entries })?;
        PushResponse::decode_any(&bytes).map_err(|e| SyncError::Protocol(e.to_string()))
    }

    pub fn pull(&self, cursor: u64, limit: u32, epoch: u64) -> Result<PullResponse, SyncError> {
        self.post(
            route::PULL,
            &PullRequest {
                cursor,
                limit,
                epoch,
            },
        )
    }

    /// Asks the hub for a resident; with `break_glass` (a clinician's reason) the hub sends
    /// the records the resident has not consented to share here too, and audits the reason.
    pub fn fetch(
        &self,
        identifier: Identifier,
        break_glass: Option<&str>,
    ) -> Result<FetchResponse, SyncError> {
        self.post(
            route::FETCH,
            &FetchRequest {
                identifier,
                break_glass: break_glass.map(str::to_string),
            },
        )
    }
}

/// What a round did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pushed: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// Entries the hub deferred (this PC's clock is ahead of the hub's): sent again later.
    pub later: usize,
    pub pulled: usize,
    /// Pulled changes this store could not apply (kept out; counted, not fatal).
    pub pull_failures: usize,
    /// Compressed body bytes on the wire (HTTP and TLS framing not counted).
    pub bytes_sent: usize,
    pub bytes_received: usize,
}

/// Progress of a round, for the status bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Pushing { done: usize, total: usize },
    Pulling { done: usize },
}

/// Entries per push request.
pub const PUSH_BATCH: usize = 500;
/// Changes per pull page.
pub const PULL_PAGE: u32 = 2_000;

/// One round: push every pending outbox entry (in order, in batches), then pull until the hub
/// has nothing more. Only what the hub acknowledged leaves the outbox; the cursor moves in the
/// same transaction as the changes it covers.
pub fn round(
    store: &Store,
    hub: &HubClient,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, SyncError> {
    let mut s = Summary::default();
    let wire_before = hub.wire_bytes();
    let total = store.outbox_len()? as usize;
    let mut after = 0;
    loop {
        let batch = store.pending(after, PUSH_BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        let entries: Vec<PushEntry> = batch
            .iter()
            .map(|e| {
                Ok(PushEntry {
                    id: e.change.id,
                    version: e.version,
                    change: e.change.encode().map_err(storage::Error::from)?,
                })
            })
            .collect::<Result<_, storage::Error>>()?;
        let response = hub.push(entries)?;
        let mut acked = Vec::new();
        for (id, version, result) in response.results {
            match result {
                EntryResult::Stored => {
                    s.pushed += 1;
                    acked.push((id, version));
                }
                EntryResult::Duplicate => {
                    s.duplicates += 1;
                    acked.push((id, version));
                }
                EntryResult::Rejected(reason) => {
                    s.rejected += 1;
                    store.mark_rejected(id, &reason)?;
                }
                // Stays pending: the next round sends it again.
                EntryResult::Later(_) => s.later += 1,
            }
        }
        store.acknowledge(&acked)?;
        if let Some(receipt) = response.receipt {
            keep_receipt(store, &receipt)?;
        }
        progress(Progress::Pushing {
            done: s.pushed + s.duplicates + s.rejected,
            total,
        });
    }
    let pulled = pull_all(
        store,
        hub,
        (CURSOR_KEY, EPOCH_KEY),
        |_| Ok(()),
        &mut |done| progress(Progress::Pulling { done }),
    )?;
    (s.pulled, s.pull_failures) = (pulled.new, pulled.failures);
    store.set_meta_u64(
        storage::Counter::LastSyncMs,
        store.clock().now_ms().max(0) as u64,
    )?;
    let wire = hub.wire_bytes();
    s.bytes_sent = wire.0 - wire_before.0;
    s.bytes_received = wire.1 - wire_before.1;
    Ok(s)
}

/// Store keys of the hub's latest audit receipt and of the key that signs receipts.
const RECEIPT_KEY: storage::Local = storage::Local::AuditReceipt;
const RECEIPT_SIGNER_KEY: storage::Local = storage::Local::ReceiptSigner;

/// Keeps the hub's receipt of this device's audit chain: signed by the key this workstation
/// learnt with the first receipt (over the pinned TLS connection), for this device.
/// What a pull brought: changes new here, and changes that did not decode or apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pulled {
    pub new: usize,
    pub failures: usize,
}

/// Pulls every page after the cursor the store keeps (`keys`: the cursor's and its epoch's
/// counters) and applies the changes with their cursor in the same transaction, so after a
/// crash the cursor never runs ahead of what was applied. `each_page` sees a page's changes before
/// they are applied (a relay marks them as from upstream); `progress` the changes new so far.
/// The workstation's round and the relay's both pull through this.
///
/// Pipelined: the next page is asked for (from the cursor the hub gave with this one) while
/// the pages before it are decoded and applied, so a bootstrap costs the larger of the network
/// and the disk, not their sum. Pages are applied in batches of about [`APPLY_BATCH`] changes,
/// each with the cursor after it; a batch is committed without waiting for the disk while more
/// follow (a crash rolls back to the last durable one, with its cursor), durably every
/// [`DURABLE_EVERY`] batches, at the end, and when the link fails (what arrived is kept, so a
/// link that comes and goes still moves the pull on).
pub(crate) fn pull_all(
    store: &Store,
    hub: &HubClient,
    keys: (storage::Counter, storage::Counter),
    mut each_page: impl FnMut(&[Change]) -> Result<(), SyncError>,
    progress: &mut dyn FnMut(usize),
) -> Result<Pulled, SyncError> {
    let (cursor_key, epoch_key) = keys;
    let mut pulled = Pulled::default();
    let (cursor, epoch) = (store.meta_u64(cursor_key)?, store.meta_u64(epoch_key)?);
    std::thread::scope(|scope| {
        // Up to a batch of pages waits while a batch is applied, so the hub serves the next
        // batch meanwhile (with room for one page, it sat idle through most of each apply);
        // memory stays about two batches whatever the catchment.
        let ahead = (APPLY_BATCH / PULL_PAGE as usize).max(1);
        let (pages, arrived) = std::sync::mpsc::sync_channel(ahead);
        scope.spawn(move || {
            let (mut cursor, mut epoch) = (cursor, epoch);
            loop {
                let page = hub.pull(cursor, PULL_PAGE, epoch);
                let next = page
                    .as_ref()
                    .ok()
                    .filter(|p| p.more)
                    .map(|p| (p.cursor, p.epoch));
                // The applier stopped (an error): nothing more to ask for.
                if pages.send(page).is_err() {
                    return;
                }
                match next {
                    Some(at) => (cursor, epoch) = at,
                    None => return,
                }
            }
        });
        // Pages are applied in batches of about [`APPLY_BATCH`] changes: a transaction writes
        // each page of each index it touched once, however many of its changes touched it.
        let mut batch: Vec<Change> = Vec::new();
        let (mut batches, mut epoch, mut cursor) = (0usize, epoch, cursor);
        for page in arrived {
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    if !batch.is_empty() {
                        apply_pulled(store, &mut batch, (cursor_key, cursor), true, &mut pulled)?;
                    }
                    return Err(e);
                }
            };
            let changes: Vec<Change> = page
                .changes
                .iter()
                .filter_map(|b| Change::decode(b).ok())
                .collect();
            pulled.failures += page.changes.len() - changes.len();
            each_page(&changes)?;
            if page.epoch != epoch {
                // The cursor counts in the new epoch from here: what came before goes first.
                if !batch.is_empty() {
                    apply_pulled(store, &mut batch, (cursor_key, cursor), true, &mut pulled)?;
                }
                store.set_meta_u64(epoch_key, page.epoch)?;
                epoch = page.epoch;
            }
            batch.extend(changes);
            cursor = page.cursor;
            if batch.len() >= APPLY_BATCH || !page.more {
                batches += 1;
                let durable = !page.more || batches % DURABLE_EVERY == 0;
                apply_pulled(
                    store,
                    &mut batch,
                    (cursor_key, cursor),
                    durable,
                    &mut pulled,
                )?;
                progress(pulled.new);
            }
        }
        // A bootstrap fills the indexes in arrival order, a third of their pages empty: the
        // next open rewrites the file in key order (`storage::compact`), not the clinic waiting.
        Ok(pulled)
    })
}

/// Applies a batch of pulled changes with the cursor after them, in one transaction.
fn apply_pulled(
    store: &Store,
    batch: &mut Vec<Change>,
    cursor: (storage::Counter, u64),
    durable: bool,
    pulled: &mut Pulled,
) -> Result<(), SyncError> {
    for o in store.apply_remote_at(batch, durable, Some(cursor))? {
        match o {
            Ok(Applied::New(_)) => pulled.new += 1,
            Ok(Applied::Duplicate) => {}
            Err(_) => pulled.failures += 1,
        }
    }
    batch.clear();
    Ok(())
}

/// Changes applied in one transaction during a long pull.
const APPLY_BATCH: usize = 20_000;
/// Batches of a long pull committed between two that wait for the disk: at most this many
/// are pulled again after a crash.
const DURABLE_EVERY: usize = 4;

fn keep_receipt(store: &Store, receipt: &Receipt) -> Result<(), SyncError> {
    let signer = match store.local_value(RECEIPT_SIGNER_KEY)? {
        Some(key) => key,
        None => {
            store.set_local_value(RECEIPT_SIGNER_KEY, &receipt.hub_key)?;
            receipt.hub_key.clone()
        }
    };
    if receipt.device != store.device() || !receipt.verify(&signer) {
        return Err(SyncError::Protocol(
            "the hub's audit receipt does not verify: not kept".into(),
        ));
    }
    let bytes = postcard::to_stdvec(receipt).map_err(|e| SyncError::Protocol(e.to_string()))?;
    store.set_local_value(RECEIPT_KEY, &bytes)?;
    Ok(())
}

/// The hub's latest receipt of this device's audit chain, if it sent one.
pub fn last_receipt(store: &Store) -> Result<Option<Receipt>, SyncError> {
    match store.local_value(RECEIPT_KEY)? {
        Some(bytes) => postcard::from_bytes(&bytes)
            .map(Some)
            .map_err(|e| SyncError::Protocol(e.to_string())),
        None => Ok(None),
    }
}

/// Does this store's audit chain still hold what the hub countersigned last? `Some(why)`
/// when it does not: entries the hub holds were cut from this file or rewritten. (A store
/// restored from a backup holds the backup's own receipt, which its chain matches.)
pub fn audit_receipt_problem(store: &Store) -> Result<Option<String>, SyncError> {
    let Some(receipt) = last_receipt(store)? else {
        return Ok(None);
    };
    if store.audit_chain_contains(store.device(), &receipt.head)? {
        return Ok(None);
    }
    Ok(Some(format!(
        "the hub confirmed {} audit entries of this workstation, the last of which is no \
         longer in this file: entries were removed or rewritten",
        receipt.entries
    )))
}

/// Fetches a resident unknown locally from the hub and keeps them (with the records their
/// consent lets this facility have). Returns how many changes were added.
pub fn fetch_resident(
    store: &Store,
    hub: &HubClient,
    identifier: Identifier,
) -> Result<usize, SyncError> {
    fetch_and_apply(store, hub, identifier, None)
}

/// Break-glass at the hub: fetches the resident with every record, those the resident has not
/// consented to share here included, giving the clinician's `reason` (the hub audits it).
/// Call it after the local [`Store::break_glass`]; returns how many changes were added.
pub fn fetch_break_glass(
    store: &Store,
    hub: &HubClient,
    identifier: Identifier,
    reason: &str,
) -> Result<usize, SyncError> {
    fetch_and_apply(store, hub, identifier, Some(reason))
}

fn fetch_and_apply(
    store: &Store,
    hub: &HubClient,
    identifier: Identifier,
    break_glass: Option<&str>,
) -> Result<usize, SyncError> {
    let response = hub.fetch(identifier, break_glass)?;
    let changes: Vec<Change> = response
        .changes
        .iter()
        .filter_map(|b| Change::decode(b).ok())
        .collect();
    let outcomes = store.apply_remote(&changes, true)?;
    Ok(outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Applied::New(_))))
        .count())
}

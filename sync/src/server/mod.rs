//! The hub server: enrolment, push, pull, fetch on demand, trust list, admin. One store, many
//! workstations; per-entry results; every request authenticated with a device token.

mod admin;
mod auth;
mod common;
mod enrol;
mod fetch;
mod local;
mod pull;
mod push;
pub mod trust;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use storage::Store;

use crate::protocol::{MAX_BODY, route};

pub use admin::issue_enrolment as issue_enrolment_code;
use admin::issue_enrolment as issue_enrolment_code_for;
pub use auth::{hash_secret, random_secret};
pub use enrol::normalise_code;
pub use local::LocalHub;

/// Everything a request handler needs.
pub struct Hub {
    pub store: Arc<Store>,
    pub data_dir: PathBuf,
    /// SHA-256 of the admin token (admin routes, from this machine only).
    pub admin_hash: String,
    /// The pinned trust root and the list it signed: consent proofs are checked against it,
    /// and workstations receive it through sync.
    pub trust: trust::HubTrust,
    /// Fetches per device in the current minute and day, for rate limiting.
    fetches: Mutex<std::collections::HashMap<String, fetch::Counts>>,
    /// The key that signs audit receipts: the hub's TLS key, whose certificate workstations
    /// pin.
    receipt_key: p256::ecdsa::SigningKey,
    /// The resync token: changing it makes every workstation pull from scratch.
    pub epoch: u64,
    /// How long a workstation may keep a fetched resident outside its catchment.
    pub keep_days: u32,
    /// Fetches allowed per device per minute.
    pub fetch_per_minute: u32,
    /// Fetches allowed per device per day (the clinic's day, Beijing time).
    pub fetch_per_day: u32,
    /// Prices and insurance classes the settlement service checks claims against
    /// (`Store::catalogue_for`); without one, claims wait at the hub undecided.
    pub catalogue: Option<storage::catalogue::Catalogue>,
    /// This hub adjudicates claims: it is the top of the chain (no upstream hub). A relay
    /// forwards them, because only the top holds every accumulator.
    pub settles_claims: bool,
}

/// The account the hub's settlement service writes its decisions as.
pub fn settlement_actor() -> storage::Actor {
    storage::Actor {
        staff: "settlement".into(),
        facility: "hub".into(),
        role: storage::model::Role::Settlement,
    }
}

/// The account the hub writes its own changes as: its audit of fetches and refusals, the
/// trust lists it publishes.
pub fn hub_actor() -> storage::Actor {
    storage::Actor {
        staff: "hub".into(),
        facility: "hub".into(),
        role: storage::model::Role::Admin,
    }
}

/// The hub's store in its data directory.
pub fn store_path(data_dir: &Path) -> PathBuf {
    data_dir.join("hub.redb")
}

/// The admin token file in the hub's data directory (readable by the hub's user only).
pub fn admin_token_path(data_dir: &Path) -> PathBuf {
    data_dir.join("admin.token")
}

impl Hub {
    /// Opens the hub's state: creates the admin token and the resync epoch on first start.
    pub fn new(store: Arc<Store>, data_dir: &Path) -> anyhow::Result<Hub> {
        let token_file = admin_token_path(data_dir);
        let token = match std::fs::read_to_string(&token_file) {
            Ok(t) => t.trim().to_string(),
            Err(_) => {
                let t = random_secret(32);
                write_private(&token_file, &t)?;
                t
            }
        };
        let mut epoch = store.meta_u64(storage::Counter::HubEpoch)?;
        if epoch == 0 {
            epoch = u64::from_le_bytes(rand::random::<[u8; 8]>()) | 1;
            store.set_meta_u64(storage::Counter::HubEpoch, epoch)?;
        }
        let trust = trust::HubTrust::load(data_dir)?;
        trust.publish_if_newer(&store)?;
        let (_, key) = crate::tls::hub_identity(data_dir)?;
        let receipt_key = {
            use p256::pkcs8::DecodePrivateKey;
            p256::ecdsa::SigningKey::from_pkcs8_der(&key)
                .map_err(|e| anyhow::anyhow!("the hub's key cannot sign receipts: {e}"))?
        };
        let settles_claims = crate::relay::upstream_config(&store, data_dir)?.is_none();
        let catalogue = store.catalogue_for(data_dir)?;
        if catalogue.is_none() && settles_claims {
            eprintln!(
                "clinic-hub: no catalogue (put the county's {} in {}): claims wait undecided",
                storage::catalogue::CATALOGUE_FILE,
                data_dir.display()
            );
        }
        Ok(Hub {
            store,
            data_dir: data_dir.to_path_buf(),
            admin_hash: hash_secret(&token),
            trust,
            fetches: Mutex::new(Default::default()),
            receipt_key,
            epoch,
            keep_days: 30,
            fetch_per_minute: 60,
            fetch_per_day: 600,
            catalogue,
            settles_claims,
        })
    }

    /// The hub's signed receipt of how much of `device`'s audit chain it holds (none when it
    /// holds none).
    pub fn receipt(&self, device: &str) -> storage::Result<Option<crate::protocol::Receipt>> {
        use p256::ecdsa::signature::Signer;
        let Some((entries, head)) = self.store.audit_chain_end(device)? else {
            return Ok(None);
        };
        let mut receipt = crate::protocol::Receipt {
            device: device.to_string(),
            entries,
            head,
            at_ms: self.store.clock().now_ms(),
            hub_key: self
                .receipt_key
                .verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
            signature: Vec::new(),
        };
        let signature: p256::ecdsa::Signature = self.receipt_key.sign(&receipt.message());
        receipt.signature = signature.to_bytes().to_vec();
        Ok(Some(receipt))
    }

    /// Adjudicates the claims waiting at this hub, if it settles claims. Called after every
    /// push and at start, so a crash between storing a claim and deciding it loses nothing.
    pub fn settle_claims(&self) -> anyhow::Result<usize> {
        let Some(catalogue) = self.catalogue.as_ref().filter(|_| self.settles_claims) else {
            return Ok(0);
        };
        Ok(self
            .store
            .adjudicate_queued(&settlement_actor(), catalogue)?
            .len())
    }
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    write_private_bytes(path, text.as_bytes())
}

/// Writes a secret readable by the hub's user only.
pub fn write_private_bytes(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)?;
    Ok(())
}

/// The hub's routes.
pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route(route::ENROL, post(enrol::enrol))
        .route(route::PUSH, post(push::push))
        .route(route::PULL, post(pull::pull))
        .route(route::FETCH, post(fetch::fetch))
        .route(route::TRUST_LIST, get(trust::trust_list))
        .route(route::ADMIN_ENROL, post(admin::admin_enrol))
        .route(route::ADMIN_REVOKE, post(admin::admin_revoke))
        .route(route::ADMIN_TRUST, post(trust::admin_publish))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(hub)
}

/// Serves TLS on `listener` until the process ends. A connection that does not finish its
/// handshake or send its headers in time is dropped; one bad client never stops the others.
pub async fn serve(
    listener: tokio::net::TcpListener,
    hub: Arc<Hub>,
    tls: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let app = router(hub);
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("clinic-hub: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let handshake =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp))
                    .await;
            let Ok(Ok(stream)) = handshake else { return };
            let service = app.layer(axum::Extension(axum::extract::ConnectInfo(peer)));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(20))
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(service),
                )
                .await;
        });
    }
}

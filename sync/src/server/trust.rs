//! The trust list at the hub: the root-signed list of card issuers and revocations that the
//! hub checks consent proofs against and delivers to every workstation through sync.
//!
//! The hub pins a root key (`trust-root.hex` in its data directory, SEC1 hex) and keeps the
//! newest list that root signed (`trust-list.ehtl`). Publishing a list (`clinic-hub trust
//! import`) commits it as a [`Body::TrustList`] change, which pull hands to every device; a
//! list older than the one held is refused, so the version never goes back.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use p256::ecdsa::VerifyingKey;
use scanner::card::{Outcome, TrustList, Verifier, keys};
use storage::Store;
use storage::model::{Body, CardId, TrustListRelease};

use super::Hub;
use super::auth;
use super::common::*;
use crate::protocol::*;

pub fn root_path(data_dir: &Path) -> PathBuf {
    data_dir.join("trust-root.hex")
}

pub fn list_path(data_dir: &Path) -> PathBuf {
    data_dir.join("trust-list.ehtl")
}

/// The hub's pinned root and the newest list it signed.
pub struct HubTrust {
    root: Option<VerifyingKey>,
    /// The list and its file bytes.
    list: RwLock<Option<(TrustList, Vec<u8>)>>,
}

fn parse_root(hex: &str) -> anyhow::Result<VerifyingKey> {
    let bytes = keys::from_hex(hex).context("the trust root is not hex")?;
    VerifyingKey::from_sec1_bytes(&bytes)
        .map_err(|_| anyhow::anyhow!("the trust root is not a P-256 public key"))
}

impl HubTrust {
    /// Reads the pinned root and the list from the data directory. A list that the root did
    /// not sign stops the hub: serving it would make every card check wrong.
    pub fn load(data_dir: &Path) -> anyhow::Result<HubTrust> {
        let root = match std::fs::read_to_string(root_path(data_dir)) {
            Ok(hex) => Some(parse_root(&hex)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        let list = match (std::fs::read(list_path(data_dir)), &root) {
            (Ok(bytes), Some(root)) => {
                let list = TrustList::verify(&bytes, root)
                    .with_context(|| "trust-list.ehtl is not signed by the hub's trust root")?;
                Some((list, bytes))
            }
            (Ok(_), None) => anyhow::bail!(
                "trust-list.ehtl is there but no trust root is pinned: import the list with \
                 `clinic-hub trust import FILE --root HEX`"
            ),
            (Err(_), _) => None,
        };
        Ok(HubTrust {
            root,
            list: RwLock::new(list),
        })
    }

    /// The list's file bytes, if the hub has one.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        let list = self.list.read().unwrap_or_else(|p| p.into_inner());
        list.as_ref().map(|(_, bytes)| bytes.clone())
    }

    /// Checks a card code shown as proof of presence, as of Unix second `at`: a valid card
    /// (or live phone code) under the hub's list; returns the card id.
    pub fn presence(&self, code: &str, at: u64) -> Result<CardId, String> {
        let list = self.list.read().unwrap_or_else(|p| p.into_inner());
        let Some((list, _)) = list.as_ref() else {
            return Err("the hub has no trust list to check cards against".into());
        };
        let scan = Verifier::new(Some(list.clone())).check(code, at);
        match (scan.outcome, scan.token) {
            (Some(Outcome::Valid), Some(token)) => Ok(CardId(token.card.card_id)),
            (Some(outcome), _) => Err(outcome.to_string()),
            (None, _) => Err("not a signed card code".into()),
        }
    }

    /// Installs `bytes` as the hub's list (pinning `root_hex` if given) and publishes it to the
    /// workstations as a change. Refuses a list the root did not sign, or one not newer than
    /// the list held.
    pub fn publish(
        &self,
        store: &Store,
        data_dir: &Path,
        bytes: &[u8],
        root_hex: Option<&str>,
    ) -> anyhow::Result<TrustList> {
        let root = match (root_hex, &self.root) {
            (Some(hex), _) => parse_root(hex)?,
            (None, Some(root)) => *root,
            (None, None) => anyhow::bail!("no trust root is pinned at this hub: give --root"),
        };
        if let (Some(hex), Some(pinned)) = (root_hex, &self.root) {
            anyhow::ensure!(
                parse_root(hex)? == *pinned,
                "the hub already pins another trust root"
            );
        }
        let list = TrustList::verify(bytes, &root).context("the trust list is refused")?;
        let held = store.trust_list_release()?.map_or(0, |r| r.version);
        anyhow::ensure!(
            list.version > held,
            "the trust list (version {}) is not newer than the one published (version {held})",
            list.version
        );
        if root_hex.is_some() && self.root.is_none() {
            std::fs::write(root_path(data_dir), keys::hex(&keys::public_bytes(&root)))?;
        }
        let tmp = list_path(data_dir).with_extension("tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, list_path(data_dir))?;
        store.commit_one(
            &super::hub_actor(),
            Body::TrustList(TrustListRelease {
                version: list.version,
                bytes: bytes.to_vec(),
            }),
        )?;
        *self.list.write().unwrap_or_else(|p| p.into_inner()) =
            Some((list.clone(), bytes.to_vec()));
        Ok(list)
    }

    /// Publishes the list read at start if the store holds an older release (a hub whose list
    /// file was copied in by hand, or from before lists travelled by sync).
    pub fn publish_if_newer(&self, store: &Store) -> anyhow::Result<()> {
        let list = self.list.read().unwrap_or_else(|p| p.into_inner()).clone();
        let Some((list, bytes)) = list else {
            return Ok(());
        };
        if store
            .trust_list_release()?
            .is_none_or(|r| r.version < list.version)
        {
            store.commit_one(
                &super::hub_actor(),
                Body::TrustList(TrustListRelease {
                    version: list.version,
                    bytes,
                }),
            )?;
        }
        Ok(())
    }
}

/// `GET /v1/trust-list`: the file itself, for workstations of protocol 1 and 2 (newer ones
/// receive it by pull).
pub async fn trust_list(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Response {
    finish(
        async move {
            auth::device(&hub, &headers)?;
            match hub.trust.bytes() {
                Some(bytes) => Ok(
                    ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(),
                ),
                None => Err((
                    StatusCode::NOT_FOUND,
                    "this hub distributes no trust list".into(),
                )),
            }
        }
        .await,
    )
}

/// Admin: publish a trust list (`clinic-hub trust import` while the hub runs).
pub async fn admin_publish(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    super::admin::admin_call(hub, peer, headers, body, |hub, req: AdminTrustRequest| {
        let list = hub
            .trust
            .publish(&hub.store, &hub.data_dir, &req.list, req.root.as_deref())
            .map_err(|e| (StatusCode::CONFLICT, format!("{e:#}")))?;
        Ok(reply(&AdminTrustResponse {
            version: list.version,
        }))
    })
    .await
}

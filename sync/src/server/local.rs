//! A hub running inside this process on loopback (TLS and all): for benchmarks and tests that
//! want a real server without a second process.

use std::path::Path;
use std::sync::Arc;

use storage::Store;

use super::{Hub, issue_enrolment_code_for as issue};

pub struct LocalHub {
    pub url: String,
    pub fingerprint: String,
    pub store: Arc<Store>,
    _runtime: tokio::runtime::Runtime,
}

impl LocalHub {
    /// Serves `store` on a free loopback port; `dir` holds the hub's certificate and tokens.
    pub fn start(dir: &Path, store: Arc<Store>) -> anyhow::Result<LocalHub> {
        std::fs::create_dir_all(dir)?;
        let hub = Arc::new(Hub::new(store.clone(), dir)?);
        let (cert, key) = crate::tls::hub_identity(dir)?;
        let fingerprint = crate::tls::fingerprint(&cert);
        let tls = crate::tls::server_config(cert, key)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let url = format!("https://{}", listener.local_addr()?);
        runtime.spawn(super::serve(listener, hub, tls));
        Ok(LocalHub {
            url,
            fingerprint,
            store,
            _runtime: runtime,
        })
    }

    /// A one-time enrolment code for a workstation of `facility`.
    pub fn enrolment_code(&self, facility: &str) -> anyhow::Result<String> {
        Ok(issue(&self.store, facility, "local", false)?)
    }

    /// Enrols a workstation store: the configuration it should keep.
    pub fn enrol(
        &self,
        workstation: &Store,
        facility: &str,
    ) -> anyhow::Result<crate::client::SyncConfig> {
        let code = self.enrolment_code(facility)?;
        let client = crate::client::HubClient::new(
            &self.url,
            "",
            &self.fingerprint,
            std::time::Duration::from_secs(10),
        )?;
        let answer = client.enrol(&code, workstation.device())?;
        Ok(crate::client::SyncConfig {
            hub_url: self.url.clone(),
            token: answer.token,
            facility: answer.facility,
            fingerprint: self.fingerprint.clone(),
        })
    }
}

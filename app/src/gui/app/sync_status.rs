//! Following the sync worker: state for the status bar, new local writes sent at once.

use std::path::Path;
use std::sync::Arc;

use storage::Store;

use super::ClinicApp;

/// What the status bar says about sync.
#[derive(Default, Debug, Clone)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub syncing: bool,
    pub progress: Option<sync::client::Progress>,
    pub last_ok_ms: Option<i64>,
    pub error: Option<String>,
    /// Outbox depth at the last frame, to notice new local writes.
    pub outbox: u64,
}

/// Starts the sync worker if this workstation is enrolled with a hub.
pub(super) fn start(
    ctx: &egui::Context,
    store: &Arc<Store>,
    data_dir: &Path,
) -> (Option<sync::worker::SyncWorker>, SyncStatus) {
    let config = crate::services::hub::load_config(data_dir, store)
        .ok()
        .flatten();
    let status = SyncStatus {
        enrolled: config.is_some(),
        last_ok_ms: store
            .meta_u64(storage::Counter::LastSyncMs)
            .ok()
            .filter(|v| *v > 0)
            .map(|v| v as i64),
        ..Default::default()
    };
    let worker = config.map(|config| {
        let waker = ctx.clone();
        sync::worker::SyncWorker::spawn(
            store.clone(),
            config,
            Arc::new(move || waker.request_repaint()),
        )
    });
    (worker, status)
}

impl ClinicApp {
    pub(super) fn poll_sync(&mut self) {
        use sync::worker::SyncEvent;
        let outbox = self.state.store.outbox_len().unwrap_or(0);
        let Some(worker) = &self.sync else {
            self.sync_status.outbox = outbox;
            return;
        };
        // Something new was recorded here: send it now rather than at the next tick.
        if outbox > self.sync_status.outbox && !self.sync_status.syncing {
            worker.sync_now();
        }
        self.sync_status.outbox = outbox;
        let mut fetched = Vec::new();
        let mut trust_may_have_changed = false;
        while let Ok(event) = worker.events.try_recv() {
            let s = &mut self.sync_status;
            match event {
                SyncEvent::Started => s.syncing = true,
                SyncEvent::Progress(p) => s.progress = Some(p),
                SyncEvent::Completed { at_ms, summary } => {
                    s.syncing = false;
                    s.progress = None;
                    s.last_ok_ms = Some(at_ms);
                    s.error = None;
                    trust_may_have_changed |= summary.pulled > 0;
                }
                SyncEvent::Failed { error, .. } => {
                    s.syncing = false;
                    s.progress = None;
                    s.error = Some(error);
                }
                SyncEvent::Fetched { identifier, result } => fetched.push((identifier, result)),
            }
        }
        for (identifier, result) in fetched {
            self.fetched(identifier, result);
        }
        if trust_may_have_changed {
            self.install_pulled_trust_list();
        }
    }

    /// Installs a newer trust list the hub delivered (new issuers, revocations): scans are
    /// verified against it from the next one on. A list the pinned root did not sign, or an
    /// older one, changes nothing.
    fn install_pulled_trust_list(&mut self) {
        let Ok(Some(release)) = self.state.store.trust_list_release() else {
            return;
        };
        let installed = self.scanners.verifier.trust_list().map_or(0, |l| l.version);
        if release.version <= installed {
            return;
        }
        let root = crate::trust::root_key(&self.state.settings.root_key);
        let loaded = root.and_then(|root| {
            crate::trust::load(&self.state.data_dir, root.as_ref(), &self.state.store)
        });
        match loaded {
            Ok(Some(list)) if list.version > installed => {
                let version = list.version;
                if self.scanners.verifier.update_trust(list).is_ok() {
                    let lang = self.state.lang;
                    self.state.notice = Some(crate::gui::state::Notice::Info(format!(
                        "{} {version}",
                        lang.t("已更新信任列表：版本", "Trust list updated: version")
                    )));
                }
            }
            Ok(_) => {}
            Err(e) => self.state.error(e),
        }
    }
}

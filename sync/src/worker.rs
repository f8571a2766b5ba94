//! The sync worker the app runs: a thread that syncs when something is waiting, when asked,
//! and every half minute; backs off with jitter while the hub is unreachable, and notices by
//! itself when the link returns.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use storage::Store;
use storage::model::Identifier;

use crate::client::{HubClient, Progress, Summary, SyncConfig, round};

pub enum SyncCmd {
    /// Sync as soon as possible (something was just recorded, or staff asked).
    SyncNow,
    /// Look up a resident unknown here at the hub (short timeout: care is never held up).
    Fetch(storage::model::Identifier),
    /// Break-glass at the hub: bring the resident's records not shared with this facility,
    /// giving the reason already audited locally. Answered by [`SyncEvent::Fetched`].
    BreakGlass {
        identifier: storage::model::Identifier,
        reason: String,
    },
    Stop,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SyncEvent {
    Started,
    Progress(Progress),
    Completed {
        summary: Summary,
        at_ms: i64,
    },
    /// The round failed; `permanent` failures (revoked device…) need staff, not retries.
    Failed {
        error: String,
        permanent: bool,
        retry_in: Duration,
    },
    /// A fetch finished: how many changes arrived (0: unknown at the hub), or why it failed.
    Fetched {
        identifier: storage::model::Identifier,
        result: Result<usize, String>,
    },
}

pub struct SyncWorker {
    commands: Sender<SyncCmd>,
    pub events: Receiver<SyncEvent>,
    join: Option<JoinHandle<()>>,
}

/// Between rounds when all is well.
const INTERVAL: Duration = Duration::from_secs(30);
/// A fetch on demand gives up after this: the front desk registers provisionally instead.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait between attempts while the hub is unreachable.
const MAX_BACKOFF: f64 = 30.0;

impl SyncWorker {
    pub fn spawn(
        store: Arc<Store>,
        config: SyncConfig,
        waker: Arc<dyn Fn() + Send + Sync>,
    ) -> SyncWorker {
        let (commands, inbox) = channel();
        let (tx, events) = channel();
        let join = std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || run(&store, &config, &inbox, &tx, &*waker))
            .ok();
        SyncWorker {
            commands,
            events,
            join,
        }
    }

    pub fn sync_now(&self) {
        let _ = self.commands.send(SyncCmd::SyncNow);
    }

    pub fn fetch(&self, identifier: storage::model::Identifier) {
        let _ = self.commands.send(SyncCmd::Fetch(identifier));
    }

    pub fn break_glass(&self, identifier: storage::model::Identifier, reason: &str) {
        let _ = self.commands.send(SyncCmd::BreakGlass {
            identifier,
            reason: reason.to_string(),
        });
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        let _ = self.commands.send(SyncCmd::Stop);
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

fn run(
    store: &Store,
    config: &SyncConfig,
    inbox: &Receiver<SyncCmd>,
    events: &Sender<SyncEvent>,
    waker: &dyn Fn(),
) {
    let send = |e: SyncEvent| {
        let _ = events.send(e);
        waker();
    };
    let client =
        |timeout| HubClient::new(&config.hub_url, &config.token, &config.fingerprint, timeout);
    // A look-up at the hub, with a break-glass reason or without.
    let fetch = |identifier: Identifier, reason: Option<&str>| {
        let result = client(FETCH_TIMEOUT)
            .and_then(|client| match reason {
                Some(reason) => {
                    crate::client::fetch_break_glass(store, &client, identifier.clone(), reason)
                }
                None => crate::client::fetch_resident(store, &client, identifier.clone()),
            })
            .map_err(|e| e.to_string());
        send(SyncEvent::Fetched { identifier, result });
    };
    let mut failures = 0u32;
    let mut wait = Duration::ZERO;
    loop {
        match inbox.recv_timeout(wait) {
            Ok(SyncCmd::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(SyncCmd::Fetch(identifier)) => {
                fetch(identifier, None);
                continue;
            }
            Ok(SyncCmd::BreakGlass { identifier, reason }) => {
                fetch(identifier, Some(&reason));
                continue;
            }
            Ok(SyncCmd::SyncNow) | Err(RecvTimeoutError::Timeout) => {}
        }
        send(SyncEvent::Started);
        let result = client(Duration::from_secs(30))
            .and_then(|client| round(store, &client, &mut |p| send(SyncEvent::Progress(p))));
        match result {
            Ok(summary) => {
                failures = 0;
                wait = INTERVAL;
                send(SyncEvent::Completed {
                    summary,
                    at_ms: store.clock().now_ms(),
                });
            }
            Err(e) => {
                failures += 1;
                let backoff = (2f64.powi(failures.min(5) as i32)).min(MAX_BACKOFF);
                let jitter = 0.75 + 0.5 * rand::random::<f64>();
                wait = Duration::from_secs_f64(backoff * jitter);
                send(SyncEvent::Failed {
                    error: e.to_string(),
                    permanent: e.is_permanent(),
                    retry_in: wait,
                });
            }
        }
    }
}

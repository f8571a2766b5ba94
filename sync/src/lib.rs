//! Sync: the wire protocol, the workstation's client and worker, and the hub server.
//!
//! Push before pull; per-entry results; pull by the hub's change sequence, never by time;
//! fetch on demand for residents outside the local cache. See PROTOCOL.md.

pub mod client;
pub mod protocol;
pub mod relay;
pub mod server;
pub mod tls;
pub mod worker;

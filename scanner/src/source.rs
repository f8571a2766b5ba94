//! What every code source (camera, serial pier, keyboard wedge, files) reports.

use serde::Serialize;

/// Where a code came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Camera,
    Serial,
    Wedge,
    File,
    Typed,
}

/// The state of a device, for the status bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum DeviceState {
    /// Not configured, or no such device on this PC.
    Absent(String),
    Connected(String),
    /// Was there, is gone (unplugged, busy); retrying.
    Lost(String),
}

/// An event from a device worker.
#[derive(Clone, Debug, PartialEq)]
pub enum ScanEvent {
    /// A code's text, as read.
    Code {
        text: String,
        source: Source,
    },
    State {
        source: Source,
        state: DeviceState,
    },
    /// A frame was too long, unreadable, or otherwise dropped.
    Warning {
        source: Source,
        message: String,
    },
}

/// Wakes the UI when an event is ready (the GUI passes `ctx.request_repaint`).
pub type Waker = std::sync::Arc<dyn Fn() + Send + Sync>;

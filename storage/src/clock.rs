//! The wall clock, injectable so tests and demos run at a fixed time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, from the system or from a settable value.
#[derive(Clone)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at `unix_ms` until [`Clock::set`] or [`Clock::advance`].
    pub fn fixed(unix_ms: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(unix_ms))))
    }

    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::Relaxed),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
        }
    }

    /// Moves a fixed clock; no effect on the system clock.
    pub fn set(&self, unix_ms: i64) {
        if let Some(t) = &self.0 {
            t.store(unix_ms, Ordering::Relaxed);
        }
    }

    pub fn advance(&self, ms: i64) {
        if let Some(t) = &self.0 {
            t.fetch_add(ms, Ordering::Relaxed);
        }
    }

    pub fn today(&self) -> crate::Date {
        crate::Date::of_instant(self.now_ms())
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(_) => write!(f, "Clock::fixed({})", self.now_ms()),
            None => write!(f, "Clock::system"),
        }
    }
}

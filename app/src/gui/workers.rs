//! Background work the window must not wait for. Each worker owns a thread, reports through a
//! channel and wakes the UI with `request_repaint`.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use storage::{Date, Store};

pub enum DemoEvent {
    /// Residents loaded so far.
    Progress(u64),
    Done(Result<fixtures::LoadSummary, String>),
}

/// Loads the demo township on a thread.
pub struct DemoLoader {
    events: Receiver<DemoEvent>,
    pub loaded: u64,
    pub target: u64,
}

impl DemoLoader {
    pub fn spawn(
        ctx: egui::Context,
        store: Arc<Store>,
        facility: String,
        today: Date,
    ) -> DemoLoader {
        let (tx, rx) = channel();
        let residents = fixtures::Params::demo(today).residents;
        std::thread::Builder::new()
            .name("demo-loader".into())
            .spawn(move || {
                let progress_tx = tx.clone();
                let progress_ctx = ctx.clone();
                let result = crate::services::demo::load_demo(
                    &store,
                    &facility,
                    today,
                    residents,
                    &mut |n| {
                        let _ = progress_tx.send(DemoEvent::Progress(n));
                        progress_ctx.request_repaint();
                    },
                );
                let _ = tx.send(DemoEvent::Done(result.map_err(|e| e.to_string())));
                ctx.request_repaint();
            })
            .ok();
        DemoLoader {
            events: rx,
            loaded: 0,
            target: residents as u64,
        }
    }

    /// Drains events without blocking; returns the result once finished.
    pub fn poll(&mut self) -> Option<Result<fixtures::LoadSummary, String>> {
        let mut done = None;
        while let Ok(event) = self.events.try_recv() {
            match event {
                DemoEvent::Progress(n) => self.loaded = n,
                DemoEvent::Done(r) => done = Some(r),
            }
        }
        done
    }
}

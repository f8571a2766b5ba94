//! The decode worker: frames in, codes out, never a queue. A new frame replaces one not yet
//! started, so the decoder always works on the latest picture and the preview stays live.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use crate::decode::{Decoded, decode_frame};
use crate::image::LumaImage;
use crate::source::Waker;

#[derive(Default)]
struct Slot {
    frame: Option<(u64, LumaImage)>,
    stop: bool,
    submitted: u64,
    dropped: u64,
}

/// What the worker found in one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameResult {
    /// The frame's number in submission order.
    pub frame: u64,
    pub codes: Vec<Decoded>,
    pub width: u32,
    pub height: u32,
}

pub struct DecodeWorker {
    slot: Arc<(Mutex<Slot>, Condvar)>,
    join: Option<JoinHandle<()>>,
}

impl DecodeWorker {
    /// Starts the worker; results (frames with at least one code) go to `results`.
    pub fn spawn(results: Sender<FrameResult>, waker: Waker) -> DecodeWorker {
        let slot = Arc::new((Mutex::new(Slot::default()), Condvar::new()));
        let shared = slot.clone();
        let join = std::thread::Builder::new()
            .name("decode".into())
            .spawn(move || {
                loop {
                    let (n, frame) = {
                        let (lock, cv) = &*shared;
                        let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
                        while s.frame.is_none() && !s.stop {
                            s = cv.wait(s).unwrap_or_else(|p| p.into_inner());
                        }
                        if s.stop {
                            return;
                        }
                        match s.frame.take() {
                            Some(f) => f,
                            None => continue,
                        }
                    };
                    let codes = decode_frame(&frame);
                    if !codes.is_empty() {
                        let result = FrameResult {
                            frame: n,
                            codes,
                            width: frame.width,
                            height: frame.height,
                        };
                        if results.send(result).is_err() {
                            return;
                        }
                        waker();
                    }
                }
            })
            .ok();
        DecodeWorker { slot, join }
    }

    /// Offers a frame; a frame still waiting is dropped in its favour. Returns its number.
    pub fn submit(&self, frame: LumaImage) -> u64 {
        let (lock, cv) = &*self.slot;
        let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
        s.submitted += 1;
        let n = s.submitted;
        if s.frame.replace((n, frame)).is_some() {
            s.dropped += 1;
        }
        cv.notify_one();
        n
    }

    /// (frames submitted, frames dropped unseen)
    pub fn counts(&self) -> (u64, u64) {
        let s = self.slot.0.lock().unwrap_or_else(|p| p.into_inner());
        (s.submitted, s.dropped)
    }
}

impl Drop for DecodeWorker {
    fn drop(&mut self) {
        {
            let mut s = self.slot.0.lock().unwrap_or_else(|p| p.into_inner());
            s.stop = true;
        }
        self.slot.1.notify_all();
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

//! The decode worker: frames in, codes out, never a queue. A new frame replaces one not yet
//! started, so the decoder always works on the latest picture and the preview stays live.
//!
//! The camera [`offer`](DecodeWorker::offer)s frames with their thumbnail; the worker takes
//! one only if the scene changed since the frame it last took, or if that frame's search found
//! nothing and the scene has only just come to rest (see [`crate::gate`]). A card held still
//! that was already read is not decoded again; a new card changes the scene and is.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use crate::decode::{Decoded, decode_frame};
use crate::gate::{SETTLE_DECODES, Thumbnail};
use crate::image::LumaImage;
use crate::source::Waker;

/// What the search of the frame last taken found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Not searched yet (waiting or being searched).
    Pending,
    Found,
    Nothing,
}

struct Slot {
    frame: Option<(u64, LumaImage)>,
    stop: bool,
    counts: Counts,
    /// The thumbnail of the frame last taken by [`DecodeWorker::offer`], its number, and what
    /// its search found.
    reference: Option<Thumbnail>,
    taken: u64,
    outcome: Outcome,
    /// Unchanged frames taken since the scene last changed.
    settling: u32,
}

/// What the worker did with the frames it was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Frames taken for decoding (offered and worth it, or submitted).
    pub submitted: u64,
    /// Frames taken but replaced by a newer one before the decoder reached them.
    pub dropped: u64,
    /// Frames offered and not taken: the scene had not changed.
    pub skipped: u64,
    /// Frames searched.
    pub decoded: u64,
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
        let slot = Arc::new((
            Mutex::new(Slot {
                frame: None,
                stop: false,
                counts: Counts::default(),
                reference: None,
                taken: 0,
                outcome: Outcome::Nothing,
                settling: 0,
            }),
            Condvar::new(),
        ));
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
                    {
                        let mut s = shared.0.lock().unwrap_or_else(|p| p.into_inner());
                        s.counts.decoded += 1;
                        // Only the latest frame taken speaks for the scene.
                        if s.taken == n {
                            s.outcome = if codes.is_empty() {
                                Outcome::Nothing
                            } else {
                                Outcome::Found
                            };
                        }
                    }
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

    /// Offers a camera frame with its thumbnail (of the frame or of its preview: the same kind
    /// every time). Taken, it replaces a frame still waiting, and its number is returned; not
    /// taken (`None`) when the scene has not changed since the frame last taken and that one
    /// is still being searched, held a code, or was searched [`SETTLE_DECODES`] times.
    pub fn offer(&self, frame: LumaImage, thumb: Thumbnail) -> Option<u64> {
        let (lock, cv) = &*self.slot;
        let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
        let changed = s.reference.as_ref().is_none_or(|r| thumb.differs(r));
        let worth = changed
            || match s.outcome {
                Outcome::Pending | Outcome::Found => false,
                Outcome::Nothing => s.settling < SETTLE_DECODES,
            };
        if !worth {
            s.counts.skipped += 1;
            return None;
        }
        s.settling = if changed { 0 } else { s.settling + 1 };
        s.reference = Some(thumb);
        s.outcome = Outcome::Pending;
        let n = Self::put(&mut s, frame);
        s.taken = n;
        cv.notify_one();
        Some(n)
    }

    /// Gives a frame to the decoder whatever the scene did (a frame still waiting is dropped
    /// in its favour). Returns its number.
    pub fn submit(&self, frame: LumaImage) -> u64 {
        let (lock, cv) = &*self.slot;
        let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
        let n = Self::put(&mut s, frame);
        cv.notify_one();
        n
    }

    fn put(s: &mut Slot, frame: LumaImage) -> u64 {
        s.counts.submitted += 1;
        let n = s.counts.submitted;
        if s.frame.replace((n, frame)).is_some() {
            s.counts.dropped += 1;
        }
        n
    }

    /// What the worker did so far.
    pub fn counts(&self) -> Counts {
        self.slot.0.lock().unwrap_or_else(|p| p.into_inner()).counts
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

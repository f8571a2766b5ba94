//! The webcam: list cameras, stream 1280×720 (or the closest the camera offers), feed the
//! decode worker, keep a small preview for the screen. No camera, a busy camera, or one
//! unplugged mid-session is a state on the status bar, never a crash; the worker keeps looking
//! and reconnects when the camera returns.
//!
//! The worker looks at a few frames a second and decodes only those in which the scene
//! changed ([`crate::gate`]); the frames in between are taken from the camera and dropped
//! undecoded. The window gets a new preview when the picture changed (once a second when it is
//! still), so a camera pointed at an empty counter keeps neither a core nor the window busy.
//! A video file can stand in for the camera (`file:` in the setting, [`crate::camera_file`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::gate::{Pace, PreviewGate, Thumbnail, preview_of};
use crate::image::LumaImage;
use crate::source::{DeviceState, ScanEvent, Source, Waker};
use crate::worker::DecodeWorker;

/// A camera this PC offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CameraInfo {
    pub index: u32,
    pub name: String,
}

/// Cameras present now (empty when there is none, or no camera support).
pub fn list_cameras() -> Vec<CameraInfo> {
    imp::list()
}

/// Which camera to stream, as the camera setting names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraChoice {
    /// The first camera present (`auto`).
    First,
    /// A camera by its index (`0`, `1`, …).
    Index(u32),
    /// A video file, a folder of pictures or a picture, played in a loop (`file:/path`).
    File(PathBuf),
}

impl CameraChoice {
    /// The camera setting read: `none` or nothing is no camera (`None`); `file:PATH` a virtual
    /// camera; a number a camera's index; anything else (`auto`) the first camera.
    pub fn parse(setting: &str) -> Option<CameraChoice> {
        let setting = setting.trim();
        if let Some(path) = setting.strip_prefix("file:") {
            return Some(CameraChoice::File(PathBuf::from(path.trim())));
        }
        match setting {
            "" | "none" => None,
            s => Some(s.parse().map_or(CameraChoice::First, CameraChoice::Index)),
        }
    }
}

/// A device that delivers frames: a webcam, or a file standing in for one.
pub(crate) trait FrameSource {
    /// What the status bar says while it streams.
    fn describe(&self) -> String;
    /// Waits for the next frame. Turning it into grey pixels is the costly part (a webcam's
    /// MJPEG): it is done only if `want`, else the frame is dropped (`Ok(None)`).
    fn next(&mut self, want: bool) -> Result<Option<LumaImage>, String>;
}

fn open(choice: &CameraChoice) -> Result<Box<dyn FrameSource>, String> {
    match choice {
        CameraChoice::File(path) => Ok(Box::new(crate::camera_file::FileCamera::open(path)?)),
        CameraChoice::First => imp::open(None),
        CameraChoice::Index(i) => imp::open(Some(*i)),
    }
}

/// The latest downscaled grey frame, for the preview.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    pub frame: Option<LumaImage>,
    /// Size of the full frame the preview was made from.
    pub full_size: (u32, u32),
    /// Previews handed over so far (the window redraws when it changes).
    pub frames: u64,
}

/// A thread owning the camera.
pub struct CameraWorker {
    stop: Arc<AtomicBool>,
    join: Option<JoinHandle<()>>,
    pub preview: Arc<Mutex<Preview>>,
    delivered: Arc<AtomicU64>,
}

impl CameraWorker {
    /// Streams `choice` into `decoder`.
    pub fn spawn(
        choice: CameraChoice,
        decoder: Arc<DecodeWorker>,
        events: Sender<ScanEvent>,
        waker: Waker,
    ) -> CameraWorker {
        let stop = Arc::new(AtomicBool::new(false));
        let preview = Arc::new(Mutex::new(Preview::default()));
        let delivered = Arc::new(AtomicU64::new(0));
        let (flag, shared, count) = (stop.clone(), preview.clone(), delivered.clone());
        let join = std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                let mut last: Option<DeviceState> = None;
                let mut report = |state: DeviceState| {
                    if last.as_ref() != Some(&state) {
                        last = Some(state.clone());
                        let _ = events.send(ScanEvent::State {
                            source: Source::Camera,
                            state,
                        });
                        waker();
                    }
                };
                let mut was_streaming = false;
                let mut looker = Looker {
                    decoder: &decoder,
                    preview: &shared,
                    waker: &waker,
                    delivered: &count,
                    epoch: Instant::now(),
                    pace: Pace::default(),
                    shown: PreviewGate::default(),
                };
                while !flag.load(Ordering::Relaxed) {
                    let result = open(&choice).and_then(|mut source| {
                        report(DeviceState::Connected(source.describe()));
                        looker.stream(source.as_mut(), &flag, &mut was_streaming)
                    });
                    match result {
                        Ok(()) => {}
                        Err(e) if was_streaming => report(DeviceState::Lost(e)),
                        Err(e) => report(DeviceState::Absent(e)),
                    }
                    for _ in 0..20 {
                        if flag.load(Ordering::Relaxed) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            })
            .ok();
        CameraWorker {
            stop,
            join,
            preview,
            delivered,
        }
    }

    /// Frames the camera delivered so far (most are dropped without a look).
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }
}

/// What the camera thread does with each frame: look at a few, hand over previews, offer
/// them to the decoder.
struct Looker<'a> {
    decoder: &'a DecodeWorker,
    preview: &'a Mutex<Preview>,
    waker: &'a Waker,
    delivered: &'a AtomicU64,
    epoch: Instant,
    pace: Pace,
    shown: PreviewGate,
}

impl Looker<'_> {
    /// Delivers frames until an error or `stop`.
    fn stream(
        &mut self,
        source: &mut dyn FrameSource,
        stop: &AtomicBool,
        was_streaming: &mut bool,
    ) -> Result<(), String> {
        while !stop.load(Ordering::Relaxed) {
            let want = self.pace.due(self.epoch.elapsed());
            let frame = source.next(want)?;
            *was_streaming = true;
            self.delivered.fetch_add(1, Ordering::Relaxed);
            if let Some(frame) = frame {
                self.look(frame);
            }
        }
        Ok(())
    }

    fn look(&mut self, frame: LumaImage) {
        let small = preview_of(&frame);
        let thumb = Thumbnail::of(&small);
        if self.shown.due(&thumb, self.epoch.elapsed()) {
            if let Ok(mut p) = self.preview.lock() {
                p.full_size = (frame.width, frame.height);
                p.frame = Some(small);
                p.frames += 1;
            }
            (self.waker)();
        }
        self.decoder.offer(frame, thumb);
    }
}

impl Drop for CameraWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

#[cfg(feature = "camera")]
mod imp {
    use nokhwa::pixel_format::LumaFormat;
    use nokhwa::utils::{
        ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
        Resolution,
    };

    use super::{CameraInfo, FrameSource};
    use crate::image::LumaImage;

    pub fn list() -> Vec<CameraInfo> {
        nokhwa::query(ApiBackend::Auto)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| match c.index() {
                CameraIndex::Index(i) => Some(CameraInfo {
                    index: *i,
                    name: c.human_name(),
                }),
                CameraIndex::String(_) => None,
            })
            .collect()
    }

    /// A webcam streaming; the stream stops when it is dropped.
    struct Webcam {
        camera: nokhwa::Camera,
        name: String,
    }

    /// Opens camera `index` (the first one if `None`) and starts its stream.
    pub fn open(index: Option<u32>) -> Result<Box<dyn FrameSource>, String> {
        let cameras = list();
        let chosen = match index {
            Some(i) => cameras.iter().find(|c| c.index == i),
            None => cameras.first(),
        }
        .ok_or_else(|| "no camera".to_string())?;
        let wanted = CameraFormat::new(Resolution::new(1280, 720), FrameFormat::MJPEG, 30);
        let format = RequestedFormat::new::<LumaFormat>(RequestedFormatType::Closest(wanted));
        let mut camera = nokhwa::Camera::new(CameraIndex::Index(chosen.index), format)
            .map_err(|e| e.to_string())?;
        camera
            .open_stream()
            .map_err(|e| format!("camera busy or unavailable: {e}"))?;
        let res = camera.resolution();
        let name = format!("{} {}×{}", chosen.name, res.width(), res.height());
        Ok(Box::new(Webcam { camera, name }))
    }

    impl FrameSource for Webcam {
        fn describe(&self) -> String {
            self.name.clone()
        }

        fn next(&mut self, want: bool) -> Result<Option<LumaImage>, String> {
            // Every frame is taken, so the camera's buffers never hold stale pictures.
            let buffer = self
                .camera
                .frame()
                .map_err(|e| format!("camera lost: {e}"))?;
            if !want {
                return Ok(None);
            }
            let grey = buffer
                .decode_image::<LumaFormat>()
                .map_err(|e| e.to_string())?;
            let (w, h) = grey.dimensions();
            Ok(LumaImage::new(w, h, grey.into_raw()).ok())
        }
    }

    impl Drop for Webcam {
        fn drop(&mut self) {
            let _ = self.camera.stop_stream();
        }
    }
}

#[cfg(not(feature = "camera"))]
mod imp {
    use super::{CameraInfo, FrameSource};

    pub fn list() -> Vec<CameraInfo> {
        Vec::new()
    }

    pub fn open(_: Option<u32>) -> Result<Box<dyn FrameSource>, String> {
        Err("no camera (built without camera support)".into())
    }
}

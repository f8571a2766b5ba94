//! The webcam: list cameras, stream 1280×720 (or the closest the camera offers), feed the
//! decode worker, keep a small preview for the screen. No camera, a busy camera, or one
//! unplugged mid-session is a state on the status bar, never a crash; the worker keeps looking
//! and reconnects when the camera returns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

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

/// The latest downscaled grey frame, for the preview.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    pub frame: Option<LumaImage>,
    /// Size of the full frame the preview was made from.
    pub full_size: (u32, u32),
    pub frames: u64,
}

/// A thread owning the camera.
pub struct CameraWorker {
    stop: Arc<AtomicBool>,
    join: Option<JoinHandle<()>>,
    pub preview: Arc<Mutex<Preview>>,
}

impl CameraWorker {
    /// Streams camera `index` (the first one if `None`) into `decoder`.
    pub fn spawn(
        index: Option<u32>,
        decoder: Arc<DecodeWorker>,
        events: Sender<ScanEvent>,
        waker: Waker,
    ) -> CameraWorker {
        let stop = Arc::new(AtomicBool::new(false));
        let preview = Arc::new(Mutex::new(Preview::default()));
        let (flag, shared) = (stop.clone(), preview.clone());
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
                while !flag.load(Ordering::Relaxed) {
                    match imp::stream(
                        index,
                        &flag,
                        &mut |frame: LumaImage| {
                            if !was_streaming {
                                was_streaming = true;
                            }
                            let small = frame.scaled(320.0 / frame.width.max(1) as f32);
                            if let Ok(mut p) = shared.lock() {
                                p.full_size = (frame.width, frame.height);
                                p.frame = Some(small);
                                p.frames += 1;
                            }
                            decoder.submit(frame);
                            waker();
                        },
                        &mut |name| report(DeviceState::Connected(name)),
                    ) {
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
        }
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
    use std::sync::atomic::{AtomicBool, Ordering};

    use nokhwa::pixel_format::LumaFormat;
    use nokhwa::utils::{
        ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
        Resolution,
    };

    use super::CameraInfo;
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

    /// Opens the camera and delivers frames until an error or `stop`.
    pub fn stream(
        index: Option<u32>,
        stop: &AtomicBool,
        on_frame: &mut dyn FnMut(LumaImage),
        on_open: &mut dyn FnMut(String),
    ) -> Result<(), String> {
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
        on_open(format!("{} {}×{}", chosen.name, res.width(), res.height()));
        while !stop.load(Ordering::Relaxed) {
            let buffer = camera.frame().map_err(|e| format!("camera lost: {e}"))?;
            let grey = buffer
                .decode_image::<LumaFormat>()
                .map_err(|e| e.to_string())?;
            let (w, h) = grey.dimensions();
            if let Ok(frame) = LumaImage::new(w, h, grey.into_raw()) {
                on_frame(frame);
            }
        }
        let _ = camera.stop_stream();
        Ok(())
    }
}

#[cfg(not(feature = "camera"))]
mod imp {
    use std::sync::atomic::AtomicBool;

    use super::CameraInfo;
    use crate::image::LumaImage;

    pub fn list() -> Vec<CameraInfo> {
        Vec::new()
    }

    pub fn stream(
        _: Option<u32>,
        _: &AtomicBool,
        _: &mut dyn FnMut(LumaImage),
        _: &mut dyn FnMut(String),
    ) -> Result<(), String> {
        Err("no camera (built without camera support)".into())
    }
}

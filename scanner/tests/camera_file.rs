//! The virtual camera through the real worker path: a video file and a folder of pictures
//! played as a webcam, the decode worker behind them. What is counted is what the worker did
//! (frames searched, frames skipped), never how fast: each wait is for an event, with a
//! deadline only a failure reaches.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use scanner::camera::{CameraChoice, CameraWorker};
use scanner::camera_file::write_y4m;
use scanner::decode::decode_frame;
use scanner::gate::SETTLE_DECODES;
use scanner::image::LumaImage;
use scanner::source::{DeviceState, ScanEvent, Source};
use scanner::worker::{DecodeWorker, FrameResult};

const DEADLINE: Duration = Duration::from_secs(300);

/// A 640×360 counter-top with sensor noise of ±6 (from `seed`), and a printed code on it.
fn scene(seed: u64, code: Option<&str>) -> LumaImage {
    let (w, h) = (640u32, 360u32);
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut noise = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % 13) as i32 - 6
    };
    let mut pixels: Vec<u8> = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            (100 + (x * 50 / w) as i32 + (y * 20 / h) as i32 + noise()).clamp(0, 255) as u8
        })
        .collect();
    if let Some(text) = code {
        let qr = scanner::card::qr_image(text, 4).unwrap();
        let (ox, oy) = (180, 60);
        for y in 0..qr.height {
            for x in 0..qr.width {
                let v = 30 + qr.pixels[(y * qr.width + x) as usize] as i32 * 190 / 255 + noise();
                pixels[((oy + y) * w + ox + x) as usize] = v.clamp(0, 255) as u8;
            }
        }
    }
    LumaImage::new(w, h, pixels).unwrap()
}

/// The camera `setting` streaming into a decode worker.
struct Rig {
    decoder: Arc<DecodeWorker>,
    camera: CameraWorker,
    events: Receiver<ScanEvent>,
    results: Receiver<FrameResult>,
}

impl Rig {
    fn start(setting: &str) -> Rig {
        let (events_tx, events) = channel();
        let (results_tx, results) = channel();
        let decoder = Arc::new(DecodeWorker::spawn(results_tx, Arc::new(|| {})));
        let choice = CameraChoice::parse(setting).expect("a camera setting");
        let camera = CameraWorker::spawn(choice, decoder.clone(), events_tx, Arc::new(|| {}));
        Rig {
            decoder,
            camera,
            events,
            results,
        }
    }

    fn state(&self) -> DeviceState {
        match self.events.recv_timeout(DEADLINE) {
            Ok(ScanEvent::State {
                source: Source::Camera,
                state,
            }) => state,
            other => panic!("no camera state: {other:?}"),
        }
    }

    /// Waits until `f` holds of the worker's counts.
    fn until(&self, what: &str, f: impl Fn(scanner::worker::Counts) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !f(self.decoder.counts()) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a frame in which `text` was read.
    fn read(&self, text: &str) -> FrameResult {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.results.recv_timeout(left) {
                Ok(r) if r.codes.iter().any(|c| c.text == text) => return r,
                Ok(_) => {}
                Err(e) => panic!("{text} was never read: {e}"),
            }
        }
    }
}

fn video(dir: &Path, frames: &[LumaImage]) -> String {
    let path = dir.join("scene.y4m");
    write_y4m(&path, frames, 30).unwrap();
    format!("file:{}", path.display())
}

#[test]
fn a_video_camera_is_streamed_and_its_card_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let frames: Vec<LumaImage> = (0..4).map(|k| scene(k, Some("FILE-CAMERA-CARD"))).collect();
    for f in &frames {
        let found = decode_frame(f);
        assert!(
            found.iter().any(|c| c.text == "FILE-CAMERA-CARD"),
            "each frame of the video holds a readable code"
        );
    }
    let rig = Rig::start(&video(dir.path(), &frames));
    match rig.state() {
        DeviceState::Connected(name) => assert_eq!(name, "scene.y4m 640×360 30 fps"),
        other => panic!("{other:?}"),
    }
    let result = rig.read("FILE-CAMERA-CARD");
    assert_eq!((result.width, result.height), (640, 360));
    // The card stays in view: the worker goes on looking, and never searches again.
    let skipped = rig.decoder.counts().skipped;
    rig.until("ten more looks", |c| c.skipped >= skipped + 10);
    let counts = rig.decoder.counts();
    assert_eq!(
        (counts.submitted, counts.decoded),
        (1, 1),
        "a card held still is read once: {counts:?}"
    );
    assert!(
        rig.camera.delivered() > counts.skipped,
        "frames between looks are dropped"
    );
    let preview = rig.camera.preview.lock().unwrap().clone();
    assert_eq!(preview.full_size, (640, 360));
    assert_eq!(preview.frame.map(|f| f.width), Some(320));
    assert!(rig.results.try_recv().is_err(), "one result");
}

#[test]
fn a_still_scene_without_a_card_is_searched_a_few_times_then_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let frames: Vec<LumaImage> = (0..4).map(|k| scene(10 + k, None)).collect();
    let rig = Rig::start(&video(dir.path(), &frames));
    let expected = 1 + u64::from(SETTLE_DECODES);
    rig.until("the settling searches", |c| c.decoded >= expected);
    let skipped = rig.decoder.counts().skipped;
    rig.until("ten more looks", |c| c.skipped >= skipped + 10);
    let counts = rig.decoder.counts();
    assert_eq!(
        (counts.submitted, counts.decoded),
        (expected, expected),
        "{counts:?}"
    );
    assert!(rig.results.try_recv().is_err(), "nothing read");
}

#[test]
fn a_folder_camera_reads_a_new_card_after_one_held_still() {
    let dir = tempfile::tempdir().unwrap();
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    // Card A held for a third of a second, then card B, again and again.
    for i in 0..20u64 {
        let text = if i < 10 { "CARD-A" } else { "CARD-B" };
        let img = scene(i, Some(text));
        image::GrayImage::from_raw(img.width, img.height, img.pixels)
            .unwrap()
            .save(frames.join(format!("{i:03}.png")))
            .unwrap();
    }
    let rig = Rig::start(&format!("file:{}", frames.display()));
    match rig.state() {
        DeviceState::Connected(name) => assert_eq!(name, "frames 640×360 30 fps"),
        other => panic!("{other:?}"),
    }
    let a = rig.read("CARD-A");
    let b = rig.read("CARD-B");
    assert!(b.frame > a.frame);
}

#[test]
fn a_missing_file_is_a_state_and_the_camera_stops_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let rig = Rig::start(&format!("file:{}", dir.path().join("none.y4m").display()));
    match rig.state() {
        DeviceState::Absent(why) => assert!(why.contains("cannot read"), "{why}"),
        other => panic!("{other:?}"),
    }
    drop(rig);
}

#[test]
fn the_camera_setting_names_a_file_a_camera_or_none() {
    assert_eq!(CameraChoice::parse("none"), None);
    assert_eq!(CameraChoice::parse(" "), None);
    assert_eq!(CameraChoice::parse("auto"), Some(CameraChoice::First));
    assert_eq!(CameraChoice::parse("1"), Some(CameraChoice::Index(1)));
    assert_eq!(
        CameraChoice::parse("file:/tmp/scene.y4m"),
        Some(CameraChoice::File("/tmp/scene.y4m".into()))
    );
}

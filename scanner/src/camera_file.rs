//! A virtual camera: a video file (YUV4MPEG2, `.y4m`), a folder of pictures (PNG, JPEG or
//! WebP, in name order) or a single picture, played in a loop at the file's frame rate (30
//! frames a second for pictures) through the same worker a webcam feeds. It is the camera
//! setting `file:/path/to/scene.y4m`: for measuring and testing without hardware.
//!
//! Like a webcam, it delivers every frame on time; a frame the worker does not look at is
//! skipped over without being read (as a webcam's MJPEG frame is not decoded).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::camera::FrameSource;
use crate::image::LumaImage;

/// The frame rate of pictures, and of a video that does not say.
const DEFAULT_FPS: f64 = 30.0;

pub(crate) struct FileCamera {
    frames: Frames,
    name: String,
    interval: Duration,
    next_at: Option<Instant>,
}

enum Frames {
    Video(Y4m),
    /// Pictures, read and decoded only when looked at.
    Pictures {
        paths: Vec<PathBuf>,
        at: usize,
    },
    /// One picture, shown again and again.
    Still(LumaImage),
}

/// A YUV4MPEG2 stream: the grey (Y) plane of each frame is the picture; colour is skipped.
struct Y4m {
    reader: BufReader<File>,
    width: u32,
    height: u32,
    /// Bytes of colour after each frame's grey plane.
    chroma: u64,
    first_frame: u64,
}

impl FileCamera {
    pub(crate) fn open(path: &Path) -> Result<FileCamera, String> {
        let shown = path.display();
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        let (frames, fps, size) = if meta.is_dir() {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read {shown}: {e}"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().is_some_and(|e| {
                        let e = e.to_string_lossy().to_ascii_lowercase();
                        ["png", "jpg", "jpeg", "webp"].contains(&e.as_str())
                    })
                })
                .collect();
            paths.sort();
            let first = paths
                .first()
                .ok_or_else(|| format!("no pictures in {shown}"))?;
            let img = LumaImage::load(first).map_err(|e| e.to_string())?;
            let size = (img.width, img.height);
            (Frames::Pictures { paths, at: 0 }, DEFAULT_FPS, size)
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("y4m"))
        {
            let file = File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
            let (video, fps) = Y4m::open(file, meta.len()).map_err(|e| format!("{shown}: {e}"))?;
            let size = (video.width, video.height);
            (Frames::Video(video), fps, size)
        } else {
            let img = LumaImage::load(path).map_err(|e| e.to_string())?;
            let size = (img.width, img.height);
            (Frames::Still(img), DEFAULT_FPS, size)
        };
        let file_name = path
            .file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy();
        Ok(FileCamera {
            frames,
            name: format!("{file_name} {}×{} {fps:.0} fps", size.0, size.1),
            interval: Duration::from_secs_f64(1.0 / fps),
            next_at: None,
        })
    }

    /// Sleeps until the next frame is due; a camera that fell behind does not hurry to catch
    /// up, it goes on from now.
    fn wait(&mut self) {
        let now = Instant::now();
        let due = self.next_at.unwrap_or(now);
        if due > now {
            std::thread::sleep(due - now);
        }
        let next = due + self.interval;
        self.next_at = Some(if next < now {
            now + self.interval
        } else {
            next
        });
    }
}

impl FrameSource for FileCamera {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn next(&mut self, want: bool) -> Result<Option<LumaImage>, String> {
        self.wait();
        match &mut self.frames {
            Frames::Video(video) => video.next(want).map_err(|e| e.to_string()),
            Frames::Pictures { paths, at } => {
                let path = &paths[*at % paths.len()];
                *at = (*at + 1) % paths.len();
                if !want {
                    return Ok(None);
                }
                LumaImage::load(path).map(Some).map_err(|e| e.to_string())
            }
            Frames::Still(img) => Ok(want.then(|| img.clone())),
        }
    }
}

impl Y4m {
    /// Reads the stream header; returns the stream and its frame rate.
    fn open(file: File, len: u64) -> std::io::Result<(Y4m, f64)> {
        let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        let mut reader = BufReader::new(file);
        let mut header = Vec::new();
        reader.by_ref().take(1024).read_until(b'\n', &mut header)?;
        let header = String::from_utf8_lossy(&header);
        let mut fields = header.split_ascii_whitespace();
        if fields.next() != Some("YUV4MPEG2") {
            return Err(bad("not a YUV4MPEG2 (.y4m) video"));
        }
        let (mut width, mut height, mut fps) = (0u32, 0u32, DEFAULT_FPS);
        let mut colour = "420jpeg".to_string();
        for field in fields {
            let (tag, value) = field.split_at(1);
            match tag {
                "W" => width = value.parse().map_err(|_| bad("bad width"))?,
                "H" => height = value.parse().map_err(|_| bad("bad height"))?,
                "F" => {
                    if let Some((n, d)) = value.split_once(':') {
                        let (n, d): (f64, f64) =
                            (n.parse().unwrap_or(0.0), d.parse().unwrap_or(0.0));
                        if n > 0.0 && d > 0.0 {
                            fps = (n / d).clamp(1.0, 120.0);
                        }
                    }
                }
                "C" => colour = value.to_string(),
                _ => {}
            }
        }
        if width == 0 || height == 0 {
            return Err(bad("no frame size in the header"));
        }
        let (w, h) = (u64::from(width), u64::from(height));
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let chroma = match colour.as_str() {
            "mono" => 0,
            "420" | "420jpeg" | "420mpeg2" | "420paldv" => 2 * cw * ch,
            "422" => 2 * cw * h,
            "444" => 2 * w * h,
            "444alpha" => 3 * w * h,
            _ => return Err(bad("only 8-bit 420, 422, 444 and mono videos are read")),
        };
        let first_frame = reader.stream_position()?;
        // The frame header is `FRAME` and a newline (frame parameters are not written by the
        // tools this is for; a frame that has them is still read, by its header line).
        if len.saturating_sub(first_frame) < 6 + w * h + chroma {
            return Err(bad("no frames"));
        }
        let video = Y4m {
            reader,
            width,
            height,
            chroma,
            first_frame,
        };
        Ok((video, fps))
    }

    /// The next frame (from the first again after the last); its grey plane read only if
    /// `want`.
    fn next(&mut self, want: bool) -> std::io::Result<Option<LumaImage>> {
        let mut line = Vec::new();
        (&mut self.reader).take(256).read_until(b'\n', &mut line)?;
        if line.is_empty() {
            self.reader.seek(SeekFrom::Start(self.first_frame))?;
            (&mut self.reader).take(256).read_until(b'\n', &mut line)?;
        }
        if !line.starts_with(b"FRAME") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a frame without its FRAME header",
            ));
        }
        let luma = u64::from(self.width) * u64::from(self.height);
        if !want {
            self.reader.seek_relative((luma + self.chroma) as i64)?;
            return Ok(None);
        }
        let mut pixels = vec![0u8; luma as usize];
        self.reader.read_exact(&mut pixels)?;
        self.reader.seek_relative(self.chroma as i64)?;
        Ok(LumaImage::new(self.width, self.height, pixels).ok())
    }
}

/// Writes frames as a grey (`Cmono`) YUV4MPEG2 video at `fps` frames a second: how tests and
/// benchmarks make a virtual camera's scene. All frames must have the first one's size.
pub fn write_y4m(path: &Path, frames: &[LumaImage], fps: u32) -> std::io::Result<()> {
    use std::io::Write;
    let first = frames.first().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "a video needs a frame")
    })?;
    let mut out = std::io::BufWriter::new(File::create(path)?);
    writeln!(
        out,
        "YUV4MPEG2 W{} H{} F{fps}:1 Ip A1:1 Cmono",
        first.width, first.height
    )?;
    for frame in frames {
        if (frame.width, frame.height) != (first.width, first.height) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the frames of a video have one size",
            ));
        }
        out.write_all(b"FRAME\n")?;
        out.write_all(&frame.pixels)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(v: u8) -> LumaImage {
        LumaImage::new(8, 4, vec![v; 32]).unwrap()
    }

    #[test]
    fn a_video_plays_in_a_loop_and_skips_what_is_not_wanted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scene.y4m");
        write_y4m(&path, &[frame(10), frame(20), frame(30)], 120).unwrap();
        let mut camera = FileCamera::open(&path).unwrap();
        assert_eq!(camera.describe(), "scene.y4m 8×4 120 fps");
        let mut seen = Vec::new();
        for i in 0..7 {
            match camera.next(i != 1).unwrap() {
                Some(f) => seen.push(f.pixels[0]),
                None => seen.push(0),
            }
        }
        assert_eq!(seen, [10, 0, 30, 10, 20, 30, 10]);
    }

    #[test]
    fn colour_is_skipped_and_bad_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("colour.y4m");
        let mut bytes = b"YUV4MPEG2 W4 H2 F25:1 C420jpeg\n".to_vec();
        for v in [1u8, 2] {
            bytes.extend(b"FRAME\n");
            bytes.extend([v; 8]); // Y
            bytes.extend([128; 4]); // U and V, 2×1 each
        }
        std::fs::write(&path, &bytes).unwrap();
        let mut camera = FileCamera::open(&path).unwrap();
        assert_eq!(camera.interval, Duration::from_millis(40));
        let a = camera.next(true).unwrap().unwrap();
        let b = camera.next(true).unwrap().unwrap();
        assert_eq!((a.pixels[0], b.pixels[7], a.width, a.height), (1, 2, 4, 2));

        std::fs::write(&path, b"P5 4 2 255\n").unwrap();
        assert!(FileCamera::open(&path).is_err());
        assert!(FileCamera::open(&dir.path().join("missing.y4m")).is_err());
        assert!(
            FileCamera::open(dir.path()).is_err(),
            "a folder without pictures"
        );
    }
}

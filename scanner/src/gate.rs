//! Which camera frames are worth a look. A webcam delivers 30 frames a second and nobody is
//! scanning most of the day: the camera worker looks at a few frames a second (at most
//! [`LOOKS_PER_SECOND`]), and the decoder takes one only if the scene changed since the frame
//! it last took (a [`Thumbnail`] comparison, well under a millisecond). A still counter, or a
//! card held still that was already read, costs a thumbnail a look and no decoding.
//!
//! Time is passed in (a [`Duration`] since any fixed instant), so the rules are tested
//! without a clock.

use std::time::Duration;

use crate::image::LumaImage;

/// How many frames a second the camera worker looks at, and so at most decodes. A person
/// brings a card up to the camera and holds it there for a second or so: eight looks a second
/// read it within an eighth of a second of its first sharp frame, while a 1280×720 search of
/// tens of milliseconds on an old PC keeps a core busy a fifth of the time at most (rather than
/// all of it at 30 frames a second), and only while something moves.
pub const LOOKS_PER_SECOND: u32 = 8;

/// Unchanged frames still decoded after the scene stops changing when none of them held a
/// code: the picture sharpens as motion blur and autofocus settle, so a card just come to rest
/// gets these extra tries. After them a still scene is not decoded again until it changes.
pub const SETTLE_DECODES: u32 = 2;

/// How often the preview is handed to the window while the scene is still: the picture then
/// carries nothing new, but a preview that never moves would look like a camera that hung.
pub const STILL_PREVIEW: Duration = Duration::from_secs(1);

/// The shortest time between two previews while the scene changes. Each preview redraws the
/// whole window, tens of milliseconds of CPU on a PC that draws in software: four a second
/// are enough to aim a card by.
pub const MOVING_PREVIEW: Duration = Duration::from_millis(250);

/// The width of the preview the window shows (and the thumbnails are made from), at most.
pub const PREVIEW_WIDTH: u32 = 320;

/// The preview of a frame: a box average by the whole factor that brings it to at most
/// [`PREVIEW_WIDTH`] across (a 1280×720 frame: 4, so 320×180). Integer sums only, about a
/// millisecond for 1280×720.
pub fn preview_of(frame: &LumaImage) -> LumaImage {
    let f = frame.width.div_ceil(PREVIEW_WIDTH).max(1);
    if f == 1 {
        return frame.clone();
    }
    let (w, h) = ((frame.width / f).max(1), (frame.height / f).max(1));
    let mut sums = vec![0u32; w as usize];
    let mut pixels = Vec::with_capacity((w * h) as usize);
    let row_len = frame.width as usize;
    for band in frame
        .pixels
        .chunks_exact(row_len * f as usize)
        .take(h as usize)
    {
        sums.iter_mut().for_each(|s| *s = 0);
        for row in band.chunks_exact(row_len) {
            for (sum, cell) in sums.iter_mut().zip(row.chunks_exact(f as usize)) {
                *sum += cell.iter().map(|&p| u32::from(p)).sum::<u32>();
            }
        }
        let n = f * f;
        pixels.extend(sums.iter().map(|s| ((s + n / 2) / n) as u8));
    }
    // A frame shorter than the factor (one band or none): at least one row.
    if pixels.is_empty() {
        return frame.scaled(1.0 / f as f32);
    }
    let h = (pixels.len() / w as usize) as u32;
    LumaImage {
        width: w,
        height: h,
        pixels,
    }
}

/// Thumbnail cells across and down: a 1280×720 frame's cells are 20×20 pixels, fine enough
/// that a card or phone entering any part of the picture changes several of them.
const CELLS_X: u32 = 64;
const CELLS_Y: u32 = 36;
/// A cell whose mean brightness moved by more than this (of 255) changed. The whole picture's
/// shift is taken out first, so exposure and flicker do not count; sensor noise averaged over a
/// cell's hundreds of pixels moves it by well under one level.
const CELL_LEVELS: f32 = 12.0;
/// A cell whose texture (mean step between neighbouring pixels) moved by more than this
/// changed: a code's modules can average to the grey of the wall behind them, never to its
/// smoothness. Noise gives every frame about the same texture.
const TEXTURE_LEVELS: f32 = 6.0;
/// Cells that must change for the scene to have changed: a single one is a speck or a glint.
const CELLS_CHANGED: usize = 2;

/// A frame's mean brightness and texture over a coarse grid: what [`Thumbnail::differs`]
/// compares.
#[derive(Clone, Debug, PartialEq)]
pub struct Thumbnail {
    /// The size of the image it was made from: frames of another size always differ.
    size: (u32, u32),
    cols: u32,
    /// Per cell: mean brightness, mean step to the left neighbour.
    cells: Vec<(f32, f32)>,
}

impl Thumbnail {
    /// Box-averages `img` into at most 64×36 cells (fewer for a smaller image). The camera
    /// makes it from the preview, a quarter of a 1280×720 frame across.
    pub fn of(img: &LumaImage) -> Thumbnail {
        let (w, h) = (img.width.max(1), img.height.max(1));
        let (cols, rows) = (CELLS_X.min(w), CELLS_Y.min(h));
        let col_of: Vec<usize> = (0..w).map(|x| (x * cols / w) as usize).collect();
        let mut sums = vec![(0u64, 0u64, 0u32); (cols * rows) as usize];
        for (y, row) in img.pixels.chunks_exact(w as usize).enumerate() {
            let base = (y as u32 * rows / h * cols) as usize;
            let mut left = row.first().copied().unwrap_or(0);
            for (x, &p) in row.iter().enumerate() {
                let cell = &mut sums[base + col_of[x]];
                cell.0 += u64::from(p);
                cell.1 += u64::from(p.abs_diff(left));
                cell.2 += 1;
                left = p;
            }
        }
        let cells = sums
            .iter()
            .map(|(sum, steps, n)| {
                let n = (*n).max(1) as f32;
                (*sum as f32 / n, *steps as f32 / n)
            })
            .collect();
        Thumbnail {
            size: (img.width, img.height),
            cols,
            cells,
        }
    }

    /// Whether the scene changed between the two frames: enough cells moved in texture, or in
    /// brightness beyond what the whole picture moved.
    pub fn differs(&self, other: &Thumbnail) -> bool {
        if self.size != other.size || self.cells.len() != other.cells.len() {
            return true;
        }
        let n = self.cells.len().max(1) as f32;
        let mean = |t: &Thumbnail| t.cells.iter().map(|c| c.0).sum::<f32>() / n;
        let shift = mean(self) - mean(other);
        self.cells
            .iter()
            .zip(&other.cells)
            .filter(|(a, b)| {
                (a.0 - b.0 - shift).abs() > CELL_LEVELS || (a.1 - b.1).abs() > TEXTURE_LEVELS
            })
            .take(CELLS_CHANGED)
            .count()
            >= CELLS_CHANGED
    }

    /// Cells across (for tests and diagnostics).
    pub fn columns(&self) -> u32 {
        self.cols
    }
}

/// Spaces the worker's looks at the camera at most [`LOOKS_PER_SECOND`] apart.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    next: Option<Duration>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace::new(LOOKS_PER_SECOND)
    }
}

impl Pace {
    pub fn new(per_second: u32) -> Pace {
        Pace {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: None,
        }
    }

    /// Whether a frame arriving at `now` is looked at (and then the next one waits).
    pub fn due(&mut self, now: Duration) -> bool {
        if self.next.is_some_and(|next| now < next) {
            return false;
        }
        self.next = Some(now + self.interval);
        true
    }
}

/// Decides when the window gets a new preview: when the scene changed since the last one it
/// got (at most every [`MOVING_PREVIEW`]), or [`STILL_PREVIEW`] after it. Each preview
/// repaints the window.
#[derive(Debug, Default)]
pub struct PreviewGate {
    last: Option<(Thumbnail, Duration)>,
}

impl PreviewGate {
    pub fn due(&mut self, thumb: &Thumbnail, now: Duration) -> bool {
        let due = match &self.last {
            None => true,
            Some((shown, at)) => {
                now >= *at + STILL_PREVIEW || now >= *at + MOVING_PREVIEW && thumb.differs(shown)
            }
        };
        if due {
            self.last = Some((thumb.clone(), now));
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1280×720 counter-top: lit unevenly, with sensor noise of ±`noise` from `seed`.
    fn scene(seed: u64, noise: i32, brighter: i32) -> LumaImage {
        let (w, h) = (1280u32, 720u32);
        let mut s = seed | 1;
        let pixels = (0..w * h)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let (x, y) = (i % w, i / w);
                let light = 90 + (x * 60 / w) as i32 + (y * 30 / h) as i32 + brighter;
                let n = (s % (2 * noise as u64 + 1)) as i32 - noise;
                (light + n).clamp(0, 255) as u8
            })
            .collect();
        LumaImage::new(w, h, pixels).unwrap()
    }

    /// `img` with a dark-and-light card of `side` pixels at (x, y).
    fn with_card(img: &LumaImage, x0: u32, y0: u32, side: u32) -> LumaImage {
        let mut out = img.clone();
        for y in y0..y0 + side {
            for x in x0..x0 + side {
                let dark = ((x - x0) / 8 + (y - y0) / 8).is_multiple_of(2);
                out.pixels[(y * img.width + x) as usize] = if dark { 30 } else { 230 };
            }
        }
        out
    }

    /// As the camera makes them: of the 320-pixel preview.
    fn thumb(img: &LumaImage) -> Thumbnail {
        Thumbnail::of(&preview_of(img))
    }

    #[test]
    fn sensor_noise_and_exposure_are_no_change() {
        let a = thumb(&scene(1, 12, 0));
        assert_eq!(a.columns(), 64);
        assert!(!a.differs(&thumb(&scene(2, 12, 0))), "new noise");
        assert!(!a.differs(&thumb(&scene(3, 12, 25))), "brighter");
        assert!(!a.differs(&a.clone()));
    }

    #[test]
    fn a_card_entering_the_picture_is_a_change() {
        let empty = scene(1, 12, 0);
        let a = thumb(&empty);
        // A card 120 pixels across in a corner, or a phone's code (checkered, mid-grey on
        // average) in the middle.
        assert!(a.differs(&thumb(&with_card(&scene(2, 12, 0), 0, 0, 120))));
        assert!(a.differs(&thumb(&with_card(&scene(2, 12, 0), 600, 300, 100))));
        // The same card held still: no change from itself.
        let held = thumb(&with_card(&scene(3, 12, 0), 600, 300, 100));
        assert!(!held.differs(&thumb(&with_card(&scene(4, 12, 0), 600, 300, 100))));
        // A frame of another size (the camera reconnected) always differs.
        assert!(Thumbnail::of(&empty).differs(&Thumbnail::of(&empty.scaled(0.5))));
    }

    #[test]
    fn looks_are_spaced_at_most_eight_a_second() {
        let mut pace = Pace::default();
        // 30 frames a second for 3 s.
        let looked = (0..90)
            .filter(|i| pace.due(Duration::from_secs(1) * *i / 30))
            .count();
        assert!((22..=24).contains(&looked), "{looked} looks in 3 s");
        // A late frame is looked at at once.
        let mut pace = Pace::default();
        assert!(pace.due(Duration::ZERO));
        assert!(!pace.due(Duration::from_millis(100)));
        assert!(pace.due(Duration::from_millis(500)));
    }

    #[test]
    fn a_still_scene_is_previewed_once_a_second() {
        let mut gate = PreviewGate::default();
        let still = thumb(&scene(1, 12, 0));
        let shown = (0..80)
            .filter(|i| gate.due(&still, Duration::from_millis(125) * *i))
            .count();
        assert_eq!(shown, 10, "at 0, 1, … 9 s");
        let moved = thumb(&with_card(&scene(1, 12, 0), 0, 0, 200));
        assert!(!gate.due(&moved, Duration::from_millis(9_100)), "too soon");
        assert!(gate.due(&moved, Duration::from_millis(9_250)));
    }

    #[test]
    fn the_preview_is_a_box_average_by_a_whole_factor() {
        let frame = scene(1, 12, 0);
        let p = preview_of(&frame);
        assert_eq!((p.width, p.height), (320, 180));
        let mean = |img: &LumaImage, x0: u32, y0: u32, n: u32| {
            let mut sum = 0u32;
            for y in y0..y0 + n {
                for x in x0..x0 + n {
                    sum += u32::from(img.pixels[(y * img.width + x) as usize]);
                }
            }
            ((sum + n * n / 2) / (n * n)) as u8
        };
        assert_eq!(p.pixels[0], mean(&frame, 0, 0, 4));
        assert_eq!(p.pixels[(10 * 320 + 7) as usize], mean(&frame, 28, 40, 4));
        let odd = LumaImage::new(1000, 3, vec![7; 3000]).unwrap();
        let p = preview_of(&odd);
        assert_eq!((p.width, p.height, p.pixels[0]), (250, 1, 7));
        let tiny = LumaImage::new(2, 2, vec![1, 2, 3, 4]).unwrap();
        assert_eq!(preview_of(&tiny), tiny);
    }
}

//! Grey images: what the decoder reads. Loaded from PNG/JPEG/WebP files, or made from camera
//! frames, and resampled for the decoder's extra passes.

use std::path::Path;

/// An 8-bit grey image, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LumaImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("not a readable image ({0})")]
    Format(String),
    #[error("the image has no pixels")]
    Empty,
}

impl LumaImage {
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<LumaImage, ImageError> {
        if width == 0 || height == 0 || pixels.len() != (width * height) as usize {
            return Err(ImageError::Empty);
        }
        Ok(LumaImage {
            width,
            height,
            pixels,
        })
    }

    /// Reads a PNG, JPEG or WebP file.
    pub fn load(path: &Path) -> Result<LumaImage, ImageError> {
        let bytes = std::fs::read(path).map_err(|source| ImageError::Io {
            path: path.display().to_string(),
            source,
        })?;
        LumaImage::from_encoded(&bytes)
    }

    /// Decodes PNG, JPEG or WebP bytes. Transparent pixels count as white, as on paper.
    pub fn from_encoded(bytes: &[u8]) -> Result<LumaImage, ImageError> {
        let img = image::load_from_memory(bytes).map_err(|e| ImageError::Format(e.to_string()))?;
        let rgba = img.to_rgba8();
        let (width, height) = rgba.dimensions();
        let pixels = rgba
            .pixels()
            .map(|p| {
                let [r, g, b, a] = p.0;
                let luma = (r as u32 * 299 + g as u32 * 587 + b as u32 * 114) / 1000;
                ((luma * a as u32 + 255 * (255 - a as u32)) / 255) as u8
            })
            .collect();
        LumaImage::new(width, height, pixels)
    }

    /// Converts packed RGB (3 bytes per pixel), as cameras deliver after decoding.
    pub fn from_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<LumaImage, ImageError> {
        let pixels = rgb
            .chunks_exact(3)
            .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
            .collect();
        LumaImage::new(width, height, pixels)
    }

    /// Resized by `factor` (box filter when shrinking, bilinear when growing).
    pub fn scaled(&self, factor: f32) -> LumaImage {
        let w = ((self.width as f32 * factor).round() as u32).max(1);
        let h = ((self.height as f32 * factor).round() as u32).max(1);
        if factor < 1.0 {
            return self.shrunk(w, h);
        }
        let mut pixels = Vec::with_capacity((w * h) as usize);
        let (sw, sh) = (self.width as f32, self.height as f32);
        for y in 0..h {
            let fy = ((y as f32 + 0.5) / factor - 0.5).clamp(0.0, sh - 1.0);
            let (y0, ty) = (fy.floor() as u32, fy.fract());
            let y1 = (y0 + 1).min(self.height - 1);
            for x in 0..w {
                let fx = ((x as f32 + 0.5) / factor - 0.5).clamp(0.0, sw - 1.0);
                let (x0, tx) = (fx.floor() as u32, fx.fract());
                let x1 = (x0 + 1).min(self.width - 1);
                let p = |x: u32, y: u32| self.pixels[(y * self.width + x) as usize] as f32;
                let top = p(x0, y0) * (1.0 - tx) + p(x1, y0) * tx;
                let bottom = p(x0, y1) * (1.0 - tx) + p(x1, y1) * tx;
                pixels.push((top * (1.0 - ty) + bottom * ty).round() as u8);
            }
        }
        LumaImage {
            width: w,
            height: h,
            pixels,
        }
    }

    fn shrunk(&self, w: u32, h: u32) -> LumaImage {
        let mut pixels = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            let (y0, y1) = (
                y * self.height / h,
                ((y + 1) * self.height / h).max(y * self.height / h + 1),
            );
            for x in 0..w {
                let (x0, x1) = (
                    x * self.width / w,
                    ((x + 1) * self.width / w).max(x * self.width / w + 1),
                );
                let mut sum = 0u32;
                for yy in y0..y1.min(self.height) {
                    let row = (yy * self.width) as usize;
                    for xx in x0..x1.min(self.width) {
                        sum += self.pixels[row + xx as usize] as u32;
                    }
                }
                let n = (y1.min(self.height) - y0) * (x1.min(self.width) - x0);
                pixels.push((sum / n.max(1)) as u8);
            }
        }
        LumaImage {
            width: w,
            height: h,
            pixels,
        }
    }

    /// The image inside a white border `margin` pixels wide: codes printed or cropped without
    /// their quiet zone need one to be found.
    pub fn padded(&self, margin: u32) -> LumaImage {
        let w = self.width + 2 * margin;
        let h = self.height + 2 * margin;
        let mut pixels = vec![255u8; (w * h) as usize];
        for y in 0..self.height {
            let src = (y * self.width) as usize;
            let dst = ((y + margin) * w + margin) as usize;
            pixels[dst..dst + self.width as usize]
                .copy_from_slice(&self.pixels[src..src + self.width as usize]);
        }
        LumaImage {
            width: w,
            height: h,
            pixels,
        }
    }

    /// Each pixel repeated `factor` times in both directions: keeps module edges sharp when
    /// enlarging a tiny, clean code.
    pub fn enlarged(&self, factor: u32) -> LumaImage {
        let w = self.width * factor;
        let h = self.height * factor;
        let mut pixels = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            let row = ((y / factor) * self.width) as usize;
            pixels.extend((0..w).map(|x| self.pixels[row + (x / factor) as usize]));
        }
        LumaImage {
            width: w,
            height: h,
            pixels,
        }
    }

    /// A 3×3 box blur: joins the dots of dotted or noisy modules before binarizing.
    pub fn blurred(&self) -> LumaImage {
        let (w, h) = (self.width as i64, self.height as i64);
        let at = |x: i64, y: i64| {
            self.pixels[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize] as u32
        };
        let mut pixels = Vec::with_capacity(self.pixels.len());
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0;
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        sum += at(x + dx, y + dy);
                    }
                }
                pixels.push((sum / 9) as u8);
            }
        }
        LumaImage {
            width: self.width,
            height: self.height,
            pixels,
        }
    }

    /// Rotated by `degrees` about the centre, same size, white where nothing maps.
    pub fn rotated(&self, degrees: f32) -> LumaImage {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (cx, cy) = (self.width as f32 / 2.0, self.height as f32 / 2.0);
        let mut pixels = Vec::with_capacity(self.pixels.len());
        for y in 0..self.height {
            for x in 0..self.width {
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                let sx = cos * dx + sin * dy + cx;
                let sy = -sin * dx + cos * dy + cy;
                let inside =
                    sx >= 0.0 && sy >= 0.0 && sx < self.width as f32 && sy < self.height as f32;
                pixels.push(if inside {
                    self.pixels[(sy as u32 * self.width + sx as u32) as usize]
                } else {
                    255
                });
            }
        }
        LumaImage {
            width: self.width,
            height: self.height,
            pixels,
        }
    }

    /// Stretches contrast so the darkest 1 % is black and the brightest 1 % white: helps
    /// faded prints and dim camera frames.
    pub fn stretched(&self) -> LumaImage {
        let mut hist = [0u32; 256];
        for &p in &self.pixels {
            hist[p as usize] += 1;
        }
        let cut = self.pixels.len() as u32 / 100;
        let mut acc = 0;
        let lo = hist
            .iter()
            .position(|&n| {
                acc += n;
                acc > cut
            })
            .unwrap_or(0) as i32;
        acc = 0;
        let hi = 255
            - hist
                .iter()
                .rev()
                .position(|&n| {
                    acc += n;
                    acc > cut
                })
                .unwrap_or(0) as i32;
        let span = (hi - lo).max(1);
        let pixels = self
            .pixels
            .iter()
            .map(|&p| ((p as i32 - lo) * 255 / span).clamp(0, 255) as u8)
            .collect();
        LumaImage {
            width: self.width,
            height: self.height,
            pixels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_keeps_proportions_and_values() {
        let img = LumaImage::new(4, 2, vec![0, 0, 255, 255, 0, 0, 255, 255]).unwrap();
        let up = img.scaled(2.0);
        assert_eq!((up.width, up.height), (8, 4));
        assert_eq!(up.pixels[0], 0);
        assert_eq!(up.pixels[7], 255);
        let down = img.scaled(0.5);
        assert_eq!((down.width, down.height), (2, 1));
        assert_eq!(down.pixels, vec![0, 255]);
    }

    #[test]
    fn a_wrong_buffer_size_is_refused() {
        assert!(LumaImage::new(3, 3, vec![0; 8]).is_err());
        assert!(LumaImage::new(0, 3, vec![]).is_err());
    }

    #[test]
    fn garbage_bytes_are_a_clear_error() {
        let err = LumaImage::from_encoded(b"not an image").unwrap_err();
        assert!(err.to_string().contains("not a readable image"));
    }
}

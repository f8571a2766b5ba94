//! Pure decoding: a grey image in, the codes it holds out.
//!
//! Multi-pass where it pays: a quick plain pass (what a live camera frame gets first), then a
//! cheap harder pass on the same binarized image (QR codes searched harder and inverted; 1D codes
//! on every second row and column that has enough edges to hold one), then, for still images,
//! rxing's full try-harder pass, resampled passes for very small or very large codes and
//! contrast-stretched, turned or smoothed ones. Each pass runs only if the ones before found
//! nothing.

use std::collections::HashSet;

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader,
    Reader,
};
use serde::Serialize;

use crate::image::LumaImage;

mod lines;
pub mod scenes;

/// The symbologies a clinic meets: QR codes (cards, phones) and the 1D barcodes of old hospital
/// cards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Symbology {
    QrCode,
    Code128,
    Code39,
}

impl Symbology {
    fn of(format: &BarcodeFormat) -> Option<Symbology> {
        match format {
            BarcodeFormat::QR_CODE => Some(Symbology::QrCode),
            BarcodeFormat::CODE_128 => Some(Symbology::Code128),
            BarcodeFormat::CODE_39 => Some(Symbology::Code39),
            _ => None,
        }
    }
}

/// Which pass found a code (for benchmarks and diagnostics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pass {
    Plain,
    TryHarder,
    Rescaled,
    /// Contrast stretched, turned or smoothed.
    Stretched,
}

/// A code found in an image.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decoded {
    pub text: String,
    pub symbology: Symbology,
    /// Corner or end points in image pixels, to outline the code on a preview.
    pub points: Vec<(f32, f32)>,
    pub pass: Pass,
}

fn hints(try_harder: bool) -> DecodeHints {
    DecodeHints {
        PossibleFormats: Some(HashSet::from([
            BarcodeFormat::QR_CODE,
            BarcodeFormat::CODE_128,
            BarcodeFormat::CODE_39,
        ])),
        TryHarder: Some(try_harder),
        AlsoInverted: Some(try_harder),
        ..DecodeHints::default()
    }
}

/// Which binarizer turns grey into black and white: the hybrid one (local thresholds, best
/// for photos) or the global histogram one (better for some blurred or curved prints).
#[derive(Clone, Copy)]
enum Threshold {
    Hybrid,
    Global,
}

fn source(img: &LumaImage) -> Option<Luma8LuminanceSource> {
    Luma8LuminanceSource::new(img.pixels.clone(), img.width, img.height).ok()
}

fn convert(r: &rxing::RXingResult, pass: Pass, scale: f32) -> Option<Decoded> {
    Some(Decoded {
        text: r.getText().to_string(),
        symbology: Symbology::of(r.getBarcodeFormat())?,
        points: r
            .getPoints()
            .iter()
            .map(|p| (p.x / scale, p.y / scale))
            .collect(),
        pass,
    })
}

/// Every code in the image (several codes per image), with the hybrid binarizer.
fn all_codes(img: &LumaImage, try_harder: bool, pass: Pass) -> Vec<Decoded> {
    let Some(source) = source(img) else {
        return Vec::new();
    };
    codes_in(
        &mut BinaryBitmap::new(HybridBinarizer::new(source)),
        &hints(try_harder),
        pass,
    )
}

/// Every code the multi reader finds in `bitmap` with `hints`.
fn codes_in<B: Binarizer>(
    bitmap: &mut BinaryBitmap<B>,
    hints: &DecodeHints,
    pass: Pass,
) -> Vec<Decoded> {
    let mut reader = GenericMultipleBarcodeReader::new(MultiFormatReader::default());
    reader
        .decode_multiple_with_hints(bitmap, hints)
        .map(|found| found.iter().filter_map(|r| convert(r, pass, 1.0)).collect())
        .unwrap_or_default()
}

/// One code, the first the reader finds, trying harder. `scale` maps points back to the
/// original image.
fn one_code(img: &LumaImage, threshold: Threshold, pass: Pass, scale: f32) -> Vec<Decoded> {
    let Some(source) = source(img) else {
        return Vec::new();
    };
    let mut reader = MultiFormatReader::default();
    let found = match threshold {
        Threshold::Hybrid => reader.decode_with_hints(
            &mut BinaryBitmap::new(HybridBinarizer::new(source)),
            &hints(true),
        ),
        Threshold::Global => reader.decode_with_hints(
            &mut BinaryBitmap::new(GlobalHistogramBinarizer::new(source)),
            &hints(true),
        ),
    };
    found
        .ok()
        .and_then(|r| convert(&r, pass, scale))
        .into_iter()
        .collect()
}

/// The quick pass alone: what a live camera frame gets, so the worker keeps up.
pub fn decode_quick(img: &LumaImage) -> Vec<Decoded> {
    dedup(all_codes(img, false, Pass::Plain))
}

/// The quick pass, then a cheap harder pass on the same binarized image: for camera frames.
///
/// The harder pass searches QR codes harder and inverted (the finder search costs little once
/// the image is binarized) and reads 1D codes along every second row and column of the
/// binarized image, horizontal or vertical, either way round and inverted, but only on lines
/// with enough black/white edges to hold the shortest Code 128 or Code 39 symbol. A frame
/// without contrast (the binarizer leaves it white) therefore costs little more than its
/// binarization; rxing's own try-harder pass (every row again, then the whole image turned)
/// is left to still images.
pub fn decode_frame(img: &LumaImage) -> Vec<Decoded> {
    let Some(source) = source(img) else {
        return Vec::new();
    };
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let found = dedup(codes_in(&mut bitmap, &hints(false), Pass::Plain));
    if !found.is_empty() {
        return found;
    }
    let found = dedup(codes_in(&mut bitmap, &qr_hints(), Pass::TryHarder));
    if !found.is_empty() {
        return found;
    }
    lines::linear_codes(bitmap.get_black_matrix(), &hints(true))
        .iter()
        .filter_map(|r| convert(r, Pass::TryHarder, 1.0))
        .take(1)
        .collect()
}

/// QR codes only, trying harder, inverted ones too.
fn qr_hints() -> DecodeHints {
    let mut hints = hints(true);
    hints.PossibleFormats = Some(HashSet::from([BarcodeFormat::QR_CODE]));
    hints
}

/// Every pass until something is found: for image files, the clipboard, and still frames.
pub fn decode(img: &LumaImage) -> Vec<Decoded> {
    let found = decode_frame(img);
    if !found.is_empty() {
        return found;
    }
    // rxing's full try-harder pass: every row for 1D codes, then the image turned a quarter.
    let found = dedup(all_codes(img, true, Pass::TryHarder));
    if !found.is_empty() {
        return found;
    }
    let short = img.width.min(img.height);
    let long = img.width.max(img.height);
    let mut attempts: Vec<(LumaImage, Threshold, Pass, f32)> =
        vec![(img.clone(), Threshold::Global, Pass::TryHarder, 1.0)];
    // Very small codes: a clean code without its quiet zone gets a border and sharp pixels.
    if short < 120 {
        attempts.push((
            img.padded(8).enlarged(4),
            Threshold::Hybrid,
            Pass::Rescaled,
            4.0,
        ));
    }
    if short < 400 {
        attempts.push((img.scaled(2.0), Threshold::Hybrid, Pass::Rescaled, 2.0));
        attempts.push((img.scaled(3.0), Threshold::Hybrid, Pass::Rescaled, 3.0));
    }
    if long > 1000 {
        attempts.push((img.scaled(0.5), Threshold::Hybrid, Pass::Rescaled, 0.5));
        attempts.push((img.scaled(0.25), Threshold::Hybrid, Pass::Rescaled, 0.25));
    } else {
        attempts.push((img.scaled(0.5), Threshold::Hybrid, Pass::Rescaled, 0.5));
    }
    for (candidate, threshold, pass, scale) in attempts {
        let found = one_code(&candidate, threshold, pass, scale);
        if !found.is_empty() {
            return found;
        }
    }
    // Last resorts for warped or faded prints: stretched contrast, a small turn (the sampling
    // grid then crosses the distortion differently), and smoothing of dotted modules.
    for (candidate, threshold) in [
        (img.stretched(), Threshold::Hybrid),
        (img.padded(20).rotated(7.0), Threshold::Global),
        (img.padded(20).rotated(-7.0), Threshold::Global),
        (
            img.blurred().scaled(2.0).padded(20).rotated(7.0),
            Threshold::Global,
        ),
    ] {
        let found = one_code(&candidate, threshold, Pass::Stretched, 1.0);
        if !found.is_empty() {
            // Points of a turned image do not map back simply: leave them out.
            return found
                .into_iter()
                .map(|d| Decoded {
                    points: Vec::new(),
                    ..d
                })
                .collect();
        }
    }
    Vec::new()
}

/// The multi reader can report one code twice (found from two starting points).
fn dedup(mut found: Vec<Decoded>) -> Vec<Decoded> {
    let mut seen = HashSet::new();
    found.retain(|d| seen.insert((d.text.clone(), d.symbology)));
    found
}

#[cfg(test)]
mod tests {
    use rxing::{MultiFormatWriter, Writer};

    use super::*;

    /// A 1280×720 grey frame with a 1D code drawn into it: upright or turned a quarter, dark on
    /// light or light on dark.
    fn frame_with(format: BarcodeFormat, text: &str, vertical: bool, inverted: bool) -> LumaImage {
        let code = MultiFormatWriter.encode(text, &format, 400, 80).unwrap();
        let (w, h) = (1280u32, 720u32);
        let mut pixels = vec![150u8; (w * h) as usize];
        let (cw, ch) = (code.getWidth(), code.getHeight());
        for y in 0..ch {
            for x in 0..cw {
                let black = code.get(x, y) != inverted;
                let (px, py) = if vertical {
                    (500 + y, 100 + x)
                } else {
                    (300 + x, 300 + y)
                };
                pixels[(py * w + px) as usize] = if black { 30 } else { 230 };
            }
        }
        LumaImage {
            width: w,
            height: h,
            pixels,
        }
    }

    #[test]
    fn the_live_path_reads_1d_codes_any_way_round() {
        for (format, symbology, text) in [
            (BarcodeFormat::CODE_128, Symbology::Code128, "H2023-0042"),
            (BarcodeFormat::CODE_39, Symbology::Code39, "A12345"),
        ] {
            for vertical in [false, true] {
                for inverted in [false, true] {
                    let found = decode_frame(&frame_with(format, text, vertical, inverted));
                    assert!(
                        found
                            .iter()
                            .any(|d| d.text == text && d.symbology == symbology),
                        "{format:?} vertical {vertical} inverted {inverted}: {found:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_blank_frame_holds_no_code() {
        let blank = LumaImage {
            width: 1280,
            height: 720,
            pixels: vec![128; 1280 * 720],
        };
        assert!(decode_frame(&blank).is_empty());
    }
}

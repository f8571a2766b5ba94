//! Pure decoding: a grey image in, the codes it holds out.
//!
//! Multi-pass where it pays: a quick plain pass (what a live camera frame gets first), then try
//! harder with inverted codes allowed, then resampled passes for very small or very large
//! codes and a contrast-stretched one. Each pass runs only if the ones before found nothing.

use std::collections::HashSet;

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader, Reader,
};
use serde::Serialize;

use crate::image::LumaImage;

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
    let mut hints = DecodeHints::default();
    hints.PossibleFormats = Some(HashSet::from([
        BarcodeFormat::QR_CODE,
        BarcodeFormat::CODE_128,
        BarcodeFormat::CODE_39,
    ]));
    hints.TryHarder = Some(try_harder);
    hints.AlsoInverted = Some(try_harder);
    hints
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
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let mut reader = GenericMultipleBarcodeReader::new(MultiFormatReader::default());
    reader
        .decode_multiple_with_hints(&mut bitmap, &hints(try_harder))
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

/// The quick pass, then trying harder (inverted codes too): for camera frames when the worker
/// has time.
pub fn decode_frame(img: &LumaImage) -> Vec<Decoded> {
    let found = decode_quick(img);
    if !found.is_empty() {
        return found;
    }
    dedup(all_codes(img, true, Pass::TryHarder))
}

/// Every pass until something is found: for image files, the clipboard, and still frames.
pub fn decode(img: &LumaImage) -> Vec<Decoded> {
    let found = decode_frame(img);
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

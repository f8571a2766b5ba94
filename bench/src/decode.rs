//! `clinic-bench decode`: the decoder on the public QR corpus, and on 1280×720 webcam-like
//! frames.

use std::path::Path;
use std::time::{Duration, Instant};

use scanner::decode::{decode, decode_frame};
use scanner::image::LumaImage;

use crate::stats::{machine, percentile_ms};

pub fn run(corpus: &Path, frames: usize) -> anyhow::Result<()> {
    println!("machine: {}", machine());
    let mut sets: Vec<_> = std::fs::read_dir(corpus)
        .map_err(|e| anyhow::anyhow!("cannot read the corpus at {}: {e}", corpus.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    let (mut all_ok, mut all_n) = (0, 0);
    println!(
        "{:<26} {:>9} {:>12} {:>12}",
        "set", "decoded", "median ms", "p95 ms"
    );
    for set in sets {
        let mut images: Vec<_> = std::fs::read_dir(&set)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e != "txt"))
            .collect();
        images.sort();
        let (mut ok, mut times) = (0, Vec::new());
        for p in &images {
            let expected = std::fs::read_to_string(p.with_extension("txt")).unwrap_or_default();
            let img = LumaImage::load(p)?;
            let t = Instant::now();
            let found = decode(&img);
            times.push(t.elapsed());
            ok += found.iter().any(|d| d.text == expected) as usize;
        }
        let name = set
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        println!(
            "{name:<26} {:>9} {:>12.1} {:>12.1}",
            format!("{ok}/{}", images.len()),
            percentile_ms(&mut times, 50.0),
            percentile_ms(&mut times, 95.0)
        );
        all_ok += ok;
        all_n += images.len();
    }
    println!(
        "{:<26} {:>9} ({:.1} %)",
        "all",
        format!("{all_ok}/{all_n}"),
        100.0 * all_ok as f64 / all_n.max(1) as f64
    );

    let card = scanner::card::issue_card(&sample_token(), &scanner::card::keys::demo::issuer());
    let (with_code, empty) = webcam_frames(&card);
    let mut found = 0;
    let mut t_code = Vec::with_capacity(frames);
    let mut t_empty = Vec::with_capacity(frames);
    for i in 0..frames {
        let t = Instant::now();
        found += decode_frame(&with_code[i % with_code.len()])
            .iter()
            .any(|d| d.text == card) as usize;
        t_code.push(t.elapsed());
        let t = Instant::now();
        decode_frame(&empty[i % empty.len()]);
        t_empty.push(t.elapsed());
    }
    let ms = |v: &mut Vec<Duration>, p| percentile_ms(v, p);
    println!(
        "1280×720 frame with a printed card: {found}/{frames} read, median {:.1} ms, p95 {:.1} ms",
        ms(&mut t_code, 50.0),
        ms(&mut t_code, 95.0)
    );
    println!(
        "1280×720 frame without a code:       median {:.1} ms, p95 {:.1} ms",
        ms(&mut t_empty, 50.0),
        ms(&mut t_empty, 95.0)
    );
    Ok(())
}

fn sample_token() -> scanner::card::CardToken {
    scanner::card::CardToken {
        iss: "CN-510000".into(),
        iat: 1_780_000_000,
        exp: 1_780_000_000 + 4 * 365 * 86_400,
        card: scanner::card::CardClaims {
            version: 1,
            card_id: [0x5a; 32],
            name: "王秀英".into(),
            pinyin: Some("WANG XIU YING".into()),
            sex: 2,
            birth_date: 19620708,
            region: Some("420921".into()),
            id_hint: Some("0420".into()),
            holder_key: None,
            insurance: Some(("390".into(), "42092100000000100014".into())),
        },
    }
}

/// Frames like a 720p webcam sees at a front desk: a grey, noisy, unevenly lit scene, a
/// printed card held up at a slight angle (in some frames), mild blur.
fn webcam_frames(text: &str) -> (Vec<LumaImage>, Vec<LumaImage>) {
    let qr = scanner::card::qr_image(text, 4).unwrap_or_else(|_| LumaImage {
        width: 1,
        height: 1,
        pixels: vec![255],
    });
    let (w, h) = (1280u32, 720u32);
    let mut seed = 0x1234_5678_u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 25) as i32 - 12
    };
    let mut with_code = Vec::new();
    let mut empty = Vec::new();
    for k in 0..4u32 {
        let mut scene: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let light = 90 + (x * 60 / w) as i32 + (y * 30 / h) as i32;
                (light + noise()).clamp(0, 255) as u8
            })
            .collect();
        empty.push(LumaImage {
            width: w,
            height: h,
            pixels: scene.clone(),
        });
        // The card, slightly turned, somewhere left of centre.
        let card = qr.padded(12).rotated(3.0 + k as f32 * 2.0);
        let (ox, oy) = (300 + k * 60, 150 + k * 20);
        for y in 0..card.height.min(h - oy) {
            for x in 0..card.width.min(w - ox) {
                let v = card.pixels[(y * card.width + x) as usize] as i32;
                let v = 40 + v * 180 / 255 + noise();
                scene[((oy + y) * w + ox + x) as usize] = v.clamp(0, 255) as u8;
            }
        }
        with_code.push(
            LumaImage {
                width: w,
                height: h,
                pixels: scene,
            }
            .blurred(),
        );
    }
    (with_code, empty)
}

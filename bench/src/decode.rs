//! `clinic-bench decode`: the decoder on the public QR corpus, and on 1280×720 webcam-like
//! frames.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use scanner::decode::{decode, decode_frame};
use scanner::image::LumaImage;

use crate::stats::{machine, percentile_ms};

/// How many code-free frames the live path is timed on and checked for false reads.
const CODE_FREE: usize = 25;

pub fn run(corpus: &Path, frames: usize) -> anyhow::Result<()> {
    println!("machine: {}", machine());
    // The very grey pixels our decoder gets, for zxing-cpp to read beside it.
    let pgm_dir = tempfile::Builder::new().prefix("clinic-decode").tempdir()?;
    let mut pgm_sets: Vec<(String, Vec<(PathBuf, String)>)> = Vec::new();
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
        let (mut ok, mut times, mut pgms) = (0, Vec::new(), Vec::new());
        for p in &images {
            let expected = std::fs::read_to_string(p.with_extension("txt")).unwrap_or_default();
            let img = LumaImage::load(p)?;
            let pgm = pgm_dir
                .path()
                .join(format!("c{}-{}.pgm", pgm_sets.len(), pgms.len()));
            write_pgm(&pgm, &img)?;
            pgms.push((pgm, expected.clone()));
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
        set_row(&name, ok, images.len(), &mut times);
        all_ok += ok;
        all_n += images.len();
        pgm_sets.push((name, pgms));
    }
    println!(
        "{:<26} {:>9} ({:.1} %)",
        "all",
        format!("{all_ok}/{all_n}"),
        100.0 * all_ok as f64 / all_n.max(1) as f64
    );

    let card = scanner::card::issue_card(&sample_token(), &scanner::card::keys::demo::issuer());
    let with_code = card_frames(&card);
    let empty = scanner::decode::scenes::code_free(CODE_FREE);
    let mut found = 0;
    let mut t_code = Vec::with_capacity(frames);
    let mut t_empty = Vec::with_capacity(frames);
    let mut false_live = 0;
    for i in 0..frames {
        let t = Instant::now();
        found += decode_frame(&with_code[i % with_code.len()])
            .iter()
            .any(|d| d.text == card) as usize;
        t_code.push(t.elapsed());
        let t = Instant::now();
        false_live += !decode_frame(&empty[i % empty.len()]).is_empty() as usize;
        t_empty.push(t.elapsed());
    }
    // The still-image path (every pass) on the same code-free frames: nothing may be read.
    let false_still = empty.iter().filter(|f| !decode(f).is_empty()).count();
    let ms = |v: &mut Vec<Duration>, p| percentile_ms(v, p);
    println!(
        "1280×720 frame with a printed card: {found}/{frames} read, median {:.1} ms, p95 {:.1} ms",
        ms(&mut t_code, 50.0),
        ms(&mut t_code, 95.0)
    );
    println!(
        "1280×720 frame without a code:       median {:.1} ms, p95 {:.1} ms ({CODE_FREE} scenes; false reads: {false_live}/{frames} live, {false_still}/{CODE_FREE} still path)",
        ms(&mut t_empty, 50.0),
        ms(&mut t_empty, 95.0)
    );
    let mut frame_pgms = Vec::new();
    for (k, f) in with_code.iter().chain(&empty).enumerate() {
        let pgm = pgm_dir.path().join(format!("f{k}.pgm"));
        write_pgm(&pgm, f)?;
        frame_pgms.push(pgm);
    }
    if let Err(e) = zxingcpp(&pgm_sets, &frame_pgms, with_code.len(), &card, frames) {
        println!("zxing-cpp: not measured ({e})");
    }
    Ok(())
}

/// One line of bench/zxingcpp_decode.py's output.
#[derive(serde::Deserialize)]
struct ZxingLine {
    file: String,
    texts: Vec<String>,
    ms: Vec<f64>,
}

/// zxing-cpp (Python package zxing-cpp) on the same grey pixels: the corpus once, the frames
/// repeated as often as ours were read.
fn zxingcpp(
    sets: &[(String, Vec<(PathBuf, String)>)],
    frames: &[PathBuf],
    with_code: usize,
    card: &str,
    repeats: usize,
) -> anyhow::Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("zxingcpp_decode.py");
    let run = |repeat: usize, files: &[&PathBuf]| -> anyhow::Result<(String, Vec<ZxingLine>)> {
        let out = Command::new("python3")
            .arg(&script)
            .args(["--repeat", &repeat.to_string()])
            .args(files)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        let text = String::from_utf8(out.stdout)?;
        let mut lines = text.lines();
        let version = serde_json::from_str::<serde_json::Value>(lines.next().unwrap_or_default())?
            ["zxingcpp"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        let parsed = lines.map(serde_json::from_str).collect::<Result<_, _>>()?;
        Ok((version, parsed))
    };
    let corpus: Vec<&PathBuf> = sets
        .iter()
        .flat_map(|(_, s)| s.iter().map(|(p, _)| p))
        .collect();
    let (version, lines) = run(1, &corpus)?;
    println!("zxing-cpp {version}, same pixels:");
    let (mut all_ok, mut all_n) = (0, 0);
    for (name, images) in sets {
        let (mut ok, mut times) = (0, Vec::new());
        for (pgm, expected) in images {
            let Some(line) = lines.iter().find(|l| Path::new(&l.file) == pgm.as_path()) else {
                continue;
            };
            ok += line.texts.iter().any(|t| t == expected) as usize;
            times.push(Duration::from_secs_f64(line.ms[0] / 1000.0));
        }
        set_row(name, ok, images.len(), &mut times);
        all_ok += ok;
        all_n += images.len();
    }
    println!("{:<26} {:>9}", "all", format!("{all_ok}/{all_n}"));
    let per_file = repeats.div_ceil(frames.len() - with_code).max(1);
    let (_, lines) = run(per_file, &frames.iter().collect::<Vec<_>>())?;
    let (mut read, mut reps, mut t_code, mut t_empty, mut false_reads) = (0, 0, vec![], vec![], 0);
    for (k, line) in lines.iter().enumerate() {
        let times = line
            .ms
            .iter()
            .map(|ms| Duration::from_secs_f64(ms / 1000.0));
        if k < with_code {
            read += line.texts.iter().any(|t| t == card) as usize * line.ms.len();
            reps += line.ms.len();
            t_code.extend(times);
        } else {
            false_reads += !line.texts.is_empty() as usize;
            t_empty.extend(times);
        }
    }
    println!(
        "1280×720 frame with a printed card: {read}/{reps} read, median {:.1} ms, p95 {:.1} ms",
        percentile_ms(&mut t_code, 50.0),
        percentile_ms(&mut t_code, 95.0)
    );
    println!(
        "1280×720 frame without a code:       median {:.1} ms, p95 {:.1} ms (false reads: {false_reads}/{})",
        percentile_ms(&mut t_empty, 50.0),
        percentile_ms(&mut t_empty, 95.0),
        frames.len() - with_code
    );
    Ok(())
}

/// One corpus set's line of the table: read, median and p95 decode time.
fn set_row(name: &str, ok: usize, n: usize, times: &mut [Duration]) {
    println!(
        "{name:<26} {:>9} {:>12.1} {:>12.1}",
        format!("{ok}/{n}"),
        percentile_ms(times, 50.0),
        percentile_ms(times, 95.0)
    );
}

fn write_pgm(path: &Path, img: &LumaImage) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    write!(f, "P5\n{} {}\n255\n", img.width, img.height)?;
    f.write_all(&img.pixels)?;
    Ok(f.flush()?)
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
/// printed card held up at a slight angle, mild blur.
fn card_frames(text: &str) -> Vec<LumaImage> {
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
    for k in 0..4u32 {
        let mut scene: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let light = 90 + (x * 60 / w) as i32 + (y * 30 / h) as i32;
                (light + noise()).clamp(0, 255) as u8
            })
            .collect();
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
    with_code
}

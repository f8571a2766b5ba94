//! `clinic-bench idle`: what the running window costs while nobody uses it. The release
//! `clinic` on the demo township, under Xvfb, logged in at the front desk (typed through
//! xdotool, as the window test does), left alone for `--seconds`; its CPU (utime + stime from
//! /proc) and memory, with the camera off and with a virtual camera (`file:` a generated
//! 1280×720 30 fps video of a counter without a code: light, a few still things, sensor noise
//! in every frame), and, as the upper bound, with something moving in view all the time.
//!
//! The X server's CPU is given beside the window's: each repaint is drawn by Mesa in the
//! window's process (llvmpipe, as on a PC without a GPU driver) and copied by the server.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use scanner::image::LumaImage;

use crate::stats::machine;

/// The facility secret of the throwaway demo store (given to the window in the environment,
/// so it opens without the unlock screen).
const SECRET: &str = "bench-idle-secret";
/// The frames of the generated video, played in a loop: two seconds.
const FRAMES: usize = 60;
/// The goal of issue 17: the window with the camera on, nobody scanning.
const GOAL_PCT: f64 = 10.0;

pub struct Args {
    pub seconds: u64,
    pub residents: usize,
    pub clinic_bin: Option<PathBuf>,
    pub moving: bool,
}

/// One run: what the window cost.
struct Figures {
    clinic_pct: f64,
    xvfb_pct: f64,
    rss_mib: f64,
    peak_mib: f64,
    /// Bytes the window read per second (the virtual camera's frames, mostly).
    read_mb_s: f64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let bin = clinic_program(args.clinic_bin)?;
    println!("machine: {}", machine());
    let dir = tempfile::Builder::new()
        .prefix("clinic-bench-idle")
        .tempdir()?;
    let data = dir.path().join("data");
    let t = Instant::now();
    let out = Command::new(&bin)
        .env("CLINIC_SECRET", SECRET)
        .arg("--data")
        .arg(&data)
        .args(["demo", "--residents", &args.residents.to_string()])
        .output()
        .context("cannot run clinic demo")?;
    anyhow::ensure!(
        out.status.success(),
        "clinic demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "demo township of {} residents: {:.1} s",
        args.residents,
        t.elapsed().as_secs_f64()
    );
    let still = dir.path().join("counter.y4m");
    let moving = dir.path().join("moving.y4m");
    scanner::camera_file::write_y4m(&still, &scene(false), 30)?;
    if args.moving {
        scanner::camera_file::write_y4m(&moving, &scene(true), 30)?;
    }
    println!(
        "clinic: {} (release), demo township of {} residents, window 1366×740 under Xvfb, \
         logged in at the front desk, nobody using it; {} s a run",
        bin.display(),
        args.residents,
        args.seconds
    );
    println!(
        "virtual camera: a generated 1280×720 video at 30 fps, {FRAMES} frames in a loop \
         (grey y4m), played through the webcam's worker path"
    );
    let mut runs = vec![
        ("camera off", "none".to_string()),
        (
            "camera on, a still counter, no card",
            format!("file:{}", still.display()),
        ),
    ];
    if args.moving {
        runs.push((
            "camera on, someone moving in view",
            format!("file:{}", moving.display()),
        ));
    }
    println!(
        "{:<38} {:>10} {:>8} {:>16} {:>13}",
        "", "window CPU", "Xvfb", "RSS (peak) MiB", "read MB/s"
    );
    let mut results = Vec::new();
    for (what, camera) in &runs {
        let f = measure(&bin, &data, camera, args.seconds)
            .with_context(|| format!("the run {what}"))?;
        println!(
            "{what:<38} {:>9.1} % {:>6.1} % {:>9.0} ({:.0}) {:>13.1}",
            f.clinic_pct, f.xvfb_pct, f.rss_mib, f.peak_mib, f.read_mb_s
        );
        results.push(f);
    }
    let frame_mb = 1280.0 * 720.0 / 1e6;
    println!(
        "(CPU in % of one core; a 1280×720 grey frame is {frame_mb:.2} MB, so the read column \
         is the frames the camera worker looked at, in MB/s)"
    );
    let on = &results[1];
    anyhow::ensure!(
        on.read_mb_s > frame_mb,
        "the virtual camera did not stream (read {:.2} MB/s)",
        on.read_mb_s
    );
    println!(
        "goal ≤ {GOAL_PCT:.0} % of one core with the camera on: {} ({:.1} %)",
        if on.clinic_pct <= GOAL_PCT {
            "met"
        } else {
            "NOT met"
        },
        on.clinic_pct
    );
    Ok(())
}

/// Starts the window with `camera`, logs in at the front desk, lets it settle, and measures
/// it left alone for `seconds`.
fn measure(bin: &Path, data: &Path, camera: &str, seconds: u64) -> anyhow::Result<Figures> {
    let path = data.join("settings.json");
    let mut settings: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
    settings["camera"] = camera.into();
    settings["printer"] = format!("folder:{}", data.join("prints").display()).into();
    // The screen must not lock during the measurement.
    let minutes = settings["idle_lock_minutes"].as_u64().unwrap_or(0);
    if minutes > 0 && minutes * 60 < seconds + 120 {
        settings["idle_lock_minutes"] = (seconds / 60 + 3).into();
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&settings)?)?;

    let x = Xvfb::start()?;
    let log = std::fs::File::create(data.join("window.log"))?;
    let mut app = Killed(
        Command::new(bin)
            .env("DISPLAY", &x.display)
            .env("CLINIC_SECRET", SECRET)
            .env_remove("CLINIC_SECRET_FILE")
            .arg("--data")
            .arg(data)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start clinic")?,
    );
    let deadline = Instant::now() + Duration::from_secs(300);
    let window = loop {
        let found = x.xdotool(&["search", "--onlyvisible", "--class", "clinic"])?;
        if let Some(w) = found.lines().next() {
            break w.to_string();
        }
        anyhow::ensure!(Instant::now() < deadline, "the window never showed");
        anyhow::ensure!(app.0.try_wait()?.is_none(), "clinic exited");
        std::thread::sleep(Duration::from_millis(200));
    };
    x.xdotool(&["windowfocus", "--sync", &window])?;
    std::thread::sleep(Duration::from_millis(1500));
    let logged_in_from = now_ms();
    x.xdotool(&["type", "--delay", "80", "frontdesk"])?;
    x.xdotool(&["key", "--delay", "60", "Tab"])?;
    x.xdotool(&["type", "--delay", "80", app::services::demo::DEMO_PASSWORD])?;
    x.xdotool(&["key", "--delay", "60", "Return"])?;
    // The front desk opens, the queue and the preview come; then nobody touches it.
    std::thread::sleep(Duration::from_secs(5));
    let pid = app.0.id().to_string();
    let xpid = x.child.id().to_string();
    let (c0, x0, r0) = (cpu_s(&pid), cpu_s(&xpid), read_bytes(&pid));
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let (c1, x1, r1) = (cpu_s(&pid), cpu_s(&xpid), read_bytes(&pid));
    let took = t0.elapsed().as_secs_f64();
    let (rss, peak) = crate::stats::process_rss_mib(&pid).unwrap_or((f64::NAN, f64::NAN));
    anyhow::ensure!(app.0.try_wait()?.is_none(), "clinic exited during the run");
    drop(app);
    drop(x);
    // The login went through (so it was the front desk that sat there).
    let store = storage::Store::open(data.join("clinic.redb"), storage::OpenOptions::new(SECRET))?;
    let logins = store.search_audit(logged_in_from, now_ms(), Some("frontdesk"), None, 100)?;
    anyhow::ensure!(
        logins
            .iter()
            .any(|(_, e)| e.action == storage::model::AuditAction::Login),
        "the front desk did not log in (see {})",
        data.join("window.log").display()
    );
    let pct = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => 100.0 * (b - a) / took,
        _ => f64::NAN,
    };
    Ok(Figures {
        clinic_pct: pct(c0, c1),
        xvfb_pct: pct(x0, x1),
        rss_mib: rss,
        peak_mib: peak,
        read_mb_s: match (r0, r1) {
            (Some(a), Some(b)) => (b - a) as f64 / took / 1e6,
            _ => f64::NAN,
        },
    })
}

/// A 1280×720 front-desk counter as a webcam sees it, without a code: uneven light, a few
/// still things (the desk's edge, a cup, a stack of forms), sensor noise of ±12 in every
/// frame; with `moving`, someone's arm (a dark shape) goes back and forth across the view, so
/// every frame the worker looks at has changed.
fn scene(moving: bool) -> Vec<LumaImage> {
    let (w, h) = (1280u32, 720u32);
    let background: Vec<i32> = (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as i32, (i / w) as i32);
            let mut v = 90 + x * 60 / w as i32 + y * 30 / h as i32;
            if y > 520 {
                v -= 35; // the desk
            }
            let (cx, cy) = (x - 980, y - 430);
            if cx * cx + cy * cy < 70 * 70 {
                v += 60; // a cup
            }
            if (150..420).contains(&x) && (380..600).contains(&y) {
                v = 200 - (y - 380) % 24 / 12 * 20; // a stack of forms
            }
            v
        })
        .collect();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 25) as i32 - 12
    };
    (0..FRAMES)
        .map(|k| {
            // Across and back once a loop, 40 pixels a frame.
            let arm_x = (k as i32 * 40) % 1200;
            let arm_x = if k < FRAMES / 2 { arm_x } else { 2400 - arm_x };
            let pixels = background
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let (x, y) = ((i as u32 % w) as i32, (i as u32 / w) as i32);
                    let arm = moving && (arm_x..arm_x + 220).contains(&x) && y > 200;
                    let v = if arm { 45 } else { *v };
                    (v + noise()).clamp(0, 255) as u8
                })
                .collect();
            LumaImage {
                width: w,
                height: h,
                pixels,
            }
        })
        .collect()
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A virtual X server of its own (the window test's way: `-displayfd` picks a free display).
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> anyhow::Result<Xvfb> {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1366x768x24"])
            .args(["-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb (scripts/setup.sh installs it)")?;
        let mut number = String::new();
        if let Some(mut out) = child.stdout.take() {
            let mut byte = [0u8; 1];
            while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
                number.push(byte[0] as char);
            }
        }
        let x = Xvfb {
            child,
            display: format!(":{}", number.trim()),
        };
        anyhow::ensure!(!number.trim().is_empty(), "Xvfb gave no display");
        Ok(x)
    }

    fn xdotool(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new("xdotool")
            .env("DISPLAY", &self.display)
            .args(args)
            .output()
            .context("cannot run xdotool (scripts/setup.sh installs it)")?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `clinic` program: `given`, or the release build beside this program (or beside its
/// debug build, as `cargo test` runs it).
fn clinic_program(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let name = format!("clinic{}", std::env::consts::EXE_SUFFIX);
    let path = match given {
        Some(p) => p,
        None => {
            let exe = std::env::current_exe().context("cannot find this program's path")?;
            let mut dir = exe.parent().unwrap_or(Path::new(".")).to_path_buf();
            if dir.ends_with("deps") {
                dir.pop();
            }
            let beside = dir.join(&name);
            match dir.file_name() {
                Some(d) if d == "release" => beside,
                _ => dir.with_file_name("release").join(&name),
            }
        }
    };
    anyhow::ensure!(
        path.is_file(),
        "no clinic program at {}: build it with `cargo build --release -p app` \
         (or pass --clinic-bin)",
        path.display()
    );
    Ok(path)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// CPU seconds (user and system) process `pid` has used so far (Linux counts them in
/// hundredths of a second in /proc).
fn cpu_s(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Bytes process `pid` has read through system calls (`rchar` in /proc/PID/io).
fn read_bytes(pid: &str) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("rchar:"))?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_still_scene_is_code_free_and_still_the_moving_one_moves() {
        use scanner::gate::Thumbnail;
        let still = super::scene(false);
        let moving = super::scene(true);
        assert_eq!(still.len(), super::FRAMES);
        assert_eq!((still[0].width, still[0].height), (1280, 720));
        let thumb = |f: &scanner::image::LumaImage| Thumbnail::of(&f.scaled(0.25));
        assert!(!thumb(&still[0]).differs(&thumb(&still[7])));
        assert!(thumb(&moving[0]).differs(&thumb(&moving[4])));
        assert!(scanner::decode::decode_frame(&still[0]).is_empty());
    }
}

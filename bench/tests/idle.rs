//! `clinic-bench idle`, run short: the release window under Xvfb, logged in at the front desk
//! through xdotool, with the camera off and on a generated video. Sanity only (the machine is
//! shared): both runs are measured and the virtual camera streamed; no CPU threshold.
//!
//! Needs `target/release/clinic` (built by `./scripts/test.sh` before the suite), `Xvfb` and
//! `xdotool` (installed by `scripts/setup.sh`), as the window test does.

use std::process::Command;

#[test]
fn three_seconds_camera_off_and_on() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_clinic-bench"))
        .args([
            "idle",
            "--seconds",
            "3",
            "--residents",
            "150",
            "--no-moving",
        ])
        .env("TMPDIR", tmp.path())
        .output()
        .expect("run clinic-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures = |label: &str| -> Vec<f64> {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line in {stdout}"));
        line[label.len()..]
            .split(|c: char| c.is_whitespace() || "%()".contains(c))
            .filter_map(|w| w.parse().ok())
            .collect()
    };
    let off = figures("camera off");
    let on = figures("camera on, a still counter, no card");
    // window CPU, Xvfb, RSS, peak, read MB/s
    assert_eq!((off.len(), on.len()), (5, 5), "{stdout}");
    assert!(on[2] > 0.0 && on[3] >= on[2], "{stdout}");
    assert!(on[4] > 0.9, "the virtual camera streamed: {stdout}");
    assert!(stdout.contains("goal ≤ 10 % of one core"), "{stdout}");
    // The bench removed its temporary directory (the store, the videos).
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

//! `clinic-bench hub`, run small as a real process against a real `clinic-hub` process.

use std::path::PathBuf;
use std::process::Command;

/// The hub program for the test, next to `clinic-bench`: `clinic-hub` itself, or `e2e_hub`, the
/// same program built by the `tests` crate. `cargo test --workspace` builds `e2e_hub` (the
/// `tests` crate has integration tests) but not `clinic-hub` (`hub` has none). When both are
/// there, the newer, so a stale copy is not used.
fn hub_program() -> Option<PathBuf> {
    let clinic = PathBuf::from(env!("CARGO_BIN_EXE_clinic-bench"));
    let dir = clinic.parent()?;
    ["clinic-hub", "e2e_hub"]
        .iter()
        .map(|name| dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .max()
        .map(|(_, p)| p)
}

#[test]
fn five_workstations_for_ten_seconds() {
    // No silent skip: without a hub program this test fails and says how to build one.
    let hub = hub_program().expect(
        "no clinic-hub next to clinic-bench: run `cargo test --workspace`, or `cargo build -p hub` first",
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_clinic-bench"))
        .args(["hub", "--workstations", "5", "--seconds", "10"])
        .args(["--residents", "100", "--hub-bin"])
        .arg(&hub)
        .env("TMPDIR", tmp.path())
        .output()
        .expect("run clinic");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    let n = |key: &str| {
        report[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key}: {report}"))
    };
    // Sanity only, no timing thresholds: the machine is shared.
    assert_eq!(report["workstations"], 5);
    assert_eq!(report["workstations_that_pushed"], 5, "{report}");
    assert_eq!(report["workstations_that_pulled"], 5, "{report}");
    for key in ["rounds", "requests", "changes_pushed", "changes_pulled"] {
        assert!(n(key) > 0.0, "{key}: {report}");
    }
    // At least one push and one pull per round.
    assert!(n("requests") >= 2.0 * n("rounds"), "{report}");
    for key in ["rounds_per_s", "requests_per_s", "changes_per_s"] {
        assert!(n(key) > 0.0, "{key}: {report}");
    }
    for key in ["errors", "rejected", "pull_failures"] {
        assert_eq!(report[key], 0, "{key}: {report}");
    }
    assert!(n("bootstrap_changes_per_workstation") > 0.0, "{report}");
    let latency = &report["round_ms"];
    assert!(latency["p50"].as_f64().unwrap() > 0.0, "{report}");
    assert!(
        latency["p99"].as_f64().unwrap() >= latency["p50"].as_f64().unwrap(),
        "{report}"
    );
    // The hub's memory: sampled about every second of the ten.
    let memory = &report["hub_rss_mib"];
    assert!(memory["samples"].as_u64().unwrap() >= 5, "{report}");
    assert!(memory["start"].as_f64().unwrap() > 0.0, "{report}");
    assert!(memory["end"].as_f64().unwrap() > 0.0, "{report}");
    assert_eq!(memory["by_tenth"].as_array().unwrap().len(), 11, "{report}");
    assert!(memory["growth_pct"].is_f64(), "{report}");
    // The bench removed its temporary directory (the hub's data and every workstation's).
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("clinic-bench-hub")
        })
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

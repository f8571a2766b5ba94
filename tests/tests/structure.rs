//! The architecture's rules, checked on the source so a change that breaks one fails a test
//! (ARCHITECTURE.md): screens only read the store and push commands; the window never calls
//! the command line; the shipped program carries no benchmark; the lower crates keep to their
//! dependencies.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {}", dir.display());
    out
}

/// The `[dependencies]` table of a crate's manifest (not its dev-dependencies).
fn dependencies(krate: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
        } else if in_deps && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
            deps.push(name.to_string());
        }
    }
    assert!(!deps.is_empty(), "{krate} has no dependencies?");
    deps
}

/// The store's methods that write (commit a change, an audit entry or a local value).
const STORE_WRITES: &[&str] = &[
    "register",
    "update_resident",
    "link",
    "check_in",
    "set_queue_status",
    "complete_checkout",
    "settle_difference",
    "record_contact",
    "record_card_use",
    "put_staff",
    "log_in",
    "acknowledge_tampering",
    "audit_lookup",
    "issue_card",
    "backup_to",
    "retry_rejected",
    "install_catalogue",
    "set_local_value",
    "set_meta_u64",
    "commit",
    "commit_one",
    "commit_with_ids",
    "apply_remote",
];

#[test]
fn no_screen_writes_the_store() {
    let mut found = Vec::new();
    for (path, text) in sources(&root().join("app/src/gui/screens")) {
        for (n, line) in text.lines().enumerate() {
            for write in STORE_WRITES {
                if line.contains(&format!(".{write}(")) && line.contains("store") {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "screens push commands instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_window_never_calls_the_command_line() {
    let found: Vec<String> = sources(&root().join("app/src/gui"))
        .into_iter()
        .filter(|(_, text)| text.contains("crate::cli") || text.contains("cli::"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(found.is_empty(), "gui uses cli in: {found:?}");
}

#[test]
fn the_shipped_program_carries_no_benchmark() {
    let found: Vec<String> = sources(&root().join("app/src"))
        .into_iter()
        .filter(|(path, text)| {
            path.to_string_lossy().contains("bench") || text.contains("mod bench")
        })
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(found.is_empty(), "benchmark code in app: {found:?}");
    let deps = dependencies("app");
    for bench_only in ["bench", "tests", "tokio", "hub"] {
        assert!(
            !deps.iter().any(|d| d == bench_only),
            "app depends on {bench_only}"
        );
    }
}

#[test]
fn each_crate_keeps_to_its_dependencies() {
    let never = |krate: &str, forbidden: &[&str]| {
        let deps = dependencies(krate);
        for f in forbidden {
            assert!(!deps.iter().any(|d| d == f), "{krate} depends on {f}");
        }
    };
    never(
        "storage",
        &[
            "egui", "eframe", "reqwest", "axum", "fixtures", "scanner", "sync",
        ],
    );
    never("scanner", &["storage", "sync", "egui"]);
    never("sync", &["fixtures", "app", "egui", "print"]);
    never("print", &["scanner", "storage", "sync", "egui"]);
    never("fixtures", &["sync", "app", "scanner"]);
}

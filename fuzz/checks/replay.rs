//! Replays a fuzz target's committed corpus (`fuzz/corpus/TARGET/`) through its check, for
//! the ordinary test suite: every input, each on its own, all of them reported when some fail.
//! Included by the replay tests of the crates the checks exercise.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

/// Runs every file of the target's corpus through `check` and fails, naming the inputs, if
/// any check panicked, or if the corpus is missing or empty.
pub fn replay(target: &str, check: impl Fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the {target} corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    inputs.sort();
    assert!(
        !inputs.is_empty(),
        "the {target} corpus {} is empty",
        dir.display()
    );
    let mut failed = Vec::new();
    for path in &inputs {
        let data = std::fs::read(path).expect("a corpus input");
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    eprintln!(
        "{target}: ran {} corpus inputs, {} failed",
        inputs.len(),
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{target}: these corpus inputs failed: {failed:?}"
    );
}

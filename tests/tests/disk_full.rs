//! A full disk stops writes with a clear error and loses nothing: every write acknowledged
//! before it is there afterwards, nothing is half-written, and once there is room again the
//! store takes writes. Two ways to fill up: a per-process file size limit (works anywhere),
//! and a real, small tmpfs (where this machine lets the test mount one).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use storage::{Id, NewResident, Store};

/// What one run of the writer did.
struct Run {
    acknowledged: Vec<Id>,
    registered: Vec<Id>,
    full: Option<String>,
    status: std::process::ExitStatus,
}

/// Runs the writer on `path` until it stops by itself (it must: the disk fills up).
fn write_until_full(path: &Path, seed: u64, limit: Option<u64>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crash_writer"));
    cmd.arg(path).arg(seed.to_string());
    if let Some(limit) = limit {
        cmd.arg(limit.to_string());
    }
    let out = cmd.stdout(Stdio::piped()).output().expect("run writer");
    let text = String::from_utf8_lossy(&out.stdout);
    let ids = |kind: &str| -> Vec<Id> {
        text.lines()
            .filter_map(|l| l.strip_prefix(kind)?.trim().parse().ok())
            .collect()
    };
    Run {
        acknowledged: ids("ACK "),
        registered: ids("RESIDENT "),
        full: text
            .lines()
            .find_map(|l| l.strip_prefix("FULL ").map(str::to_string)),
        status: out.status,
    }
}

fn check_after(path: &Path, acknowledged: &BTreeSet<Id>, registered: &BTreeSet<Id>, round: u64) {
    let store = Store::open(path, tests::test_options()).unwrap_or_else(|e| {
        panic!("round {round}: the store does not open after a full disk: {e}")
    });
    tests::check_store(&store, acknowledged, round);
    for r in registered {
        assert!(
            store.resident(*r).unwrap().is_some(),
            "round {round}: resident {r} lost"
        );
    }
}

fn assert_clean_stop(run: &Run, round: u64) {
    assert_eq!(
        run.status.code(),
        Some(3),
        "round {round}: the writer must stop cleanly, not crash"
    );
    let message = run.full.as_deref().unwrap_or_default();
    assert!(
        message.contains("the disk is full: nothing was saved"),
        "round {round}: {message}"
    );
}

#[test]
fn a_file_that_may_not_grow_stops_writes_cleanly_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.redb");
    let (mut acknowledged, mut registered) = (BTreeSet::new(), BTreeSet::new());
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rounds_that_wrote = 0;
    for round in 1..=8u64 {
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // Room for between a few pages and a few megabytes more.
        let room = 16 * 1024 + rng % (4 << 20);
        let run = write_until_full(&path, round, Some(size + room));
        assert_clean_stop(&run, round);
        rounds_that_wrote += usize::from(!run.acknowledged.is_empty());
        acknowledged.extend(run.acknowledged);
        registered.extend(run.registered);
        check_after(&path, &acknowledged, &registered, round);
    }
    assert!(
        rounds_that_wrote >= 4 && acknowledged.len() > 100,
        "the writer made too little progress"
    );
    // With room again, the store takes writes.
    let store = Store::open(&path, tests::test_options()).unwrap();
    let form = NewResident {
        name: "空间已释放".into(),
        birth_date: Some("1990-01-01".parse().unwrap()),
        ..Default::default()
    };
    store.register(&tests::doctor(), form).unwrap();
}

/// The size of the small disk, as the README states it.
const TMPFS_SIZE: &str = "1m";

/// Mounts a tmpfs of `size` at `dir`; false where this machine does not allow it.
fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_full_tmpfs_stops_writes_cleanly_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small-disk");
    std::fs::create_dir_all(&mnt).unwrap();
    if !mount_tmpfs(&mnt, TMPFS_SIZE) {
        // Where the test can mount (as root, which CI is) or must (CI), not mounting is a
        // failure, not a skip nobody reads.
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        assert!(
            !root && std::env::var_os("CI").is_none(),
            "cannot mount a {TMPFS_SIZE} tmpfs at {} (running as root: {root}; CI: {:?})",
            mnt.display(),
            std::env::var_os("CI")
        );
        eprintln!(
            "SKIPPED: this machine does not allow mounting a tmpfs; the file size limit test covers a full disk"
        );
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&mnt);
    let path = mnt.join("clinic.redb");
    let run = write_until_full(&path, 1, None);
    assert_clean_stop(&run, 1);
    assert!(
        run.acknowledged.len() > 50,
        "only {} writes before the disk filled",
        run.acknowledged.len()
    );
    let acknowledged: BTreeSet<Id> = run.acknowledged.iter().copied().collect();
    let registered: BTreeSet<Id> = run.registered.iter().copied().collect();
    // Space is freed (the disk grows), and everything acknowledged is there.
    assert!(
        Command::new("mount")
            .args(["-o", "remount,size=64m"])
            .arg(&mnt)
            .status()
            .unwrap()
            .success()
    );
    check_after(&path, &acknowledged, &registered, 1);
    let again = write_until_full(
        &path,
        2,
        Some(std::fs::metadata(&path).unwrap().len() + (1 << 20)),
    );
    assert_clean_stop(&again, 2);
    assert!(
        !again.acknowledged.is_empty(),
        "writes resume once there is room"
    );
}

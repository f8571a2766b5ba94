//! The headless commands, run as a real process on a real data directory.

use std::process::{Command, Output};

fn clinic(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clinic"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run clinic")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn demo_find_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let out = clinic(dir.path(), &["demo", "--residents", "300"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("residents"));

    // Search by the surname in characters, then by the initials of the first hit.
    let hits = json(&clinic(dir.path(), &["find", "王"]));
    let first = &hits.as_array().expect("array")[0]["resident"];
    let name = first["name"].as_str().unwrap();
    let pinyin = first["pinyin"].as_str().unwrap();
    let initials: String = pinyin.split(' ').filter_map(|s| s.chars().next()).collect();
    let by_initials = json(&clinic(dir.path(), &["find", &initials]));
    assert!(
        by_initials
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["resident"]["name"] == name)
    );

    // History by ID number: complete, ordered, and the view is audited.
    let idn = first["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "id_number")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();
    let history = json(&clinic(dir.path(), &["history", &idn]));
    assert_eq!(history["resident"]["name"], name);
    let times: Vec<&str> = history["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "history out of order"
    );
}

#[test]
fn errors_go_to_stderr_with_a_failure_status() {
    let dir = tempfile::tempdir().unwrap();
    let out = clinic(dir.path(), &["history", "420921198503150016"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("should be 5"), "{err}");

    let out = clinic(dir.path(), &["history", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no resident"));
}

#[test]
fn a_store_from_a_newer_version_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    assert!(clinic(dir.path(), &["find", "x"]).status.success());
    // Bump the schema version the way a future program would.
    {
        let path = dir.path().join("clinic.redb");
        let db = redb::Database::open(&path).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut meta = tx
                .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
                .unwrap();
            meta.insert("schema_version", 2u64.to_le_bytes().as_slice())
                .unwrap();
        }
        tx.commit().unwrap();
    }
    let out = clinic(dir.path(), &["find", "x"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema version 2") && err.contains("newer"),
        "{err}"
    );
}

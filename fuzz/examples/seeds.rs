//! Writes seed inputs for the sync fuzz targets: a few valid messages of every kind.
//!
//! `cargo run --example seeds` (from fuzz/), then run the targets; `cargo fuzz cmin` keeps
//! only the seeds that add coverage.

use std::path::Path;

use serde::Serialize;
use storage::model::{Change, Identifier, Role};
use storage::{Actor, Date, Id, NewResident, OpenOptions, Store};
use sync::protocol::*;

const CENTRE: &str = "H42092100101";
/// The device the hub_request target enrols.
const DEVICE: &str = "fuzz-device";

fn open_store(path: &Path) -> Store {
    Store::open(
        path,
        OpenOptions::new("fuzz seeds secret").fast_kdf_for_tests(),
    )
    .expect("open a store")
}

/// A resident's registration and its audit entry, made by a real store.
fn changes(dir: &Path) -> Vec<Change> {
    let store = open_store(&dir.join("seeds.redb"));
    let actor = Actor {
        staff: "seed".into(),
        facility: CENTRE.into(),
        role: Role::FrontDesk,
    };
    let form = NewResident {
        name: "种子".into(),
        birth_date: Some(Date::new(1975, 6, 1).expect("date")),
        phone: "13800000000".into(),
        hospital_cards: vec![(CENTRE.into(), "7".into())],
        ..Default::default()
    };
    store.register(&actor, form).expect("register");
    store
        .pending(0, 10)
        .expect("outbox")
        .into_iter()
        .map(|e| e.change)
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("corpus dir");
    std::fs::write(dir.join(name), bytes).expect("seed");
}

/// Each message as the hub reads it (zlib) and as bare postcard.
fn both<T: Serialize>(dir: &Path, name: &str, value: &T) {
    write(dir, &format!("{name}.z"), &encode(value));
    write(
        dir,
        &format!("{name}.pc"),
        &postcard::to_stdvec(value).expect("postcard"),
    );
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let temp = tempfile::tempdir().expect("temp dir");
    let changes = changes(temp.path());
    let entries: Vec<PushEntry> = changes
        .iter()
        .map(|c| PushEntry {
            id: c.id,
            version: 1,
            change: c.encode().expect("encode"),
        })
        .collect();
    let identifier = Identifier::HospitalCard {
        facility: CENTRE.into(),
        number: "1".into(),
    };
    let enrol = EnrolRequest {
        code: "ABCD-EFGH-JKMN".into(),
        device: "workstation".into(),
    };
    let push = PushRequest {
        entries: entries.clone(),
    };
    let pull = PullRequest {
        cursor: 0,
        limit: 100,
        epoch: 0,
    };
    let fetch = FetchRequest {
        identifier: identifier.clone(),
        break_glass: Some("unconscious, no relative".into()),
    };
    let admin_enrol = AdminEnrolRequest {
        facility: CENTRE.into(),
        name: "front desk".into(),
        relay: false,
    };
    let revoke = AdminRevokeRequest {
        device: "workstation".into(),
    };

    let decode = root.join("sync_decode");
    both(&decode, "enrol", &enrol);
    both(
        &decode,
        "enrol-response",
        &EnrolResponse {
            token: "ab".repeat(32),
            facility: CENTRE.into(),
        },
    );
    both(&decode, "push", &push);
    both(
        &decode,
        "push-response",
        &PushResponse {
            results: vec![
                (Id(1), 1, EntryResult::Stored),
                (Id(2), 3, EntryResult::Duplicate),
                (Id(3), 1, EntryResult::Rejected("malformed".into())),
            ],
        },
    );
    both(&decode, "pull", &pull);
    both(
        &decode,
        "pull-response",
        &PullResponse {
            changes: entries.iter().map(|e| e.change.clone()).collect(),
            cursor: 9,
            more: true,
            epoch: 5,
        },
    );
    both(&decode, "fetch", &fetch);
    both(
        &decode,
        "fetch-response",
        &FetchResponse {
            changes: entries.iter().map(|e| e.change.clone()).collect(),
            keep_days: 30,
        },
    );
    both(&decode, "admin-enrol", &admin_enrol);
    both(&decode, "admin-revoke", &revoke);
    for (i, c) in changes.iter().enumerate() {
        write(
            &decode,
            &format!("change-{i}"),
            &c.encode().expect("encode"),
        );
    }

    // hub_request: [route, flags, body…]; flags 0x01 token, 0x02 version, 0x04 the target
    // compresses the body. Route numbers follow the target's ROUTES.
    let hub = root.join("hub_request");
    let mut own = changes.clone();
    for c in &mut own {
        c.origin.device = DEVICE.into();
    }
    let own_push = PushRequest {
        entries: own
            .iter()
            .map(|c| PushEntry {
                id: c.id,
                version: 1,
                change: c.encode().expect("encode"),
            })
            .collect(),
    };
    // Bare postcard that the target compresses, and a body compressed here.
    let requests: Vec<(&str, u8, Vec<u8>, Vec<u8>)> = vec![
        (
            "enrol",
            0,
            postcard::to_stdvec(&enrol).expect("pc"),
            encode(&enrol),
        ),
        (
            "push",
            1,
            postcard::to_stdvec(&push).expect("pc"),
            encode(&push),
        ),
        (
            "push-own",
            1,
            postcard::to_stdvec(&own_push).expect("pc"),
            encode(&own_push),
        ),
        (
            "pull",
            2,
            postcard::to_stdvec(&pull).expect("pc"),
            encode(&pull),
        ),
        (
            "fetch",
            3,
            postcard::to_stdvec(&fetch).expect("pc"),
            encode(&fetch),
        ),
        ("trust-list", 4, Vec::new(), Vec::new()),
        (
            "admin-enrol",
            5,
            postcard::to_stdvec(&admin_enrol).expect("pc"),
            encode(&admin_enrol),
        ),
        (
            "admin-revoke",
            6,
            postcard::to_stdvec(&revoke).expect("pc"),
            encode(&revoke),
        ),
    ];
    for (name, route, raw, zlib) in requests {
        let get = if name == "trust-list" { 0x10 } else { 0 };
        write(
            &hub,
            &format!("{name}.pc"),
            &[&[route, 0x07 | get][..], &raw].concat(),
        );
        write(
            &hub,
            &format!("{name}.z"),
            &[&[route, 0x03 | get][..], &zlib].concat(),
        );
    }
}

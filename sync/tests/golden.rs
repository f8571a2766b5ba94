//! The wire format is frozen (see `protocol.rs`): bytes of every message written by this
//! version must decode to the same values in every later one, or older workstations stop
//! syncing. postcard is not self-describing, so a field added in the middle of a message by
//! mistake shifts every byte after it; this test decodes a committed file of each message's
//! bytes and fails first. (The zlib layer around them is not frozen: any inflater reads it.)
//!
//! A new message gets a new sample at the end of `samples()`; `UPDATE_GOLDEN=1 cargo test -p
//! sync --test golden` then appends its line. Lines already in the file are never rewritten.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use storage::Id;
use storage::model::{CardId, Identifier};
use sync::protocol::*;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/messages.hex");

/// A message, its bytes as this version writes them, and a check that bytes decode to it.
struct Sample {
    name: &'static str,
    bytes: Vec<u8>,
    decodes_to_it: Box<dyn Fn(&[u8]) -> Result<bool, String>>,
}

fn sample<T>(name: &'static str, value: T) -> Sample
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + 'static,
{
    Sample {
        name,
        bytes: postcard::to_stdvec(&value).unwrap(),
        decodes_to_it: Box::new(move |bytes| {
            postcard::from_bytes::<T>(bytes)
                .map(|decoded| decoded == value)
                .map_err(|e| e.to_string())
        }),
    }
}

fn receipt() -> Receipt {
    Receipt {
        device: "ws-golden".into(),
        entries: 42,
        head: [7; 32],
        at_ms: 1_790_000_000_000,
        hub_key: vec![4, 1, 2, 3],
        signature: vec![9; 64],
    }
}

/// Every message of the protocol, in the order they were added. Append only.
fn samples() -> Vec<Sample> {
    let id = Id(0x0190_0000_0000_7000_8000_0000_0000_0001);
    vec![
        sample(
            "EnrolRequest",
            EnrolRequest {
                code: "ABCD-EFGH-JKLM".into(),
                device: "ws-golden".into(),
            },
        ),
        sample(
            "EnrolResponse",
            EnrolResponse {
                token: "tok".into(),
                facility: "H42092100201".into(),
            },
        ),
        sample(
            "PushRequest",
            PushRequest {
                entries: vec![PushEntry {
                    id,
                    version: 1,
                    change: vec![1, 2, 3],
                }],
            },
        ),
        sample(
            "PushResponse",
            PushResponse {
                results: vec![
                    (id, 1, EntryResult::Stored),
                    (id, 2, EntryResult::Duplicate),
                    (id, 3, EntryResult::Rejected("不在本机构".into())),
                    (id, 4, EntryResult::Later("the hub is busy".into())),
                ],
                receipt: Some(receipt()),
            },
        ),
        sample(
            "PullRequest",
            PullRequest {
                cursor: 1_234,
                limit: 2_000,
                epoch: 0xdead_beef,
            },
        ),
        sample(
            "PullResponse",
            PullResponse {
                changes: vec![vec![5, 6], vec![]],
                cursor: 1_300,
                more: true,
                epoch: 0xdead_beef,
            },
        ),
        sample(
            "FetchRequest",
            FetchRequest {
                identifier: Identifier::Card(CardId([3; 32])),
                break_glass: Some("昏迷急诊".into()),
            },
        ),
        sample(
            "FetchRequest/insurance",
            FetchRequest {
                identifier: Identifier::Insurance {
                    scheme: "390".into(),
                    number: "42092119580312001701".into(),
                },
                break_glass: None,
            },
        ),
        sample(
            "FetchResponse",
            FetchResponse {
                changes: vec![vec![8; 3]],
                keep_days: 30,
            },
        ),
        sample(
            "AdminEnrolRequest",
            AdminEnrolRequest {
                facility: "H42092100201".into(),
                name: "花园村卫生室".into(),
                relay: false,
            },
        ),
        sample(
            "AdminEnrolResponse",
            AdminEnrolResponse {
                code: "ABCD-EFGH-JKLM".into(),
            },
        ),
        sample(
            "AdminRevokeRequest",
            AdminRevokeRequest {
                device: "ws-golden".into(),
            },
        ),
        sample(
            "AdminTrustRequest",
            AdminTrustRequest {
                list: vec![1; 4],
                root: Some("root".into()),
            },
        ),
        sample("AdminTrustResponse", AdminTrustResponse { version: 7 }),
        sample("Receipt", receipt()),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn message_bytes_written_earlier_decode_to_the_same_values() {
    let samples = samples();
    let text = std::fs::read_to_string(GOLDEN).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() <= samples.len(), "a sample was removed");
    for (line, s) in lines.iter().zip(&samples) {
        let (name, bytes) = line.trim().split_once(' ').expect("`name hex`");
        assert_eq!(name, s.name, "samples are appended, never reordered");
        match (s.decodes_to_it)(&unhex(bytes)) {
            Ok(true) => {}
            Ok(false) => panic!("{name}: its bytes decode to another value"),
            Err(e) => panic!("{name}: its bytes no longer decode: {e}"),
        }
        assert_eq!(
            hex(&s.bytes),
            bytes,
            "{name}: the same value encodes differently"
        );
    }
    if lines.len() < samples.len() {
        assert!(
            std::env::var_os("UPDATE_GOLDEN").is_some(),
            "{} new samples have no golden bytes: run with UPDATE_GOLDEN=1 and commit the file",
            samples.len() - lines.len()
        );
        let mut out = text.clone();
        for s in &samples[lines.len()..] {
            out += &format!("{} {}\n", s.name, hex(&s.bytes));
        }
        std::fs::write(GOLDEN, out).unwrap();
    }
}

//! The `sync_decode` fuzz target's check, shared with the corpus replay test
//! (`sync/tests/fuzz_corpus.rs`): any bytes, given to every decoder of the sync protocol and
//! to the change decoder, give a value or an error, never a panic; a value re-encodes and
//! decodes to the same value.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use storage::model::Change;
use sync::protocol::*;

/// Equal values, or (floats: NaN is not equal to itself) the same printed form.
fn same<T: PartialEq + Debug>(a: &T, b: &T) -> bool {
    a == b || format!("{a:?}") == format!("{b:?}")
}

/// encode(value) decodes to value, and encoding that gives the same bytes again.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
    let wire = encode(&value);
    let back: T = decode(&wire).expect("an encoded message decodes");
    assert!(same(&value, &back), "{value:?} came back as {back:?}");
    assert_eq!(encode(&back), wire, "a second encoding differs");
    let raw = postcard::to_stdvec(&value).expect("a decoded message encodes");
    assert_eq!(
        postcard::from_bytes::<T>(&raw)
            .ok()
            .as_ref()
            .map(|b| same(&value, b)),
        Some(true)
    );
}

/// As a compressed body (what the hub reads) and as bare postcard (so the fuzzer reaches the
/// message decoders without having to find valid zlib first).
fn check<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &[u8]) {
    if let Ok(v) = decode::<T>(data) {
        round_trip(v);
    }
    if let Ok(v) = postcard::from_bytes::<T>(data) {
        round_trip(v);
    }
}

/// Runs one input through every decoder.
pub fn run(data: &[u8]) {
    check::<EnrolRequest>(data);
    check::<EnrolResponse>(data);
    check::<PushEntry>(data);
    check::<PushRequest>(data);
    check::<EntryResult>(data);
    check::<PushResponse>(data);
    check::<PullRequest>(data);
    check::<PullResponse>(data);
    check::<FetchRequest>(data);
    check::<FetchResponse>(data);
    check::<AdminEnrolRequest>(data);
    check::<AdminEnrolResponse>(data);
    check::<AdminRevokeRequest>(data);
    // The hub's own decoder for fetch requests of each protocol version.
    for version in OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION + 1 {
        if let Ok(v) = FetchRequest::decode_versioned(data, version) {
            round_trip(v);
        }
    }
    // A change, as pushed inside a push entry and as pulled.
    if let Ok(change) = Change::decode(data) {
        let bytes = change.encode().expect("a decoded change encodes");
        let back = Change::decode(&bytes).expect("an encoded change decodes");
        assert!(same(&change, &back), "{change:?} came back as {back:?}");
        assert_eq!(
            back.encode().expect("encodes"),
            bytes,
            "a second encoding differs"
        );
    }
}

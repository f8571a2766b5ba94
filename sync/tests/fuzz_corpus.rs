//! The committed corpora of the `sync_decode` and `hub_request` fuzz targets
//! (`fuzz/corpus/TARGET/`), replayed as ordinary tests through the targets' own checks
//! (`fuzz/checks/TARGET.rs`).

#[path = "../../fuzz/checks/hub_request.rs"]
mod hub_request;
#[path = "../../fuzz/checks/replay.rs"]
mod replay;
#[path = "../../fuzz/checks/sync_decode.rs"]
mod sync_decode;

/// Every decoder gives a value or an error, and what decodes round-trips.
#[test]
fn every_sync_decode_corpus_input_decodes_or_is_refused() {
    replay::replay("sync_decode", sync_decode::run);
}

/// The hub's router never panics and never answers 5xx.
#[test]
fn every_hub_request_corpus_input_gets_an_answer_below_500() {
    replay::replay("hub_request", hub_request::run);
}

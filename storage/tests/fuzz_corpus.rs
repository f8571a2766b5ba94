//! The `hub_push` fuzz target's committed corpus (`fuzz/corpus/hub_push/`), replayed as an
//! ordinary test through the target's own check (`fuzz/checks/hub_push.rs`): each input's
//! batch of hostile changes, pushed to a hub store, takes nothing it must not and leaves every
//! claim adding up.

#[path = "../../fuzz/checks/hub_push.rs"]
mod hub_push;
#[path = "../../fuzz/checks/replay.rs"]
mod replay;

#[test]
fn every_hub_push_corpus_input_holds_the_hubs_invariants() {
    replay::replay("hub_push", hub_push::run);
}

//! The `card_parser` fuzz target's committed corpus (`fuzz/corpus/card_parser/`), replayed as
//! an ordinary test through the target's own check (`fuzz/checks/card_parser.rs`): every
//! input gives a verdict, never a panic.

#[path = "../../fuzz/checks/card_parser.rs"]
mod card_parser;
#[path = "../../fuzz/checks/replay.rs"]
mod replay;

#[test]
fn every_card_parser_corpus_input_gives_a_verdict() {
    replay::replay("card_parser", card_parser::run);
}

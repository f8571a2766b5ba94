//! The `card_parser` fuzz target's check, shared with the corpus replay test
//! (`scanner/tests/fuzz_corpus.rs`): any bytes, as scanned text or as raw layers, must give a
//! verdict, never a panic.

use scanner::card::{
    TrustList, Verifier, inflate_if_zlib, keys, parse_claims, parse_sign1, unbase45,
};

/// Runs one input through the card verifier and each layer of the card formats.
pub fn run(data: &[u8]) {
    let root = keys::demo::root();
    // As scanned text, with and without the prefixes the verifier dispatches on.
    let text = String::from_utf8_lossy(data);
    let mut verifier = Verifier::new(None);
    for prefix in ["", "EHC1:", "EHP1:"] {
        let scan = verifier.check(&format!("{prefix}{text}"), 1_795_000_000);
        let _ = scan.outcome.map(|o| o.to_string());
    }
    // Each layer on its own.
    if let Ok(bytes) = unbase45(&text) {
        let _ = inflate_if_zlib(bytes);
    }
    let _ = inflate_if_zlib(data.to_vec());
    if let Ok(sign1) = parse_sign1(data) {
        let _ = sign1.verify_es256(root.verifying_key());
    }
    let _ = parse_claims(data);
    let _ = TrustList::verify(data, root.verifying_key());
}

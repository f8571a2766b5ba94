//! Any bytes, as scanned text or as raw layers, must give a verdict, never a panic.
//!
//! The check lives in `../checks/card_parser.rs`, which the corpus replay test runs too.
#![no_main]

#[path = "../checks/card_parser.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));

//! Any bytes, given to every decoder of the sync protocol and to the change decoder, give a
//! value or an error, never a panic; a value re-encodes and decodes to the same value.
//!
//! The check lives in `../checks/sync_decode.rs`, which the corpus replay test runs too.
#![no_main]

#[path = "../checks/sync_decode.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));

//! The hub's real router, in process, against any request a client could send: never a
//! panic, never a 5xx.
//!
//! The check lives in `../checks/hub_request.rs`, which the corpus replay test runs too.
#![no_main]

#[path = "../checks/hub_request.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));

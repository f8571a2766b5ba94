//! The hub's push against well-formed but hostile changes: nothing taken that another
//! facility or device made, no administrator's kind, every claim adding up, never a panic.
//!
//! The check lives in `../checks/hub_push.rs`, which the corpus replay test runs too.
#![no_main]

#[path = "../checks/hub_push.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));

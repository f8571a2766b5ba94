//! `clinic-hub`'s command line, a library so the end-to-end tests build the same program
//! under their own name (`tests/src/bin/e2e_hub.rs`).

mod cli;

pub use cli::main;

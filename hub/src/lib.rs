//! `clinic-hub`'s command line, a library so the end-to-end tests build the same program
//! under their own name (`tests/src/bin/e2e_hub.rs`).

mod cli;

pub use cli::main;

/// The whole program: its command line, errors on stderr with a failure status.
pub fn run() -> std::process::ExitCode {
    match cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinic-hub: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! The `clinic-hub` program, built inside this crate so end-to-end tests can run it.
fn main() -> std::process::ExitCode {
    match hub::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinic-hub: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

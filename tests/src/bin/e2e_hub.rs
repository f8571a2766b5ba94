//! The `clinic-hub` program, built inside this crate so end-to-end tests can run it.
fn main() -> std::process::ExitCode {
    hub::run()
}

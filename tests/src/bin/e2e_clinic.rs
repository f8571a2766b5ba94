//! The `clinic` program, built inside this crate so end-to-end tests can run it as a process.
fn main() -> std::process::ExitCode {
    app::main()
}

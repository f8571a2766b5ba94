//! `clinic`: parse the command line, then run the GUI or a headless subcommand.

fn main() -> std::process::ExitCode {
    app::main()
}

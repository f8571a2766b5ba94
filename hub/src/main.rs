//! `clinic-hub`: the township (or county) hub. Thin: the work is in `sync::server`.

fn main() -> std::process::ExitCode {
    match hub::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinic-hub: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

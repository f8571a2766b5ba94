//! `clinic-hub`: the township (or county) hub. Thin: the work is in `sync::server`.

fn main() -> std::process::ExitCode {
    hub::run()
}

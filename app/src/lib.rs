//! The `clinic` application: the egui window, its workers, and the headless subcommands.
//! Domain logic lives in `storage`, `scanner`, `sync` and `print`; this crate only drives it.

pub mod cli;
/// How values read to people, in Chinese and English (the window, printouts, the command line).
pub mod format;
pub mod gui;
pub mod i18n;
pub mod paths;
pub mod scan;
pub mod services;
pub mod settings;
pub mod trust;

/// The whole program: parse the command line, run the window or a subcommand, report errors
/// on stderr with a failure status.
pub fn main() -> std::process::ExitCode {
    use clap::Parser;
    let args = cli::Cli::parse();
    let data_dir = args.data.clone().unwrap_or_else(paths::default_data_dir);
    let result = match args.command {
        Some(cmd) => {
            // Output piped into a program that stops reading (`clinic find 王 | head`) ends the
            // command quietly, as for other command-line tools, instead of a panic.
            #[cfg(unix)]
            // SAFETY: called before any thread is started; SIG_DFL is a valid disposition.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            }
            cli::run(data_dir, cmd)
        }
        None => gui::run(data_dir, args.demo),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinic: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

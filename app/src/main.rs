//! `clinic`: parse the command line, then run the GUI or a headless subcommand.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = app::cli::Cli::parse();
    let data_dir = args
        .data
        .clone()
        .unwrap_or_else(app::paths::default_data_dir);
    let result = match args.command {
        Some(cmd) => app::cli::run(data_dir, cmd),
        None => app::gui::run(data_dir, args.demo),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinic: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

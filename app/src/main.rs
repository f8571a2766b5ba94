//! `clinic`: parse the command line, then run the GUI or a headless subcommand.

mod cli;
mod demo;
mod gui;
mod paths;
mod settings;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let data_dir = args.data.clone().unwrap_or_else(paths::default_data_dir);
    let result = match args.command {
        Some(cmd) => cli::run(data_dir, cmd),
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

//! `clinic`: parse the command line, then run the GUI or a headless subcommand.

mod cli;
mod demo;
mod paths;
mod settings;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let data_dir = args.data.clone().unwrap_or_else(paths::default_data_dir);
    let result = match args.command {
        Some(cmd) => cli::run(data_dir, cmd),
        None => anyhow::Result::Err(anyhow::anyhow!("the window is not built yet; use a subcommand")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinic: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! Headless subcommands, for scripts and tests. Output is JSON or plain text on stdout;
//! errors go to stderr with a non-zero exit status.

mod bench_storage;
mod json;
mod query;
mod stats;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use storage::model::Role;
use storage::{Actor, OpenOptions, Store};

use crate::settings::Settings;

#[derive(Parser, Debug)]
#[command(
    name = "clinic",
    version,
    about = "Point-of-care workstation for the resident eHealth card"
)]
pub struct Cli {
    /// Data directory (default: the platform data directory).
    #[arg(long, global = true)]
    pub data: Option<PathBuf>,
    /// Load the demo township first if the store is empty.
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Load the demo township (about 2 000 residents) and demo staff accounts.
    Demo {
        #[arg(long, default_value_t = 2_000)]
        residents: usize,
    },
    /// Search residents by name, pinyin or initials; prints JSON.
    Find {
        query: String,
        /// Only residents born in this year.
        #[arg(long)]
        year: Option<u16>,
    },
    /// A resident's complete history; prints JSON. ID: resident id, ID number, card or
    /// insurance number.
    History { id: String },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
}

#[derive(Subcommand, Debug)]
pub enum Bench {
    /// Build the 1 M-resident store and time lookups, search and history loads.
    Storage {
        #[arg(long, default_value_t = 1_000_000)]
        residents: usize,
        /// Where the benchmark store is written (several GiB at full size).
        #[arg(long, default_value = "target/bench")]
        dir: PathBuf,
        /// Reuse the store from an earlier run.
        #[arg(long)]
        reuse: bool,
        #[arg(long, default_value_t = 10_000)]
        samples: usize,
        #[arg(long, hide = true)]
        query_only: bool,
    },
}

/// The actor of command-line work: audited as the operating-system user.
fn cli_actor(settings: &Settings) -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Actor {
        staff: format!("cli:{user}"),
        facility: settings.facility.clone(),
        role: Role::Admin,
    }
}

pub fn open_store(data_dir: &std::path::Path) -> anyhow::Result<Store> {
    let path = crate::paths::store_path(data_dir);
    Store::open(&path, OpenOptions::default())
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))
}

/// Runs a subcommand.
pub fn run(data_dir: PathBuf, cmd: Cmd) -> anyhow::Result<()> {
    let settings = Settings::load(&data_dir)?;
    match cmd {
        Cmd::Demo { residents } => {
            let store = open_store(&data_dir)?;
            let today = store.clock().today();
            let s =
                crate::demo::load_demo(&store, &settings.facility, today, residents, &mut |_| {})?;
            settings.save(&data_dir)?;
            println!(
                "demo township loaded into {}: {} residents, {} records ({} already present)",
                store.path().display(),
                s.residents,
                s.records,
                s.duplicates
            );
            Ok(())
        }
        Cmd::Find { query, year } => query::find(&open_store(&data_dir)?, &query, year),
        Cmd::History { id } => query::history(&open_store(&data_dir)?, &cli_actor(&settings), &id),
        Cmd::Bench {
            what:
                Bench::Storage {
                    residents,
                    dir,
                    reuse,
                    samples,
                    query_only,
                },
        } => bench_storage::run(bench_storage::Args {
            residents,
            dir,
            reuse,
            samples,
            query_only,
        }),
    }
}

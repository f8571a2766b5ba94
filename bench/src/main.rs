//! `clinic-bench`: the benchmarks whose figures the README quotes. A program of its own, so
//! the shipped `clinic` carries none of this code.

mod decode;
mod hub;
mod idle;
mod stats;
mod store;
mod sync_rounds;
mod ui;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use storage::OpenOptions;

#[derive(Parser, Debug)]
#[command(
    name = "clinic-bench",
    about = "Benchmarks of the clinic workstation and hub"
)]
struct Cli {
    #[command(subcommand)]
    what: Bench,
}

#[derive(Subcommand, Debug)]
enum Bench {
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
    /// Push 10 000 encounters to a hub on loopback and pull them into a fresh workstation;
    /// bootstrap a fresh workstation from a big catchment.
    Sync {
        #[arg(long, default_value = "target/bench-sync")]
        dir: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        encounters: usize,
        /// Residents in the bootstrap catchment (0 to skip).
        #[arg(long, default_value_t = 50_000)]
        catchment: usize,
    },
    /// Load-test a `clinic-hub serve` process on loopback: simulated workstations push and
    /// pull for a while; prints throughput, round latency and the hub's memory as JSON.
    Hub {
        #[arg(long, default_value_t = 50)]
        workstations: usize,
        /// Length of the load phase, after enrolment and bootstrap.
        #[arg(long, default_value_t = 180)]
        seconds: u64,
        /// Residents in the hub's demo township.
        #[arg(long, default_value_t = 2_000)]
        residents: usize,
        /// The clinic-hub program (default: the one next to this program).
        #[arg(long)]
        hub_bin: Option<PathBuf>,
    },
    /// From a scanned card to its history on screen, on the big store; frame time of a
    /// 500-record history (headless egui).
    Ui {
        /// The store built by `clinic-bench storage`.
        #[arg(long, default_value = "target/bench/bench-1000000.redb")]
        store: PathBuf,
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// The release window left alone at the front desk under Xvfb: its CPU and memory with the
    /// camera off, with a virtual camera on a still counter, and with someone moving in view.
    Idle {
        /// Length of each measurement.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Residents in the demo township.
        #[arg(long, default_value_t = 2_000)]
        residents: usize,
        /// The clinic program (default: the release build beside this program).
        #[arg(long)]
        clinic_bin: Option<PathBuf>,
        /// Leave out the run with someone moving in view.
        #[arg(long)]
        no_moving: bool,
    },
    /// Decode the public QR corpus and 1280×720 webcam-like frames; print rates and times.
    Decode {
        #[arg(long, default_value = "fixtures/qr-corpus")]
        corpus: PathBuf,
        #[arg(long, default_value_t = 200)]
        frames: usize,
    },
}

/// The secret of the throwaway stores the benchmarks make (the real key derivation cost).
fn bench_options() -> OpenOptions {
    OpenOptions::new("bench-secret")
}

fn main() -> std::process::ExitCode {
    let result = match Cli::parse().what {
        Bench::Storage {
            residents,
            dir,
            reuse,
            samples,
            query_only,
        } => store::run(store::Args {
            residents,
            dir,
            reuse,
            samples,
            query_only,
        }),
        Bench::Decode { corpus, frames } => decode::run(&corpus, frames),
        Bench::Sync {
            dir,
            encounters,
            catchment,
        } => sync_rounds::run(&dir, encounters, catchment),
        Bench::Hub {
            workstations,
            seconds,
            residents,
            hub_bin,
        } => hub::run(hub::Args {
            workstations,
            seconds,
            residents,
            hub_bin,
        }),
        Bench::Ui { store, samples } => ui::run(&store, samples),
        Bench::Idle {
            seconds,
            residents,
            clinic_bin,
            no_moving,
        } => idle::run(idle::Args {
            seconds,
            residents,
            clinic_bin,
            moving: !no_moving,
        }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clinic-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

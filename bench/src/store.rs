//! `clinic-bench storage`: build the scale store (1 M residents, ~10 M records) and measure
//! identifier lookup, name search and history load on it.
//!
//! Queries run in a fresh child process so its memory figures are those of a workstation
//! opening the big store, not of the build.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use storage::model::{Body, Identifier, ResidentField};
use storage::{Clock, OpenOptions, Store};

use crate::stats::{machine, percentile_ms, rss_mib};

pub struct Args {
    pub residents: usize,
    pub dir: PathBuf,
    /// Reuse an existing store of the same size instead of rebuilding it.
    pub reuse: bool,
    pub samples: usize,
    /// Internal: only run the queries (the child process).
    pub query_only: bool,
}

fn store_file(args: &Args) -> PathBuf {
    args.dir.join(format!("bench-{}.redb", args.residents))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let path = store_file(&args);
    if args.query_only {
        return queries(&path, args.samples);
    }
    println!("machine: {}", machine());
    if !(args.reuse && path.exists()) {
        build(&path, args.residents)?;
    } else {
        println!("reusing {}", path.display());
    }
    let status = Command::new(std::env::current_exe()?)
        .args(["storage", "--query-only", "--residents"])
        .arg(args.residents.to_string())
        .arg("--dir")
        .arg(&args.dir)
        .arg("--samples")
        .arg(args.samples.to_string())
        .status()
        .context("cannot start the query process")?;
    anyhow::ensure!(status.success(), "the query process failed");
    Ok(())
}

fn build(path: &Path, residents: usize) -> anyhow::Result<()> {
    if path.exists() {
        std::fs::remove_file(path)?;
    }
    let today = Clock::system().today();
    // A large cache while building: the name and identifier indexes take random inserts.
    let options = OpenOptions {
        cache_bytes: 4 << 30,
        exclusive: true,
        ..crate::bench_options()
    };
    let store = Store::open(path, options)?;
    let started = Instant::now();
    let mut last = Instant::now();
    let params = fixtures::Params {
        residents,
        queue_today: 0,
        ..fixtures::Params::demo(today)
    };
    let summary = fixtures::load(&store, params, &mut |done| {
        if last.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "  … {done} residents ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
            last = Instant::now();
        }
    })?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "build: {} residents, {} records, {} changes in {:.1} s ({:.0} changes/s)",
        summary.residents,
        summary.records,
        summary.changes,
        seconds,
        summary.changes as f64 / seconds
    );
    // The file is rewritten in key order here (as the next open would), so the
    // query process's open below measures an open, not a compaction.
    let mut store = store;
    let started = Instant::now();
    store.compact()?;
    let residents = store.resident_count()?.max(1);
    drop(store);
    let bytes = std::fs::metadata(path)?.len();
    println!(
        "compacted in {:.1} s; file size: {:.2} GiB ({} bytes per resident)",
        started.elapsed().as_secs_f64(),
        bytes as f64 / (1u64 << 30) as f64,
        bytes / residents
    );
    Ok(())
}

/// A resident to look up: an identifier, the name, the birth year.
struct Sample {
    id: storage::Id,
    ident: Identifier,
    name: String,
    birth_year: u16,
}

fn queries(path: &Path, samples: usize) -> anyhow::Result<()> {
    let opened = Instant::now();
    let store = Store::open(path, crate::bench_options())?;
    println!("open: {:.1} ms", opened.elapsed().as_secs_f64() * 1000.0);
    let picked = pick_samples(&store, samples)?;
    anyhow::ensure!(!picked.is_empty(), "the store holds no residents");
    // Warm up as a workstation would be after a few minutes of use.
    for s in picked.iter().take(picked.len() / 10) {
        store.find_by_identifier(&s.ident)?;
    }
    let (mut by_id, mut by_name, mut history) = (Vec::new(), Vec::new(), Vec::new());
    let mut records = 0usize;
    for s in &picked {
        let t = Instant::now();
        let found = store.find_by_identifier(&s.ident)?;
        by_id.push(t.elapsed());
        anyhow::ensure!(
            found == Some(s.id),
            "lookup by identifier found the wrong resident"
        );

        let t = Instant::now();
        let hits = store.search(&s.name, Some(s.birth_year))?;
        by_name.push(t.elapsed());
        anyhow::ensure!(
            hits.len() >= storage::SEARCH_LIMIT || hits.iter().any(|h| h.resident.id == s.id),
            "name search missed the resident"
        );

        let t = Instant::now();
        let h = store.history_unaudited(s.id)?;
        history.push(t.elapsed());
        records += h.len();
    }
    let n = picked.len();
    println!(
        "queries over {n} random residents (mean {:.1} records each):",
        records as f64 / n as f64
    );
    for (label, v) in [
        ("lookup by identifier", &mut by_id),
        ("search by name + birth year", &mut by_name),
        ("history load", &mut history),
    ] {
        println!(
            "  {label:<28} p50 {:>7.3} ms   p99 {:>7.3} ms",
            percentile_ms(v, 50.0),
            percentile_ms(v, 99.0)
        );
    }
    let (rss, peak) = rss_mib();
    println!("memory: RSS {rss:.0} MiB, peak {peak:.0} MiB");
    Ok(())
}

/// Random residents, found by reading random journal positions (registrations are about one
/// change in eleven).
fn pick_samples(store: &Store, wanted: usize) -> anyhow::Result<Vec<Sample>> {
    let total = store.change_count()?;
    let mut out = Vec::with_capacity(wanted);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut tries = 0;
    while out.len() < wanted && tries < wanted * 100 {
        tries += 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let seq = x % total.max(1);
        let Some((_, change)) = store.journal_after(seq, 1)?.into_iter().next() else {
            continue;
        };
        let Body::Resident(r) = change.body else {
            continue;
        };
        let name = r.fields.iter().find_map(|f| match f {
            ResidentField::Name(n) => Some(n.clone()),
            _ => None,
        });
        let birth_year = r.fields.iter().find_map(|f| match f {
            ResidentField::BirthDate(d) => Some(d.year() as u16),
            _ => None,
        });
        // Alternate between card ids and ID numbers.
        let ident = r
            .add_identifiers
            .get(out.len() % r.add_identifiers.len().max(1) % 2)
            .cloned();
        if let (Some(name), Some(birth_year), Some(ident)) = (name, birth_year, ident) {
            out.push(Sample {
                id: r.resident,
                ident,
                name,
                birth_year,
            });
        }
    }
    Ok(out)
}

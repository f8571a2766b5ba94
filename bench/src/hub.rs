//! `clinic-bench hub`: a bounded load test of the hub.
//!
//! A real `clinic-hub serve` process (TLS, on a free loopback port) holds a demo township.
//! Simulated workstations, each with its own small store in a temporary directory, enrol for
//! the township centre or a village clinic, bootstrap, then for `--seconds` loop without
//! pause: record one to four encounters, run a sync round (push, then pull). Every workstation
//! syncs again as soon as its round ends, so the hub is as busy as they can make it; they run
//! in this process on the same machine, and `cores_busy` shows how the CPU was shared.
//!
//! One JSON object on stdout: rounds, requests and changes moved per second, round latency
//! (the whole `sync::client::round`: its push and pull requests and the workstation's own
//! writes of what it pulled), errors, and the hub's resident memory (VmRSS of its process)
//! sampled every second.
//!
//! Memory is judged by comparing the mean of the samples in the last third of the load phase
//! with the mean of those in the middle third (the first third is left out: the hub's page
//! cache and allocator warm up there). A rise under [`FLAT_GROWTH_PCT`] is `flat`; above, it is
//! `growing`. The hub's page cache is bounded (`storage::OpenOptions::cache_bytes`), so a
//! healthy hub levels off; a per-request leak keeps rising from one third to the next.
//!
//! The hub is killed and the temporary directories are removed when the command ends, also on
//! error (not on Ctrl-C, which ends the hub too but leaves the directory in the temp dir).

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use ::tests::process::{Hub, run_hub};
use anyhow::Context;
use serde::Serialize;
use storage::model::Role;
use storage::{Actor, Id, OpenOptions, Store};
use sync::client::{HubClient, round};

use crate::stats::{machine, percentile_ms};
use crate::sync_rounds::encounter;

/// The rise of the hub's mean memory from the middle to the last third of the load phase, in
/// percent, below which the memory counts as flat.
pub const FLAT_GROWTH_PCT: f64 = 5.0;

pub struct Args {
    pub workstations: usize,
    /// Length of the load phase, after enrolment and bootstrap.
    pub seconds: u64,
    /// Residents in the hub's demo township.
    pub residents: usize,
    /// The `clinic-hub` program; next to this one when absent.
    pub hub_bin: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.workstations > 0, "at least one workstation");
    let started = Instant::now();
    let bin = hub_program(args.hub_bin)?;
    let dir = tempfile::Builder::new()
        .prefix("clinic-bench-hub-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let t = Instant::now();
    let mut hub = HubProcess::start(&bin, dir.path(), args.residents)?;
    let hub_start_s = t.elapsed().as_secs_f64();
    let facilities = facilities();
    let t = Instant::now();
    let codes = (0..args.workstations)
        .map(|i| hub.enrolment_code(facilities[i % facilities.len()]))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let enrol_codes_s = t.elapsed().as_secs_f64();
    let rss_idle = crate::stats::process_rss_mib(hub.hub.pid()).map(|m| m.0);

    let load = Duration::from_secs(args.seconds.max(1));
    let barrier = Barrier::new(args.workstations + 1);
    let (stop_tx, stop_rx) = channel::<()>();
    let t = Instant::now();
    let store_file = sync::server::store_path(&hub.hub.data);
    let phase = std::thread::scope(|s| {
        let workers: Vec<_> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| {
                let (hub, barrier) = (&hub, &barrier);
                let facility = facilities[i % facilities.len()];
                let root = dir.path().join(format!("ws-{i:03}"));
                s.spawn(move || workstation(i, &root, hub, facility, code, barrier, load))
            })
            .collect();
        barrier.wait();
        let bootstrap_s = t.elapsed().as_secs_f64();
        let load_start = Instant::now();
        let pid = hub.hub.pid();
        let file_start = file_mib(&store_file);
        let cpu_start = (cpu_s(&pid.to_string()), cpu_s("self"));
        let sampler = s.spawn(move || sample_memory(pid, &stop_rx));
        let tallies: Vec<Tally> = workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Tally::failed("a workstation panicked"))
            })
            .collect();
        let load_s = load_start.elapsed().as_secs_f64();
        let busy = |start: Option<f64>, pid: &str| Some(round2((cpu_s(pid)? - start?) / load_s));
        let cores_busy = CoresBusy {
            hub: busy(cpu_start.0, &pid.to_string()),
            workstations: busy(cpu_start.1, "self"),
        };
        let _ = stop_tx.send(());
        let samples = sampler.join().unwrap_or_default();
        LoadPhase {
            tallies,
            samples,
            bootstrap_s,
            load_s,
            file_start,
            cores_busy,
        }
    });
    let LoadPhase {
        tallies,
        samples,
        bootstrap_s,
        load_s,
        file_start,
        cores_busy,
    } = phase;
    if let Some(status) = hub.hub.exited() {
        anyhow::bail!(
            "the hub stopped during the test ({status}): {}",
            hub.hub.log_tail()
        );
    }
    let hwm = crate::stats::process_rss_mib(hub.hub.pid()).map(|m| m.1);
    hub.hub.kill();

    let pushing = tallies.iter().filter(|t| t.pushed > 0).count();
    let pulling = tallies.iter().filter(|t| t.pulled > 0).count();
    let mut all = Tally::default();
    for t in tallies {
        all.merge(t);
    }
    let mut memory = Memory::judge(&samples);
    memory.idle = rss_idle.map(round2);
    memory.peak_hwm = hwm.map(round2);
    let per_s = |n: usize| round2(n as f64 / load_s);
    let mib = |bytes: usize| round2(bytes as f64 / (1 << 20) as f64);
    let failures = all.errors + all.rejected + all.pull_failures;
    let out = Report {
        machine: machine(),
        workstations: args.workstations,
        residents: args.residents,
        seconds: args.seconds,
        duration_s: round2(load_s),
        workstations_that_pushed: pushing,
        workstations_that_pulled: pulling,
        rounds: all.rounds,
        rounds_per_s: per_s(all.rounds),
        requests: all.requests,
        requests_per_s: per_s(all.requests),
        changes_pushed: all.pushed,
        changes_pulled: all.pulled,
        pushed_per_s: per_s(all.pushed),
        changes_per_s: per_s(all.pushed + all.pulled),
        round_ms: Latency {
            p50: round2(percentile_ms(&mut all.latencies, 50.0)),
            p99: round2(percentile_ms(&mut all.latencies, 99.0)),
            max: round2(percentile_ms(&mut all.latencies, 100.0)),
        },
        errors: all.errors,
        rejected: all.rejected,
        pull_failures: all.pull_failures,
        first_error: all.first_error,
        hub_rss_mib: memory,
        cores_busy,
        hub_store_file_mib: StoreFile {
            start: file_start,
            end: file_mib(&store_file),
        },
        wire_mib: Wire {
            sent: mib(all.bytes_sent),
            received: mib(all.bytes_received),
        },
        bootstrap_changes_per_workstation: all.bootstrap_pulled / args.workstations,
        setup_s: Setup {
            hub_demo_and_start: round2(hub_start_s),
            enrolment_codes: round2(enrol_codes_s),
            enrol_and_bootstrap: round2(bootstrap_s),
        },
        total_s: round2(started.elapsed().as_secs_f64()),
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    anyhow::ensure!(
        failures == 0,
        "{} errors, {} rejected entries, {} pull failures (see first_error)",
        all.errors,
        all.rejected,
        all.pull_failures
    );
    Ok(())
}

/// The printed report, in this order. Rates are per second of the load phase; the changes
/// pushed are those the hub stored, the changes pulled those the workstations applied.
#[derive(Serialize)]
struct Report {
    machine: String,
    workstations: usize,
    residents: usize,
    seconds: u64,
    duration_s: f64,
    workstations_that_pushed: usize,
    workstations_that_pulled: usize,
    rounds: usize,
    rounds_per_s: f64,
    requests: usize,
    requests_per_s: f64,
    changes_pushed: usize,
    changes_pulled: usize,
    pushed_per_s: f64,
    changes_per_s: f64,
    round_ms: Latency,
    errors: usize,
    rejected: usize,
    pull_failures: usize,
    first_error: Option<String>,
    hub_rss_mib: Memory,
    cores_busy: CoresBusy,
    hub_store_file_mib: StoreFile,
    wire_mib: Wire,
    bootstrap_changes_per_workstation: usize,
    setup_s: Setup,
    total_s: f64,
}

#[derive(Serialize)]
struct Latency {
    p50: f64,
    p99: f64,
    max: f64,
}

/// What the load phase measured, before it is summed up.
struct LoadPhase {
    tallies: Vec<Tally>,
    samples: Vec<(f64, f64)>,
    bootstrap_s: f64,
    load_s: f64,
    file_start: Option<f64>,
    cores_busy: CoresBusy,
}

/// CPU time used during the load phase, in cores (CPU seconds per second): by the hub, and by
/// this process, which runs every simulated workstation. Both share the machine.
#[derive(Serialize)]
struct CoresBusy {
    hub: Option<f64>,
    workstations: Option<f64>,
}

/// CPU seconds (user and system) process `pid` (`self`: this one) has used so far (Linux,
/// which counts them in hundredths of a second in /proc).
fn cpu_s(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The size of the hub's store file when the load phase began and ended: its page cache
/// grows with it, up to its bound.
#[derive(Serialize)]
struct StoreFile {
    start: Option<f64>,
    end: Option<f64>,
}

fn file_mib(path: &Path) -> Option<f64> {
    let len = std::fs::metadata(path).ok()?.len();
    Some(round2(len as f64 / (1 << 20) as f64))
}

/// Compressed body bytes (HTTP and TLS framing not counted).
#[derive(Serialize)]
struct Wire {
    sent: f64,
    received: f64,
}

/// Time before the load phase.
#[derive(Serialize)]
struct Setup {
    hub_demo_and_start: f64,
    enrolment_codes: f64,
    enrol_and_bootstrap: f64,
}

/// The facilities workstations enrol for, in turn: the township centre, then each village.
fn facilities() -> Vec<&'static fixtures::catalogue::FacilityEntry> {
    let centre = fixtures::catalogue::facility(fixtures::catalogue::TOWNSHIP_CENTRE);
    centre
        .into_iter()
        .chain(fixtures::catalogue::villages().map(|(f, _, _)| f))
        .collect()
}

/// What one workstation (or all of them) did.
#[derive(Default)]
struct Tally {
    rounds: usize,
    /// Push and pull requests answered.
    requests: usize,
    pushed: usize,
    pulled: usize,
    rejected: usize,
    pull_failures: usize,
    bytes_sent: usize,
    bytes_received: usize,
    bootstrap_pulled: usize,
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

impl Tally {
    fn failed(e: impl Display) -> Tally {
        let mut t = Tally::default();
        t.error(e);
        t
    }

    fn error(&mut self, e: impl Display) {
        self.errors += 1;
        self.first_error.get_or_insert_with(|| e.to_string());
    }

    fn add(&mut self, s: &sync::client::Summary, requests: usize, took: Duration) {
        self.rounds += 1;
        self.requests += requests;
        self.pushed += s.pushed;
        self.pulled += s.pulled;
        self.rejected += s.rejected;
        self.pull_failures += s.pull_failures;
        self.bytes_sent += s.bytes_sent;
        self.bytes_received += s.bytes_received;
        self.latencies.push(took);
    }

    fn merge(&mut self, o: Tally) {
        self.rounds += o.rounds;
        self.requests += o.requests;
        self.pushed += o.pushed;
        self.pulled += o.pulled;
        self.rejected += o.rejected;
        self.pull_failures += o.pull_failures;
        self.bytes_sent += o.bytes_sent;
        self.bytes_received += o.bytes_received;
        self.bootstrap_pulled += o.bootstrap_pulled;
        self.latencies.extend(o.latencies);
        self.errors += o.errors;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
    }
}

/// A workstation's client and store, enrolled and bootstrapped.
struct Station {
    store: Store,
    client: HubClient,
    residents: Vec<Id>,
    bootstrap_pulled: usize,
}

fn set_up(root: &Path, hub: &HubProcess, facility: &str, code: &str) -> anyhow::Result<Station> {
    let store = Store::open(
        root.join("clinic.redb"),
        OpenOptions {
            cache_bytes: 8 << 20,
            ..crate::bench_options()
        },
    )?;
    let enrolment = HubClient::new(&hub.hub.url, "", &hub.fingerprint, Duration::from_secs(30))?;
    let answer = enrolment.enrol(code, store.device())?;
    anyhow::ensure!(
        answer.facility == facility,
        "enrolled for {}",
        answer.facility
    );
    let client = HubClient::new(
        &hub.hub.url,
        &answer.token,
        &hub.fingerprint,
        Duration::from_secs(120),
    )?;
    let bootstrap = round(&store, &client, &mut |_| {})?;
    let mut residents = Vec::new();
    for surname in ["王", "李", "张", "刘", "陈", "杨"] {
        residents.extend(
            store
                .search(surname, None)?
                .into_iter()
                .map(|h| h.resident.id),
        );
    }
    anyhow::ensure!(!residents.is_empty(), "no residents after the bootstrap");
    Ok(Station {
        store,
        client,
        residents,
        bootstrap_pulled: bootstrap.pulled,
    })
}

/// One simulated workstation: set up, wait for the others, then load the hub for `load`.
fn workstation(
    n: usize,
    root: &Path,
    hub: &HubProcess,
    facility: &fixtures::catalogue::FacilityEntry,
    code: &str,
    barrier: &Barrier,
    load: Duration,
) -> Tally {
    let station = set_up(root, hub, facility.code, code);
    // Every workstation reaches the barrier, set up or not, so the others can start.
    barrier.wait();
    let station = match station {
        Ok(s) => s,
        Err(e) => return Tally::failed(format!("workstation {n}: {e:#}")),
    };
    let mut tally = Tally {
        bootstrap_pulled: station.bootstrap_pulled,
        ..Default::default()
    };
    let actor = Actor {
        staff: format!("bench-{n}"),
        facility: facility.code.into(),
        role: Role::Doctor,
    };
    let deadline = Instant::now() + load;
    let mut i = n * 7_919;
    while Instant::now() < deadline {
        let now = station.store.clock().now_ms();
        let bodies = (0..1 + i % 4)
            .map(|k| {
                let resident = station.residents[(i + k * 31) % station.residents.len()];
                let clinician = facility.clinicians[(i + k) % facility.clinicians.len().max(1)];
                encounter(
                    i + k,
                    resident,
                    now - k as i64 * 60_000,
                    facility.code,
                    clinician,
                )
            })
            .collect();
        i += 4;
        if let Err(e) = station.store.commit(&actor, bodies) {
            // A local store that cannot write will not recover here: this workstation stops.
            tally.error(format!("workstation {n}: {e}"));
            break;
        }
        let t = Instant::now();
        // `round` reports progress once per push batch and once per pull page: once per
        // request answered.
        let mut requests = 0;
        match round(&station.store, &station.client, &mut |_| requests += 1) {
            Ok(s) => tally.add(&s, requests, t.elapsed()),
            Err(e) => {
                tally.error(format!("workstation {n}: {e}"));
                // An unreachable hub fails fast: do not spin.
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    tally
}

/// The `clinic-hub` program: `given`, or the one next to this program.
fn hub_program(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(p) => p,
        None => {
            let exe = std::env::current_exe().context("cannot find this program's path")?;
            let dir = exe.parent().unwrap_or(Path::new("."));
            dir.join(format!("clinic-hub{}", std::env::consts::EXE_SUFFIX))
        }
    };
    anyhow::ensure!(
        path.is_file(),
        "no clinic-hub program at {}: build it with `cargo build --release -p hub` \
         (or pass --hub-bin)",
        path.display()
    );
    Ok(path)
}

/// A running `clinic-hub serve` with a demo township (the tests' process harness), and its
/// certificate's fingerprint.
struct HubProcess {
    hub: Hub,
    fingerprint: String,
}

impl HubProcess {
    /// Loads the demo township into a fresh data directory under `root`, starts the hub on a
    /// free loopback port and waits until it writes its address.
    fn start(bin: &Path, root: &Path, residents: usize) -> anyhow::Result<HubProcess> {
        let data = root.join("hub");
        let residents = residents.to_string();
        let run = |args: &[&str]| run_hub(bin, HUB_SECRET, &data, args).map_err(anyhow::Error::msg);
        run(&["demo", "--residents", &residents])?;
        let fingerprint = run(&["fingerprint"])?;
        let hub = Hub::spawn(
            bin,
            HUB_SECRET,
            &data,
            "127.0.0.1:0",
            Duration::from_secs(60),
        )
        .map_err(anyhow::Error::msg)?;
        Ok(HubProcess { hub, fingerprint })
    }

    /// A one-time enrolment code, through the running hub's admin route.
    fn enrolment_code(
        &self,
        facility: &fixtures::catalogue::FacilityEntry,
    ) -> anyhow::Result<String> {
        self.hub
            .command(&["enrol", "--facility", facility.code])
            .map_err(anyhow::Error::msg)
    }
}

/// The hub's secret, for its store: this hub is thrown away with its data.
const HUB_SECRET: &str = "bench-hub-secret";

/// Samples the hub's VmRSS now and every second until `stop` says so (or is dropped), and
/// once more then: (seconds since the first sample, MiB).
fn sample_memory(pid: u32, stop: &std::sync::mpsc::Receiver<()>) -> Vec<(f64, f64)> {
    let start = Instant::now();
    let mut samples = Vec::new();
    loop {
        if let Some((rss, _)) = crate::stats::process_rss_mib(pid) {
            samples.push((start.elapsed().as_secs_f64(), rss));
        }
        match stop.recv_timeout(Duration::from_secs(1)) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    if let Some((rss, _)) = crate::stats::process_rss_mib(pid) {
        samples.push((start.elapsed().as_secs_f64(), rss));
    }
    samples
}

/// The hub's memory over the load phase, in MiB, and the verdict.
#[derive(Debug, PartialEq, Serialize)]
struct Memory {
    /// Before any workstation enrolled.
    idle: Option<f64>,
    /// When the load phase began (after the bootstraps).
    start: Option<f64>,
    max: Option<f64>,
    end: Option<f64>,
    /// The kernel's high-water mark at the end (VmHWM): catches peaks between samples.
    peak_hwm: Option<f64>,
    samples: usize,
    /// VmRSS at each tenth of the load phase (the sample nearest to it).
    by_tenth: Vec<f64>,
    middle_third_mean: Option<f64>,
    last_third_mean: Option<f64>,
    growth_mib: Option<f64>,
    growth_pct: Option<f64>,
    verdict: &'static str,
    criterion: String,
}

impl Memory {
    /// Judges samples of (seconds, MiB), in time order: see the module documentation.
    /// Figures are rounded to 0.01.
    fn judge(samples: &[(f64, f64)]) -> Memory {
        let end = samples.last().map_or(0.0, |s| s.0);
        let mean_between = |from: f64, to: f64| {
            let in_range: Vec<f64> = samples
                .iter()
                .filter(|s| s.0 >= from && s.0 < to)
                .map(|s| s.1)
                .collect();
            (in_range.len() >= 2).then(|| in_range.iter().sum::<f64>() / in_range.len() as f64)
        };
        let middle = mean_between(end / 3.0, 2.0 * end / 3.0);
        // The last sample is at `end` itself: the last third includes it.
        let last = mean_between(2.0 * end / 3.0, f64::INFINITY);
        let by_tenth = if samples.is_empty() {
            Vec::new()
        } else {
            (0..=10)
                .map(|k| {
                    let t = end * k as f64 / 10.0;
                    let nearest = samples
                        .iter()
                        .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()));
                    round2(nearest.map_or(f64::NAN, |s| s.1))
                })
                .collect()
        };
        let mut m = Memory {
            idle: None,
            start: samples.first().map(|s| round2(s.1)),
            max: samples.iter().map(|s| s.1).reduce(f64::max).map(round2),
            end: samples.last().map(|s| round2(s.1)),
            peak_hwm: None,
            samples: samples.len(),
            by_tenth,
            middle_third_mean: middle.map(round2),
            last_third_mean: last.map(round2),
            growth_mib: None,
            growth_pct: None,
            verdict: "too short to judge",
            criterion: format!(
                "flat if the mean of the last third's samples exceeds that of the middle \
                 third by less than {FLAT_GROWTH_PCT} %"
            ),
        };
        if let (Some(middle), Some(last)) = (middle, last) {
            let growth_pct = 100.0 * (last - middle) / middle;
            m.growth_mib = Some(round2(last - middle));
            m.growth_pct = Some(round2(growth_pct));
            m.verdict = if growth_pct < FLAT_GROWTH_PCT {
                "flat"
            } else {
                "growing"
            };
        }
        m
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        (0..180).map(|t| (t as f64, f(t as f64))).collect()
    }

    #[test]
    fn a_cache_that_fills_then_levels_off_is_flat() {
        // Rises from 40 to 100 MiB in the first 50 s, then stays there with some noise.
        let m = Memory::judge(&series(|t| {
            40.0 + 60.0 * (t / 50.0).min(1.0) + if t as u32 % 2 == 0 { 0.5 } else { -0.5 }
        }));
        assert_eq!(m.verdict, "flat", "{m:?}");
        assert_eq!(m.max, Some(100.5));
        assert_eq!(m.start, Some(40.5));
        assert_eq!(m.by_tenth.len(), 11);
        assert_eq!(m.by_tenth[10], 99.5);
    }

    #[test]
    fn a_steady_leak_is_growing() {
        // 100 MiB plus 12 MiB a minute: the thirds' means are 60 s apart, 12 MiB.
        let m = Memory::judge(&series(|t| 100.0 + t / 5.0));
        assert_eq!(m.verdict, "growing", "{m:?}");
        assert_eq!(m.growth_mib, Some(12.0));
        // Middle third: t = 60..=119, mean 117.9 MiB; 12 / 117.9 = 10.18 %.
        assert_eq!(m.growth_pct, Some(10.18));
    }

    #[test]
    fn a_few_samples_are_too_few() {
        let m = Memory::judge(&[(0.0, 10.0), (1.0, 11.0), (2.0, 12.0)]);
        assert_eq!(m.verdict, "too short to judge");
        assert_eq!(m.growth_pct, None);
        assert_eq!(Memory::judge(&[]).by_tenth, Vec::<f64>::new());
    }
}

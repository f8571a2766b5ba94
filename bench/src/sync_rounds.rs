//! `clinic-bench sync`: a real hub (TLS, in this process, on loopback) and real workstation
//! stores: push 10 000 encounters, pull them into a fresh workstation, and bootstrap a fresh
//! workstation from a 50 000-resident catchment.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use storage::model::{ClinicalRecord, Diagnosis, Encounter, RecordBody, Role, VisitType, Vitals};
use storage::{Actor, OpenOptions, Store};
use sync::client::{HubClient, round};
use sync::server::LocalHub;

use crate::stats::machine;

/// A hub on loopback holding a demo township of `residents`.
fn start_hub(dir: &Path, residents: usize) -> anyhow::Result<LocalHub> {
    std::fs::create_dir_all(dir)?;
    let mut store = Store::open(
        dir.join("hub.redb"),
        OpenOptions {
            cache_bytes: 512 << 20,
            exclusive: true,
            ..crate::bench_options()
        },
    )?;
    let today = store.clock().today();
    let started = Instant::now();
    fixtures::load(
        &store,
        fixtures::Params {
            residents,
            queue_today: 0,
            ..fixtures::Params::demo(today)
        },
        &mut |_| {},
    )?;
    // As a hub's store is after its first restart: rewritten in key order.
    store.compact()?;
    if residents > 1_000 {
        println!(
            "hub store: {residents} residents, {} changes, built in {:.1} s",
            store.change_count()?,
            started.elapsed().as_secs_f64()
        );
    }
    LocalHub::start(dir, Arc::new(store))
}

fn workstation(dir: &Path, hub: &LocalHub) -> anyhow::Result<(Store, HubClient)> {
    let store = Store::open(dir.join("clinic.redb"), crate::bench_options())?;
    let config = hub.enrol(&store, fixtures::catalogue::TOWNSHIP_CENTRE)?;
    let client = HubClient::new(
        &config.hub_url,
        &config.token,
        &config.fingerprint,
        Duration::from_secs(120),
    )?;
    Ok((store, client))
}

/// The `i`-th of a stream of typical encounters: the complaints, diagnoses and advice of
/// everyday visits, with varied vitals.
pub(super) fn encounter(
    i: usize,
    resident: storage::Id,
    at: i64,
    facility: &str,
    clinician: &str,
) -> storage::model::Body {
    let advice = [
        "嘱多饮水，注意休息，不适随诊。",
        "低盐饮食，规律服药，两周后复诊。",
        "清淡饮食，忌辛辣，观察体温。",
        "避免受凉，如有加重及时就诊。",
    ];
    let (code, complaint, _) =
        fixtures::catalogue::ACUTE[(i * 7 + i / 3) % fixtures::catalogue::ACUTE.len()];
    let name = fixtures::catalogue::DIAGNOSES
        .iter()
        .find(|d| d.code == code)
        .map_or(code, |d| d.name);
    storage::model::Body::Record(ClinicalRecord {
        resident,
        at,
        facility: facility.into(),
        clinician: clinician.into(),
        body: RecordBody::Encounter(Encounter {
            visit_type: VisitType::General,
            chief_complaint: complaint.into(),
            vitals: Vitals {
                systolic: Some(105 + (i * 13 % 50) as u16),
                diastolic: Some(65 + (i * 7 % 30) as u16),
                pulse: Some(60 + (i * 11 % 40) as u16),
                temperature_x10: Some(362 + (i * 3 % 25) as u16),
                ..Default::default()
            },
            diagnoses: vec![Diagnosis {
                code: code.into(),
                name: name.into(),
            }],
            notes: advice[i % advice.len()].into(),
            follow_up: None,
            discharged: None,
        }),
    })
}

pub fn run(dir: &Path, encounters: usize, catchment: usize) -> anyhow::Result<()> {
    println!("machine: {}", machine());
    let _ = std::fs::remove_dir_all(dir);
    let hub = start_hub(&dir.join("hub"), 50)?;
    let (a, a_client) = workstation(&dir.join("a"), &hub)?;
    round(&a, &a_client, &mut |_| {})?;
    // 10 000 typical encounters, recorded offline.
    let residents: Vec<_> = a
        .search("王", None)?
        .into_iter()
        .map(|h| h.resident.id)
        .collect();
    let actor = Actor {
        staff: "doctor".into(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        role: Role::Doctor,
    };
    let now = a.clock().now_ms();
    let bodies: Vec<storage::model::Body> = (0..encounters)
        .map(|i| {
            let (resident, at) = (residents[i % residents.len()], now - (i as i64) * 61_000);
            let clinician = ["陈志强", "刘春梅", "杨国华"][i % 3];
            encounter(
                i,
                resident,
                at,
                fixtures::catalogue::TOWNSHIP_CENTRE,
                clinician,
            )
        })
        .collect();
    let raw: usize = bodies
        .iter()
        .map(|b| {
            storage::model::Change {
                id: storage::Id(u128::MAX),
                hlc: storage::Hlc(u64::MAX),
                origin: storage::model::Origin {
                    facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
                    device: a.device().into(),
                    staff: "doctor".into(),
                },
                body: b.clone(),
            }
            .encode()
            .map_or(0, |v| v.len())
        })
        .sum();
    println!(
        "one encounter change, uncompressed: {:.0} bytes on average",
        raw as f64 / encounters.max(1) as f64
    );
    for chunk in bodies.chunks(1_000) {
        a.commit(&actor, chunk.to_vec())?;
    }
    let t = Instant::now();
    let pushed = round(&a, &a_client, &mut |_| {})?;
    let push_s = t.elapsed().as_secs_f64();
    println!(
        "push {} encounters: {:.2} s ({:.0} entries/s), {:.0} bytes per encounter on the wire (compressed batches)",
        pushed.pushed,
        push_s,
        pushed.pushed as f64 / push_s,
        pushed.bytes_sent as f64 / pushed.pushed.max(1) as f64
    );
    let (b, b_client) = workstation(&dir.join("b"), &hub)?;
    let t = Instant::now();
    let pulled = round(&b, &b_client, &mut |_| {})?;
    println!(
        "pull into a fresh workstation: {} changes in {:.2} s ({:.0} changes/s), {:.0} bytes per change received",
        pulled.pulled,
        t.elapsed().as_secs_f64(),
        pulled.pulled as f64 / t.elapsed().as_secs_f64(),
        pulled.bytes_received as f64 / pulled.pulled.max(1) as f64
    );
    drop((a, b, hub));

    if catchment > 0 {
        let big = start_hub(&dir.join("big-hub"), catchment)?;
        let (c, c_client) = workstation(&dir.join("c"), &big)?;
        let t = Instant::now();
        let boot = round(&c, &c_client, &mut |_| {})?;
        println!(
            "bootstrap a fresh workstation, {catchment}-resident catchment: {} changes ({} residents) in {:.1} s ({:.0} changes/s), {:.1} MiB received",
            boot.pulled,
            c.resident_count()?,
            t.elapsed().as_secs_f64(),
            boot.pulled as f64 / t.elapsed().as_secs_f64(),
            boot.bytes_received as f64 / (1 << 20) as f64
        );
        let residents = c.resident_count()?.max(1);
        let file = |c: &Store| std::fs::metadata(c.path()).map(|m| m.len());
        let pulled_bytes = file(&c)?;
        let path = c.path().to_path_buf();
        drop(c);
        let t = Instant::now();
        let (compacted, open_s) = {
            let c = Store::open(&path, crate::bench_options())?;
            (file(&c)?, t.elapsed().as_secs_f64())
        };
        println!(
            "its store: {:.1} MiB after the pull ({} bytes per resident); at the next open (Argon2id included), rewritten in key order in {:.1} s to {:.1} MiB ({} bytes per resident)",
            pulled_bytes as f64 / (1 << 20) as f64,
            pulled_bytes / residents,
            open_s,
            compacted as f64 / (1 << 20) as f64,
            compacted / residents
        );
    }
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

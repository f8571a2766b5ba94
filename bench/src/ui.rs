//! `clinic-bench ui`: the window without a screen. From a scanned card to its history laid out,
//! on the big store; and the frame time of a history of 500 records. egui runs headless (input,
//! layout, tessellation): what a real frame costs before the GPU draws it.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use storage::model::{Body, Role};
use storage::{Actor, Store};

use crate::stats::{machine, percentile_ms};
use app::gui::app::ClinicApp;
use app::settings::Settings;

/// One frame of the window, as eframe runs it (tessellation included).
fn frame(ctx: &egui::Context, app: &mut ClinicApp, time: &mut f64) {
    *time += 1.0 / 60.0;
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1366.0, 740.0),
        )),
        time: Some(*time),
        ..Default::default()
    };
    let mut output = ctx.run_ui(input, |ui| app.ui_root(ui));
    let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
    output.textures_delta.clear(); // no GPU to upload to
}

pub fn run(store_path: &Path, samples: usize) -> anyhow::Result<()> {
    println!("machine: {}", machine());
    anyhow::ensure!(
        store_path.exists(),
        "no store at {} (build it with `clinic-bench storage`)",
        store_path.display()
    );
    let cold = Instant::now();
    let store = Arc::new(Store::open(store_path, crate::bench_options())?);
    let staff = match store.log_in("bench-doctor", "bench-doctor-pw", "bench") {
        Ok(s) => s,
        Err(_) => store.put_staff(
            "bench-doctor",
            "测试医生",
            Role::Doctor,
            fixtures::catalogue::TOWNSHIP_CENTRE,
            "bench-doctor-pw",
        )?,
    };
    let data_dir = tempfile_dir()?;
    let ctx = egui::Context::default();
    app::gui::fonts::install(&ctx);
    let settings = Settings {
        camera: "none".into(),
        ..Settings::default()
    };
    let mut app = ClinicApp::new(ctx.clone(), store.clone(), settings, data_dir.clone());
    let mut time = 0.0;
    frame(&ctx, &mut app, &mut time);
    println!(
        "open the store and draw the first (login) frame: {:.0} ms (window creation and GPU not included)",
        cold.elapsed().as_secs_f64() * 1000.0
    );
    app.log_in(staff.clone());
    for _ in 0..5 {
        frame(&ctx, &mut app, &mut time);
    }

    // Residents with a card, picked across the store.
    let targets = sample_card_holders(&store, samples)?;
    anyhow::ensure!(
        !targets.is_empty(),
        "the store has no residents with a card"
    );
    let issuer = scanner::card::keys::demo::issuer();
    let now = (store.clock().now_ms() / 1000) as u64;
    let mut times = Vec::new();
    let mut frames_needed = Vec::new();
    for r in &targets {
        let token = app::scan::token_for(
            r,
            r.card_id().map(|c| c.0).unwrap_or([0; 32]),
            "CN-510000",
            now - 60,
            now + 86_400,
        );
        let text = scanner::card::issue_card(&token, &issuer);
        let sender = app.scanners.sender();
        let started = Instant::now();
        sender.send(scanner::source::ScanEvent::Code {
            text,
            source: scanner::source::Source::Wedge,
        })?;
        let mut n = 0;
        // Until the record is open and one frame has laid it out.
        loop {
            frame(&ctx, &mut app, &mut time);
            n += 1;
            let open = app
                .records
                .open
                .as_ref()
                .is_some_and(|o| o.resident.id == r.id);
            if open {
                frame(&ctx, &mut app, &mut time);
                n += 1;
                break;
            }
            anyhow::ensure!(n < 20, "the record of {} did not open", r.id);
        }
        times.push(started.elapsed());
        frames_needed.push(n);
    }
    let records: usize = targets
        .iter()
        .map(|r| store.history_unaudited(r.id).map_or(0, |h| h.len()))
        .sum();
    println!(
        "scan to history on screen ({} residents, mean {:.1} records, {} frames): p50 {:.1} ms, p99 {:.1} ms",
        targets.len(),
        records as f64 / targets.len() as f64,
        frames_needed.iter().max().unwrap_or(&0),
        percentile_ms(&mut times, 50.0),
        percentile_ms(&mut times, 99.0)
    );

    // A resident with 500 records: frame time of the history screen.
    let heavy = make_heavy_resident(&store, &staff, &targets[0], 500)?;
    let sender = app.scanners.sender();
    let token = app::scan::token_for(
        &heavy,
        heavy.card_id().map(|c| c.0).unwrap_or([0; 32]),
        "CN-510000",
        now - 60,
        now + 86_400,
    );
    sender.send(scanner::source::ScanEvent::Code {
        text: scanner::card::issue_card(&token, &issuer),
        source: scanner::source::Source::Wedge,
    })?;
    for _ in 0..5 {
        frame(&ctx, &mut app, &mut time);
    }
    let shown = app.records.open.as_ref().map_or(0, |o| o.visible.len());
    let mut frame_times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        frame(&ctx, &mut app, &mut time);
        frame_times.push(t.elapsed());
    }
    let p99 = percentile_ms(&mut frame_times, 99.0);
    println!(
        "history screen with {shown} records: frame p50 {:.2} ms, p99 {:.2} ms ({:.0} fps at p99; 60 fps needs ≤ 16.7 ms)",
        percentile_ms(&mut frame_times, 50.0),
        p99,
        1000.0 / p99
    );
    let _ = std::fs::remove_dir_all(&data_dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("clinic-bench-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Random residents holding a card (journal positions spread over the store).
fn sample_card_holders(
    store: &Store,
    wanted: usize,
) -> anyhow::Result<Vec<storage::model::Resident>> {
    let total = store.change_count()?;
    let mut out = Vec::new();
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut tries = 0;
    while out.len() < wanted && tries < wanted * 200 {
        tries += 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let Some((_, change)) = store.journal_after(x % total.max(1), 1)?.into_iter().next() else {
            continue;
        };
        if let Body::Resident(r) = change.body {
            if let Some(res) = store.resident(r.resident)? {
                if res.card_id().is_some()
                    && !out
                        .iter()
                        .any(|o: &storage::model::Resident| o.id == res.id)
                {
                    out.push(res);
                }
            }
        }
    }
    Ok(out)
}

/// Gives a resident (a copy of `like`, with a new card) 500 encounters.
fn make_heavy_resident(
    store: &Store,
    staff: &storage::model::Staff,
    like: &storage::model::Resident,
    n: usize,
) -> anyhow::Result<storage::model::Resident> {
    let actor = Actor {
        staff: staff.username.clone(),
        facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
        role: Role::Doctor,
    };
    let card = {
        let mut b = [0u8; 32];
        b[..16].copy_from_slice(&store.new_id().0.to_be_bytes());
        b
    };
    let form = storage::NewResident {
        name: like.name.clone(),
        sex: like.sex,
        birth_date: Some(like.birth_date),
        card_id: Some(card.iter().map(|b| format!("{b:02X}")).collect()),
        ..Default::default()
    };
    let desk = Actor {
        role: Role::FrontDesk,
        ..actor.clone()
    };
    let id = store.register(&desk, form)?;
    let now = store.clock().now_ms();
    let bodies: Vec<Body> = (0..n)
        .map(|i| {
            let (code, complaint, _) =
                fixtures::catalogue::ACUTE[i % fixtures::catalogue::ACUTE.len()];
            Body::Record(storage::model::ClinicalRecord {
                resident: id,
                at: now - i as i64 * 5 * 86_400_000,
                facility: fixtures::catalogue::TOWNSHIP_CENTRE.into(),
                clinician: "陈志强".into(),
                body: storage::model::RecordBody::Encounter(storage::model::Encounter {
                    visit_type: storage::model::VisitType::General,
                    chief_complaint: complaint.into(),
                    vitals: storage::model::Vitals {
                        systolic: Some(120 + (i % 40) as u16),
                        diastolic: Some(80),
                        ..Default::default()
                    },
                    diagnoses: vec![storage::model::Diagnosis {
                        code: code.into(),
                        name: code.into(),
                    }],
                    notes: "嘱多饮水，注意休息，不适随诊。".into(),
                    follow_up: None,
                    discharged: None,
                }),
            })
        })
        .collect();
    store.commit(&actor, bodies)?;
    store
        .resident(id)?
        .ok_or_else(|| anyhow::anyhow!("the new resident vanished"))
}

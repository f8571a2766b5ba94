//! The code sources, with real parts: a pseudo-terminal pair for the serial pier (fragments,
//! noise, a cable pulled and put back) and real QR frames for the decode worker.

use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use scanner::serial::{SerialConfig, SerialWorker};
use scanner::source::{DeviceState, ScanEvent, Source};
use scanner::worker::DecodeWorker;
use serialport::{SerialPort, TTYPort};

fn next_matching(
    rx: &Receiver<ScanEvent>,
    what: &str,
    f: impl Fn(&ScanEvent) -> bool,
) -> ScanEvent {
    // Generous: only a failure takes this long, never a slow machine.
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(100)) {
            if f(&e) {
                return e;
            }
        }
    }
    panic!("timed out waiting for {what}");
}

fn code(rx: &Receiver<ScanEvent>) -> String {
    match next_matching(rx, "a code", |e| matches!(e, ScanEvent::Code { .. })) {
        ScanEvent::Code { text, source } => {
            assert_eq!(source, Source::Serial);
            text
        }
        _ => unreachable!(),
    }
}

fn state(rx: &Receiver<ScanEvent>, connected: bool) {
    next_matching(
        rx,
        if connected { "connected" } else { "lost" },
        |e| match e {
            ScanEvent::State {
                state: DeviceState::Connected(_),
                ..
            } => connected,
            ScanEvent::State {
                state: DeviceState::Lost(_),
                ..
            } => !connected,
            _ => false,
        },
    );
}

/// A pty pair whose slave is reached through `link`, so "replugging" keeps the port name.
fn plug(link: &std::path::Path) -> TTYPort {
    let (master, slave) = TTYPort::pair().expect("pty pair");
    let name = slave.name().expect("slave name");
    drop(slave);
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(&name, link).unwrap();
    master
}

#[test]
fn the_serial_pier_frames_codes_through_noise_and_a_pulled_cable() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ttyScanner");
    let mut master = plug(&link);
    let (tx, rx) = channel();
    let _worker = SerialWorker::spawn(
        SerialConfig::new(link.to_str().unwrap()),
        tx,
        Arc::new(|| {}),
    );
    state(&rx, true);

    // A code in fragments, with noise bytes, CRLF; then one with LF only.
    for chunk in [
        &b"\x00\xffEHC1:6BF"[..],
        b"OXN*TS",
        b"0BI\r",
        b"\n",
        b"420921198503150015\n",
    ] {
        master.write_all(chunk).unwrap();
        master.flush().unwrap();
        std::thread::sleep(Duration::from_millis(30));
    }
    assert_eq!(code(&rx), "EHC1:6BFOXN*TS0BI");
    assert_eq!(code(&rx), "420921198503150015");

    // The cable is pulled: the worker says so and keeps trying.
    drop(master);
    state(&rx, false);

    // Put back: it reconnects and reads again.
    let mut master = plug(&link);
    state(&rx, true);
    master.write_all(b"00123456\r\n").unwrap();
    assert_eq!(code(&rx), "00123456");
}

#[test]
fn a_missing_port_is_reported_not_fatal() {
    let (tx, rx) = channel();
    let _worker = SerialWorker::spawn(SerialConfig::new("/dev/ttyNOSUCH9"), tx, Arc::new(|| {}));
    let e = next_matching(&rx, "absent", |e| matches!(e, ScanEvent::State { .. }));
    assert!(
        matches!(
            e,
            ScanEvent::State {
                source: Source::Serial,
                state: DeviceState::Absent(_)
            }
        ),
        "{e:?}"
    );
}

#[test]
fn the_decode_worker_drops_stale_frames_and_reads_the_latest() {
    let a = scanner::card::qr_image("FIRST-CODE", 3).unwrap();
    let b = scanner::card::qr_image("LATEST-CODE", 3).unwrap();
    let (tx, rx) = channel();
    let worker = DecodeWorker::spawn(tx, Arc::new(|| {}));
    let mut last = 0;
    for _ in 0..200 {
        last = worker.submit(a.clone());
    }
    let latest = worker.submit(b.clone());
    assert!(latest > last);
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen_latest = false;
    while Instant::now() < deadline && !seen_latest {
        if let Ok(r) = rx.recv_timeout(Duration::from_millis(200)) {
            seen_latest = r.frame == latest && r.codes[0].text == "LATEST-CODE";
        }
    }
    assert!(seen_latest, "the newest frame was decoded");
    let scanner::worker::Counts {
        submitted, dropped, ..
    } = worker.counts();
    assert_eq!(submitted, 201);
    assert!(
        dropped > 100,
        "stale frames were dropped, not queued ({dropped})"
    );
}

#[test]
fn no_camera_is_a_state_not_a_failure() {
    // This machine has no camera: the worker reports it and keeps running (and would
    // reconnect if one were plugged in).
    if !scanner::camera::list_cameras().is_empty() {
        return; // a real camera is attached: nothing to prove here
    }
    let (tx, rx) = channel();
    let (rtx, _rrx) = channel();
    let decoder = Arc::new(DecodeWorker::spawn(rtx, Arc::new(|| {})));
    let worker = scanner::camera::CameraWorker::spawn(
        scanner::camera::CameraChoice::First,
        decoder,
        tx,
        Arc::new(|| {}),
    );
    let e = next_matching(&rx, "camera state", |e| {
        matches!(e, ScanEvent::State { .. })
    });
    match e {
        ScanEvent::State {
            source: Source::Camera,
            state: DeviceState::Absent(why),
        } => assert!(why.contains("no camera"), "{why}"),
        other => panic!("{other:?}"),
    }
    drop(worker); // stops promptly
}

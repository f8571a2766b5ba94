//! The real window, end to end: the **release** binary under Xvfb, driven by real X key and
//! mouse events (xdotool) as a front desk and a doctor drive it — unlock, log in by typing,
//! a card code and an ID number typed as a keyboard-wedge scanner types them (3 and 20 ms a
//! key, with the search box focused and with nothing focused), a person typing an ID number
//! slowly, check-in (F2), log out with the mouse, the doctor calls the patient (F5), records
//! and saves (Ctrl+Enter), the front desk settles (F4, F9). egui_kittest alone missed a broken
//! wedge: this drives the window through the X server, as a clinic's scanner does.
//!
//! What happened is read afterwards from the store itself (the audit log, the claim), each
//! step's entries inside that step's time window. Screenshots of every step are kept in
//! `target/window-test/` for a failure to be looked at.
//!
//! Needs `target/release/clinic` (built by `./scripts/test.sh` before the suite), `Xvfb`,
//! `xdotool` and `import` (installed by `scripts/setup.sh`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use storage::model::{AuditAction, QueueStatus, RecordBody, Resident};
use storage::{Actor, OpenOptions, Store};

/// An ASCII secret: xdotool types it as plain keys.
const SECRET: &str = "window-test-secret";
const PASSWORD: &str = app::services::demo::DEMO_PASSWORD;
const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;

fn release_binary() -> PathBuf {
    let mut dir = std::env::current_exe().expect("test binary path");
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.pop();
    let bin = dir.join("release").join("clinic");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build --release -p app` (./scripts/test.sh does)",
        bin.display()
    );
    bin
}

fn screenshots() -> PathBuf {
    let dir = release_binary()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("window-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A virtual X server, and the window's programs on it.
struct Display {
    xvfb: Child,
    name: String,
    shots: PathBuf,
    step: usize,
}

impl Display {
    fn start() -> Display {
        // -displayfd: the server picks a free display and writes its number.
        let mut xvfb = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1366x768x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (scripts/setup.sh installs it)");
        let mut number = String::new();
        use std::io::Read;
        let mut out = xvfb.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            number.push(byte[0] as char);
        }
        assert!(!number.trim().is_empty(), "Xvfb gave no display");
        Display {
            xvfb,
            name: format!(":{}", number.trim()),
            shots: screenshots(),
            step: 0,
        }
    }

    fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("xdotool")
            .env("DISPLAY", &self.name)
            .args(args)
            .output()
            .expect("xdotool (scripts/setup.sh installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types as a keyboard does: a press and a release per character, `delay_ms` apart.
    fn type_text(&self, text: &str, delay_ms: u32) {
        self.xdotool(&["type", "--delay", &delay_ms.to_string(), "--", text]);
    }

    /// What a keyboard-wedge scanner sends: the code's keys `delay_ms` apart, then Enter.
    /// (xdotool's `type` does not send a newline as the Return key.)
    fn scan(&self, code: &str, delay_ms: u32) {
        self.type_text(code, delay_ms);
        self.xdotool(&["key", "--delay", &delay_ms.to_string(), "Return"]);
    }

    fn key(&self, keys: &str) {
        self.xdotool(&["key", "--delay", "60", keys]);
    }

    fn click(&self, x: i32, y: i32) {
        self.xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "1"]);
    }

    /// Saves the screen as `NN-what.png`.
    fn shot(&mut self, what: &str) {
        self.step += 1;
        let file = self.shots.join(format!("{:02}-{what}.png", self.step));
        let _ = Command::new("import")
            .env("DISPLAY", &self.name)
            .args(["-window", "root"])
            .arg(&file)
            .status();
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.shot("failure");
            eprintln!("screenshots of each step: {}", self.shots.display());
        }
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

fn options() -> OpenOptions {
    OpenOptions::new(SECRET)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn wait(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// A demo township in `data`, the window's settings for this machine (no camera; documents to
/// a folder), today's demo queue emptied; returns a resident with an ID number and a card,
/// and the card code a printed card of theirs carries.
fn prepare(data: &Path, bin: &Path) -> (Resident, String) {
    let out = Command::new(bin)
        .env("CLINIC_SECRET", SECRET)
        .arg("--data")
        .arg(data)
        .args(["demo", "--residents", "150"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = data.join("settings.json");
    let mut settings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    settings["camera"] = "none".into();
    settings["printer"] = format!("folder:{}", data.join("prints").display()).into();
    std::fs::write(&path, serde_json::to_vec_pretty(&settings).unwrap()).unwrap();

    let store = Store::open(data.join("clinic.redb"), options()).unwrap();
    let desk = Actor {
        staff: "frontdesk".into(),
        facility: CENTRE.into(),
        role: storage::model::Role::FrontDesk,
    };
    for t in store.queue(CENTRE, store.clock().today()).unwrap() {
        if t.status == QueueStatus::Waiting {
            store
                .set_queue_status(&desk, t.id, QueueStatus::Left, "")
                .unwrap();
        }
    }
    let resident = ["王", "张", "李", "刘", "陈"]
        .iter()
        .flat_map(|q| store.search(q, None).unwrap())
        .map(|hit| hit.resident)
        .find(|r| r.id_number().is_some() && r.card_id().is_some())
        .expect("a demo resident with an ID number and a card");
    let code = tests::card_code(&resident);
    (resident, code)
}

#[test]
fn a_morning_at_the_clinic_in_the_real_window() {
    let bin = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (resident, card) = prepare(&data, &bin);
    let id_number = resident.id_number().unwrap().as_str().to_string();

    let mut x = Display::start();
    let log = std::fs::File::create(dir.path().join("window.log")).unwrap();
    let mut app = Command::new(&bin)
        .env("DISPLAY", &x.name)
        .env_remove("CLINIC_SECRET")
        .env_remove("CLINIC_SECRET_FILE")
        .arg("--data")
        .arg(&data)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    // A generous deadline, reported, not a speed test: the machine is shared.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(300);
    let window = loop {
        let found = x.xdotool(&["search", "--onlyvisible", "--class", "clinic"]);
        if let Some(w) = found.lines().next() {
            eprintln!(
                "the window showed after {:.1} s",
                started.elapsed().as_secs_f64()
            );
            break w.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the window never showed in 5 minutes"
        );
        assert!(app.try_wait().unwrap().is_none(), "the app exited");
        wait(200);
    };
    x.xdotool(&["windowfocus", "--sync", &window]);
    let geometry = x.xdotool(&["getwindowgeometry", "--shell", &window]);
    let width: i32 = geometry
        .lines()
        .find_map(|l| l.strip_prefix("WIDTH="))
        .and_then(|w| w.parse().ok())
        .unwrap();
    wait(1500);
    x.shot("unlock");

    // Unlock and log in, typing.
    x.type_text(SECRET, 40);
    x.key("Return");
    wait(4000);
    let log_in = |x: &mut Display, user: &str| {
        x.type_text(user, 80);
        x.key("Tab");
        x.type_text(PASSWORD, 80);
        x.key("Return");
        wait(2500);
        x.shot(&format!("logged-in-{user}"));
    };
    log_in(&mut x, "frontdesk");

    // The wedge: each code, each speed, the search box focused (Ctrl+F) and nothing focused
    // (Escape). Each must open the resident (audited as a wedge scan) within its window.
    let mut scans = Vec::new();
    for (what, code) in [("card", card.as_str()), ("id-number", id_number.as_str())] {
        for delay in [3, 20] {
            for focused in [true, false] {
                x.key(if focused { "ctrl+f" } else { "Escape" });
                wait(300);
                let from = now_ms();
                x.scan(code, delay);
                wait(1500);
                let to = now_ms();
                let case = format!("{what} at {delay} ms, search box focused: {focused}");
                x.shot(&format!(
                    "wedge-{what}-{delay}ms-{}",
                    if focused { "focused" } else { "unfocused" }
                ));
                scans.push((case, from, to));
            }
        }
    }

    // A person types the ID number slowly into the search box: every character arrives (and
    // nothing of the scans above was left in the box), so Enter finds exactly her.
    x.key("ctrl+f");
    wait(300);
    let typed_from = now_ms();
    x.type_text(&id_number, 150);
    x.key("Return");
    wait(1500);
    let typed_to = now_ms();
    x.shot("typed-id-number");

    // Check in (F2), then log out with the mouse.
    let check_in_from = now_ms();
    x.key("F2");
    wait(1500);
    x.shot("checked-in");
    x.click(width - 130, 16);
    wait(1500);

    // The doctor calls the next patient (F5), writes the complaint and saves (Ctrl+Enter).
    log_in(&mut x, "doctor");
    x.key("F5");
    wait(2000);
    x.shot("called");
    let record_from = now_ms();
    x.type_text("dizzy for two days", 80);
    wait(300);
    x.key("ctrl+Return");
    wait(2000);
    x.shot("saved");
    x.click(width - 130, 16);
    wait(1500);

    // The front desk scans her card again, settles the visit (F4) and takes cash (F9).
    log_in(&mut x, "frontdesk");
    x.key("Escape");
    x.scan(&card, 5);
    wait(1500);
    x.key("F4");
    wait(1500);
    x.shot("billing");
    x.key("F9");
    wait(2000);
    x.shot("paid");

    // SIGTERM, as a shutdown does; every write was committed when it was acknowledged.
    unsafe {
        libc::kill(app.id() as i32, libc::SIGTERM);
    }
    let _ = app.wait();

    let store = Store::open(data.join("clinic.redb"), options()).unwrap();
    let audit = store.audit_for_resident(resident.id).unwrap();
    let within = |action: AuditAction, from: i64, to: i64, reason: &str| {
        audit
            .iter()
            .filter(|(c, e)| {
                e.action == action
                    && e.reason.contains(reason)
                    && (from..=to).contains(&c.hlc.unix_ms())
            })
            .count()
    };
    let mut missing = Vec::new();
    for (case, from, to) in &scans {
        match within(AuditAction::Scan, *from, *to, "扫码枪") {
            1 => {}
            n => missing.push(format!("{case}: {n} wedge scans")),
        }
    }
    assert!(missing.is_empty(), "the wedge failed: {missing:#?}");
    assert_eq!(
        within(AuditAction::Search, typed_from, typed_to, "search"),
        1,
        "the slowly typed ID number did not find her"
    );
    let tickets = store.queue(CENTRE, store.clock().today()).unwrap();
    let ticket = tickets
        .iter()
        .find(|t| t.resident == resident.id && t.checked_in_at >= check_in_from)
        .expect("F2 did not check her in");
    assert_eq!(
        ticket.status,
        QueueStatus::WithDoctor,
        "the doctor did not call her"
    );
    let history = store.history_unaudited(resident.id).unwrap();
    let encounter = history
        .iter()
        .find(|h| {
            h.record.at >= record_from
                && matches!(&h.record.body, RecordBody::Encounter(e) if e.chief_complaint == "dizzy for two days")
        })
        .expect("the doctor's encounter was not saved");
    let claims = store.claims_of_resident(resident.id).unwrap();
    let claim = claims
        .iter()
        .find(|c| c.encounter == Some(encounter.id))
        .unwrap_or_else(|| panic!("the visit was not settled: {claims:?}"));
    assert_eq!(
        store.paid_for_claim(claim.id).unwrap(),
        claim.patient_fen,
        "the payment was not taken"
    );
}

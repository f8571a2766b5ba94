//! Helpers shared by the end-to-end tests (real processes, real files). The tests are in
//! `tests/`:
//!
//! - `crash.rs`: a writer process is killed with SIGKILL at random moments; after each kill
//!   the store opens, every acknowledged write is there and the outbox matches the records.

use storage::model::*;
use storage::{Actor, Id, OpenOptions, Store};

/// The facility secret of every store the tests make; the processes get it as `CLINIC_SECRET`.
pub const SECRET: &str = "花园镇测试密钥";

/// How tests open stores: the shared secret, cheap key derivation.
pub fn test_options() -> OpenOptions {
    OpenOptions::new(SECRET).fast_kdf_for_tests()
}

/// Alters one byte in every `every`-th page of an encrypted store file (past the key header
/// and page 0's two copies), as a failing disk or USB stick would.
pub fn damage_pages(bytes: &mut [u8], every: usize) {
    const SLOT: usize = 8 + 24 + 4096 + 16;
    for at in (4096 + 2 * SLOT + 100..bytes.len()).step_by(every * SLOT) {
        bytes[at] ^= 0x10;
    }
}

/// The actor the test writers use.
pub fn doctor() -> Actor {
    Actor {
        staff: "doc".into(),
        facility: "H42092100101".into(),
        role: Role::Doctor,
    }
}

/// An encounter for `resident` at `at`.
pub fn encounter(resident: Id, at: i64, n: u64) -> ClinicalRecord {
    ClinicalRecord {
        resident,
        at,
        facility: "H42092100101".into(),
        clinician: "测试医生".into(),
        body: RecordBody::Encounter(Encounter {
            visit_type: VisitType::General,
            chief_complaint: format!("complaint {n}"),
            vitals: Vitals {
                systolic: Some(120 + (n % 40) as u16),
                diastolic: Some(80),
                ..Default::default()
            },
            diagnoses: vec![Diagnosis {
                code: "I10".into(),
                name: "高血压".into(),
            }],
            notes: "x".repeat((n % 200) as usize),
            follow_up: None,
            discharged: None,
        }),
    }
}

/// Every change id in the journal, in order.
pub fn journal_ids(store: &Store) -> Vec<Id> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store.journal_after(after, 1000).expect("journal");
        if page.is_empty() {
            return out;
        }
        after = page.last().map_or(after, |(seq, _)| *seq);
        out.extend(page.into_iter().map(|(_, c)| c.id));
    }
}

pub mod proxy;

/// An `EHC1:` printed card for `resident` (who must hold a card id), signed by the demo
/// issuer: what the front desk scans as proof that the resident is there.
pub fn card_code(resident: &Resident) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let card = resident.card_id().expect("the resident has a card").0;
    let token = app::scan::token_for(
        resident,
        card,
        scanner::card::keys::demo::ISSUER,
        now - 60,
        now + 365 * 86_400,
    );
    scanner::card::issue_card(&token, &scanner::card::keys::demo::issuer())
}

/// Pins the demo root and installs the demo trust list in a hub's data directory, as
/// `clinic-hub demo` does: the hub then verifies the demo's cards.
pub fn pin_demo_trust(hub_dir: &std::path::Path) {
    use scanner::card::keys;
    std::fs::create_dir_all(hub_dir).unwrap();
    std::fs::write(hub_dir.join("trust-root.hex"), keys::demo::ROOT_PUBLIC).unwrap();
    std::fs::write(
        hub_dir.join("trust-list.ehtl"),
        keys::demo::trust_list().sign(&keys::demo::root()),
    )
    .unwrap();
}

/// Every acknowledged change is there; every change decodes; outbox, journal and change
/// table hold exactly the same ids; every record is in its resident's history.
pub fn check_store(store: &Store, acknowledged: &std::collections::BTreeSet<Id>, round: u64) {
    let journal = journal_ids(store);
    let in_journal: std::collections::BTreeSet<Id> = journal.iter().copied().collect();
    assert_eq!(
        in_journal.len(),
        journal.len(),
        "round {round}: a change is journaled twice"
    );
    let missing: Vec<&Id> = acknowledged.difference(&in_journal).collect();
    assert!(
        missing.is_empty(),
        "round {round}: acknowledged changes lost: {missing:?}"
    );

    let outbox: Vec<Id> = store
        .outbox_after(0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| e.change.id)
        .collect();
    assert_eq!(outbox, journal, "round {round}: outbox and records differ");
    assert_eq!(store.change_count().unwrap(), journal.len() as u64);

    let mut records_per_resident: std::collections::BTreeMap<Id, usize> = Default::default();
    for id in &journal {
        let change = store
            .change(*id)
            .unwrap()
            .unwrap_or_else(|| panic!("round {round}: {id} missing"));
        if let storage::model::Body::Record(r) = change.body {
            *records_per_resident.entry(r.resident).or_default() += 1;
        }
    }
    for (resident, count) in records_per_resident {
        assert!(
            store.resident(resident).unwrap().is_some(),
            "round {round}: record of unknown resident"
        );
        assert_eq!(
            store.history_unaudited(resident).unwrap().len(),
            count,
            "round {round}: history index incomplete"
        );
    }
}

pub mod process {
    //! Real processes: the hub and the clinic program, on loopback, with temporary data.

    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Output, Stdio};
    use std::time::{Duration, Instant};

    /// Path of a binary of this crate (built by cargo for the tests).
    pub fn bin(name: &str) -> PathBuf {
        let mut dir = std::env::current_exe().expect("test binary path");
        dir.pop();
        if dir.ends_with("deps") {
            dir.pop();
        }
        dir.join(name)
    }

    /// One of this crate's programs on the data directory `data`, given the tests' facility
    /// secret as the real programs take it.
    pub fn program(name: &str, data: &Path) -> Command {
        let mut command = Command::new(bin(name));
        command
            .env("CLINIC_SECRET", crate::SECRET)
            .arg("--data")
            .arg(data);
        command
    }

    /// Runs a program to its end, insisting on success; returns stdout.
    fn run_ok(name: &str, data: &Path, args: &[&str]) -> String {
        let out = program(name, data).args(args).output().expect("run");
        assert!(
            out.status.success(),
            "{name} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn clinic(data: &Path, args: &[&str]) -> Output {
        program("e2e_clinic", data)
            .args(args)
            .output()
            .expect("run clinic")
    }

    /// Runs `clinic`, insisting on success; returns stdout.
    pub fn clinic_ok(data: &Path, args: &[&str]) -> String {
        run_ok("e2e_clinic", data, args)
    }

    pub fn hub_cmd(data: &Path, args: &[&str]) -> Output {
        program("e2e_hub", data)
            .args(args)
            .output()
            .expect("run clinic-hub")
    }

    pub fn hub_ok(data: &Path, args: &[&str]) -> String {
        run_ok("e2e_hub", data, args).trim().to_string()
    }

    /// A running hub process.
    pub struct Hub {
        pub data: PathBuf,
        pub url: String,
        child: Child,
    }

    impl Hub {
        /// Starts `clinic-hub serve` on a free loopback port (or `listen`) and waits until it
        /// answers.
        pub fn start(data: &Path, listen: &str) -> Hub {
            let _ = std::fs::remove_file(data.join("hub.addr"));
            let child = program("e2e_hub", data)
                .args(["serve", "--listen", listen])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start hub");
            let deadline = Instant::now() + Duration::from_secs(20);
            let addr = loop {
                if let Ok(a) = std::fs::read_to_string(data.join("hub.addr")) {
                    break a;
                }
                assert!(Instant::now() < deadline, "the hub did not start");
                std::thread::sleep(Duration::from_millis(20));
            };
            Hub {
                data: data.to_path_buf(),
                url: format!("https://{}", addr.trim()),
                child,
            }
        }

        pub fn addr(&self) -> String {
            self.url.trim_start_matches("https://").to_string()
        }

        /// The fingerprint of the hub's certificate.
        pub fn fingerprint(&self) -> String {
            hub_ok(&self.data, &["fingerprint"])
        }

        /// A one-time enrolment code (through the running hub's admin route).
        pub fn enrol_code(&self, facility: &str, relay: bool) -> String {
            let mut args = vec!["enrol", "--facility", facility];
            if relay {
                args.push("--relay");
            }
            hub_ok(&self.data, &args)
        }

        pub fn kill(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Drop for Hub {
        fn drop(&mut self) {
            self.kill();
        }
    }

    /// Enrols a workstation data directory at `hub` for `facility`.
    pub fn enrol(data: &Path, hub: &Hub, facility: &str) {
        enrol_via(data, hub, &hub.url, facility);
    }

    /// Enrols through `url` (a proxy in front of `hub`, say).
    pub fn enrol_via(data: &Path, hub: &Hub, url: &str, facility: &str) {
        let code = hub.enrol_code(facility, false);
        let fingerprint = hub.fingerprint();
        clinic_ok(
            data,
            &[
                "sync",
                "enrol",
                "--hub",
                url,
                "--code",
                &code,
                "--fingerprint",
                &fingerprint,
            ],
        );
        // The device token lives inside the encrypted store, never in a file of its own; the
        // hub's store is encrypted too.
        assert!(
            !data.join("sync.json").exists(),
            "the hub token was left in the clear"
        );
        assert!(storage::is_encrypted(&data.join("clinic.redb")));
        assert!(storage::is_encrypted(&hub.data.join("hub.redb")));
    }
}

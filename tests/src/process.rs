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

/// A `clinic-hub` program on the data directory `data`, given `secret` as the real program
/// takes it (never a file left behind).
fn hub_program(program: &Path, secret: &str, data: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env("CLINIC_SECRET", secret)
        .env_remove("CLINIC_SECRET_FILE")
        .arg("--data")
        .arg(data);
    command
}

/// A running `clinic-hub serve`, killed when dropped. The tests run `e2e_hub` (`Hub::start`);
/// `clinic-bench hub` runs any `clinic-hub` program (`Hub::spawn`).
pub struct Hub {
    pub data: PathBuf,
    pub url: String,
    program: PathBuf,
    secret: String,
    log: PathBuf,
    child: Child,
}

impl Hub {
    /// Starts the tests' hub on a free loopback port (or `listen`) and waits until it answers.
    pub fn start(data: &Path, listen: &str) -> Hub {
        Hub::spawn(
            &bin("e2e_hub"),
            crate::SECRET,
            data,
            listen,
            crate::PATIENCE,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts `program serve` on `data` (its standard error to `data`'s sibling `hub.log`) and
    /// waits up to `patience` for the address it writes.
    pub fn spawn(
        program: &Path,
        secret: &str,
        data: &Path,
        listen: &str,
        patience: Duration,
    ) -> Result<Hub, String> {
        let _ = std::fs::remove_file(data.join("hub.addr"));
        std::fs::create_dir_all(data).map_err(|e| format!("{}: {e}", data.display()))?;
        let log = data.with_extension("log");
        let stderr = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = hub_program(program, secret, data)
            .args(["serve", "--listen", listen])
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut hub = Hub {
            data: data.to_path_buf(),
            url: String::new(),
            program: program.to_path_buf(),
            secret: secret.to_string(),
            log,
            child,
        };
        let deadline = Instant::now() + patience;
        loop {
            let addr = std::fs::read_to_string(data.join("hub.addr")).unwrap_or_default();
            if !addr.trim().is_empty() {
                hub.url = format!("https://{}", addr.trim());
                return Ok(hub);
            }
            if let Some(status) = hub.exited() {
                return Err(format!(
                    "the hub did not start ({status}): {}",
                    hub.log_tail()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!("the hub did not start in {patience:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs another command of the hub's program on its data (the running hub answers the
    /// admin ones); its standard output, trimmed.
    pub fn command(&self, args: &[&str]) -> Result<String, String> {
        run_hub(&self.program, &self.secret, &self.data, args)
    }

    pub fn addr(&self) -> String {
        self.url.trim_start_matches("https://").to_string()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The fingerprint of the hub's certificate.
    pub fn fingerprint(&self) -> String {
        self.command(&["fingerprint"])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A one-time enrolment code (through the running hub's admin route).
    pub fn enrol_code(&self, facility: &str, relay: bool) -> String {
        let mut args = vec!["enrol", "--facility", facility];
        if relay {
            args.push("--relay");
        }
        self.command(&args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The exit status, if the hub has stopped.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last lines of the hub's standard error.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
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

/// Runs a command of the hub program `program` on `data` to its end; stdout, trimmed.
pub fn run_hub(program: &Path, secret: &str, data: &Path, args: &[&str]) -> Result<String, String> {
    let out = hub_program(program, secret, data)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {}: {}",
            program.display(),
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
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

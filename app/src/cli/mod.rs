//! Headless subcommands, for scripts and tests. Output is JSON or plain text on stdout;
//! errors go to stderr with a non-zero exit status.

mod card;
mod json;
mod query;
mod report;
mod rules;
mod scan;
mod security;
pub mod sync;
mod worklist;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use storage::model::Role;
use storage::{Actor, Store};

use crate::services::open_store;
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
    /// Decode and verify the codes in image files; one JSON object per file.
    Scan {
        /// Verify against this trust list instead of the installed one.
        #[arg(long)]
        trust_list: Option<PathBuf>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Printed eHealth cards.
    Card {
        #[command(subcommand)]
        what: CardCmd,
    },
    /// Print a card, a prescription or a referral: to the printer of the settings, or with
    /// `--out` to a PDF file.
    Print {
        #[command(subcommand)]
        what: PrintCmd,
        /// Write the PDF here instead of printing it.
        #[arg(long, global = true)]
        out: Option<PathBuf>,
    },
    /// The trust list of card issuers.
    Trust {
        #[command(subcommand)]
        what: TrustCmd,
    },
    /// Sync with the hub: one round (push, then pull), or enrol / status.
    Sync {
        #[command(subcommand)]
        what: Option<SyncCmd>,
    },
    /// Reports: `report daily --date 2026-11-26`.
    Report {
        #[command(subcommand)]
        what: ReportCmd,
    },
    /// Write an encrypted, consistent snapshot of the store into DIR (works while the app runs).
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the store with a backup, after verifying it in full (close the app first).
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// Only verify the backup; replace nothing.
        #[arg(long)]
        check_only: bool,
    },
    /// Convert a data file made before encryption at rest, in place.
    Encrypt,
    /// The facility secret that unlocks the data file.
    Secret {
        #[command(subcommand)]
        what: SecretCmd,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        what: AuditCmd,
    },
    /// Who is due or overdue for a follow-up, a vaccine dose, an antenatal visit or a child
    /// health check; `worklist contact` records the outcome of a call or a home visit.
    #[command(args_conflicts_with_subcommands = true)]
    Worklist {
        #[command(subcommand)]
        what: Option<WorklistCmd>,
        /// followup, immunisation, antenatal or child.
        #[arg(long, value_parser = worklist::parse_kind)]
        kind: Option<storage::model::WorklistKind>,
        /// Only this village (its 12-digit code).
        #[arg(long)]
        village: Option<String>,
        /// Also what falls due within this many days.
        #[arg(long, default_value_t = storage::worklist::DEFAULT_WITHIN_DAYS)]
        within: i32,
        #[arg(long)]
        json: bool,
        /// Write the A4 list for the round to this PDF file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The doctor's user name (without it, the command line reads the list as
        /// break-glass, audited).
        #[arg(long)]
        doctor: Option<String>,
    },
    /// Figures about this workstation's store.
    Stats {
        /// Where the store's bytes go: per table, and per resident (JSON).
        #[arg(long)]
        storage: bool,
    },
    /// The prescribing, referral and immunisation rules, run on a scenario file.
    Rules {
        #[command(subcommand)]
        what: RulesCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum SyncCmd {
    /// Join a hub with the one-time code its administrator gave.
    Enrol {
        /// The hub's address, e.g. https://10.0.0.5:7400
        #[arg(long)]
        hub: String,
        #[arg(long)]
        code: String,
        /// The hub certificate's fingerprint, from the hub's administrator.
        #[arg(long)]
        fingerprint: String,
    },
    /// Outbox depth, rejected entries, cursor, last sync.
    Status,
    /// Send entries the hub rejected again, after the cause was fixed (all of them, or the
    /// change ids given); the next `clinic sync` pushes them.
    Retry { ids: Vec<storage::Id> },
}

#[derive(Subcommand, Debug)]
pub enum WorklistCmd {
    /// Record a call or home visit made from a worklist, and its outcome.
    Contact {
        /// Resident id, ID number, card or insurance number.
        resident: String,
        #[arg(long, value_parser = worklist::parse_kind)]
        kind: storage::model::WorklistKind,
        /// reached, not_reached, moved_away or died.
        #[arg(long, value_parser = worklist::parse_outcome)]
        outcome: storage::model::ContactOutcome,
        /// phone or home.
        #[arg(long, default_value = "phone", value_parser = worklist::parse_method)]
        method: storage::model::FollowUpMethod,
        #[arg(long, default_value = "")]
        note: String,
        /// The doctor's user name.
        #[arg(long)]
        doctor: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum RulesCmd {
    /// Check a scenario (JSON: today, resident, allergies, diagnoses, immunisations, vitals,
    /// prescription); prints the warnings, quantities and doses due as JSON. Drugs are looked
    /// up in the data directory's catalogue.tsv, or the demo catalogue.
    Check { scenario: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum SecretCmd {
    /// Rewrap the data key under a new secret (the current one comes from CLINIC_SECRET_FILE).
    Change {
        /// A file whose first line is the new secret.
        #[arg(long)]
        new_secret_file: PathBuf,
        /// Also replace the data key (a new copy of the file): for a key that may have leaked.
        #[arg(long)]
        rekey: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Check every device's hash chain; fails if an entry was altered, removed or reordered.
    Verify,
    /// Entries between two days (inclusive), optionally of one staff member or resident.
    Search {
        #[arg(long)]
        from: storage::Date,
        #[arg(long)]
        to: storage::Date,
        #[arg(long)]
        staff: Option<String>,
        /// Resident id.
        #[arg(long)]
        resident: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CardCmd {
    /// Issue (print) a signed card for a resident; prints the EHC1 text.
    Issue {
        /// Resident id, ID number, card or insurance number.
        resident: String,
        /// The user name of the front desk (or doctor) issuing it: a resident without a
        /// card id gets one, which only they may give.
        #[arg(long)]
        staff: String,
        /// Also write the QR code as a PNG image.
        #[arg(long)]
        png: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PrintCmd {
    /// Issue and print a resident's eHealth card (for those without a phone).
    Card {
        /// Resident id, ID number, card or insurance number.
        resident: String,
        /// The user name of the front desk (or doctor) issuing it.
        #[arg(long)]
        staff: String,
    },
    /// A prescription (处方笺), printed by the doctor named.
    Prescription {
        /// The prescription's record id.
        record: storage::Id,
        /// The doctor's user name: only doctors print clinical documents.
        #[arg(long)]
        doctor: String,
    },
    /// The charge list (门诊收费清单) of a claim, printed by the staff member named.
    Receipt {
        claim: storage::Id,
        /// The user name of the front desk (or doctor) printing it.
        #[arg(long)]
        staff: String,
    },
    /// A referral (转诊单) from an encounter to another facility.
    Referral {
        /// The encounter's record id.
        encounter: storage::Id,
        #[arg(long)]
        doctor: String,
        /// The receiving facility.
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// A facility's daily settlement report: claims by scheme and status, and the till.
    Daily {
        /// The day (YYYY-MM-DD); today when omitted.
        #[arg(long)]
        date: Option<storage::Date>,
        /// The facility code; this workstation's when omitted.
        #[arg(long)]
        facility: Option<String>,
        /// JSON instead of the printable table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TrustCmd {
    /// Install a newer trust list from a file (e.g. a USB stick).
    Import { file: PathBuf },
    /// Show the installed trust list.
    Show,
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

/// The command line acts as the staff member named: the store checks their role.
fn staff_actor(store: &Store, settings: &Settings, username: &str) -> anyhow::Result<Actor> {
    let staff = store
        .staff()?
        .into_iter()
        .find(|s| s.username == username)
        .ok_or_else(|| anyhow::anyhow!("no staff member {username}"))?;
    Ok(Actor {
        staff: staff.username,
        facility: settings.facility.clone(),
        role: staff.role,
    })
}

/// The name a staff member signs with.
fn display_name(store: &Store, username: &str) -> anyhow::Result<String> {
    Ok(store
        .staff()?
        .into_iter()
        .find(|s| s.username == username)
        .map_or(username.to_string(), |s| s.display_name))
}

fn print_cmd(
    store: &Store,
    settings: &Settings,
    what: PrintCmd,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let staff = |username: &str| staff_actor(store, settings, username);
    let (name, printed) = match what {
        PrintCmd::Card { resident, staff: s } => {
            let id = query::resolve(store, &resident)?;
            let issued = crate::services::printing::issue(store, &staff(&s)?, id)?;
            ("card".to_string(), issued.sheet.to_pdf()?)
        }
        PrintCmd::Prescription { record, doctor: d } => (
            format!("prescription-{record}"),
            crate::services::printing::prescription(store, &staff(&d)?, record)?,
        ),
        PrintCmd::Receipt { claim, staff: s } => (
            format!("receipt-{claim}"),
            crate::services::printing::receipt(store, &staff(&s)?, claim)?,
        ),
        PrintCmd::Referral {
            encounter,
            doctor: d,
            to,
            reason,
        } => (
            format!("referral-{encounter}"),
            crate::services::printing::referral(store, &staff(&d)?, encounter, &to, &reason)?,
        ),
    };
    let said = match out {
        Some(path) => {
            std::fs::write(&path, &printed.pdf)
                .with_context(|| format!("cannot write {}", path.display()))?;
            crate::services::printing::with_missing(
                format!("written to {}", path.display()),
                &printed,
            )
        }
        None => crate::services::printing::with_missing(
            crate::services::printing::deliver(
                &printed,
                &crate::services::printing::Output::from_setting(&settings.printer),
                &name,
            )?
            .to_string(),
            &printed,
        ),
    };
    println!("{said}");
    Ok(())
}

/// Runs a subcommand.
pub fn run(data_dir: PathBuf, cmd: Cmd) -> anyhow::Result<()> {
    let settings = Settings::load(&data_dir)?;
    match cmd {
        Cmd::Demo { residents } => {
            let store = open_store(&data_dir)?;
            let today = store.clock().today();
            let s = crate::services::demo::load_demo(
                &store,
                &settings.facility,
                today,
                residents,
                &mut |_| {},
            )?;
            let mut settings = settings;
            settings.save(&data_dir)?;
            crate::services::demo::pin_demo_root(&data_dir, &mut settings);
            println!(
                "demo township loaded into {}: {} residents, {} records ({} already present)",
                store.path().display(),
                s.residents,
                s.records,
                s.duplicates
            );
            Ok(())
        }
        Cmd::Backup { to } => security::backup(&data_dir, &cli_actor(&settings), &to),
        Cmd::Restore { from, check_only } => security::restore(&data_dir, &from, check_only),
        Cmd::Encrypt => security::encrypt(&data_dir),
        Cmd::Secret {
            what:
                SecretCmd::Change {
                    new_secret_file,
                    rekey,
                },
        } => security::change_secret(&data_dir, &new_secret_file, rekey),
        Cmd::Audit {
            what: AuditCmd::Verify,
        } => security::audit_verify(open_store(&data_dir)?),
        Cmd::Audit {
            what:
                AuditCmd::Search {
                    from,
                    to,
                    staff,
                    resident,
                },
        } => security::audit_search(
            &open_store(&data_dir)?,
            from,
            to,
            staff.as_deref(),
            resident.as_deref(),
        ),
        Cmd::Rules {
            what: RulesCmd::Check { scenario },
        } => rules::check(&data_dir, &scenario),
        Cmd::Stats { storage } => {
            anyhow::ensure!(storage, "say which figures: --storage");
            let usage = open_store(&data_dir)?.storage_usage()?;
            let mut out = serde_json::to_value(&usage)?;
            out["bytes_per_resident"] = usage.bytes_per_resident().into();
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        Cmd::Worklist {
            what:
                Some(WorklistCmd::Contact {
                    resident,
                    kind,
                    outcome,
                    method,
                    note,
                    doctor,
                }),
            ..
        } => {
            let store = open_store(&data_dir)?;
            let actor = staff_actor(&store, &settings, &doctor)?;
            let contact = storage::model::Contact {
                list: kind,
                method,
                outcome,
                notes: note,
            };
            worklist::contact(
                &store,
                &actor,
                &display_name(&store, &doctor)?,
                &resident,
                contact,
            )
        }
        Cmd::Worklist {
            what: None,
            kind,
            village,
            within,
            json,
            out,
            doctor,
        } => {
            let kind =
                kind.context("--kind is needed: followup, immunisation, antenatal or child")?;
            let store = open_store(&data_dir)?;
            let (actor, name) = match &doctor {
                Some(d) => (staff_actor(&store, &settings, d)?, display_name(&store, d)?),
                None => (cli_actor(&settings), String::new()),
            };
            let query = storage::worklist::WorklistQuery {
                kind,
                village,
                within_days: within,
            };
            worklist::list(
                &store,
                &actor,
                worklist::ListArgs {
                    query,
                    json,
                    out: out.as_deref(),
                    doctor: name,
                },
            )
        }
        Cmd::Find { query, year } => query::find(&open_store(&data_dir)?, &query, year),
        Cmd::History { id } => query::history(&open_store(&data_dir)?, &cli_actor(&settings), &id),
        Cmd::Scan { trust_list, files } => {
            let store = open_store(&data_dir)?;
            let root = crate::trust::root_key(&settings.root_key)?;
            if root.is_none() {
                eprintln!("clinic: {}", crate::trust::NO_ROOT.1);
            }
            let list = match (trust_list, &root) {
                (Some(file), Some(root)) => Some(crate::trust::read(&file, root)?),
                (Some(_), None) => anyhow::bail!("{}", crate::trust::NO_ROOT.1),
                (None, root) => crate::trust::load(&data_dir, root.as_ref(), &store)?,
            };
            let mut verifier = scanner::card::Verifier::new(list);
            anyhow::ensure!(
                scan::run(&store, &mut verifier, &files),
                "some files could not be read"
            );
            Ok(())
        }
        Cmd::Card {
            what:
                CardCmd::Issue {
                    resident,
                    staff,
                    png,
                },
        } => {
            let store = open_store(&data_dir)?;
            let actor = staff_actor(&store, &settings, &staff)?;
            card::issue(&store, &actor, &resident, png.as_deref())
        }
        Cmd::Print { what, out } => {
            let store = open_store(&data_dir)?;
            print_cmd(&store, &settings, what, out)
        }
        Cmd::Trust {
            what: TrustCmd::Import { file },
        } => card::trust_import(
            &data_dir,
            &open_store(&data_dir)?,
            &settings.root_key,
            &file,
        ),
        Cmd::Trust {
            what: TrustCmd::Show,
        } => card::trust_show(&data_dir, &open_store(&data_dir)?, &settings.root_key),
        Cmd::Report {
            what:
                ReportCmd::Daily {
                    date,
                    facility,
                    json,
                },
        } => {
            let store = open_store(&data_dir)?;
            let day = date.unwrap_or_else(|| store.clock().today());
            let facility = facility.unwrap_or_else(|| settings.facility.clone());
            report::daily(&store, &facility, day, json)
        }
        Cmd::Sync { what: None } => sync::once(&data_dir, &open_store(&data_dir)?),
        Cmd::Sync {
            what: Some(SyncCmd::Status),
        } => sync::status(&data_dir, &open_store(&data_dir)?),
        Cmd::Sync {
            what: Some(SyncCmd::Retry { ids }),
        } => sync::retry(&open_store(&data_dir)?, &ids),
        Cmd::Sync {
            what:
                Some(SyncCmd::Enrol {
                    hub,
                    code,
                    fingerprint,
                }),
        } => {
            let mut settings = settings;
            let store = open_store(&data_dir)?;
            let facility = crate::services::hub::enrol(
                &data_dir,
                &store,
                &mut settings,
                &hub,
                &code,
                &fingerprint,
            )?;
            println!(
                "enrolled at {hub} for facility {facility} as device {}",
                store.device()
            );
            Ok(())
        }
    }
}

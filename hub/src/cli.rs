//! The command line of `clinic-hub`: serve, join an upstream hub, enrol and revoke devices,
//! the demo township, reports.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use storage::{OpenOptions, Store};

use sync::protocol::*;
use sync::server::{self, Hub, store_path};

#[derive(Parser, Debug)]
#[command(
    name = "clinic-hub",
    version,
    about = "The hub that clinic workstations sync with"
)]
struct Cli {
    /// The hub's data directory.
    #[arg(long, global = true, default_value = "hub-data")]
    data: PathBuf,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Serve workstations.
    Serve {
        #[arg(long, default_value = "127.0.0.1:7400")]
        listen: String,
    },
    /// Join the hub above this one (county) as a relay, with the code its admin gave.
    Upstream {
        #[arg(long)]
        hub: String,
        #[arg(long)]
        code: String,
        /// The upstream hub's certificate fingerprint, from its admin.
        #[arg(long)]
        fingerprint: String,
    },
    /// Load the demo township (facilities, residents, histories) into the hub.
    Demo {
        #[arg(long, default_value_t = 2_000)]
        residents: usize,
    },
    /// Issue a one-time enrolment code for a workstation (or a relay hub) of a facility.
    Enrol {
        #[arg(long)]
        facility: String,
        #[arg(long, default_value = "")]
        name: String,
        /// The code is for a hub below this one.
        #[arg(long)]
        relay: bool,
    },
    /// Revoke a device: its requests are refused from now on.
    Revoke { device: String },
    /// Show devices and counts.
    Status,
    /// The card-use reports (用卡数据上报) received for the days given, one JSON object per
    /// line, for the platform upstream.
    CardUses {
        #[arg(long)]
        from: storage::Date,
        /// The last day, included.
        #[arg(long)]
        to: storage::Date,
    },
    /// Print the fingerprint of the hub's certificate (give it out with enrolment codes).
    Fingerprint,
    /// The trust list of card issuers that the hub checks consent proofs against and
    /// delivers to every workstation.
    Trust {
        #[command(subcommand)]
        what: TrustCmd,
    },
    /// The changes the hub refused, the audit chains found cut short and the forks declared,
    /// for the days given: one JSON object per line.
    Rejections {
        #[arg(long)]
        from: storage::Date,
        /// The last day, included.
        #[arg(long)]
        to: storage::Date,
    },
}

#[derive(Subcommand, Debug)]
enum TrustCmd {
    /// Publish a root-signed trust list (`.ehtl`): it must be newer than the one published.
    Import {
        file: PathBuf,
        /// The root key to pin (SEC1 hex), the first time.
        #[arg(long)]
        root: Option<String>,
    },
}

pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    std::fs::create_dir_all(&cli.data)?;
    match cli.command {
        Cmd::Serve { listen } => {
            let store = Arc::new(open(&cli.data)?);
            let hub = Arc::new(Hub::new(store, &cli.data)?);
            let settled = hub.settle_claims().context("settling waiting claims")?;
            if settled > 0 {
                println!("settled {settled} claims that were waiting");
            }
            let upstream = sync::relay::upstream_config(&hub.store, &cli.data)?;
            let (cert, key) = sync::tls::hub_identity(&cli.data)?;
            let tls = sync::tls::server_config(cert, key)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            if let Some(config) = upstream {
                let store = hub.store.clone();
                runtime.spawn_blocking(move || relay_loop(&store, &config));
            }
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                let addr = listener.local_addr()?;
                std::fs::write(cli.data.join("hub.addr"), addr.to_string())?;
                println!("clinic-hub listening on {addr}");
                server::serve(listener, hub, tls).await?;
                anyhow::Ok(())
            })
        }
        Cmd::Fingerprint => {
            let (cert, _) = sync::tls::hub_identity(&cli.data)?;
            println!("{}", sync::tls::fingerprint(&cert));
            Ok(())
        }
        Cmd::Upstream {
            hub,
            code,
            fingerprint,
        } => {
            let store = open(&cli.data)?;
            let client = sync::client::HubClient::new(
                &hub,
                "",
                &fingerprint,
                std::time::Duration::from_secs(10),
            )?;
            let answer = client.enrol(&code, store.device())?;
            let config = sync::relay::UpstreamConfig {
                hub_url: hub.clone(),
                token: answer.token,
                facility: answer.facility,
                fingerprint,
            };
            // Inside the encrypted store: the token lets its holder push as this relay.
            sync::relay::save_upstream(&store, &config)?;
            println!("relaying to {hub} for {}", config.facility);
            Ok(())
        }
        Cmd::Demo { residents } => {
            let store = open(&cli.data)?;
            let today = store.clock().today();
            let params = fixtures::Params {
                residents,
                ..fixtures::Params::demo(today)
            };
            let s = fixtures::load(&store, params, &mut |_| {})?;
            install_demo_trust(&store, &cli.data)?;
            println!(
                "demo township loaded: {} residents, {} records",
                s.residents, s.records
            );
            Ok(())
        }
        Cmd::Enrol {
            facility,
            name,
            relay,
        } => {
            let code = match Store::open(store_path(&cli.data), OpenOptions::from_env()?) {
                Ok(store) => server::issue_enrolment_code(&store, &facility, &name, relay)?,
                Err(storage::Error::InUse) => {
                    admin_request::<_, AdminEnrolResponse>(
                        &cli.data,
                        route::ADMIN_ENROL,
                        &AdminEnrolRequest {
                            facility,
                            name,
                            relay,
                        },
                    )?
                    .code
                }
                Err(e) => return Err(e.into()),
            };
            println!("{code}");
            Ok(())
        }
        Cmd::Revoke { device } => {
            match Store::open(store_path(&cli.data), OpenOptions::from_env()?) {
                Ok(store) => anyhow::ensure!(store.revoke_device(&device)?, "no device {device}"),
                Err(storage::Error::InUse) => admin_request_empty(
                    &cli.data,
                    route::ADMIN_REVOKE,
                    &AdminRevokeRequest {
                        device: device.clone(),
                    },
                )?,
                Err(e) => return Err(e.into()),
            }
            println!("device {device} revoked");
            Ok(())
        }
        Cmd::Status => {
            let store = open(&cli.data)?;
            let devices = store.devices()?;
            let out = serde_json::json!({
                "changes": store.change_count()?,
                "residents": store.resident_count()?,
                "devices": devices.iter().map(|d| serde_json::json!({"id": d.id, "facility": d.facility, "name": d.name, "active": d.active, "relay": d.relay})).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        Cmd::Trust {
            what: TrustCmd::Import { file, root },
        } => {
            let list =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let version = match Store::open(store_path(&cli.data), OpenOptions::from_env()?) {
                Ok(store) => {
                    server::trust::HubTrust::load(&cli.data)?
                        .publish(&store, &cli.data, &list, root.as_deref())?
                        .version
                }
                Err(storage::Error::InUse) => {
                    admin_request::<_, AdminTrustResponse>(
                        &cli.data,
                        route::ADMIN_TRUST,
                        &AdminTrustRequest { list, root },
                    )?
                    .version
                }
                Err(e) => return Err(e.into()),
            };
            println!("trust list version {version} published");
            Ok(())
        }
        Cmd::Rejections { from, to } => {
            use storage::model::AuditAction::{ChainFork, Rejected, Tampering};
            let store = open(&cli.data)?;
            let hub_device = store.device().to_string();
            for (change, entry) in store.search_audit(
                from.start_ms(),
                to.add_days(1).start_ms(),
                None,
                None,
                usize::MAX,
            )? {
                let kind = match entry.action {
                    Rejected => "rejected",
                    Tampering => "tampering",
                    ChainFork => "fork",
                    _ => continue,
                };
                if change.origin.device != hub_device {
                    continue;
                }
                let line = serde_json::json!({
                    "at": change.hlc.unix_ms(),
                    "kind": kind,
                    "change": entry.target.map(|t| t.to_string()),
                    "resident": entry.resident.map(|r| r.to_string()),
                    "reason": entry.reason,
                });
                println!("{line}");
            }
            Ok(())
        }
        Cmd::CardUses { from, to } => {
            let store = open(&cli.data)?;
            for (change, u) in store.card_uses(from.start_ms(), to.add_days(1).start_ms())? {
                let line = serde_json::json!({
                    "id": change.id.to_string(),
                    "at": change.id.unix_ms(),
                    "facility": change.origin.facility,
                    "terminal": change.origin.device,
                    "staff": change.origin.staff,
                    "resident": u.resident.to_string(),
                    "card": u.card,
                    "code": format!("{:?}", u.code).to_lowercase(),
                    "stage": u.stage.as_str(),
                    "reader": u.reader,
                });
                println!("{line}");
            }
            Ok(())
        }
    }
}

/// The demo hub pins the demo root of the card spec and publishes its demo list: consent
/// proofs from the demo's cards verify. Demo data only.
fn install_demo_trust(store: &Store, data: &Path) -> anyhow::Result<()> {
    use scanner::card::keys;
    if server::trust::root_path(data).exists() {
        return Ok(());
    }
    let list = keys::demo::trust_list().sign(&keys::demo::root());
    server::trust::HubTrust::load(data)?.publish(
        store,
        data,
        &list,
        Some(keys::demo::ROOT_PUBLIC),
    )?;
    Ok(())
}

/// Relays forever: a round every two seconds while the link works, backing off (with jitter)
/// to a minute while it does not.
fn relay_loop(store: &Store, config: &sync::relay::UpstreamConfig) {
    let mut delay = 2.0f64;
    loop {
        let result = sync::client::HubClient::new(
            &config.hub_url,
            &config.token,
            &config.fingerprint,
            std::time::Duration::from_secs(30),
        )
        .and_then(|client| sync::relay::relay_round(store, &client));
        delay = match result {
            Ok(_) => 2.0,
            Err(e) => {
                eprintln!("clinic-hub: upstream: {e}");
                (delay * 2.0).min(60.0)
            }
        };
        let jitter = 0.8 + 0.4 * rand::random::<f64>();
        std::thread::sleep(std::time::Duration::from_secs_f64(delay * jitter));
    }
}

fn open(data: &Path) -> anyhow::Result<Store> {
    Store::open(store_path(data), OpenOptions::from_env()?)
        .map_err(|e| anyhow::anyhow!("cannot open the hub store: {e}"))
}

fn admin_post(
    data: &Path,
    route: &str,
    body: Vec<u8>,
) -> anyhow::Result<reqwest::blocking::Response> {
    let addr = std::fs::read_to_string(data.join("hub.addr"))
        .context("the hub is running but its address file is missing")?;
    let token = std::fs::read_to_string(server::admin_token_path(data))
        .context("cannot read the admin token")?;
    let (cert, _) = sync::tls::hub_identity(data)?;
    let response = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(sync::tls::client_config(&sync::tls::fingerprint(&cert))?)
        .build()?
        .post(format!("https://{}{route}", addr.trim()))
        .header("x-clinic-protocol", PROTOCOL_VERSION.to_string())
        .header("authorization", format!("Admin {}", token.trim()))
        .body(body)
        .send()?;
    anyhow::ensure!(
        response.status().is_success(),
        "the hub refused: {}",
        response.text().unwrap_or_default()
    );
    Ok(response)
}

/// An admin request to the running hub (the store is locked by it).
fn admin_request<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
    data: &Path,
    route: &str,
    req: &Req,
) -> anyhow::Result<Resp> {
    let bytes = admin_post(data, route, encode(req))?.bytes()?;
    Ok(decode(&bytes)?)
}

fn admin_request_empty<Req: serde::Serialize>(
    data: &Path,
    route: &str,
    req: &Req,
) -> anyhow::Result<()> {
    admin_post(data, route, encode(req)).map(|_| ())
}

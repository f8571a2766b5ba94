//! A TCP proxy on loopback that makes the network misbehave: it drops connections, cuts
//! answers short, delays bytes, and swallows whole answers (so the client resends what the hub
//! already applied). It forwards TLS bytes without reading them.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

/// What happens to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Pass,
    /// Closed before anything is forwarded.
    Refuse,
    /// The answer is cut after this many bytes.
    CutAnswer(usize),
    /// Every chunk waits this long.
    Slow(u64),
    /// The request reaches the hub; the answer never comes back.
    SwallowAnswer,
}

/// What the proxy does to new connections.
const RANDOM: u8 = 0;
const PASS: u8 = 1;
const SWALLOW: u8 = 2;

pub struct FaultyProxy {
    pub addr: String,
    mode: Arc<AtomicU8>,
    pub connections: Arc<AtomicU64>,
}

impl FaultyProxy {
    /// Forwards to `target` (host:port); faults start switched on.
    pub fn start(target: String, seed: u64) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().unwrap().to_string();
        let mode = Arc::new(AtomicU8::new(RANDOM));
        let connections = Arc::new(AtomicU64::new(0));
        let (on, count) = (mode.clone(), connections.clone());
        std::thread::spawn(move || {
            let mut rng = seed | 1;
            for client in listener.incoming().flatten() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                count.fetch_add(1, Ordering::Relaxed);
                let fault = match on.load(Ordering::Relaxed) {
                    PASS => Fault::Pass,
                    SWALLOW => Fault::SwallowAnswer,
                    _ => match rng % 10 {
                        0 | 1 => Fault::Refuse,
                        2 | 3 => Fault::CutAnswer(200 + (rng >> 8) as usize % 3000),
                        4 => Fault::Slow(5 + (rng >> 8) % 40),
                        5 | 6 => Fault::SwallowAnswer,
                        _ => Fault::Pass,
                    },
                };
                let target = target.clone();
                std::thread::spawn(move || connect(client, &target, fault));
            }
        });
        FaultyProxy {
            addr,
            mode,
            connections,
        }
    }

    /// Random faults on new connections (`true`, the start), or none.
    pub fn set_faults(&self, on: bool) {
        self.mode
            .store(if on { RANDOM } else { PASS }, Ordering::Relaxed);
    }

    /// Every new connection reaches the hub, and its answer never comes back.
    pub fn swallow_answers(&self) {
        self.mode.store(SWALLOW, Ordering::Relaxed);
    }
}

fn connect(client: TcpStream, target: &str, fault: Fault) {
    if fault == Fault::Refuse {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(hub) = TcpStream::connect(target) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (c2, h2) = (client.try_clone().unwrap(), hub.try_clone().unwrap());
    let delay = if let Fault::Slow(ms) = fault { ms } else { 0 };
    let up = std::thread::spawn(move || pump(client, hub, usize::MAX, delay, false));
    let limit = if let Fault::CutAnswer(n) = fault {
        n
    } else {
        usize::MAX
    };
    pump(h2, c2, limit, delay, fault == Fault::SwallowAnswer);
    let _ = up.join();
}

/// Copies `from` → `to` until EOF, `limit` bytes, or forever silently (`swallow`).
fn pump(mut from: TcpStream, mut to: TcpStream, limit: usize, delay_ms: u64, swallow: bool) {
    let mut buf = [0u8; 4096];
    let mut sent = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(delay_ms));
        }
        if swallow {
            continue;
        }
        let n = n.min(limit - sent);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n;
        if sent >= limit {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

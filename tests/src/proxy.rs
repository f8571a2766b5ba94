//! A TCP proxy on loopback that makes the network misbehave. It forwards TLS without
//! decrypting it; it reads only the records' 5-byte headers, which are in the clear, to tell
//! where the client's handshake ends and its request begins.
//!
//! The faults, each counted in [`Fired`] when it took effect:
//! - **refuse**: the connection is closed before anything is forwarded;
//! - **cut**: the hub's bytes stop after a few hundred or thousand (in the handshake, or in an
//!   answer);
//! - **slow**: every chunk, both ways, waits a few milliseconds;
//! - **swallow**: none of the hub's bytes come back. Under TLS the handshake then never ends,
//!   so no request reaches the hub and the client gives up at its connect timeout: this
//!   cannot make a client resend something the hub holds. The next one does;
//! - **lose the answer**: the handshake passes both ways and the client's request is forwarded
//!   whole; then the client's connection is closed before a byte of the hub's answer reaches
//!   it. The hub has the request, applies it and answers into the void (the proxy keeps
//!   reading it), so the client's next round sends again what the hub already holds.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What happens to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Pass,
    Refuse,
    /// The hub's bytes stop after this many.
    Cut(usize),
    /// Every chunk waits this long (ms).
    Slow(u64),
    Swallow,
    LoseAnswer,
}

/// What the proxy does to new connections.
const RANDOM: u8 = 0;
const PASS: u8 = 1;
const LOSE: u8 = 2;

/// How many times each fault took effect since the proxy started: a connection is counted
/// when its fault did something (a cut that fell past the end of every answer is not).
#[derive(Debug, Default)]
pub struct Fired {
    /// Connections closed before anything was forwarded.
    pub refused: AtomicU64,
    /// Connections whose hub bytes were cut short (some were read and never relayed).
    pub cut: AtomicU64,
    /// Connections whose bytes were relayed late.
    pub slowed: AtomicU64,
    /// Connections where the hub's bytes were swallowed (the handshake never finished).
    pub swallowed: AtomicU64,
    /// Requests forwarded whole to the hub whose client was cut off before the answer.
    pub lost: AtomicU64,
}

/// A moment's copy of [`Fired`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub refused: u64,
    pub cut: u64,
    pub slowed: u64,
    pub swallowed: u64,
    pub lost: u64,
}

impl Counts {
    /// What fired after `earlier`.
    pub fn since(&self, earlier: &Counts) -> Counts {
        Counts {
            refused: self.refused - earlier.refused,
            cut: self.cut - earlier.cut,
            slowed: self.slowed - earlier.slowed,
            swallowed: self.swallowed - earlier.swallowed,
            lost: self.lost - earlier.lost,
        }
    }

    /// Each kind with its count.
    pub fn kinds(&self) -> [(&'static str, u64); 5] {
        [
            ("refused", self.refused),
            ("cut", self.cut),
            ("slowed", self.slowed),
            ("swallowed", self.swallowed),
            ("answer lost", self.lost),
        ]
    }
}

impl Fired {
    pub fn counts(&self) -> Counts {
        let get = |n: &AtomicU64| n.load(Ordering::SeqCst);
        Counts {
            refused: get(&self.refused),
            cut: get(&self.cut),
            slowed: get(&self.slowed),
            swallowed: get(&self.swallowed),
            lost: get(&self.lost),
        }
    }

    fn count(n: &AtomicU64) {
        n.fetch_add(1, Ordering::SeqCst);
    }
}

pub struct FaultyProxy {
    pub addr: String,
    mode: Arc<AtomicU8>,
    pub connections: Arc<AtomicU64>,
    pub fired: Arc<Fired>,
}

impl FaultyProxy {
    /// Forwards to `target` (host:port); random faults start switched on.
    pub fn start(target: String, seed: u64) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().unwrap().to_string();
        let mode = Arc::new(AtomicU8::new(RANDOM));
        let connections = Arc::new(AtomicU64::new(0));
        let fired = Arc::new(Fired::default());
        let (on, count, fired_) = (mode.clone(), connections.clone(), fired.clone());
        std::thread::spawn(move || {
            let mut rng = seed | 1;
            for client in listener.incoming().flatten() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                count.fetch_add(1, Ordering::Relaxed);
                let fault = match on.load(Ordering::Relaxed) {
                    PASS => Fault::Pass,
                    LOSE => Fault::LoseAnswer,
                    _ => match rng % 10 {
                        0 => Fault::Refuse,
                        1 | 2 => Fault::Cut(200 + (rng >> 8) as usize % 3000),
                        3 => Fault::Slow(5 + (rng >> 8) % 40),
                        4 => Fault::Swallow,
                        5 | 6 => Fault::LoseAnswer,
                        _ => Fault::Pass,
                    },
                };
                let (target, fired) = (target.clone(), fired_.clone());
                std::thread::spawn(move || connect(client, &target, fault, &fired));
            }
        });
        FaultyProxy {
            addr,
            mode,
            connections,
            fired,
        }
    }

    /// Random faults on new connections (`true`, the start), or none.
    pub fn set_faults(&self, on: bool) {
        self.mode
            .store(if on { RANDOM } else { PASS }, Ordering::Relaxed);
    }

    /// Every new connection's request reaches the hub, and its answer never reaches the client.
    pub fn lose_answers(&self) {
        self.mode.store(LOSE, Ordering::Relaxed);
    }

    /// How many times each fault took effect so far.
    pub fn fired(&self) -> Counts {
        self.fired.counts()
    }
}

fn connect(client: TcpStream, target: &str, fault: Fault, fired: &Fired) {
    if fault == Fault::Refuse {
        let _ = client.shutdown(Shutdown::Both);
        Fired::count(&fired.refused);
        return;
    }
    let Ok(hub) = TcpStream::connect(target) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    if fault == Fault::LoseAnswer {
        lose_answer(client, hub, fired);
        return;
    }
    let (c2, h2) = (client.try_clone().unwrap(), hub.try_clone().unwrap());
    let delay = if let Fault::Slow(ms) = fault { ms } else { 0 };
    let up = std::thread::spawn(move || pump(client, hub, usize::MAX, delay, false));
    let limit = if let Fault::Cut(n) = fault {
        n
    } else {
        usize::MAX
    };
    let down = pump(h2, c2, limit, delay, fault == Fault::Swallow);
    let up = up.join().unwrap_or_default();
    match fault {
        Fault::Cut(_) if down.dropped => Fired::count(&fired.cut),
        Fault::Swallow if down.dropped => Fired::count(&fired.swallowed),
        Fault::Slow(_) if up.forwarded + down.forwarded > 0 => Fired::count(&fired.slowed),
        _ => {}
    }
}

/// What one direction of a connection carried.
#[derive(Clone, Copy, Debug, Default)]
struct Pumped {
    forwarded: usize,
    /// Bytes were read and never relayed.
    dropped: bool,
}

/// Copies `from` → `to` until EOF or `limit` bytes, or reads and relays nothing (`swallow`).
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    limit: usize,
    delay_ms: u64,
    swallow: bool,
) -> Pumped {
    let mut buf = [0u8; 4096];
    let mut done = Pumped::default();
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(delay_ms));
        }
        if swallow {
            done.dropped = true;
            continue;
        }
        let n_sent = n.min(limit - done.forwarded);
        done.dropped |= n_sent < n;
        if to.write_all(&buf[..n_sent]).is_err() {
            break;
        }
        done.forwarded += n_sent;
        if done.forwarded >= limit {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
    done
}

/// TLS record type of application data: in TLS 1.3 also the encrypted handshake messages.
const APPLICATION_DATA: u8 = 23;

/// Follows the TLS records of one direction: each starts with a clear 5-byte header (type,
/// version, length).
#[derive(Default)]
struct Records {
    header: Vec<u8>,
    body_left: usize,
}

impl Records {
    /// Takes the next bytes of the stream; how many application-data records began in them.
    fn feed(&mut self, mut bytes: &[u8]) -> u64 {
        let mut began = 0;
        while !bytes.is_empty() {
            if self.body_left > 0 {
                let n = self.body_left.min(bytes.len());
                self.body_left -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (5 - self.header.len()).min(bytes.len());
            self.header.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.header.len() == 5 {
                began += u64::from(self.header[0] == APPLICATION_DATA);
                self.body_left = u16::from_be_bytes([self.header[3], self.header[4]]) as usize;
                self.header.clear();
            }
        }
        began
    }
}

/// How long a client must have sent nothing, its request begun, before it is cut off: it has
/// sent the whole request and waits for the answer.
const CLIENT_DONE: Duration = Duration::from_millis(100);
/// How long the hub may stay silent, once the client is gone, before the proxy stops reading
/// it: it has answered into the void and waits for a next request that never comes.
const HUB_DONE: Duration = Duration::from_secs(2);

/// The handshake both ways, the client's request to the hub, and then the client cut off
/// before any of the answer: see the module's documentation.
///
/// The client's first application-data record is its request, except in TLS 1.3, where its
/// Finished message comes first in such a record. TLS 1.3 is recognised by the hub having
/// sent an application-data record (its encrypted handshake) before the client sent one: in
/// TLS 1.2 the hub sends none before the client's request. From the request's first byte on,
/// nothing of the hub's is relayed (session tickets sent late are lost with the answer).
fn lose_answer(client: TcpStream, hub: TcpStream, fired: &Fired) {
    #[derive(Default)]
    struct Shared {
        hub_records: AtomicU64,
        request_begun: AtomicBool,
        client_gone: AtomicBool,
        /// When the client's last byte was relayed (ms since `start`).
        client_last_ms: AtomicU64,
    }
    let start = Instant::now();
    let shared = Arc::new(Shared::default());
    let (mut client_r, mut hub_w) = (client.try_clone().unwrap(), hub.try_clone().unwrap());
    let up = {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let mut records = Records::default();
            let (mut seen, mut handshake_records) = (0, None);
            let mut buf = [0u8; 4096];
            loop {
                let n = match client_r.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let began = records.feed(&buf[..n]);
                if began > 0 {
                    let handshake = *handshake_records.get_or_insert_with(|| {
                        u64::from(shared.hub_records.load(Ordering::SeqCst) > 0)
                    });
                    seen += began;
                    if seen > handshake {
                        shared.request_begun.store(true, Ordering::SeqCst);
                    }
                }
                if hub_w.write_all(&buf[..n]).is_err() {
                    break;
                }
                let ms = start.elapsed().as_millis() as u64;
                shared.client_last_ms.store(ms, Ordering::SeqCst);
            }
            // The hub's side stays open: it must be able to finish the request and answer.
            shared.client_gone.store(true, Ordering::SeqCst);
        })
    };
    let (mut hub_r, mut client_w) = (hub, client);
    let _ = hub_r.set_read_timeout(Some(Duration::from_millis(20)));
    let mut records = Records::default();
    let mut withheld = 0usize;
    let mut cut_off = false;
    let mut hub_last = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match hub_r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hub_last = Instant::now();
                if shared.request_begun.load(Ordering::SeqCst) {
                    withheld += n;
                } else {
                    let began = records.feed(&buf[..n]);
                    shared.hub_records.fetch_add(began, Ordering::SeqCst);
                    if client_w.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
        if cut_off {
            if hub_last.elapsed() >= HUB_DONE {
                break;
            }
            continue;
        }
        if shared.client_gone.load(Ordering::SeqCst) {
            break; // the client left by itself: nothing was lost here
        }
        let client_last = shared.client_last_ms.load(Ordering::SeqCst);
        let quiet = (start.elapsed().as_millis() as u64).saturating_sub(client_last);
        if shared.request_begun.load(Ordering::SeqCst)
            && withheld > 0
            && Duration::from_millis(quiet) >= CLIENT_DONE
        {
            let _ = client_w.shutdown(Shutdown::Both);
            cut_off = true;
            Fired::count(&fired.lost);
        }
    }
    let _ = client_w.shutdown(Shutdown::Both);
    let _ = hub_r.shutdown(Shutdown::Both);
    let _ = up.join();
}

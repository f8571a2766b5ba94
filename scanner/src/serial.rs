//! The serial "scanning pier" (扫码墩): codes framed by CR and/or LF on a serial line, with
//! partial reads, noise, and a cable that is pulled and put back.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::source::{DeviceState, ScanEvent, Source, Waker};

/// What ends a code on the line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Terminator {
    /// CR, LF or CRLF (empty frames are ignored).
    #[default]
    Any,
    Cr,
    Lf,
}

/// Longest code accepted; anything longer is line noise or a stuck scanner.
pub const MAX_CODE: usize = 4096;

/// Splits a byte stream into codes. Keeps partial codes between reads; drops control bytes
/// and invalid UTF-8 (noise on the line).
#[derive(Debug, Default)]
pub struct LineFramer {
    terminator: Terminator,
    buf: Vec<u8>,
    /// Inside an overlong frame: skip to the next terminator.
    discarding: bool,
}

/// A framed result.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Code(String),
    /// A frame longer than [`MAX_CODE`] was dropped.
    TooLong,
}

impl LineFramer {
    pub fn new(terminator: Terminator) -> LineFramer {
        LineFramer {
            terminator,
            ..Default::default()
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Frame> {
        let mut out = Vec::new();
        for &b in bytes {
            let ends = match self.terminator {
                Terminator::Any => b == b'\r' || b == b'\n',
                Terminator::Cr => b == b'\r',
                Terminator::Lf => b == b'\n',
            };
            if ends {
                if !self.discarding && !self.buf.is_empty() {
                    let text = String::from_utf8_lossy(&self.buf).replace('\u{FFFD}', "");
                    let text = text.trim();
                    if !text.is_empty() {
                        out.push(Frame::Code(text.to_string()));
                    }
                }
                self.buf.clear();
                self.discarding = false;
            } else if b < 0x20 || b == 0x7f || b == 0xff {
                // Control bytes and 0xFF are line noise (a terminator of the other kind too).
            } else if self.buf.len() >= MAX_CODE {
                if !self.discarding {
                    out.push(Frame::TooLong);
                }
                self.discarding = true;
                self.buf.clear();
            } else if !self.discarding {
                self.buf.push(b);
            }
        }
        out
    }
}

/// Serial port settings (default 9600 8N1, codes ended by CR/LF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerialConfig {
    pub port: String,
    pub baud: u32,
    pub terminator: Terminator,
}

impl SerialConfig {
    pub fn new(port: &str) -> SerialConfig {
        SerialConfig {
            port: port.to_string(),
            baud: 9600,
            terminator: Terminator::Any,
        }
    }
}

/// Serial ports present on this PC.
pub fn available_ports() -> Vec<String> {
    serialport::available_ports()
        .map(|ports| ports.into_iter().map(|p| p.port_name).collect())
        .unwrap_or_default()
}

/// A thread that reads the pier, reopening it when the cable comes back.
pub struct SerialWorker {
    stop: Arc<AtomicBool>,
    join: Option<JoinHandle<()>>,
}

impl SerialWorker {
    pub fn spawn(config: SerialConfig, events: Sender<ScanEvent>, waker: Waker) -> SerialWorker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let join = std::thread::Builder::new()
            .name("serial-scanner".into())
            .spawn(move || run(config, events, waker, flag))
            .ok();
        SerialWorker { stop, join }
    }
}

impl Drop for SerialWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

fn run(config: SerialConfig, events: Sender<ScanEvent>, waker: Waker, stop: Arc<AtomicBool>) {
    let send = |e: ScanEvent| {
        let ok = events.send(e).is_ok();
        waker();
        ok
    };
    // Report a state only when it changes: a missing port is retried twice a second.
    let mut last_state: Option<DeviceState> = None;
    let mut set_state = |state: DeviceState| {
        if last_state.as_ref() != Some(&state) {
            last_state = Some(state.clone());
            send(ScanEvent::State {
                source: Source::Serial,
                state,
            });
        }
    };
    let mut was_connected = false;
    while !stop.load(Ordering::Relaxed) {
        let opened = serialport::new(&config.port, config.baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .timeout(Duration::from_millis(100))
            .open();
        let mut port = match opened {
            Ok(p) => p,
            Err(e) => {
                set_state(if was_connected {
                    DeviceState::Lost(e.to_string())
                } else {
                    DeviceState::Absent(e.to_string())
                });
                sleep_unless_stopped(&stop, Duration::from_millis(500));
                continue;
            }
        };
        set_state(DeviceState::Connected(format!(
            "{} {} 8N1",
            config.port, config.baud
        )));
        was_connected = true;
        let mut framer = LineFramer::new(config.terminator);
        let mut buf = [0u8; 512];
        while !stop.load(Ordering::Relaxed) {
            match port.read(&mut buf) {
                Ok(0) => {
                    set_state(DeviceState::Lost("the line closed".into()));
                    break;
                }
                Ok(n) => {
                    for frame in framer.feed(&buf[..n]) {
                        let event = match frame {
                            Frame::Code(text) => ScanEvent::Code {
                                text,
                                source: Source::Serial,
                            },
                            Frame::TooLong => ScanEvent::Warning {
                                source: Source::Serial,
                                message: format!("a code longer than {MAX_CODE} bytes was dropped"),
                            },
                        };
                        if !send(event) {
                            return;
                        }
                    }
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::TimedOut
                        || e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    set_state(DeviceState::Lost(e.to_string()));
                    break;
                }
            }
        }
        sleep_unless_stopped(&stop, Duration::from_millis(200));
    }
}

fn sleep_unless_stopped(stop: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(frames: Vec<Frame>) -> Vec<String> {
        frames
            .into_iter()
            .filter_map(|f| {
                if let Frame::Code(c) = f {
                    Some(c)
                } else {
                    None
                }
            })
            .collect()
    }

    #[test]
    fn partial_reads_join_and_any_line_end_splits() {
        let mut f = LineFramer::new(Terminator::Any);
        assert!(f.feed(b"EHC1:AB").is_empty());
        assert_eq!(codes(f.feed(b"CD\r\nNEXT\n")), vec!["EHC1:ABCD", "NEXT"]);
        assert_eq!(codes(f.feed(b"\r\n\r\n")), Vec::<String>::new());
    }

    #[test]
    fn noise_bytes_are_dropped() {
        let mut f = LineFramer::new(Terminator::Cr);
        assert_eq!(codes(f.feed(b"\x00\xffAB\x02C\n\xfe\r")), vec!["ABC"]);
    }

    #[test]
    fn an_overlong_frame_is_dropped_and_the_next_one_read() {
        let mut f = LineFramer::new(Terminator::Lf);
        let mut long = vec![b'A'; MAX_CODE + 10];
        long.extend_from_slice(b"\nOK\n");
        assert_eq!(
            f.feed(&long),
            vec![Frame::TooLong, Frame::Code("OK".into())]
        );
    }

    #[test]
    fn chinese_text_survives() {
        let mut f = LineFramer::new(Terminator::Any);
        assert_eq!(codes(f.feed("张伟\r".as_bytes())), vec!["张伟"]);
    }
}

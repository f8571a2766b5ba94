//! Property tests of the two framings a scanner's codes arrive through:
//!
//! - the serial pier (`scanner::serial::LineFramer`): a stream of card codes, each ended by
//!   the terminator (CR, LF or CRLF), with line noise anywhere and blank lines between, split
//!   into random chunks as reads return them, gives exactly the codes; and any bytes at all
//!   give the same frames however they are split;
//! - the keyboard wedge (`scanner::wedge::WedgeDetector`): codes typed by a scanner (a key
//!   every 1–20 ms, then Enter) and a person's typing between them, delivered by a window
//!   whose frames come every 1–120 ms (each frame's keys at the frame's time, in random text
//!   events), give exactly the codes as scans and the person's text and Enter as typed.

use proptest::prelude::*;
use proptest::sample::Index;
use scanner::serial::{Frame, LineFramer, MAX_CODE, Terminator};
use scanner::wedge::{WedgeConfig, WedgeDetector, WedgeOutput};

/// Cases per property; `PROPTEST_CASES` overrides it for a longer run.
const CASES: u32 = 1024;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // Failures are kept as named regression tests in this file, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Base45's alphabet, which `EHC1:` codes are written in.
const BASE45: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// A card code as a scanner reads it: an ID number, a platform card id (64 hex digits), an
/// `EHC1:` code in Base45, or text with Chinese characters (a code of another kind). Never
/// blank at either end (the framer trims) and never a control character.
fn card_code() -> impl Strategy<Value = String> {
    let digits = "[1-6][0-9]{16}[0-9X]";
    let hex = "[0-9A-F]{64}";
    let base45 = prop::collection::vec(
        prop::sample::select(BASE45.chars().collect::<Vec<_>>()),
        20..300,
    )
    .prop_map(|c| format!("EHC1:{}0", c.into_iter().collect::<String>()));
    let chinese = "[A-Z]{1,4}[张王李赵欧阳晓燕健康卡]{1,8}[0-9]{1,6}";
    prop_oneof![digits, hex, base45.boxed(), chinese]
}

/// A code a keyboard-wedge scanner types: ASCII (a wedge types through the keyboard layout),
/// an ID number at the shortest.
fn wedge_code() -> impl Strategy<Value = String> {
    card_code().prop_filter("typed through the keyboard", |c| c.is_ascii())
}

/// Cuts `bytes` at the given points (taken modulo its length), as reads of a serial port
/// return them.
fn chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    at.push(0);
    at.push(bytes.len());
    at.sort_unstable();
    at.windows(2).map(|w| bytes[w[0]..w[1]].to_vec()).collect()
}

fn feed(framer: &mut LineFramer, pieces: &[Vec<u8>]) -> Vec<Frame> {
    pieces.iter().flat_map(|p| framer.feed(p)).collect()
}

fn terminator() -> impl Strategy<Value = Terminator> {
    prop_oneof![
        Just(Terminator::Any),
        Just(Terminator::Cr),
        Just(Terminator::Lf)
    ]
}

/// Line noise for a terminator: control bytes, DEL and 0xFF, and the other line end.
fn noise(t: Terminator) -> Vec<u8> {
    let mut out: Vec<u8> = (0u8..0x20).filter(|b| *b != b'\r' && *b != b'\n').collect();
    out.extend([0x7f, 0xff]);
    match t {
        Terminator::Cr => out.push(b'\n'),
        Terminator::Lf => out.push(b'\r'),
        Terminator::Any => {}
    }
    out
}

/// What ends a code on the line: the terminator, for `Any` each of CR, LF and CRLF; and
/// sometimes blank lines after it.
fn line_end(t: Terminator, pick: u8) -> Vec<u8> {
    let end: &[u8] = match t {
        Terminator::Cr => b"\r",
        Terminator::Lf => b"\n",
        Terminator::Any => [&b"\r"[..], b"\n", b"\r\n"][pick as usize % 3],
    };
    end.repeat(1 + (pick as usize / 3) % 3)
}

proptest! {
    #![proptest_config(config())]

    /// Codes with their line ends and noise, in random chunks, come out as exactly the codes.
    #[test]
    fn serial_codes_in_any_chunks_come_out_exactly(
        t in terminator(),
        codes in prop::collection::vec((card_code(), any::<u8>()), 1..8),
        noise_at in prop::collection::vec((any::<Index>(), any::<Index>()), 0..12),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let mut stream = Vec::new();
        for (code, end) in &codes {
            stream.extend(code.as_bytes());
            stream.extend(line_end(t, *end));
        }
        // Noise may fall anywhere, inside a code or between two, even inside a character.
        let noise = noise(t);
        for (at, byte) in &noise_at {
            stream.insert(at.index(stream.len()), *byte.get(&noise));
        }
        let frames = feed(&mut LineFramer::new(t), &chunks(&stream, &cuts));
        let expected: Vec<Frame> = codes.iter().map(|(c, _)| Frame::Code(c.clone())).collect();
        prop_assert_eq!(frames, expected);
    }

    /// Any bytes at all (overlong frames included) give the same frames however they are
    /// split into reads.
    #[test]
    fn serial_frames_do_not_depend_on_the_chunks(
        t in terminator(),
        bytes in prop::collection::vec(
            prop_oneof![
                8 => any::<u8>(),
                1 => Just(b'\r'),
                1 => Just(b'\n'),
            ],
            0..2_000,
        ),
        long in prop::option::of((any::<Index>(), 1usize..3 * MAX_CODE)),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let mut bytes = bytes;
        if let Some((at, len)) = long {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, std::iter::repeat_n(b'A', len));
        }
        let whole = LineFramer::new(t).feed(&bytes);
        let pieces = feed(&mut LineFramer::new(t), &chunks(&bytes, &cuts));
        let byte_by_byte: Vec<Frame> = {
            let mut f = LineFramer::new(t);
            bytes.iter().flat_map(|b| f.feed(std::slice::from_ref(b))).collect()
        };
        prop_assert_eq!(&pieces, &whole);
        prop_assert_eq!(&byte_by_byte, &whole);
    }

    /// A code longer than the limit is reported once as too long, and the codes around it
    /// still come out.
    #[test]
    fn an_overlong_serial_frame_is_dropped_and_the_next_code_read(
        before in card_code(),
        after in card_code(),
        extra in 1usize..MAX_CODE,
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let mut stream = format!("{before}\r\n").into_bytes();
        stream.extend(std::iter::repeat_n(b'Z', MAX_CODE + extra));
        stream.extend(format!("\r\n{after}\n").into_bytes());
        let frames = feed(&mut LineFramer::new(Terminator::Any), &chunks(&stream, &cuts));
        prop_assert_eq!(frames, vec![Frame::Code(before), Frame::TooLong, Frame::Code(after)]);
    }
}

/// What reaches the keyboard, in order: a character or Enter, at a time in seconds.
#[derive(Clone, Debug)]
enum Key {
    Char(char, f64),
    Enter(f64),
}

impl Key {
    fn at(&self) -> f64 {
        match self {
            Key::Char(_, t) | Key::Enter(t) => *t,
        }
    }
}

/// One part of a session at the front desk, after a pause of `pause` seconds.
#[derive(Clone, Debug)]
enum Part {
    /// A scanner types a code, a key every `gaps[i]` seconds (1–20 ms), then Enter.
    Scan {
        code: String,
        gaps: Vec<f64>,
        pause: f64,
    },
    /// A person types text, a key every `gaps[i]` seconds (80 ms or more), maybe Enter; or
    /// presses a few keys at once (fewer than a code has), then Enter.
    Typing {
        text: String,
        gaps: Vec<f64>,
        enter: bool,
        pause: f64,
    },
}

fn part() -> impl Strategy<Value = Part> {
    let pause = 0.3f64..3.0;
    // Each scanner has its pace (the slowest, 20 ms, often) and keeps to it within 20 %.
    let pace = prop_oneof![1 => Just(0.020f64), 2 => 0.001f64..=0.020];
    let scan = (wedge_code(), pace, pause.clone()).prop_flat_map(|(code, pace, pause)| {
        let n = code.chars().count() + 1;
        let gaps = prop::collection::vec(0.8f64..=1.0, n)
            .prop_map(move |f| f.into_iter().map(|f| f * pace).collect::<Vec<f64>>());
        (gaps, Just(code), Just(pause)).prop_map(|(gaps, code, pause)| Part::Scan {
            code,
            gaps,
            pause,
        })
    });
    let typing = ("[a-z0-9]{1,10}", any::<bool>(), pause).prop_flat_map(|(text, enter, pause)| {
        let n = text.len() + 1;
        (
            prop::collection::vec(0.080f64..0.600, n),
            Just(text),
            Just(enter),
            Just(pause),
        )
            .prop_map(|(gaps, text, enter, pause)| Part::Typing {
                text,
                gaps,
                enter,
                pause,
            })
    });
    // Fewer keys than a code has, pressed together (or by a very fast typist), then Enter.
    let chord = ("[a-z0-9]{1,5}", 0.3f64..3.0).prop_flat_map(|(text, pause)| {
        let n = text.len() + 1;
        (
            prop::collection::vec(0.0f64..0.030, n),
            Just(text),
            Just(pause),
        )
            .prop_map(|(gaps, text, pause)| Part::Typing {
                text,
                gaps,
                enter: true,
                pause,
            })
    });
    prop_oneof![6 => scan, 2 => typing, 1 => chord]
}

/// The keys of a session, with their times.
fn keys(parts: &[Part]) -> Vec<Key> {
    let mut out = Vec::new();
    let mut t = 100.0;
    for part in parts {
        let (text, gaps, enter, pause) = match part {
            Part::Scan { code, gaps, pause } => (code, gaps, true, pause),
            Part::Typing {
                text,
                gaps,
                enter,
                pause,
            } => (text, gaps, *enter, pause),
        };
        t += pause;
        for (c, gap) in text.chars().zip(gaps) {
            out.push(Key::Char(c, t));
            t += gap;
        }
        if enter {
            out.push(Key::Enter(t));
        }
    }
    out
}

/// What the detector should give for a session, typed text merged as [`merged`] does.
fn expected(parts: &[Part]) -> Vec<WedgeOutput> {
    let out = parts.iter().flat_map(|part| match part {
        Part::Scan { code, .. } => vec![WedgeOutput::Scan(code.clone())],
        Part::Typing {
            text, enter: true, ..
        } => {
            vec![WedgeOutput::Typed(text.clone()), WedgeOutput::Enter]
        }
        Part::Typing { text, .. } => vec![WedgeOutput::Typed(text.clone())],
    });
    merged(out)
}

/// Joins consecutive typed text: how a person's characters are grouped into releases is the
/// detector's business; that every one arrives, in order, is the property.
fn merged(outputs: impl IntoIterator<Item = WedgeOutput>) -> Vec<WedgeOutput> {
    let mut out: Vec<WedgeOutput> = Vec::new();
    for o in outputs {
        match (out.last_mut(), o) {
            (Some(WedgeOutput::Typed(held)), WedgeOutput::Typed(more)) => held.push_str(&more),
            (_, o) => out.push(o),
        }
    }
    out
}

/// Delivers `keys` as a window does: frames `frame_gaps` apart (cycled), each frame's keys
/// at the frame's time, its characters in text events split where `splits` says, then the
/// frame's tick (as `app/src/gui/scanning.rs` calls the detector).
fn deliver(keys: &[Key], frame_gaps: &[f64], splits: &[bool]) -> Vec<WedgeOutput> {
    let mut d = WedgeDetector::new(WedgeConfig::default());
    let mut out = Vec::new();
    let (mut next, mut frame, mut n) = (0, 100.0, 0);
    let mut split = splits.iter().cycle();
    let end = keys.last().map_or(100.0, Key::at) + 1.0;
    while frame <= end {
        frame += frame_gaps[n % frame_gaps.len()];
        n += 1;
        let mut text = String::new();
        while next < keys.len() && keys[next].at() <= frame {
            match &keys[next] {
                Key::Char(c, _) => {
                    text.push(*c);
                    if *split.next().unwrap_or(&false) {
                        out.extend(d.text(&std::mem::take(&mut text), frame));
                    }
                }
                Key::Enter(_) => {
                    if !text.is_empty() {
                        out.extend(d.text(&std::mem::take(&mut text), frame));
                    }
                    out.extend(d.enter(frame));
                }
            }
            next += 1;
        }
        if !text.is_empty() {
            out.extend(d.text(&text, frame));
        }
        out.extend(d.tick(frame));
    }
    out.extend(d.flush());
    out
}

proptest! {
    #![proptest_config(config())]

    /// Scanner codes and a person's typing, in frames of any pace a window keeps, give the
    /// codes as scans, whole and once, and every typed character and Enter in order.
    #[test]
    fn wedge_codes_in_any_frames_come_out_exactly(
        parts in prop::collection::vec(part(), 1..6),
        frame_gaps in prop::collection::vec(0.001f64..0.120, 1..20),
        splits in prop::collection::vec(any::<bool>(), 1..20),
    ) {
        let outputs = merged(deliver(&keys(&parts), &frame_gaps, &splits));
        prop_assert_eq!(outputs, expected(&parts));
    }
}

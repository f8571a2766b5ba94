//! The scanners of the window: webcam, serial pier and keyboard wedge feed one channel; every
//! code is verified offline and resolved to a resident. The logic is in `scanner` and
//! `crate::scan`; this module only wires devices to the UI.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use egui::{Event, Key};
use scanner::camera::{CameraChoice, CameraWorker};
use scanner::card::{Scan, Verifier};
use scanner::serial::{SerialConfig, SerialWorker};
use scanner::source::{DeviceState, ScanEvent, Source};
use scanner::wedge::{WedgeConfig, WedgeDetector, WedgeOutput};
use scanner::worker::{DecodeWorker, FrameResult};

use crate::scan::{Resolution, resolve};
use crate::settings::Settings;

/// A code the window has checked, with what to do about it.
pub struct Checked {
    pub scan: Scan,
    pub resolution: Resolution,
    pub source: Source,
}

pub struct Scanners {
    events_tx: Sender<ScanEvent>,
    events: Receiver<ScanEvent>,
    frames: Receiver<FrameResult>,
    pub verifier: Verifier,
    wedge: WedgeDetector,
    pub states: HashMap<Source, DeviceState>,
    /// When each source last delivered a code (ms): the status bar shows it, since a keyboard
    /// wedge cannot be detected until it types.
    pub last_code: HashMap<Source, i64>,
    pub camera: Option<CameraWorker>,
    _serial: Option<SerialWorker>,
    /// Last camera code and when it was handled: a card held in front of the camera is read
    /// once, not thirty times a second.
    last_camera: Option<(String, f64)>,
    /// Where the last camera code was, for the preview outline (full-frame pixels).
    pub last_outline: Vec<(f32, f32)>,
    /// Input held back one frame: a click or key that came with held text, replayed after the
    /// text has reached the field it was typed into.
    deferred: Vec<Event>,
}

impl Scanners {
    /// Starts the configured devices.
    pub fn start(ctx: &egui::Context, settings: &Settings, verifier: Verifier) -> Scanners {
        let (events_tx, events) = channel();
        let (frames_tx, frames) = channel();
        let waker = {
            let ctx = ctx.clone();
            Arc::new(move || ctx.request_repaint()) as scanner::source::Waker
        };
        let mut states = HashMap::new();
        states.insert(
            Source::Wedge,
            DeviceState::Absent("no code yet: a keyboard scanner shows itself by scanning".into()),
        );
        let serial = if settings.serial_port.trim().is_empty() {
            states.insert(Source::Serial, DeviceState::Absent("not configured".into()));
            None
        } else {
            let config = SerialConfig {
                baud: settings.serial_baud,
                ..SerialConfig::new(&settings.serial_port)
            };
            Some(SerialWorker::spawn(
                config,
                events_tx.clone(),
                waker.clone(),
            ))
        };
        let camera = match CameraChoice::parse(&settings.camera) {
            None => {
                states.insert(Source::Camera, DeviceState::Absent("off".into()));
                None
            }
            Some(choice) => {
                let decoder = Arc::new(DecodeWorker::spawn(frames_tx, waker.clone()));
                Some(CameraWorker::spawn(
                    choice,
                    decoder,
                    events_tx.clone(),
                    waker,
                ))
            }
        };
        Scanners {
            events_tx,
            events,
            frames,
            verifier,
            wedge: WedgeDetector::new(WedgeConfig {
                max_gap: f64::from(settings.wedge_gap_ms.clamp(5, 200)) / 1000.0,
                ..WedgeConfig::default()
            }),
            last_code: HashMap::new(),
            states,
            camera,
            _serial: serial,
            last_camera: None,
            last_outline: Vec::new(),
            deferred: Vec::new(),
        }
    }

    /// The channel every source writes to (tests inject decoded codes here).
    pub fn sender(&self) -> Sender<ScanEvent> {
        self.events_tx.clone()
    }

    /// Takes keyboard-wedge bursts out of the raw input before egui sees it (eframe's
    /// `raw_input_hook`), and gives a person's typing back, held at most a few tens of
    /// milliseconds.
    pub fn filter_raw(&mut self, ctx: &egui::Context, raw: &mut egui::RawInput) {
        let t = raw.time.unwrap_or_else(|| ctx.input(|i| i.time));
        let modifiers = ctx.input(|i| i.modifiers);
        raw.events = self.filter_events(std::mem::take(&mut raw.events), t, modifiers);
        self.after_filter(ctx);
    }

    /// The same on input egui already has (the test harness has no raw-input hook). Text still
    /// never reaches a widget; a click or Tab arriving with held text has, however, already
    /// moved the focus, which only [`Scanners::filter_raw`] can prevent.
    pub fn filter_input(&mut self, ctx: &egui::Context) {
        ctx.input_mut(|input| {
            let (t, modifiers) = (input.time, input.modifiers);
            input.events = self.filter_events(std::mem::take(&mut input.events), t, modifiers);
        });
        self.after_filter(ctx);
    }

    fn after_filter(&mut self, ctx: &egui::Context) {
        if !self.deferred.is_empty() {
            ctx.request_repaint();
        } else if self.wedge.holding() {
            ctx.request_repaint_after(std::time::Duration::from_millis(40));
        }
    }

    /// The events a frame should see: bursts out (sent to the scanner channel), held text in
    /// typing order, and a click or key that came with held text deferred one frame so the text
    /// reaches the field it was typed into before the focus moves.
    fn filter_events(
        &mut self,
        events: Vec<Event>,
        t: f64,
        modifiers: egui::Modifiers,
    ) -> Vec<Event> {
        let mut kept = Vec::with_capacity(events.len());
        let push = |kept: &mut Vec<Event>, outputs: Vec<WedgeOutput>, tx: &Sender<ScanEvent>| {
            for out in outputs {
                match out {
                    WedgeOutput::Scan(text) => {
                        let _ = tx.send(ScanEvent::Code {
                            text,
                            source: Source::Wedge,
                        });
                    }
                    WedgeOutput::Typed(text) => kept.push(Event::Text(text)),
                    WedgeOutput::Enter => kept.push(Event::Key {
                        key: Key::Enter,
                        physical_key: Some(Key::Enter),
                        pressed: true,
                        repeat: false,
                        modifiers,
                    }),
                }
            }
        };
        let incoming: Vec<Event> = std::mem::take(&mut self.deferred)
            .into_iter()
            .chain(events)
            .collect();
        for event in incoming {
            if !self.deferred.is_empty() {
                self.deferred.push(event);
                continue;
            }
            match &event {
                Event::Text(text) => push(&mut kept, self.wedge.text(text, t), &self.events_tx),
                // A scanner ends a code with a plain Enter; Ctrl+Enter (save) is a person's.
                Event::Key {
                    key: Key::Enter,
                    pressed: true,
                    modifiers: m,
                    ..
                } if m.is_none() => push(&mut kept, self.wedge.enter(t), &self.events_tx),
                // Shift (and the other modifiers) come as keys of their own around every
                // capital a scanner types: they are no person's action.
                Event::Key { key, .. } if is_modifier(*key) => kept.push(event),
                // egui-winit sends each character's key before its text: while a burst is
                // held, that key is part of it (its text follows), not a person's key that
                // would release the burst. Only the text goes on, if anywhere.
                Event::Key {
                    key, modifiers: m, ..
                } if self.wedge.holding()
                    && types_text(*key)
                    && !(m.ctrl || m.alt || m.command) => {}
                Event::Key { pressed: true, .. } | Event::PointerButton { pressed: true, .. }
                    if self.wedge.holding() =>
                {
                    push(&mut kept, self.wedge.flush(), &self.events_tx);
                    self.deferred.push(event);
                }
                _ => kept.push(event),
            }
        }
        push(&mut kept, self.wedge.tick(t), &self.events_tx);
        kept
    }

    /// Drains every source; returns the codes checked this frame.
    pub fn poll(&mut self, store: &storage::Store, time: f64) -> (Vec<Checked>, Vec<String>) {
        let mut checked = Vec::new();
        let mut warnings = Vec::new();
        let now_s = (store.clock().now_ms() / 1000).max(0) as u64;
        while let Ok(result) = self.frames.try_recv() {
            for code in result.codes {
                let repeat = self
                    .last_camera
                    .as_ref()
                    .is_some_and(|(t, at)| *t == code.text && time - at < 3.0);
                self.last_outline = code.points.clone();
                if !repeat {
                    self.last_camera = Some((code.text.clone(), time));
                    let _ = self.events_tx.send(ScanEvent::Code {
                        text: code.text,
                        source: Source::Camera,
                    });
                }
            }
        }
        while let Ok(event) = self.events.try_recv() {
            match event {
                ScanEvent::Code { text, source } => {
                    let at = store.clock().now_ms();
                    self.last_code.insert(source, at);
                    if source == Source::Wedge {
                        self.states
                            .insert(source, DeviceState::Connected("a code came".into()));
                    }
                    let (scan, resolution) = resolve(store, &mut self.verifier, &text, now_s);
                    checked.push(Checked {
                        scan,
                        resolution,
                        source,
                    });
                }
                ScanEvent::State { source, state } => {
                    self.states.insert(source, state);
                }
                ScanEvent::Warning { message, .. } => warnings.push(message),
            }
        }
        (checked, warnings)
    }
}

/// Keys that type a character (their `Text` event follows), as opposed to keys that edit,
/// move the focus or run a command.
fn types_text(key: Key) -> bool {
    use Key::*;
    matches!(
        key,
        Space
            | Colon
            | Comma
            | Minus
            | Period
            | Plus
            | Equals
            | Semicolon
            | OpenBracket
            | CloseBracket
            | OpenCurlyBracket
            | CloseCurlyBracket
            | Backtick
            | Backslash
            | Slash
            | Pipe
            | Questionmark
            | Exclamationmark
            | Quote
            | Num0
            | Num1
            | Num2
            | Num3
            | Num4
            | Num5
            | Num6
            | Num7
            | Num8
            | Num9
    ) || key.name().len() == 1 && key.name().as_bytes()[0].is_ascii_uppercase()
}

/// Modifier keys, which egui also reports as keys of their own (pressed before a capital).
fn is_modifier(key: Key) -> bool {
    use Key::*;
    matches!(
        key,
        ShiftLeft
            | ShiftRight
            | ControlLeft
            | ControlRight
            | AltLeft
            | AltRight
            | SuperLeft
            | SuperRight
            | CapsLock
            | NumLock
    )
}

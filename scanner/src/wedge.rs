//! Keyboard-wedge scanners: USB devices that "type" a code and Enter, far faster than a person.
//!
//! The detector sees every typed character with its arrival time and decides, before any text
//! field gets it, whether it belongs to a scanner burst. A person's keystrokes are released
//! (slightly delayed); a burst ending in Enter becomes a code and is never typed anywhere.

/// Tuning for burst recognition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WedgeConfig {
    /// Keys closer than this (seconds) continue a burst. Scanners type every 1–20 ms; people
    /// rarely faster than 60 ms.
    pub max_gap: f64,
    /// Shortest code taken as a scan.
    pub min_len: usize,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        WedgeConfig {
            max_gap: 0.035,
            min_len: 6,
        }
    }
}

/// What the UI should do with held input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeOutput {
    /// A scanner burst: a code, to route to the scanner.
    Scan(String),
    /// Characters a person typed: give them to the focused text field.
    Typed(String),
    /// Enter pressed by a person: pass it on.
    Enter,
}

/// A pause between two typed characters that no slow frame explains: what came before it was
/// typed by a person, as many multiples of `max_gap`.
const PAUSE_GAPS: f64 = 4.0;

/// Holds typed characters while they may be a scanner's burst.
///
/// Times are those of the frames the characters arrived in, not of the keys: a window that
/// draws slowly (an old PC, a virtual display) delivers a burst a few characters per frame,
/// and frames 60 ms apart must not break a burst of keys 20 ms apart. So a burst continues as
/// long as every frame brings more of it (an empty frame more than `max_gap` after the last
/// character ends it, see [`WedgeDetector::tick`]), and at Enter it is a scan when its *average*
/// pace, first character to last, is a scanner's.
#[derive(Debug, Default)]
pub struct WedgeDetector {
    config: WedgeConfig,
    held: String,
    /// When the first and the last held character arrived.
    first: f64,
    last: f64,
}

impl WedgeDetector {
    pub fn new(config: WedgeConfig) -> WedgeDetector {
        WedgeDetector {
            config,
            ..Default::default()
        }
    }

    /// Characters are held while a burst may be starting.
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// Typed characters (one or several, delivered in one frame) at time `t` (seconds).
    pub fn text(&mut self, text: &str, t: f64) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        if self.holding() && t - self.last > self.config.max_gap * PAUSE_GAPS {
            out.extend(self.flush());
        }
        if !text.is_empty() {
            if self.held.is_empty() {
                self.first = t;
            }
            self.held.push_str(text);
            self.last = t;
        }
        out
    }

    /// Enter at time `t`: ends a burst as a scan, or is a person's Enter.
    pub fn enter(&mut self, t: f64) -> Vec<WedgeOutput> {
        let mut out = self.text("", t);
        // The gaps between the characters; Enter often comes in the last one's frame.
        let n = self.held.chars().count();
        let pace = (t - self.first) / n.saturating_sub(1).max(1) as f64;
        if n >= self.config.min_len && pace <= self.config.max_gap {
            out.push(WedgeOutput::Scan(std::mem::take(&mut self.held)));
        } else {
            out.extend(self.flush());
            out.push(WedgeOutput::Enter);
        }
        out
    }

    /// Releases held characters now: another key or a click came, so they were typed by a
    /// person and belong where the focus is *before* that key or click moves it.
    pub fn flush(&mut self) -> Vec<WedgeOutput> {
        if self.held.is_empty() {
            Vec::new()
        } else {
            vec![WedgeOutput::Typed(std::mem::take(&mut self.held))]
        }
    }

    /// Call at the end of every frame: releases held characters once no burst can follow
    /// (a frame came without more of them, later than a scanner's gap).
    pub fn tick(&mut self, t: f64) -> Vec<WedgeOutput> {
        if self.holding() && t - self.last > self.config.max_gap {
            self.flush()
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WedgeOutput::*;

    fn type_at(d: &mut WedgeDetector, text: &str, start: f64, gap: f64) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        for (i, c) in text.chars().enumerate() {
            out.extend(d.text(&c.to_string(), start + i as f64 * gap));
        }
        out
    }

    #[test]
    fn a_scanner_burst_becomes_a_scan_and_is_not_typed() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        let code = "420921198503150015";
        assert!(type_at(&mut d, code, 10.0, 0.004).is_empty());
        assert_eq!(d.enter(10.0 + 18.0 * 0.004), vec![Scan(code.into())]);
        assert!(!d.holding());
    }

    #[test]
    fn a_person_typing_gets_every_character() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        let mut out = type_at(&mut d, "zhangwei", 5.0, 0.15);
        out.extend(d.tick(5.0 + 8.0 * 0.15));
        let typed: String = out
            .iter()
            .map(|o| if let Typed(t) = o { t.as_str() } else { "" })
            .collect();
        assert_eq!(typed, "zhangwei");
        assert_eq!(d.enter(7.0), vec![Enter]);
    }

    #[test]
    fn a_short_fast_burst_is_typing() {
        // Two keys pressed together by a person, then Enter.
        let mut d = WedgeDetector::new(WedgeConfig::default());
        d.text("ab", 1.0);
        assert_eq!(d.enter(1.01), vec![Typed("ab".into()), Enter]);
    }

    #[test]
    fn a_person_pausing_then_a_scan() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        let mut out = d.text("x", 1.0);
        // No frame came in between (a very slow window): the pause still separates them.
        out.extend(type_at(&mut d, "6836D27C966E", 2.0, 0.002));
        out.extend(d.enter(2.03));
        assert_eq!(out, vec![Typed("x".into()), Scan("6836D27C966E".into())]);
    }

    #[test]
    fn a_click_releases_what_was_typed_before_it() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        d.text("k", 1.0);
        assert_eq!(d.flush(), vec![Typed("k".into())]);
        assert!(!d.holding());
        assert!(d.flush().is_empty());
    }

    #[test]
    fn several_characters_in_one_frame_count_as_fast() {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        d.text("EHC1:6BF", 3.0);
        d.text("OXN*TS0B", 3.016);
        assert_eq!(d.enter(3.03), vec![Scan("EHC1:6BFOXN*TS0B".into())]);
    }

    /// Feeds `code` typed every `key_gap` seconds, then Enter, to frames drawn every
    /// `frame_gap` seconds, as the window delivers them (each frame's keys at the frame's time).
    fn in_frames(code: &str, key_gap: f64, frame_gap: f64) -> Vec<WedgeOutput> {
        let mut d = WedgeDetector::new(WedgeConfig::default());
        let mut out = Vec::new();
        let chars: Vec<char> = code.chars().collect();
        let enter_at = chars.len() as f64 * key_gap;
        let (mut next, mut frame, mut entered) = (0, 0.0, false);
        while !entered {
            frame += frame_gap;
            let mut text = String::new();
            while next < chars.len() && next as f64 * key_gap <= frame {
                text.push(chars[next]);
                next += 1;
            }
            out.extend(d.text(&text, 100.0 + frame));
            if next == chars.len() && enter_at <= frame {
                out.extend(d.enter(100.0 + frame));
                entered = true;
            }
            out.extend(d.tick(100.0 + frame));
        }
        out
    }

    #[test]
    fn a_burst_survives_slow_frames() {
        let code = "EHC1:6BFOXN*TS0B9ABC";
        for (key_gap, frame_gap) in [
            (0.003, 0.016),
            (0.020, 0.016),
            (0.020, 0.060),
            (0.003, 0.120),
        ] {
            assert_eq!(
                in_frames(code, key_gap, frame_gap),
                vec![Scan(code.into())],
                "keys every {key_gap} s, frames every {frame_gap} s"
            );
        }
    }

    #[test]
    fn a_person_typing_in_fast_or_slow_frames_gets_every_character() {
        for frame_gap in [0.016, 0.060] {
            let out = in_frames("zhangwei", 0.150, frame_gap);
            let typed: String = out
                .iter()
                .map(|o| if let Typed(t) = o { t.as_str() } else { "" })
                .collect();
            assert_eq!(typed, "zhangwei", "frames every {frame_gap} s");
            assert_eq!(out.last(), Some(&Enter));
        }
    }
}

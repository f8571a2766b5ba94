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

#[derive(Debug, Default)]
pub struct WedgeDetector {
    config: WedgeConfig,
    held: String,
    last: f64,
    /// The held characters arrived as a burst so far.
    fast: bool,
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

    /// A typed character (or several, delivered together) at time `t` (seconds).
    pub fn text(&mut self, text: &str, t: f64) -> Vec<WedgeOutput> {
        let mut out = self.expire(t);
        for c in text.chars() {
            let fast = self.held.is_empty() || t - self.last <= self.config.max_gap;
            if !fast {
                out.push(WedgeOutput::Typed(std::mem::take(&mut self.held)));
                self.fast = true;
            }
            if self.held.is_empty() {
                self.fast = true;
            }
            self.held.push(c);
            self.last = t;
        }
        out
    }

    /// Enter at time `t`: ends a burst as a scan, or is a person's Enter.
    pub fn enter(&mut self, t: f64) -> Vec<WedgeOutput> {
        let mut out = self.expire(t);
        let burst = self.fast
            && self.held.chars().count() >= self.config.min_len
            && t - self.last <= self.config.max_gap;
        if burst {
            out.push(WedgeOutput::Scan(std::mem::take(&mut self.held)));
        } else {
            if !self.held.is_empty() {
                out.push(WedgeOutput::Typed(std::mem::take(&mut self.held)));
            }
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

    /// Call every frame: releases held characters once no burst can follow.
    pub fn tick(&mut self, t: f64) -> Vec<WedgeOutput> {
        self.expire(t)
    }

    fn expire(&mut self, t: f64) -> Vec<WedgeOutput> {
        if !self.held.is_empty() && t - self.last > self.config.max_gap {
            vec![WedgeOutput::Typed(std::mem::take(&mut self.held))]
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
}

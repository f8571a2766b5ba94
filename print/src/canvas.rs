//! A page to draw on in millimetres from the top-left corner, as forms are measured, with
//! text measured in the printing font so it can be centred, right-aligned and wrapped.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Greyscale, Line, LineDashPattern, LinePoint, Mm, Op, PaintMode, ParsedFont,
    PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem,
};

use crate::{CJK_FONT, Error, Result};

/// A finished document.
/// The modules of a QR code, row by row (`dark[y * size + x]`), as the encoder made them: the
/// canvas draws them as vectors and does not encode anything itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QrModules {
    pub size: u32,
    pub dark: Vec<bool>,
}

impl QrModules {
    fn get(&self, x: u32, y: u32) -> bool {
        self.dark[(y * self.size + x) as usize]
    }
}

#[derive(Clone, Debug)]
pub struct Printed {
    pub pdf: Vec<u8>,
    /// Characters the font lacks (a rare character in a name): printed as a blank box, to be
    /// written by hand. The app says which.
    pub missing: Vec<char>,
}

fn font() -> Result<&'static ParsedFont> {
    static FONT: OnceLock<Option<ParsedFont>> = OnceLock::new();
    FONT.get_or_init(|| ParsedFont::from_bytes(CJK_FONT, 0, &mut Vec::new()))
        .as_ref()
        .ok_or(Error::Font)
}

pub struct Canvas {
    width: f32,
    height: f32,
    ops: Vec<Op>,
    pages: Vec<PdfPage>,
    doc: PdfDocument,
    font_id: FontId,
    font: &'static ParsedFont,
    missing: BTreeSet<char>,
}

/// How a line of text sits against its x coordinate.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Centre,
    Right,
}

impl Canvas {
    pub fn new(title: &str, width_mm: f32, height_mm: f32) -> Result<Canvas> {
        let font = font()?;
        let mut doc = PdfDocument::new(title);
        let font_id = doc.add_font(font);
        Ok(Canvas {
            width: width_mm,
            height: height_mm,
            ops: Vec::new(),
            pages: Vec::new(),
            doc,
            font_id,
            font,
            missing: BTreeSet::new(),
        })
    }

    fn point(&self, x: f32, y: f32) -> Point {
        Point::new(Mm(x), Mm(self.height - y))
    }

    /// Width of `text` at `size` points, in millimetres.
    pub fn measure(&self, text: &str, size: f32) -> f32 {
        let units_per_em = f32::from(self.font.pdf_font_metrics.units_per_em.max(1));
        let units: u32 = text
            .chars()
            .map(|c| {
                self.font
                    .lookup_glyph_index(c as u32)
                    .map_or(units_per_em as u32, |g| {
                        u32::from(self.font.get_horizontal_advance(g))
                    })
            })
            .sum();
        Mm::from(Pt(units as f32 / units_per_em * size)).0
    }

    /// One line of text whose baseline is at `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, align: Align, text: &str) {
        let x = match align {
            Align::Left => x,
            Align::Centre => x - self.measure(text, size) / 2.0,
            Align::Right => x - self.measure(text, size),
        };
        for c in text.chars() {
            if !c.is_whitespace() && self.font.lookup_glyph_index(c as u32).is_none() {
                self.missing.insert(c);
            }
        }
        let pos = self.point(x, y);
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(self.font_id.clone()),
                size: Pt(size),
            },
            Op::SetTextCursor { pos },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    /// `text` broken into lines no wider than `width`, at most `max_lines` (the last one ends
    /// with … when text was cut). Returns the baseline of the last line drawn.
    pub fn paragraph(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        size: f32,
        max_lines: usize,
        text: &str,
    ) -> f32 {
        let leading = Mm::from(Pt(size * 1.4)).0;
        let lines = self.wrap(text, width, size);
        let cut = lines.len() > max_lines;
        let mut baseline = y;
        for (i, line) in lines.iter().take(max_lines).enumerate() {
            baseline = y + leading * i as f32;
            let shown = if cut && i + 1 == max_lines {
                format!("{line}…")
            } else {
                line.clone()
            };
            self.text(x, baseline, size, Align::Left, &shown);
        }
        baseline
    }

    /// Greedy line breaking: Chinese breaks between any two characters, Latin at spaces
    /// where it can, and mid-word only when one word is wider than the line.
    fn wrap(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for source in text.lines() {
            let mut line = String::new();
            for word in split_keeping_spaces(source) {
                let candidate = format!("{line}{word}");
                if self.measure(candidate.trim_end(), size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.trim().is_empty() {
                    lines.push(line.trim_end().to_string());
                }
                line = String::new();
                for c in word.trim_start().chars() {
                    if !line.is_empty() && self.measure(&format!("{line}{c}"), size) > width {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(c);
                }
                // 避头: closing punctuation never starts a line; it hangs at the end of the
                // previous one instead.
                if line.chars().all(is_closing) && !line.is_empty() {
                    if let Some(previous) = lines.last_mut() {
                        previous.push_str(line.trim());
                        line.clear();
                    }
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, thickness: f32) {
        let points = vec![
            LinePoint {
                p: self.point(x1, y1),
                bezier: false,
            },
            LinePoint {
                p: self.point(x2, y2),
                bezier: false,
            },
        ];
        self.ops.extend([
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points,
                    is_closed: false,
                },
            },
        ]);
    }

    /// The outline of a box; `dashed` for a cutting line.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, dashed: bool) {
        let dash = if dashed {
            LineDashPattern::new(0.0, &[4.0, 3.0])
        } else {
            LineDashPattern::solid()
        };
        let corner = self.point(x, y + h);
        self.ops.extend([
            Op::SetOutlineThickness { pt: Pt(0.6) },
            Op::SetLineDashPattern { dash },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: corner.x,
                    y: corner.y,
                    width: Mm(w).into(),
                    height: Mm(h).into(),
                    mode: Some(PaintMode::Stroke),
                    winding_order: None,
                },
            },
            Op::SetLineDashPattern {
                dash: LineDashPattern::solid(),
            },
        ]);
    }

    /// A QR code `side` millimetres wide, without its quiet zone (leave 4 modules clear).
    /// Each run of dark modules in a row is one filled rectangle.
    pub fn qr(&mut self, x: f32, y: f32, side: f32, qr: &QrModules) {
        let module = side / qr.size as f32;
        self.ops.push(Op::SetFillColor {
            col: Color::Greyscale(Greyscale {
                percent: 0.0,
                icc_profile: None,
            }),
        });
        for row in 0..qr.size {
            let mut col = 0;
            while col < qr.size {
                if !qr.get(col, row) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < qr.size && qr.get(col, row) {
                    col += 1;
                }
                let corner = self.point(x + start as f32 * module, y + (row + 1) as f32 * module);
                self.ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: corner.x,
                        y: corner.y,
                        width: Mm((col - start) as f32 * module).into(),
                        height: Mm(module).into(),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
            }
        }
    }

    /// Ends the page drawn so far; what follows goes on a new one.
    pub fn next_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages
            .push(PdfPage::new(Mm(self.width), Mm(self.height), ops));
    }

    pub fn finish(mut self) -> Printed {
        self.next_page();
        let pdf = self
            .doc
            .with_pages(self.pages)
            .save(&PdfSaveOptions::default(), &mut Vec::new());
        Printed {
            pdf,
            missing: self.missing.into_iter().collect(),
        }
    }
}

fn is_closing(c: char) -> bool {
    "。，、；：！？）》」』】…,.;:!?)".contains(c)
}

/// `"take 1 tablet"` → `["take ", "1 ", "tablet"]`; each CJK character is a word of its own.
fn split_keeping_spaces(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let wide = !c.is_ascii();
        if wide && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
        if wide || c == ' ' {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_spaces_and_between_chinese_characters() {
        assert_eq!(
            split_keeping_spaces("口服 0.5 g每日"),
            ["口", "服", " ", "0.5 ", "g", "每", "日"]
        );
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_character() {
        let canvas = Canvas::new("t", 100.0, 100.0).unwrap();
        let text = "高血压病史十年，规律服用氨氯地平片 5 mg qd；近一周头晕，血压 168/98 mmHg，建议上级医院调整方案。";
        let lines = canvas.wrap(text, 40.0, 10.0);
        assert!(lines.len() > 2, "{lines:?}");
        for line in &lines {
            // Only closing punctuation may hang past the edge.
            let body = line.trim_end_matches(is_closing);
            assert!(canvas.measure(body, 10.0) <= 40.0, "{line} is too wide");
            assert!(
                !line.starts_with(is_closing),
                "{line} starts with punctuation"
            );
        }
        let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        let expected: String = text.chars().filter(|c| *c != ' ').collect();
        assert_eq!(joined, expected);
    }

    #[test]
    fn closing_punctuation_hangs_instead_of_starting_a_line() {
        let canvas = Canvas::new("t", 100.0, 100.0).unwrap();
        let width = canvas.measure("一二三四", 10.0) + 0.01;
        assert_eq!(
            canvas.wrap("一二三四。五六", width, 10.0),
            ["一二三四。", "五六"]
        );
    }

    #[test]
    fn chinese_is_one_em_and_latin_narrower() {
        let canvas = Canvas::new("t", 100.0, 100.0).unwrap();
        let em = Mm::from(Pt(10.0)).0;
        assert!((canvas.measure("卫", 10.0) - em).abs() < 0.05 * em);
        assert!(canvas.measure("i", 10.0) < 0.5 * em);
    }
}

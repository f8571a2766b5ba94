//! 1D codes along the lines of a binarized image: the live path's harder pass for Code 128 and
//! Code 39.
//!
//! rxing's try-harder 1D search binarizes every second row again, then turns the whole image a
//! quarter and does it again: about 35 ms on a 1280×720 frame, most of it spent on rows that
//! hold nothing but noise. Here the rows and columns come from the black matrix the QR search
//! already made, and a line is read only if it has at least as many black/white edges as the
//! shortest symbol has, so a line across a blank wall costs a count of its edges and nothing
//! more.

use rxing::common::{BitArray, BitMatrix};
use rxing::oned::{MultiFormatOneDReader, OneDReader};
use rxing::{DecodeHints, RXingResult, point};

/// Every how many rows (and columns) a line is read: rxing's try-harder step for 720 lines.
const STEP: u32 = 2;

/// Fewer edges than this and a line cannot hold a code. The shortest Code 128 symbol (start,
/// one character, check character, stop) has 25 bars and spaces, so 24 edges; the shortest
/// Code 39 symbol (start, one character, stop) has 29 elements.
const MIN_EDGES: usize = 20;

/// The first 1D code read along a row or a column of `matrix` (black modules set), either
/// way round, dark on light or light on dark. Points are in the matrix's pixels.
pub(super) fn linear_codes(matrix: &BitMatrix, hints: &DecodeHints) -> Option<RXingResult> {
    let mut reader = MultiFormatOneDReader::new(hints);
    let (width, height) = (matrix.getWidth(), matrix.getHeight());
    for vertical in [false, true] {
        let count = if vertical { width } else { height };
        for index in (0..count).step_by(STEP as usize) {
            let line = if vertical {
                matrix.getCol(index)
            } else {
                matrix.getRow(index)
            };
            if !has_edges(&line, MIN_EDGES) {
                continue;
            }
            let length = line.get_size() as u32;
            if let Some(found) = read_line(&mut reader, line, index, hints) {
                return Some(at_line(found, vertical, index, length));
            }
        }
    }
    None
}

/// Whether `line` has `min` edges in a row whose bars and spaces are of mixed widths, as every
/// Code 128 and Code 39 symbol has (wide elements at least twice the narrow ones): regular
/// stripes (a sleeve, a blind) have many edges but one width, and reading such a line costs
/// ~0.3 ms for nothing, 150 ms a frame.
fn has_edges(line: &BitArray, min: usize) -> bool {
    let size = line.get_size();
    let mut widths: Vec<usize> = Vec::new();
    let (mut at, mut black) = (0, line.get(0));
    loop {
        let next = if black {
            line.getNextUnset(at)
        } else {
            line.getNextSet(at)
        };
        if next >= size {
            break;
        }
        // The first element is cut by the line's start, so it says nothing of widths.
        if at > 0 {
            widths.push(next - at);
        }
        at = next;
        black = !black;
    }
    widths.windows(min).any(|w| {
        let (lo, hi) = w
            .iter()
            .fold((usize::MAX, 0), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        // Elements of one pixel are noise at a webcam's resolution (a readable module is wider).
        lo >= 2 && hi >= lo * 2
    })
}

/// The line as it is, reversed, inverted, and both: the four ways a code can lie along it.
fn read_line(
    reader: &mut MultiFormatOneDReader,
    mut line: BitArray,
    index: u32,
    hints: &DecodeHints,
) -> Option<(RXingResult, bool)> {
    let size = line.get_size();
    let mut reversed = false;
    for attempt in 0..4 {
        match attempt {
            1 | 3 => {
                line.reverse();
                reversed = !reversed;
            }
            2 => (0..size).for_each(|i| line.flip(i)),
            _ => {}
        }
        if let Ok(found) = reader.decode_row(index, &line, hints) {
            return Some((found, reversed));
        }
    }
    None
}

/// Maps a result read along row or column `index` of `length` pixels (perhaps reversed) back
/// to matrix pixels: the reader reports positions along the line as x.
fn at_line(
    (mut found, reversed): (RXingResult, bool),
    vertical: bool,
    index: u32,
    length: u32,
) -> RXingResult {
    for p in found.getPointsMut() {
        let along = if reversed {
            length as f32 - 1.0 - p.x
        } else {
            p.x
        };
        *p = if vertical {
            point(index as f32, along)
        } else {
            point(along, index as f32)
        };
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(widths: &[usize]) -> BitArray {
        let mut line = BitArray::with_size(widths.iter().sum::<usize>() + 20);
        let mut at = 10;
        for (i, w) in widths.iter().enumerate() {
            if i % 2 == 0 {
                (at..at + w).for_each(|x| line.set(x));
            }
            at += w;
        }
        line
    }

    #[test]
    fn stripes_of_one_width_are_not_read_but_mixed_bars_are() {
        let stripes: Vec<usize> = (0..60).map(|i| 6 + i % 2).collect();
        assert!(!has_edges(&line(&stripes), MIN_EDGES));
        let slivers: Vec<usize> = (0..60).map(|i| 1 + i % 3).collect();
        assert!(!has_edges(&line(&slivers), MIN_EDGES));
        let bars: Vec<usize> = (0..60).map(|i| [2, 4, 2, 6, 2, 2, 8][i % 7]).collect();
        assert!(has_edges(&line(&bars), MIN_EDGES));
        assert!(!has_edges(&line(&bars[..10]), MIN_EDGES));
    }
}

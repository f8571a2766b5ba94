//! A small trend chart: people read a trend faster from a line than from a table.

use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui, vec2};
use storage::summary::Point;

use crate::gui::style::{DANGER, MUTED};

/// Draws the last points of a series, with an optional target line (e.g. 140 mmHg).
/// `second` values (diastolic) are drawn as a second, lighter line.
pub fn trend_ui(ui: &mut Ui, title: &str, unit: &str, points: &[Point], target: Option<f64>) {
    let points = &points[points.len().saturating_sub(16)..];
    ui.vertical(|ui| {
        let last = points.last().map_or(String::new(), |p| match p.second {
            Some(s) => format!("{:.0}/{:.0} {unit}", p.value, s),
            None => format!("{:.1} {unit}", p.value),
        });
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(title).strong());
            ui.label(egui::RichText::new(last).color(MUTED));
        });
        let (rect, _) =
            ui.allocate_exact_size(vec2(ui.available_width().min(300.0), 70.0), Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_stroke(
            rect,
            2.0,
            Stroke::new(1.0, Color32::from_gray(210)),
            egui::StrokeKind::Inside,
        );
        if points.len() < 2 {
            return;
        }
        let values = points
            .iter()
            .flat_map(|p| std::iter::once(p.value).chain(p.second))
            .chain(target);
        let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (lo, hi) = if hi - lo < 1.0 {
            (lo - 1.0, hi + 1.0)
        } else {
            (lo, hi)
        };
        let (t0, t1) = (points[0].at as f64, points[points.len() - 1].at as f64);
        let inner = rect.shrink(6.0);
        let to_screen = |at: i64, v: f64| -> Pos2 {
            let x = if t1 > t0 {
                (at as f64 - t0) / (t1 - t0)
            } else {
                0.5
            };
            let y = (v - lo) / (hi - lo);
            Pos2::new(
                inner.left() + x as f32 * inner.width(),
                inner.bottom() - y as f32 * inner.height(),
            )
        };
        if let Some(t) = target {
            let y = to_screen(points[0].at, t).y;
            painter.hline(
                inner.x_range(),
                y,
                Stroke::new(1.0, DANGER.gamma_multiply(0.5)),
            );
        }
        let main: Vec<Pos2> = points.iter().map(|p| to_screen(p.at, p.value)).collect();
        painter.line(main.clone(), Stroke::new(2.0, crate::gui::style::ACCENT));
        for p in &main {
            painter.circle_filled(*p, 2.5, crate::gui::style::ACCENT);
        }
        let second: Vec<Pos2> = points
            .iter()
            .filter_map(|p| p.second.map(|s| to_screen(p.at, s)))
            .collect();
        if second.len() >= 2 {
            painter.line(
                second,
                Stroke::new(1.5, crate::gui::style::ACCENT.gamma_multiply(0.5)),
            );
        }
        let label = |pos: Pos2, text: String, align| {
            painter.text(pos, align, text, egui::FontId::proportional(11.0), MUTED);
        };
        label(
            Rect::from_min_max(rect.min, rect.max).left_top() + vec2(3.0, 1.0),
            format!("{hi:.0}"),
            egui::Align2::LEFT_TOP,
        );
        label(
            rect.left_bottom() + vec2(3.0, -1.0),
            format!("{lo:.0}"),
            egui::Align2::LEFT_BOTTOM,
        );
    });
}

//! Choosing a day: back, forward (not past today), and back to today.

use egui::{RichText, Ui};
use storage::Date;

use crate::i18n::Lang;

/// Draws the picker for `day` (`None` is today) and returns the day chosen.
pub fn day_picker_ui(ui: &mut Ui, lang: Lang, today: Date, day: &mut Option<Date>) -> Date {
    let shown = day.unwrap_or(today);
    ui.horizontal(|ui| {
        if ui.button(lang.t("← 前一天", "← Previous day")).clicked() {
            *day = Some(shown.add_days(-1));
        }
        ui.label(RichText::new(shown.to_string()).strong());
        let next = egui::Button::new(lang.t("后一天 →", "Next day →"));
        if ui.add_enabled(shown < today, next).clicked() {
            *day = Some(shown.add_days(1));
        }
        if shown != today && ui.button(lang.t("今天", "Today")).clicked() {
            *day = None;
        }
    });
    day.unwrap_or(today)
}

//! Look and feel: large, high-contrast text readable at arm's length on a 1366×768 screen.

use egui::{Color32, FontFamily, FontId, TextStyle};

pub const ACCENT: Color32 = Color32::from_rgb(0x1f, 0x6f, 0xb2);
pub const WARN: Color32 = Color32::from_rgb(0xc0, 0x5a, 0x00);
pub const DANGER: Color32 = Color32::from_rgb(0xb0, 0x20, 0x20);
pub const OK: Color32 = Color32::from_rgb(0x2e, 0x7d, 0x32);
pub const MUTED: Color32 = Color32::from_rgb(0x60, 0x66, 0x70);

pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Light);
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(24.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(16.0, FontFamily::Proportional)),
            (
                TextStyle::Monospace,
                FontId::new(15.0, FontFamily::Monospace),
            ),
            (
                TextStyle::Button,
                FontId::new(16.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(13.0, FontFamily::Proportional),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        // A steady text cursor: a blinking one redraws the window twice a second for as long
        // as a field has the focus (the front desk's search box has it all day).
        style.visuals.text_cursor.blink = false;
    });
}

//! Fonts: egui's defaults first, then a GB2312 subset of WenQuanYi Micro Hei for Chinese.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

/// WenQuanYi Micro Hei cut to GB2312 + Latin (Apache-2.0, see assets/fonts/).
pub static CJK_FONT: &[u8] = include_bytes!("../../../assets/fonts/wqy-microhei-gb2312.ttf");

/// Registers the CJK font as a fallback after egui's default fonts, in every family.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}

pub fn definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert(
        "wqy-microhei".into(),
        Arc::new(FontData::from_static(CJK_FONT)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("wqy-microhei".into());
    }
    fonts
}

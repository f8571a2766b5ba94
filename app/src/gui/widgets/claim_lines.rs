//! The arithmetic of a claim, line by line: amount, the patient's own share, the deductible,
//! the ratio, what the fund pays, and where the annual cap cut in.

use egui::{RichText, Ui};
use storage::model::ClaimLine;

use crate::format;
use crate::gui::style::{MUTED, WARN};
use crate::i18n::Lang;

/// The muted column titles of a grid, ending the row.
pub fn header_row(ui: &mut Ui, heads: &[&str]) {
    for head in heads {
        ui.label(RichText::new(*head).color(MUTED));
    }
    ui.end_row();
}

/// Draws the lines; with `removable`, each row has a remove button and the index of the one
/// clicked is returned.
pub fn claim_lines_ui(
    ui: &mut Ui,
    lang: Lang,
    id: &str,
    lines: &[ClaimLine],
    removable: bool,
) -> Option<usize> {
    let mut removed = None;
    egui::Grid::new(id)
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            let mut heads = vec![
                lang.t("项目", "Item"),
                lang.t("类别", "Class"),
                lang.t("数量", "Qty"),
                lang.t("单价", "Price"),
                lang.t("金额", "Amount"),
                lang.t("先行自付", "Self-pay"),
                lang.t("起付线", "Deductible"),
                lang.t("比例", "Ratio"),
                lang.t("医保支付", "Insurance"),
            ];
            if removable {
                heads.push("");
            }
            header_row(ui, &heads);
            for (i, l) in lines.iter().enumerate() {
                ui.label(&l.name);
                let mut class = format::insurance_class(lang, l.class).to_string();
                if l.chronic {
                    class.push_str(lang.t(" · 两病", " · chronic"));
                }
                ui.label(class);
                ui.label(l.quantity.to_string());
                ui.label(format::money(l.unit_price_fen));
                ui.label(format::money(l.amount_fen));
                ui.label(format::money(l.self_pay_fen));
                ui.label(format::money(l.deductible_fen));
                ui.label(format::percent(l.ratio_bp));
                if l.capped() {
                    ui.label(
                        RichText::new(format!(
                            "{} ({} {})",
                            format::money(l.insurance_fen),
                            lang.t("封顶，原应", "capped from"),
                            format::money(l.before_cap_fen)
                        ))
                        .color(WARN),
                    );
                } else {
                    ui.label(format::money(l.insurance_fen));
                }
                if removable && ui.small_button(lang.t("删除", "Remove")).clicked() {
                    removed = Some(i);
                }
                ui.end_row();
            }
        });
    removed
}

//! Settling a visit at the front desk: the bill with its arithmetic, the patient's share, the
//! payment (cash or a scanned mobile payment code), and the claim queued for the hub.

use egui::{RichText, Ui};
use storage::model::PaymentMethod;
use storage::settlement::BillLine;
use storage::{Checkout, Id};

use crate::format;
use crate::gui::state::AppState;
use crate::gui::style::{ACCENT, DANGER, MUTED, WARN};
use crate::gui::widgets::claim_lines::claim_lines_ui;

/// A bill being settled.
pub struct Billing {
    pub resident: Id,
    pub encounter: Option<Id>,
    pub bill: Vec<BillLine>,
    /// The catalogue search for adding an item.
    pub add: String,
    pub mobile: bool,
    /// The mobile payment's reference: a scanned payment code, or typed.
    pub reference: String,
    /// The settlement of the bill as it stands; recomputed when the bill changes.
    checkout: Option<Result<Checkout, String>>,
    pub error: Option<String>,
}

pub enum BillingResult {
    Open,
    Cancelled,
    /// Take the patient's share of this settlement by this method.
    Pay(Box<Checkout>, PaymentMethod),
}

impl Billing {
    pub fn new(resident: Id, encounter: Option<Id>, bill: Vec<BillLine>) -> Billing {
        Billing {
            resident,
            encounter,
            bill,
            add: String::new(),
            mobile: false,
            reference: String::new(),
            checkout: None,
            error: None,
        }
    }

    /// A payment code scanned while the bill is open pays it by mobile.
    pub fn payment_code(&mut self, code: &str) {
        self.mobile = true;
        self.reference = code.to_string();
    }

    fn checkout(&mut self, state: &AppState) -> &Result<Checkout, String> {
        self.checkout.get_or_insert_with(|| {
            state
                .store
                .checkout(
                    self.resident,
                    &state.facility.code,
                    self.encounter,
                    self.bill.clone(),
                )
                .map_err(|e| format::error(state.lang, &e.into()))
        })
    }
}

pub fn billing_ui(ui: &mut Ui, state: &AppState, b: &mut Billing) -> BillingResult {
    let lang = state.lang;
    // A failed read is shown, not taken for a closed bill.
    let r = match state.store.resident(b.resident) {
        Ok(Some(r)) => r,
        failed => {
            let why = match failed {
                Err(e) => format::error(lang, &e.into()),
                _ => lang
                    .t("本机没有该居民", "This resident is not held here")
                    .into(),
            };
            ui.label(RichText::new(why).color(DANGER));
            return if ui.button(lang.t("关闭", "Close")).clicked() {
                BillingResult::Cancelled
            } else {
                BillingResult::Open
            };
        }
    };
    ui.horizontal_wrapped(|ui| {
        ui.heading(lang.t("收费结算", "Settle the bill"));
        ui.label(RichText::new(&r.name).heading().strong());
        match r.insurance() {
            Some((scheme, number)) => ui.label(format!(
                "{} {scheme} · {number}",
                lang.t("医保", "Insurance")
            )),
            None => ui.label(
                RichText::new(lang.t("未参保：全部自费", "Not insured: self-pay")).color(WARN),
            ),
        };
    });
    ui.separator();
    let checkout = match b.checkout(state) {
        Ok(c) => c.clone(),
        Err(e) => {
            ui.label(RichText::new(e.as_str()).color(DANGER));
            return if ui.button(lang.t("关闭", "Close")).clicked() {
                BillingResult::Cancelled
            } else {
                BillingResult::Open
            };
        }
    };
    let lines = checkout.lines();
    egui::ScrollArea::vertical()
        .id_salt("bill")
        .max_height(ui.available_height() * 0.5)
        .show(ui, |ui| {
            if let Some(i) = claim_lines_ui(ui, lang, "bill-lines", &lines, true) {
                b.bill.remove(i);
                b.checkout = None;
            }
        });
    if b.bill.is_empty() {
        ui.label(
            RichText::new(lang.t("账单为空：请添加收费项目", "The bill is empty: add an item"))
                .color(MUTED),
        );
    }
    add_item_ui(ui, state, b);
    ui.separator();

    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} {}",
            lang.t("合计", "Total"),
            format::money(checkout.total_fen())
        ));
        ui.label(format!(
            "{} {}",
            lang.t("医保统筹支付", "Insurance pays"),
            format::money(checkout.insurance_fen())
        ));
        ui.label(
            RichText::new(format!(
                "{} {}",
                lang.t("个人支付", "Patient pays"),
                format::money(checkout.patient_fen())
            ))
            .heading()
            .strong()
            .color(ACCENT),
        );
    });
    if let Some(s) = &checkout.settlement {
        ui.label(
            RichText::new(format!(
                "{} {} · {} {} · {} v{}",
                lang.t("本年已报销", "Reimbursed this year"),
                format::money(checkout.before.reimbursed_fen),
                lang.t("起付线已用", "deductible used"),
                format::money(checkout.before.deductible_used_fen),
                lang.t("政策", "policy"),
                s.policy_version
            ))
            .color(MUTED),
        );
        if s.cap_reached() {
            ui.label(
                RichText::new(lang.t("已达年度封顶线", "The annual cap is reached")).color(WARN),
            );
        }
    }
    if let Some(why) = &checkout.uninsured_reason {
        ui.label(RichText::new(why.as_str()).color(MUTED));
    }
    if checkout.provisional {
        ui.label(RichText::new(lang.t(
            "暂定结算：本机有未经中心审核的结算或近期未同步，中心审核后可能调整，差额在对账中处理",
            "Provisional: this workstation has claims the hub has not confirmed or has not synced recently; the hub may adjust it, and any difference appears under reconciliation",
        )).color(WARN));
    }

    ui.horizontal(|ui| {
        ui.label(lang.t("支付方式", "Payment"));
        if ui
            .selectable_label(!b.mobile, lang.t("现金", "Cash"))
            .clicked()
        {
            b.mobile = false;
        }
        if ui
            .selectable_label(b.mobile, lang.t("移动支付", "Mobile payment"))
            .clicked()
        {
            b.mobile = true;
        }
    });
    if b.mobile {
        ui.horizontal(|ui| {
            let label = ui.label(lang.t("付款码或交易号", "Payment code or reference"));
            ui.add(egui::TextEdit::singleline(&mut b.reference).desired_width(260.0))
                .labelled_by(label.id);
            ui.label(
                RichText::new(lang.t(
                    "可直接扫描患者的付款码",
                    "or scan the patient's payment code",
                ))
                .color(MUTED),
            );
        });
    }
    if let Some(e) = &b.error {
        ui.label(RichText::new(e.as_str()).color(DANGER));
    }
    let mut result = BillingResult::Open;
    ui.horizontal(|ui| {
        let pay = egui::Button::new(
            RichText::new(format!(
                "{} {}",
                lang.t("确认收费", "Take payment"),
                format::money(checkout.patient_fen())
            ))
            .strong()
            .color(egui::Color32::WHITE),
        )
        .fill(ACCENT)
        .min_size(egui::vec2(160.0, 32.0));
        let pay = ui.add_enabled(!b.bill.is_empty(), pay).on_hover_text("F9");
        let key = !b.bill.is_empty() && crate::gui::widgets::shortcut(ui, egui::Key::F9);
        if pay.clicked() || key {
            result = take_payment(state, b, &checkout);
        }
        if ui.button(lang.t("取消", "Cancel")).clicked() {
            result = BillingResult::Cancelled;
        }
    });
    result
}

fn take_payment(state: &AppState, b: &mut Billing, checkout: &Checkout) -> BillingResult {
    let lang = state.lang;
    let method = if b.mobile {
        let reference = b.reference.trim();
        if reference.is_empty() {
            b.error = Some(
                lang.t(
                    "请扫描付款码或填写交易号",
                    "Scan the payment code or enter the reference",
                )
                .into(),
            );
            return BillingResult::Open;
        }
        PaymentMethod::Mobile {
            reference: reference.into(),
        }
    } else {
        PaymentMethod::Cash
    };
    BillingResult::Pay(Box::new(checkout.clone()), method)
}

/// Searching the catalogue and adding an item to the bill.
fn add_item_ui(ui: &mut Ui, state: &AppState, b: &mut Billing) {
    let lang = state.lang;
    ui.horizontal(|ui| {
        let label = ui.label(lang.t("添加收费项目", "Add an item"));
        ui.add(
            egui::TextEdit::singleline(&mut b.add)
                .hint_text(lang.t("名称或拼音首字母", "name or pinyin initials"))
                .desired_width(220.0),
        )
        .labelled_by(label.id);
    });
    ui.horizontal_wrapped(|ui| {
        for item in state.catalogue.search(&b.add, 8) {
            let text = format!(
                "{} {} {}",
                item.name,
                item.spec,
                format::money(item.price_fen)
            );
            if ui.small_button(text).clicked() {
                b.bill.push(storage::bill_line(item, 1, false));
                b.add.clear();
                b.checkout = None;
            }
        }
    });
}

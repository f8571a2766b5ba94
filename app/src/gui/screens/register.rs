//! Registering a resident at the front desk, possibly pre-filled from a scanned card.

use egui::{RichText, Ui};
use storage::model::Sex;
use storage::{Date, NewResident};

use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED, WARN};

/// The registration form, as typed.
#[derive(Default, Clone)]
pub struct Register {
    pub name: String,
    pub sex: Sex,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub county: String,
    pub card_id: String,
    pub insurance: String,
    pub provisional: bool,
    pub error: Option<String>,
    /// Why the form was opened, e.g. "scanned card of someone not registered here".
    pub origin: String,
}

impl Register {
    pub fn from_prefill(p: &NewResident, origin: String) -> Register {
        Register {
            name: p.name.clone(),
            sex: p.sex,
            birth_date: p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            id_number: p.id_number.clone().unwrap_or_default(),
            county: p.address.county.clone(),
            card_id: p.card_id.clone().unwrap_or_default(),
            insurance: p
                .insurance
                .as_ref()
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            provisional: p.provisional,
            origin,
            ..Default::default()
        }
    }

    fn form(&self, lang: crate::i18n::Lang) -> Result<NewResident, String> {
        let birth_date = match self.birth_date.trim() {
            "" => None,
            text => Some(text.parse::<Date>().map_err(|_| {
                format!(
                    "{}“{text}”",
                    lang.t(
                        "出生日期应写作 YYYY-MM-DD：",
                        "The birth date is written YYYY-MM-DD: "
                    )
                )
            })?),
        };
        Ok(NewResident {
            name: self.name.clone(),
            sex: self.sex,
            birth_date,
            phone: self.phone.clone(),
            address: storage::model::Address {
                county: self.county.clone(),
                text: self.address.clone(),
                ..Default::default()
            },
            id_number: Some(self.id_number.clone()),
            card_id: Some(self.card_id.clone()),
            insurance: Some((
                storage::settlement::RESIDENTS_SCHEME.into(),
                self.insurance.clone(),
            )),
            hospital_cards: vec![],
            provisional: self.provisional,
        })
    }
}

/// What became of the form this frame.
#[derive(Debug, PartialEq)]
pub enum RegisterResult {
    Open,
    Cancelled,
    /// Register this resident.
    Submit(Box<NewResident>),
}

pub fn register_ui(ui: &mut Ui, state: &AppState, r: &mut Register) -> RegisterResult {
    let lang = state.lang;
    let mut result = RegisterResult::Open;
    ui.heading(lang.t("登记新居民", "Register a resident"));
    if !r.origin.is_empty() {
        ui.label(RichText::new(&r.origin).color(WARN));
    }
    egui::Grid::new("register")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            let field = |ui: &mut Ui, label: &str, value: &mut String, hint: &str| {
                let l = ui.label(label);
                ui.add(
                    egui::TextEdit::singleline(value)
                        .hint_text(hint)
                        // Nothing the store refuses: the longest field (the address) is 200.
                        .char_limit(200)
                        .desired_width(320.0),
                )
                .labelled_by(l.id);
                ui.end_row();
            };
            field(ui, lang.t("姓名", "Name"), &mut r.name, "");
            ui.label(lang.t("性别", "Sex"));
            ui.horizontal(|ui| {
                ui.radio_value(&mut r.sex, Sex::Male, lang.t("男", "male"));
                ui.radio_value(&mut r.sex, Sex::Female, lang.t("女", "female"));
                ui.radio_value(&mut r.sex, Sex::Unknown, lang.t("未知", "unknown"));
            });
            ui.end_row();
            field(
                ui,
                lang.t("身份证号", "ID number"),
                &mut r.id_number,
                "18位",
            );
            field(
                ui,
                lang.t("出生日期", "Birth date"),
                &mut r.birth_date,
                "YYYY-MM-DD",
            );
            field(ui, lang.t("电话", "Phone"), &mut r.phone, "");
            field(ui, lang.t("住址", "Address"), &mut r.address, "");
            field(
                ui,
                lang.t("医保号", "Insurance number"),
                &mut r.insurance,
                "",
            );
            field(
                ui,
                lang.t("电子健康卡号", "eHealth card id"),
                &mut r.card_id,
                "",
            );
        });
    ui.checkbox(
        &mut r.provisional,
        lang.t("临时登记（待核实）", "Provisional (to be verified)"),
    );
    if let Some(e) = &r.error {
        ui.label(RichText::new(e).color(DANGER).strong());
    }
    ui.horizontal(|ui| {
        if ui.button(lang.t("登记", "Register")).clicked() {
            // The store validates and registers (`Command::Register`); a refusal comes back
            // in `error`.
            match r.form(lang) {
                Ok(form) => {
                    r.error = None;
                    result = RegisterResult::Submit(Box::new(form));
                }
                Err(e) => r.error = Some(e),
            }
        }
        if ui.button(lang.t("取消", "Cancel")).clicked() {
            result = RegisterResult::Cancelled;
        }
        ui.label(
            RichText::new(lang.t(
                "证件号填写后自动得出生日期和性别",
                "Birth date and sex follow from the ID number",
            ))
            .color(MUTED),
        );
    });
    result
}

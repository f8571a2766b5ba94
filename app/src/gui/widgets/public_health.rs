//! Drawing the public-health section of the encounter form (`storage::visit::PublicHealth`:
//! who is offered which check, and the records it makes, live there): vaccine doses from the
//! child's schedule, hypertension and diabetes follow-ups (随访), antenatal, postpartum and
//! child health checks (妇幼保健), an allergy found.

use egui::{RichText, Ui};
use storage::model::*;
use storage::rules;
use storage::schedule::ScheduledDose;
use storage::visit::{DoseNow, PublicHealth, Visitor, classified};

use crate::format;
use crate::gui::widgets::encounter_form::labelled;
use crate::i18n::Lang;

fn dose_name(lang: Lang, d: &ScheduledDose) -> String {
    format!("{} {}{}", d.name, lang.t("第", "dose "), d.dose) + lang.t("剂", "")
}

/// Doses given before elsewhere, copied from the vaccination certificate: each marked as
/// copied, with the day and place written there.
fn past_doses_ui(ui: &mut Ui, lang: Lang, p: &mut PublicHealth, not_given: &[ScheduledDose]) {
    ui.collapsing(
        lang.t(
            "补录既往接种（接种证）",
            "Doses given before (from the certificate)",
        ),
        |ui| {
            let mut remove = None;
            for (i, e) in p.past.iter().enumerate() {
                ui.horizontal(|ui| {
                    let name = e.dose.map(|d| dose_name(lang, &d)).unwrap_or_default();
                    ui.label(format!(
                        "{name} · {} · {}",
                        e.given_on.trim(),
                        e.given_at.trim()
                    ));
                    if ui.small_button(lang.t("移除", "remove")).clicked() {
                        remove = Some(i);
                    }
                });
            }
            if let Some(i) = remove {
                p.past.remove(i);
            }
            let draft = &mut p.past_draft;
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(lang.t("补录疫苗", "Vaccine given"));
                let shown = draft.dose.map(|d| dose_name(lang, &d)).unwrap_or_default();
                egui::ComboBox::from_id_salt("past-dose")
                    .selected_text(shown)
                    .width(180.0)
                    .show_ui(ui, |ui| {
                        for d in not_given {
                            ui.selectable_value(&mut draft.dose, Some(*d), dose_name(lang, d));
                        }
                    })
                    .response
                    .labelled_by(label.id);
                labelled(
                    ui,
                    lang.t("接种日期", "Given on"),
                    &mut draft.given_on,
                    90.0,
                    "YYYY-MM-DD",
                );
                labelled(
                    ui,
                    lang.t("接种单位", "Given at"),
                    &mut draft.given_at,
                    140.0,
                    "",
                );
                labelled(
                    ui,
                    lang.t("补录批号", "Lot given"),
                    &mut draft.lot,
                    90.0,
                    "",
                );
            });
            let born = p.born;
            let checked = p.past_draft.checked(born);
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(
                        checked.is_ok(),
                        egui::Button::new(lang.t("添加补录", "Add")),
                    )
                    .clicked()
                {
                    p.past.push(std::mem::take(&mut p.past_draft));
                }
                if let Err(e) = checked
                    && p.past_draft.dose.is_some()
                    && !p.past_draft.given_on.trim().is_empty()
                {
                    ui.label(
                        RichText::new(format::form_error(lang, &e))
                            .color(crate::gui::style::DANGER),
                    );
                }
            });
        },
    );
}

/// The section of the encounter form; `due` are the child's doses due or overdue today.
pub fn public_health_ui(
    ui: &mut Ui,
    lang: Lang,
    p: &mut PublicHealth,
    who: Visitor,
    due: &[ScheduledDose],
    not_given: &[ScheduledDose],
    readings: &rules::Readings,
) {
    ui.label(RichText::new(lang.t("公卫记录", "Public health")).strong());
    p.age_months = who.age_months.clamp(0, u16::MAX as i32) as u16;
    p.born = Some((who.birth, who.today));
    if who.may_be_pregnant() {
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(&mut p.antenatal, lang.t("产前检查", "Antenatal check"));
            if p.antenatal {
                ui.add(
                    egui::DragValue::new(&mut p.antenatal_visit)
                        .range(1..=5)
                        .prefix(lang.t("第", "visit "))
                        .suffix(lang.t("次", "")),
                );
                for (label, value, hint) in [
                    (lang.t("孕周", "Weeks"), &mut p.gestational_weeks, ""),
                    (lang.t("宫高", "Fundal height"), &mut p.fundal_height, "cm"),
                    (lang.t("胎心", "Fetal heart"), &mut p.fetal_heart, "/min"),
                ] {
                    labelled(ui, label, value, 50.0, hint);
                }
            }
        });
    }
    if who.may_be_pregnant() {
        ui.horizontal(|ui| {
            ui.checkbox(&mut p.postpartum, lang.t("产后访视", "Postpartum visit"));
            if p.postpartum {
                let days = lang.t("产后天数", "Days after birth");
                labelled(ui, days, &mut p.days_after_birth, 50.0, "");
            }
        });
    }
    if who.child() {
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(
                &mut p.child_check,
                lang.t("儿童健康检查", "Child health check"),
            );
            if p.child_check {
                for (label, value, hint, width) in [
                    (lang.t("身长", "Height"), &mut p.height, "cm", 50.0),
                    (lang.t("头围", "Head"), &mut p.head, "cm", 50.0),
                    (
                        lang.t("发育评估", "Development"),
                        &mut p.development,
                        "",
                        160.0,
                    ),
                ] {
                    labelled(ui, label, value, width, hint);
                }
            }
        });
    }
    if !due.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label(lang.t("接种", "Vaccinate"));
            for d in due {
                let chosen = p.doses.iter().any(|x| x.dose == *d);
                if ui.selectable_label(chosen, dose_name(lang, d)).clicked() {
                    p.doses.retain(|x| x.dose != *d);
                    if !chosen {
                        p.doses.push(DoseNow {
                            dose: *d,
                            lot: String::new(),
                            site: String::new(),
                        });
                    }
                }
            }
        });
        for x in &mut p.doses {
            ui.horizontal(|ui| {
                let short = format!("{}{}", x.dose.vaccine, x.dose.dose);
                ui.label(dose_name(lang, &x.dose));
                let lot = format!("{short} {}", lang.t("批号", "lot"));
                labelled(ui, &lot, &mut x.lot, 140.0, "");
                let left_arm = lang.t("左上臂", "left upper arm");
                let site = format!("{short} {}", lang.t("部位", "site"));
                labelled(ui, &site, &mut x.site, 140.0, left_arm);
            });
        }
    }
    if !not_given.is_empty() {
        past_doses_ui(ui, lang, p, not_given);
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(lang.t("慢病随访", "Follow-up"));
        for (condition, name) in [
            (
                ChronicCondition::Hypertension,
                lang.t("高血压", "hypertension"),
            ),
            (
                ChronicCondition::Type2Diabetes,
                lang.t("2型糖尿病", "type 2 diabetes"),
            ),
        ] {
            let mut on = p.follow_ups.contains(&condition);
            if ui.checkbox(&mut on, name).changed() {
                p.follow_ups.retain(|c| *c != condition);
                if on {
                    p.follow_ups.push(condition);
                }
            }
        }
    });
    if !p.follow_ups.is_empty() {
        ui.horizontal_wrapped(|ui| {
            for (m, name) in [
                (FollowUpMethod::Clinic, lang.t("门诊", "clinic")),
                (FollowUpMethod::Home, lang.t("家庭", "home")),
                (FollowUpMethod::Phone, lang.t("电话", "phone")),
            ] {
                ui.radio_value(&mut p.method, m, name);
            }
            ui.separator();
            for (a, name) in [
                (Adherence::Regular, lang.t("规律服药", "regular")),
                (Adherence::Intermittent, lang.t("间断服药", "intermittent")),
                (Adherence::NotTaking, lang.t("不服药", "not taking")),
            ] {
                ui.radio_value(&mut p.adherence, a, name);
            }
        });
        let age = (p.age_months / 12) as i32;
        let mut differs = false;
        for condition in p.follow_ups.clone() {
            let by_readings = classified(condition, readings, age);
            ui.horizontal_wrapped(|ui| {
                let name = match condition {
                    ChronicCondition::Hypertension => lang.t("高血压", "Hypertension"),
                    ChronicCondition::Type2Diabetes => lang.t("糖尿病", "Diabetes"),
                };
                let read = by_readings.map_or(lang.t("读数不足", "not enough readings"), |s| {
                    format::control(lang, s)
                });
                ui.label(format!(
                    "{name}{}{read}",
                    lang.t("：按读数", ": by the readings, ")
                ));
                let mut chosen = p.chosen(condition);
                ui.radio_value(&mut chosen, None, lang.t("按读数", "as read"));
                for s in [
                    ControlStatus::Satisfactory,
                    ControlStatus::Unsatisfactory,
                    ControlStatus::AdverseReaction,
                    ControlStatus::Complication,
                ] {
                    ui.radio_value(&mut chosen, Some(s), format::control(lang, s));
                }
                p.control.retain(|(c, _)| *c != condition);
                if let Some(s) = chosen {
                    p.control.push((condition, s));
                    differs |= by_readings.is_some_and(|r| r != s);
                }
            });
        }
        if differs {
            ui.horizontal(|ui| {
                labelled(
                    ui,
                    lang.t("更改分类原因", "Why another classification"),
                    &mut p.control_reason,
                    300.0,
                    lang.t("必填，记入随访记录", "required, kept in the follow-up"),
                );
            });
        }
    }
    ui.horizontal(|ui| {
        let penicillin = lang.t("青霉素", "penicillin");
        labelled(
            ui,
            lang.t("新发现过敏", "New allergy"),
            &mut p.allergy,
            160.0,
            penicillin,
        );
        labelled(ui, lang.t("反应", "Reaction"), &mut p.reaction, 160.0, "");
    });
}

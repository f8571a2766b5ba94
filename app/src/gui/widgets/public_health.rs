//! The public-health records made at a visit beside the encounter: a vaccine dose from the
//! child's schedule, a hypertension or diabetes follow-up (随访), an antenatal or child health
//! check (妇幼保健), an allergy found.

use egui::{RichText, Ui};
use storage::Date;
use storage::model::*;
use storage::rules;
use storage::schedule::ScheduledDose;

use crate::format;
use crate::gui::widgets::encounter_form::labelled;
use crate::i18n::Lang;

/// What the doctor adds at this visit, all saved with the encounter in one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicHealth {
    /// The doses given now, chosen from those due (several at one visit, as the schedule
    /// allows: live injectable vaccines on the same day or 28 days apart).
    pub doses: Vec<DoseNow>,
    /// Doses given before, copied from the vaccination certificate (接种证).
    pub past: Vec<PastEntry>,
    /// The past dose being typed, before it is added.
    pub past_draft: PastEntry,
    /// Conditions followed up at this visit.
    pub follow_ups: Vec<ChronicCondition>,
    pub method: FollowUpMethod,
    pub adherence: Adherence,
    /// The classification the doctor chose instead of the one the readings give (此次随访分类),
    /// per condition; the reason is required when it differs.
    pub control: Vec<(ChronicCondition, ControlStatus)>,
    pub control_reason: String,
    pub allergy: String,
    pub reaction: String,
    /// An antenatal check at this visit: its number (1–5) and the measurements beside the
    /// vitals.
    pub antenatal: bool,
    pub antenatal_visit: u8,
    pub gestational_weeks: String,
    pub fundal_height: String,
    pub fetal_heart: String,
    /// A postpartum visit (产后访视), this many days after the birth.
    pub postpartum: bool,
    pub days_after_birth: String,
    /// A child health check at this visit, the child being `age_months` old.
    pub child_check: bool,
    pub age_months: u16,
    /// The visitor's birth and today (set by the form), to check the days of past doses.
    pub born: Option<(Date, Date)>,
    pub height: String,
    pub head: String,
    pub development: String,
}

/// A dose given at this visit: 批号 and 接种部位.
#[derive(Clone, Debug, PartialEq)]
pub struct DoseNow {
    pub dose: ScheduledDose,
    pub lot: String,
    pub site: String,
}

/// A dose copied from a paper record, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PastEntry {
    pub dose: Option<ScheduledDose>,
    pub given_on: String,
    pub given_at: String,
    pub lot: String,
}

/// Who the visit is for, as far as the public-health section cares.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Visitor {
    pub age_months: i32,
    pub female: bool,
    pub birth: Date,
    pub today: Date,
}

impl Visitor {
    /// Children are checked up to six years (0–6岁儿童健康管理).
    pub fn child(self) -> bool {
        (0..84).contains(&self.age_months)
    }

    pub fn may_be_pregnant(self) -> bool {
        self.female && (15 * 12..50 * 12).contains(&self.age_months)
    }
}

impl Default for PublicHealth {
    fn default() -> Self {
        PublicHealth {
            doses: Vec::new(),
            past: Vec::new(),
            past_draft: PastEntry::default(),
            follow_ups: Vec::new(),
            method: FollowUpMethod::Clinic,
            adherence: Adherence::Regular,
            control: Vec::new(),
            control_reason: String::new(),
            allergy: String::new(),
            reaction: String::new(),
            antenatal: false,
            antenatal_visit: 1,
            gestational_weeks: String::new(),
            fundal_height: String::new(),
            fetal_heart: String::new(),
            postpartum: false,
            days_after_birth: String::new(),
            child_check: false,
            age_months: 0,
            born: None,
            height: String::new(),
            head: String::new(),
            development: String::new(),
        }
    }
}

/// A whole number in `lo..=hi`, or nothing when blank.
fn whole(text: &str, what: &str, lo: u16, hi: u16) -> Result<Option<u16>, String> {
    match text.trim() {
        "" => Ok(None),
        t => match t.parse::<u16>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(Some(v)),
            _ => Err(format!("{what}: “{t}” is not a number from {lo} to {hi}")),
        },
    }
}

/// Tenths of a unit (`52.5` → 525) in `lo..=hi` units, or nothing when blank.
fn tenths(text: &str, what: &str, lo: f32, hi: f32) -> Result<Option<u16>, String> {
    match text.trim() {
        "" => Ok(None),
        t => match t.parse::<f32>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(Some((v * 10.0).round() as u16)),
            _ => Err(format!("{what}: “{t}” is not a number from {lo} to {hi}")),
        },
    }
}

/// How a vaccine of the national schedule is given.
pub fn vaccine_route(vaccine: &str) -> Route {
    match vaccine {
        "BCG" => Route::Intradermal,
        "bOPV" => Route::Oral,
        "MMR" | "JE-L" | "HepA-L" | "MPSV-A" | "MPSV-AC" => Route::Subcutaneous,
        _ => Route::Intramuscular,
    }
}

/// The classification the readings give (storage::rules): 控制满意 when on target, 控制不满意
/// when not; `None` without the readings to tell.
pub fn classified(
    condition: ChronicCondition,
    readings: &rules::Readings,
    age_years: i32,
) -> Option<ControlStatus> {
    let c = match condition {
        ChronicCondition::Hypertension => rules::Condition::Hypertension,
        ChronicCondition::Type2Diabetes => rules::Condition::Diabetes,
    };
    rules::control_status(c, readings, age_years).map(|ok| {
        if ok {
            ControlStatus::Satisfactory
        } else {
            ControlStatus::Unsatisfactory
        }
    })
}

impl PastEntry {
    /// The dose and the day it was given, or what to fix; `born` is (birth, today).
    pub fn checked(&self, born: Option<(Date, Date)>) -> Result<(ScheduledDose, Date), String> {
        let d = self
            .dose
            .ok_or("补录接种：请选择疫苗和剂次 / choose the vaccine and dose")?;
        let day: Date = self.given_on.trim().parse().map_err(|_| {
            format!(
                "补录接种：接种日期“{}”应为 YYYY-MM-DD / the day given is YYYY-MM-DD",
                self.given_on.trim()
            )
        })?;
        if let Some((birth, today)) = born
            && (day < birth || day > today)
        {
            return Err(format!(
                "补录接种：接种日期 {day} 应在出生（{birth}）与今天之间 / the day given must be between the birth and today"
            ));
        }
        Ok((d, day))
    }
}

impl PublicHealth {
    /// The doctor's classification of a condition, if they chose one.
    fn chosen(&self, condition: ChronicCondition) -> Option<ControlStatus> {
        self.control
            .iter()
            .find(|(c, _)| *c == condition)
            .map(|(_, s)| *s)
    }

    /// The records to save beside `encounter`, whose vitals and prescription the follow-up
    /// takes as the national follow-up forms do; `readings` classify each follow-up.
    pub fn records(
        &self,
        encounter: &Encounter,
        readings: &rules::Readings,
        medications: Vec<String>,
    ) -> Result<Vec<RecordBody>, String> {
        let mut out = Vec::new();
        let dose = |d: &ScheduledDose, lot: &str, site: &str| Immunisation {
            vaccine: d.vaccine.into(),
            vaccine_name: d.name.into(),
            dose_number: d.dose,
            lot: lot.trim().into(),
            site: site.trim().into(),
            route: vaccine_route(d.vaccine),
        };
        for d in &self.doses {
            if d.lot.trim().is_empty() {
                return Err(format!(
                    "{} 第{}剂需填写批号 / a vaccine dose needs its lot number",
                    d.dose.name, d.dose.dose
                ));
            }
            out.push(RecordBody::Immunisation(dose(&d.dose, &d.lot, &d.site)));
        }
        for p in &self.past {
            let (d, given_on) = p.checked(self.born)?;
            out.push(RecordBody::PastDose(PastDose {
                dose: dose(&d, &p.lot, ""),
                given_on,
                given_at: p.given_at.trim().into(),
                source: "接种证".into(),
            }));
        }
        let v = &encounter.vitals;
        for &condition in &self.follow_ups {
            match condition {
                ChronicCondition::Hypertension if v.systolic.is_none() => {
                    return Err("a hypertension follow-up needs the blood pressure".into());
                }
                ChronicCondition::Type2Diabetes
                    if v.glucose_x10.is_none() && readings.hba1c.is_none() =>
                {
                    return Err(
                        "糖尿病随访需要空腹血糖或糖化血红蛋白 / a diabetes follow-up needs the fasting glucose or the HbA1c"
                            .into(),
                    );
                }
                _ => {}
            }
            let age = (self.age_months / 12) as i32;
            let by_readings = classified(condition, readings, age);
            let control = self
                .chosen(condition)
                .or(by_readings)
                .ok_or("请选择此次随访分类 / choose the follow-up's classification")?;
            let mut notes = String::new();
            if let Some(read) = by_readings.filter(|r| *r != control) {
                let reason = self.control_reason.trim();
                if reason.chars().count() < 2 {
                    return Err(format!(
                        "读数为{}，改为{}请填写原因 / the readings say {}: give the reason for {}",
                        format::control(Lang::Zh, read),
                        format::control(Lang::Zh, control),
                        format::control(Lang::En, read),
                        format::control(Lang::En, control),
                    ));
                }
                notes = format!(
                    "读数分类{}，医生判定{}：{reason}",
                    format::control(Lang::Zh, read),
                    format::control(Lang::Zh, control)
                );
            }
            out.push(RecordBody::ChronicFollowUp(ChronicFollowUp {
                condition,
                method: self.method,
                systolic: v.systolic,
                diastolic: v.diastolic,
                fasting_glucose_x10: v.glucose_x10,
                hba1c_x10: readings.hba1c.map(|h| (h * 10.0).round() as u16),
                weight_x10: v.weight_x10,
                adherence: self.adherence,
                control,
                medications: medications.clone(),
                next_visit: encounter.follow_up,
                notes,
            }));
        }
        if self.antenatal {
            let weeks = whole(&self.gestational_weeks, "gestational weeks", 4, 42)?
                .ok_or("an antenatal check needs the gestational weeks")?;
            out.push(RecordBody::MaternalChild(MaternalChild::Antenatal(
                AntenatalCheck {
                    visit_number: self.antenatal_visit.clamp(1, 5),
                    gestational_weeks: weeks as u8,
                    weight_x10: v.weight_x10,
                    systolic: v.systolic,
                    diastolic: v.diastolic,
                    fundal_height_cm: whole(&self.fundal_height, "fundal height", 5, 45)?
                        .map(|h| h as u8),
                    fetal_heart_rate: whole(&self.fetal_heart, "fetal heart rate", 60, 220)?,
                    notes: String::new(),
                },
            )));
        }
        if self.postpartum {
            let days = whole(&self.days_after_birth, "days after the birth", 0, 120)?
                .ok_or("a postpartum visit needs the days since the birth")?;
            out.push(RecordBody::MaternalChild(MaternalChild::Postpartum {
                days_after_birth: days,
                notes: encounter.notes.clone(),
            }));
        }
        if self.child_check {
            out.push(RecordBody::MaternalChild(MaternalChild::Child(
                ChildCheck {
                    age_months: self.age_months,
                    weight_x10: v.weight_x10,
                    height_x10: tenths(&self.height, "height", 30.0, 160.0)?,
                    head_x10: tenths(&self.head, "head circumference", 25.0, 60.0)?,
                    development: self.development.trim().into(),
                    notes: String::new(),
                },
            )));
        }
        if !self.allergy.trim().is_empty() {
            out.push(RecordBody::Allergy(Allergy {
                substance: self.allergy.trim().into(),
                reaction: self.reaction.trim().into(),
            }));
        }
        Ok(out)
    }
}

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
                    ui.label(RichText::new(e).color(crate::gui::style::DANGER));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(e: &Encounter) -> rules::Readings {
        rules::Readings::of_vitals(&e.vitals)
    }

    /// DOMAIN §2a/2b: 控制满意 is BP < 140/90 (< 150/90 from 65), fasting glucose < 7.0 mmol/L;
    /// the doctor may classify otherwise (an adverse reaction, a complication) with a reason.
    #[test]
    fn the_classification_comes_from_the_readings_and_another_needs_a_reason() {
        let follow = |c, age_years: u16| PublicHealth {
            follow_ups: vec![c],
            age_months: age_years * 12,
            ..Default::default()
        };
        let control = |p: &PublicHealth, e: &Encounter, r: &rules::Readings| match p
            .records(e, r, vec![])
            .map(|v| v.into_iter().next())
        {
            Ok(Some(RecordBody::ChronicFollowUp(f))) => Ok((f.control, f.notes)),
            other => Err(format!("{other:?}")),
        };
        let bp = |sys| visit(Some(sys), None);
        let htn = follow(ChronicCondition::Hypertension, 60);
        let e = bp(138);
        assert_eq!(
            control(&htn, &e, &read(&e)).unwrap().0,
            ControlStatus::Satisfactory
        );
        let e = bp(146);
        assert_eq!(
            control(&htn, &e, &read(&e)).unwrap().0,
            ControlStatus::Unsatisfactory
        );
        // 146/88 at 70: under the elderly target of 150/90.
        let old = follow(ChronicCondition::Hypertension, 70);
        assert_eq!(
            control(&old, &e, &read(&e)).unwrap().0,
            ControlStatus::Satisfactory
        );
        // The doctor says adverse reaction: only with a reason, which the record keeps.
        let mut p = follow(ChronicCondition::Hypertension, 60);
        p.control = vec![(
            ChronicCondition::Hypertension,
            ControlStatus::AdverseReaction,
        )];
        let err = control(&p, &e, &read(&e)).unwrap_err();
        assert!(err.contains("原因"), "{err}");
        p.control_reason = "服药后踝部水肿".into();
        let (status, notes) = control(&p, &e, &read(&e)).unwrap();
        assert_eq!(status, ControlStatus::AdverseReaction);
        assert!(
            notes.contains("控制不满意") && notes.contains("踝部水肿"),
            "{notes}"
        );
        // Diabetes: fasting glucose 7.4 is not controlled; HbA1c 6.5 % alone is.
        let dm = follow(ChronicCondition::Type2Diabetes, 60);
        let e = visit(None, Some(74));
        assert_eq!(
            control(&dm, &e, &read(&e)).unwrap().0,
            ControlStatus::Unsatisfactory
        );
        let e = visit(None, None);
        let r = rules::Readings {
            hba1c: Some(6.5),
            ..Default::default()
        };
        let (status, _) = control(&dm, &e, &r).unwrap();
        assert_eq!(status, ControlStatus::Satisfactory);
    }

    fn visit(systolic: Option<u16>, glucose: Option<u16>) -> Encounter {
        Encounter {
            visit_type: VisitType::General,
            chief_complaint: "随访".into(),
            vitals: Vitals {
                systolic,
                diastolic: systolic.map(|_| 88),
                glucose_x10: glucose,
                ..Default::default()
            },
            diagnoses: vec![],
            notes: String::new(),
            follow_up: storage::Date::new(2027, 2, 27).ok(),
            discharged: None,
        }
    }

    #[test]
    fn a_dose_a_follow_up_and_an_allergy_become_records() {
        let hep_b = storage::schedule::schedule_for(
            storage::Date::new(2026, 5, 1).unwrap(),
            storage::Date::new(2026, 11, 27).unwrap(),
        )
        .into_iter()
        .find(|d| d.vaccine == "HepB" && d.dose == 3)
        .unwrap();
        let p = PublicHealth {
            doses: vec![DoseNow {
                dose: hep_b,
                lot: " 202611A ".into(),
                site: "右上臂".into(),
            }],
            follow_ups: vec![ChronicCondition::Hypertension],
            allergy: "青霉素".into(),
            reaction: "皮疹".into(),
            ..Default::default()
        };
        let records = p
            .records(
                &visit(Some(158), None),
                &read(&visit(Some(158), None)),
                vec!["硝苯地平缓释片".into()],
            )
            .unwrap();
        assert_eq!(records.len(), 3);
        let RecordBody::Immunisation(i) = &records[0] else {
            panic!()
        };
        assert_eq!(
            (i.vaccine.as_str(), i.dose_number, i.lot.as_str()),
            ("HepB", 3, "202611A")
        );
        assert_eq!(i.route, Route::Intramuscular);
        let RecordBody::ChronicFollowUp(f) = &records[1] else {
            panic!()
        };
        assert_eq!((f.systolic, f.diastolic), (Some(158), Some(88)));
        assert_eq!(f.control, ControlStatus::Unsatisfactory);
        assert_eq!(f.medications, ["硝苯地平缓释片"]);
        assert_eq!(f.next_visit, storage::Date::new(2027, 2, 27).ok());
        let RecordBody::Allergy(a) = &records[2] else {
            panic!()
        };
        assert_eq!(
            (a.substance.as_str(), a.reaction.as_str()),
            ("青霉素", "皮疹")
        );
    }

    #[test]
    fn what_the_national_forms_require_is_asked_for() {
        let follow = |c| PublicHealth {
            follow_ups: vec![c],
            ..Default::default()
        };
        let err = follow(ChronicCondition::Hypertension)
            .records(
                &visit(None, Some(70)),
                &read(&visit(None, Some(70))),
                vec![],
            )
            .unwrap_err();
        assert!(err.contains("blood pressure"), "{err}");
        let err = follow(ChronicCondition::Type2Diabetes)
            .records(
                &visit(Some(130), None),
                &read(&visit(Some(130), None)),
                vec![],
            )
            .unwrap_err();
        assert!(err.contains("glucose"), "{err}");
        let dose = PublicHealth {
            doses: vec![DoseNow {
                dose: storage::schedule::schedule_for(
                    storage::Date::new(2026, 5, 1).unwrap(),
                    storage::Date::new(2026, 11, 27).unwrap(),
                )[0],
                lot: String::new(),
                site: String::new(),
            }],
            ..Default::default()
        };
        assert!(
            dose.records(&visit(None, None), &read(&visit(None, None)), vec![])
                .unwrap_err()
                .contains("lot")
        );
        assert!(
            PublicHealth::default()
                .records(&visit(None, None), &read(&visit(None, None)), vec![])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn antenatal_and_child_checks_take_the_vitals_and_their_own_measurements() {
        let mut visit = visit(Some(118), None);
        visit.vitals.weight_x10 = Some(612);
        let p = PublicHealth {
            antenatal: true,
            antenatal_visit: 3,
            gestational_weeks: "28".into(),
            fundal_height: "26".into(),
            fetal_heart: "142".into(),
            ..Default::default()
        };
        let records = p.records(&visit, &read(&visit), vec![]).unwrap();
        let [RecordBody::MaternalChild(MaternalChild::Antenatal(a))] = records.as_slice() else {
            panic!("{records:?}")
        };
        assert_eq!(
            (a.visit_number, a.gestational_weeks, a.systolic),
            (3, 28, Some(118))
        );
        assert_eq!(
            (a.weight_x10, a.fundal_height_cm, a.fetal_heart_rate),
            (Some(612), Some(26), Some(142))
        );
        let missing_weeks = PublicHealth {
            antenatal: true,
            ..Default::default()
        };
        assert!(
            missing_weeks
                .records(&visit, &read(&visit), vec![])
                .unwrap_err()
                .contains("gestational")
        );

        let child = PublicHealth {
            child_check: true,
            age_months: 8,
            height: "70.5".into(),
            head: "44".into(),
            development: "正常".into(),
            ..Default::default()
        };
        let records = child.records(&visit, &read(&visit), vec![]).unwrap();
        let [RecordBody::MaternalChild(MaternalChild::Child(c))] = records.as_slice() else {
            panic!("{records:?}")
        };
        assert_eq!(
            (c.age_months, c.height_x10, c.head_x10),
            (8, Some(705), Some(440))
        );
        let wrong = PublicHealth {
            height: "7O".into(),
            ..child
        };
        assert!(
            wrong
                .records(&visit, &read(&visit), vec![])
                .unwrap_err()
                .contains("height")
        );
    }

    #[test]
    fn a_postpartum_visit_needs_the_days_since_the_birth() {
        let mut visit = visit(Some(112), None);
        visit.notes = "恶露正常，母乳喂养".into();
        let p = PublicHealth {
            postpartum: true,
            days_after_birth: "7".into(),
            ..Default::default()
        };
        assert_eq!(
            p.records(&visit, &read(&visit), vec![]).unwrap(),
            [RecordBody::MaternalChild(MaternalChild::Postpartum {
                days_after_birth: 7,
                notes: "恶露正常，母乳喂养".into(),
            })]
        );
        let blank = PublicHealth {
            days_after_birth: String::new(),
            ..p
        };
        assert!(
            blank
                .records(&visit, &read(&visit), vec![])
                .unwrap_err()
                .contains("days")
        );
    }

    #[test]
    fn who_is_offered_which_check() {
        let today = Date::new(2026, 11, 27).unwrap();
        let who = |age_months: i32, female| Visitor {
            age_months,
            female,
            birth: today.add_months(-age_months),
            today,
        };
        let (girl, mother, father) = (who(30, true), who(26 * 12, true), who(26 * 12, false));
        assert!(girl.child() && !girl.may_be_pregnant());
        assert!(!mother.child() && mother.may_be_pregnant());
        assert!(!father.child() && !father.may_be_pregnant());
    }

    /// Two doses at one visit, and one copied from the certificate, marked as such; a copied
    /// dose's day must fall between the birth and today.
    #[test]
    fn several_doses_at_one_visit_and_one_from_the_certificate() {
        let (birth, today) = (
            Date::new(2025, 11, 20).unwrap(),
            Date::new(2026, 11, 27).unwrap(),
        );
        let schedule = storage::schedule::schedule_for(birth, today);
        let find = |v: &str, n: u8| {
            *schedule
                .iter()
                .find(|d| d.vaccine == v && d.dose == n)
                .unwrap()
        };
        let now = |d, lot: &str| DoseNow {
            dose: d,
            lot: lot.into(),
            site: "左上臂".into(),
        };
        let mut p = PublicHealth {
            doses: vec![now(find("MMR", 1), "A1"), now(find("JE-L", 1), "B2")],
            past: vec![PastEntry {
                dose: Some(find("BCG", 1)),
                given_on: "2025-11-21".into(),
                given_at: "孝感市妇幼保健院".into(),
                lot: "C3".into(),
            }],
            born: Some((birth, today)),
            ..Default::default()
        };
        let e = visit(None, None);
        let records = p.records(&e, &read(&e), vec![]).unwrap();
        let given: Vec<(&str, Date)> = records
            .iter()
            .filter_map(|r| r.dose_given(today))
            .map(|(i, on)| (i.vaccine.as_str(), on))
            .collect();
        assert_eq!(
            given,
            [("MMR", today), ("JE-L", today), ("BCG", birth.add_days(1))]
        );
        let RecordBody::PastDose(past) = &records[2] else {
            panic!("{records:?}")
        };
        assert_eq!(
            (past.source.as_str(), past.given_at.as_str()),
            ("接种证", "孝感市妇幼保健院")
        );
        p.past[0].given_on = "2025-11-01".into();
        assert!(
            p.records(&e, &read(&e), vec![])
                .unwrap_err()
                .contains("出生")
        );
        p.past[0].given_on = "2025-13-01".into();
        assert!(
            p.records(&e, &read(&e), vec![])
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
    }

    #[test]
    fn each_vaccine_has_its_route() {
        assert_eq!(vaccine_route("BCG"), Route::Intradermal);
        assert_eq!(vaccine_route("bOPV"), Route::Oral);
        assert_eq!(vaccine_route("MMR"), Route::Subcutaneous);
        assert_eq!(vaccine_route("DTaP"), Route::Intramuscular);
    }
}

//! A resident's record on one screen: who they are, what matters now, and everything that
//! happened, across facilities, newest first.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use egui::{RichText, Ui};
use storage::model::*;
use storage::schedule::DoseState;
use storage::summary::{Summary, filter_by_consent};
use storage::{Date, HistoryEntry, Id};

use crate::format;
use crate::gui::state::AppState;
use crate::gui::style::{ACCENT, DANGER, MUTED, OK, WARN};
use crate::gui::widgets::trend::trend_ui;
use crate::i18n::Lang;
use storage::visit::Patient;

/// Everything the record screen shows about one resident, loaded at once.
pub struct ResidentView {
    pub resident: Resident,
    pub visible: Vec<HistoryEntry>,
    /// Records of other facilities the resident has not consented to share here.
    pub hidden: Vec<HistoryEntry>,
    pub summary: Summary,
    /// What the prescribing checks need of the resident, worked out once at load.
    pub patient: Patient,
    pub household: Vec<(HouseholdLink, Resident)>,
    pub facility_names: HashMap<String, String>,
    /// Showing one category only, or all.
    pub filter: Option<RecordCategory>,
    /// How long the audited load took (shown to support staff, and measured by the bench).
    pub loaded_in: Duration,
    /// Opened by break-glass: everything is shown, and the screen says so.
    pub broken_glass: bool,
}

impl ResidentView {
    /// Loads a resident's record for the logged-in doctor, writing the audit entry; records
    /// the resident has not consented to share here are set apart.
    pub fn load(state: &AppState, id: Id, reason: &str) -> anyhow::Result<ResidentView> {
        Self::load_with(state, id, false, |actor| {
            Ok(state.store.view_history(actor, id, reason)?)
        })
    }

    /// Loads everything, by break-glass (the store requires and audits the reason).
    pub fn break_glass(state: &AppState, id: Id, reason: &str) -> anyhow::Result<ResidentView> {
        Self::load_with(state, id, true, |actor| {
            Ok(state.store.break_glass(actor, id, reason)?)
        })
    }

    /// Reloads a record opened by break-glass after the hub sent the rest of it. Not audited
    /// again: the break-glass that opened it was, and the hub audited its own part.
    pub fn reload_broken_glass(state: &AppState, id: Id) -> anyhow::Result<ResidentView> {
        Self::load_with(state, id, true, |_| {
            Ok(state.store.history_unaudited(id)?)
        })
    }

    fn load_with(
        state: &AppState,
        id: Id,
        broken_glass: bool,
        read: impl FnOnce(&storage::Actor) -> anyhow::Result<Vec<HistoryEntry>>,
    ) -> anyhow::Result<ResidentView> {
        let started = Instant::now();
        let actor = state
            .actor()
            .ok_or_else(|| anyhow::anyhow!("not logged in"))?;
        let store = &state.store;
        let resident = store
            .resident(id)?
            .ok_or_else(|| anyhow::anyhow!("resident {id} not found"))?;
        let history = read(actor)?;
        let consents = store.consents(id)?;
        let today = state.today();
        let (visible, hidden) = if broken_glass {
            (history, Vec::new())
        } else {
            filter_by_consent(history, &consents, &state.facility, today)
        };
        let summary = Summary::of(&visible, resident.birth_date, today);
        let patient = patient_of(&resident, &visible, &summary, today);
        let facility_names = store
            .facilities()?
            .into_iter()
            .map(|f| (f.code, f.name))
            .collect();
        Ok(ResidentView {
            household: store.household(id)?,
            resident,
            visible,
            hidden,
            summary,
            patient,
            facility_names,
            filter: None,
            loaded_in: started.elapsed(),
            broken_glass,
        })
    }

    pub fn facility(&self, code: &str) -> String {
        self.facility_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

/// What the prescribing checks need of this resident: allergies, problems, doses given,
/// and whether she is pregnant (an antenatal check in the last 42 weeks, no birth since).
fn patient_of(r: &Resident, visible: &[HistoryEntry], summary: &Summary, today: Date) -> Patient {
    let mut pregnant_since = None;
    let mut immunisations = Vec::new();
    for h in visible {
        let day = Date::of_instant(h.record.at);
        match &h.record.body {
            RecordBody::MaternalChild(MaternalChild::Antenatal(_)) => pregnant_since = Some(day),
            RecordBody::MaternalChild(MaternalChild::Postpartum { .. }) => pregnant_since = None,
            body => {
                if let Some((i, on)) = body.dose_given(day) {
                    immunisations.push(storage::rules::GivenDose {
                        vaccine: i.vaccine.clone(),
                        dose: i.dose_number,
                        date: on,
                    });
                }
            }
        }
    }
    let pregnant =
        r.sex == Sex::Female && pregnant_since.is_some_and(|d| d >= today.add_days(-42 * 7));
    Patient {
        person: storage::rules::Person {
            sex: if r.sex == Sex::Female {
                storage::rules::Sex::F
            } else {
                storage::rules::Sex::M
            },
            birth: r.birth_date,
            pregnant,
            weight_kg: summary
                .last_vitals
                .as_ref()
                .and_then(|(_, v)| v.weight_x10)
                .map(|w| w as f64 / 10.0),
        },
        allergies: summary
            .allergies
            .iter()
            .map(|a| a.substance.clone())
            .collect(),
        diagnoses: summary.problems.iter().map(|p| p.code.clone()).collect(),
        immunisations,
    }
}

/// What a doctor asked of a record of their own facility.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RecordAction {
    /// Correct an encounter.
    Amend(Id),
    PrintPrescription(Id),
    /// Refer the resident on from an encounter.
    Refer(Id),
}

/// The whole record: header, summary column, timeline. With `own` (the viewer's facility,
/// for a doctor), records made there get their buttons; returns the one clicked.
pub fn resident_ui(ui: &mut Ui, lang: Lang, today: Date, view: &mut ResidentView) {
    resident_ui_with(ui, lang, today, view, None);
}

pub fn resident_ui_with(
    ui: &mut Ui,
    lang: Lang,
    today: Date,
    view: &mut ResidentView,
    own: Option<&str>,
) -> Option<RecordAction> {
    header_ui(ui, lang, today, view);
    if view.broken_glass {
        ui.label(
            RichText::new(lang.t(
                "破例查看：本次查看已记录审计",
                "Break-glass view: this reading is audited",
            ))
            .color(DANGER)
            .strong(),
        );
    }
    ui.separator();
    if !view.hidden.is_empty() {
        ui.label(
            RichText::new(format!(
                "{} {} {}",
                lang.t("另有", "A further"),
                view.hidden.len(),
                lang.t(
                    "条其他机构的记录因居民未授权而未显示。",
                    "records from other facilities are hidden: the resident has not consented to share them here."
                )
            ))
            .color(WARN),
        );
    }
    let mut action = None;
    ui.columns(2, |cols| {
        egui::ScrollArea::vertical()
            .id_salt("summary")
            .show(&mut cols[0], |ui| {
                summary_ui(ui, lang, today, view);
            });
        action = timeline_ui(&mut cols[1], lang, view, own);
    });
    action
}

fn header_ui(ui: &mut Ui, lang: Lang, today: Date, view: &ResidentView) {
    let r = &view.resident;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&r.name).heading().strong());
        ui.label(RichText::new(&r.pinyin).color(MUTED));
        ui.label(format!(
            "{} · {}{} · {}",
            format::sex(lang, r.sex),
            r.birth_date.age_on(today),
            lang.t("岁", " y"),
            r.birth_date
        ));
        if r.provisional {
            ui.label(RichText::new(lang.t("临时登记", "provisional")).color(WARN));
        }
    });
    ui.horizontal_wrapped(|ui| {
        if let Some(n) = r.id_number() {
            ui.label(format!(
                "{} {}",
                lang.t("身份证", "ID"),
                format::masked_id(n.as_str())
            ));
        }
        if let Some((scheme, number)) = r.insurance() {
            ui.label(format!("{} {number}", format::scheme(lang, scheme)));
        }
        if r.card_id().is_some() {
            ui.label(RichText::new(lang.t("✓ 电子健康卡", "✓ eHealth card")).color(OK));
        }
        if !r.phone.is_empty() {
            ui.label(format!("{} {}", lang.t("电话", "Tel."), r.phone));
        }
        ui.label(RichText::new(&r.address.text).color(MUTED));
    });
    if !view.household.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(lang.t("家庭成员：", "Household: ")).color(MUTED));
            for (link, other) in &view.household {
                let rel = format::relation(lang, link.relation);
                ui.label(format!(
                    "{} ({rel}, {}{})",
                    other.name,
                    other.birth_date.age_on(today),
                    lang.t("岁", " y")
                ));
            }
        });
    }
}

fn section(ui: &mut Ui, title: &str) {
    ui.add_space(6.0);
    ui.label(RichText::new(title).strong().color(ACCENT));
}

/// The referral criteria the latest readings meet (storage::rules), with their day.
pub fn urgent_from_latest(
    view: &ResidentView,
    today: Date,
) -> Vec<(Date, storage::rules::Warning)> {
    let Some((at, v)) = &view.summary.last_vitals else {
        return Vec::new();
    };
    let day = Date::of_instant(*at);
    let mut readings = storage::rules::Readings::of_vitals(v);
    if readings.glucose.is_none() {
        // A random or 2-hour glucose of that day is an observation beside the visit.
        use storage::rules::GlucoseKind;
        let glucose = view
            .visible
            .iter()
            .rev()
            .find_map(|h| match &h.record.body {
                RecordBody::Observation(o) if Date::of_instant(h.record.at) == day => {
                    match o.kind {
                        ObservationKind::GlucoseRandom => Some((GlucoseKind::Random, o.value)),
                        ObservationKind::GlucoseTwoHour => Some((GlucoseKind::TwoHour, o.value)),
                        _ => None,
                    }
                }
                _ => None,
            });
        if let Some((kind, value)) = glucose {
            readings.glucose = Some(f64::from(value) / 10.0);
            readings.glucose_kind = Some(kind);
        }
    }
    let age = view.resident.birth_date.age_on(today);
    let pregnant = view.patient.person.pregnant;
    storage::rules::urgent_flags(&readings, age, pregnant)
        .into_iter()
        .map(|w| (day, w))
        .collect()
}

fn summary_ui(ui: &mut Ui, lang: Lang, today: Date, view: &ResidentView) {
    let s = &view.summary;
    // Readings that call for referral come first: they are why the doctor must act now.
    for (day, w) in urgent_from_latest(view, today) {
        ui.label(
            RichText::new(format!(
                "！{}（{} {day}）",
                lang.t(&w.message_zh, &w.message_en),
                lang.t("最近一次测量", "latest reading"),
            ))
            .color(DANGER)
            .strong(),
        );
    }
    section(ui, lang.t("过敏", "Allergies"));
    if s.allergies.is_empty() {
        ui.label(RichText::new(lang.t("无记录", "none recorded")).color(MUTED));
    }
    for a in &s.allergies {
        // Where it was recorded: safety data is shown from every facility, consent or not.
        let source = view
            .visible
            .iter()
            .find(|h| matches!(&h.record.body, RecordBody::Allergy(x) if x == a))
            .map(|h| {
                format!(
                    " · {} {}",
                    view.facility(&h.record.facility),
                    Date::of_instant(h.record.at)
                )
            })
            .unwrap_or_default();
        ui.label(
            RichText::new(format!("！{}（{}）{source}", a.substance, a.reaction))
                .color(DANGER)
                .strong(),
        );
    }
    section(ui, lang.t("慢性病 / 问题", "Problems"));
    if s.problems.is_empty() {
        ui.label(RichText::new(lang.t("无", "none")).color(MUTED));
    }
    for p in &s.problems {
        ui.label(format!(
            "{} ({}) · {} {}",
            p.name,
            p.code,
            lang.t("自", "since"),
            p.since
        ));
    }
    section(ui, lang.t("当前用药", "Current medication"));
    if s.medications.is_empty() {
        ui.label(RichText::new(lang.t("近期无处方", "none recently")).color(MUTED));
    }
    for m in &s.medications {
        let freq = m.frequency.map(format::frequency).unwrap_or("");
        ui.label(format!(
            "{} {} {} · {}",
            m.drug, m.dose, freq, m.last_prescribed
        ));
    }
    if let Some((at, v)) = &s.last_vitals {
        section(ui, lang.t("最近体征", "Latest vitals"));
        ui.label(format!(
            "{} · {}",
            format::time(*at),
            format::vitals(lang, v)
        ));
    }
    if s.trends.blood_pressure.len() >= 2 {
        trend_ui(
            ui,
            lang.t("血压趋势", "Blood pressure"),
            "mmHg",
            &s.trends.blood_pressure,
            Some(140.0),
        );
    }
    if s.trends.glucose.len() >= 2 {
        trend_ui(
            ui,
            lang.t("空腹血糖", "Fasting glucose"),
            "mmol/L",
            &s.trends.glucose,
            Some(7.0),
        );
    }
    if s.trends.weight.len() >= 2 {
        trend_ui(ui, lang.t("体重", "Weight"), "kg", &s.trends.weight, None);
    }
    if !s.immunisations.is_empty() {
        section(ui, lang.t("免疫规划", "Immunisation schedule"));
        egui::Grid::new("immunisations")
            .striped(true)
            .show(ui, |ui| {
                for status in &s.immunisations {
                    let dose = status.dose;
                    ui.label(format!("{} {}", dose.name, dose.dose));
                    ui.label(status.due.to_string());
                    let (text, color) = match status.state {
                        DoseState::Given(d) => (format!("{} {d}", lang.t("已接种", "given")), OK),
                        DoseState::Due => (lang.t("应种", "due").to_string(), WARN),
                        DoseState::Overdue => (lang.t("逾期未种", "overdue").to_string(), DANGER),
                        DoseState::Upcoming => (lang.t("未到期", "upcoming").to_string(), MUTED),
                        DoseState::NoLongerGiven => (
                            lang.t("已过接种年龄，不再补种", "past its age, not given")
                                .to_string(),
                            MUTED,
                        ),
                    };
                    ui.label(RichText::new(text).color(color));
                    ui.end_row();
                }
            });
    }
    let _ = today;
}

fn timeline_ui(
    ui: &mut Ui,
    lang: Lang,
    view: &mut ResidentView,
    own: Option<&str>,
) -> Option<RecordAction> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        let total = view.visible.len();
        if ui
            .selectable_label(
                view.filter.is_none(),
                format!("{} {total}", lang.t("全部", "All")),
            )
            .clicked()
        {
            view.filter = None;
        }
        for c in RecordCategory::ALL {
            let n = view.visible.iter().filter(|h| h.category == c).count();
            if n > 0
                && ui
                    .selectable_label(
                        view.filter == Some(c),
                        format!("{} {n}", format::category(lang, c)),
                    )
                    .clicked()
            {
                view.filter = Some(c);
            }
        }
    });
    let amended: HashMap<Id, &HistoryEntry> = view.visible.iter().map(|h| (h.id, h)).collect();
    let rows: Vec<&HistoryEntry> = view
        .visible
        .iter()
        .rev()
        .filter(|h| view.filter.is_none_or(|f| h.category == f))
        .collect();
    egui::ScrollArea::vertical()
        // One scroll position per resident: the next patient's timeline opens at its top.
        .id_salt(("timeline", view.resident.id))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut year = None;
            for h in rows {
                let y = Date::of_instant(h.record.at).year();
                if year != Some(y) {
                    year = Some(y);
                    ui.add_space(4.0);
                    ui.label(RichText::new(format!("{y}")).strong().color(MUTED));
                }
                if let Some(a) = record_ui(ui, lang, view, h, &amended, own) {
                    action = Some(a);
                }
            }
        });
    action
}

/// One record card; returns the button clicked.
fn record_ui(
    ui: &mut Ui,
    lang: Lang,
    view: &ResidentView,
    h: &HistoryEntry,
    all: &HashMap<Id, &HistoryEntry>,
    own: Option<&str>,
) -> Option<RecordAction> {
    let mut clicked = None;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format::time(h.record.at)).monospace());
            ui.label(RichText::new(view.facility(&h.record.facility)).color(ACCENT));
            ui.label(RichText::new(&h.record.clinician).color(MUTED));
        });
        let corrected = !h.amended_by.is_empty();
        let title = RichText::new(format::title(lang, &h.record.body)).strong();
        ui.label(if corrected {
            title.strikethrough().color(MUTED)
        } else {
            title
        });
        for line in format::details(lang, &h.record.body) {
            ui.label(if corrected {
                RichText::new(line).color(MUTED)
            } else {
                RichText::new(line)
            });
        }
        for a in &h.amended_by {
            if let Some(fix) = all.get(a) {
                ui.label(
                    RichText::new(format!(
                        "{} {} ({})",
                        lang.t("已更正于", "Corrected on"),
                        format::time(fix.record.at),
                        fix.record.clinician
                    ))
                    .color(WARN),
                );
            }
        }
        if own != Some(h.record.facility.as_str()) {
            return;
        }
        ui.horizontal(|ui| match h.record.body {
            RecordBody::Encounter(_) => {
                if ui.small_button(lang.t("更正", "Correct")).clicked() {
                    clicked = Some(RecordAction::Amend(h.id));
                }
                if ui.small_button(lang.t("转诊单", "Referral")).clicked() {
                    clicked = Some(RecordAction::Refer(h.id));
                }
            }
            RecordBody::Prescription(_) => {
                if ui.small_button(lang.t("打印处方", "Print")).clicked() {
                    clicked = Some(RecordAction::PrintPrescription(h.id));
                }
            }
            _ => {}
        });
    });
    clicked
}

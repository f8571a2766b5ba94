//! The front desk: find or scan a resident, check them in (a child through a guardian), link
//! family members, register newcomers; today's queue beside it.

use egui::{RichText, Ui};
use storage::Id;
use storage::model::{AuditAction, HouseholdLink, QueueStatus, Relation, VisitType};

use crate::format;
use crate::gui::command::{Command, Desk, PrintRequest};
use crate::gui::screens::billing::{Billing, BillingResult, billing_ui};
use crate::gui::screens::records::Preview;
use crate::gui::screens::register::{Register, RegisterResult, register_ui};
use crate::gui::state::AppState;
use crate::gui::style::{ACCENT, DANGER, MUTED, OK, WARN};
use crate::gui::widgets::search::{SearchPanel, camera_preview_ui, search_ui};
use crate::gui::widgets::{read_or_show, shortcut};

#[derive(Default)]
pub struct FrontDesk {
    pub search: SearchPanel,
    pub selected: Option<Id>,
    pub visit_type: Option<VisitType>,
    pub register: Option<Register>,
    /// Linking a family member: the search and the relation chosen.
    pub link: SearchPanel,
    pub link_relation: Option<Relation>,
    pub linking: bool,
    /// The bill being settled, if any.
    pub billing: Option<Billing>,
    /// The claim just settled, whose charge list can be printed.
    pub settled: Option<Id>,
    /// A waiting patient about to be marked as gone: it takes a confirmation.
    pub leaving: Option<Id>,
}

pub fn visit_types(lang: crate::i18n::Lang) -> Vec<(VisitType, &'static str)> {
    VisitType::ALL
        .iter()
        .filter(|v| **v != VisitType::Inpatient)
        .map(|v| (*v, format::visit_type(lang, *v)))
        .collect()
}

pub fn front_desk_ui(
    ui: &mut Ui,
    state: &AppState,
    f: &mut FrontDesk,
    preview: Preview,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    egui::Panel::left("desk-search")
        .default_size(320.0)
        .min_size(260.0)
        .show(ui, |ui| {
            ui.add_space(6.0);
            if ui
                .button(lang.t("+ 登记新居民", "+ Register a resident"))
                .clicked()
            {
                f.register = Some(Default::default());
            }
            if let Some((texture, outline)) = preview {
                camera_preview_ui(ui, texture, outline);
            }
            if let Some(id) = search_ui(ui, state, &mut f.search, f.selected) {
                commands.push(Command::SelectResident {
                    id,
                    found: Some((AuditAction::Search, "front desk search".into())),
                });
            }
        });
    egui::Panel::right("desk-queue")
        .default_size(330.0)
        .min_size(260.0)
        .show(ui, |ui| queue_ui(ui, state, &mut f.leaving, commands));
    egui::CentralPanel::default().show(ui, |ui| {
        if let Some(b) = &mut f.billing {
            match billing_ui(ui, state, b) {
                BillingResult::Open => {}
                BillingResult::Cancelled => f.billing = None,
                BillingResult::Pay(checkout, method) => {
                    commands.push(Command::TakePayment { checkout, method })
                }
            }
            return;
        }
        if let Some(claim) = f.settled {
            ui.horizontal(|ui| {
                ui.label(RichText::new(lang.t("结算完成", "Settled")).color(OK));
                if ui
                    .button(lang.t("打印收费清单", "Print the charge list"))
                    .clicked()
                {
                    commands.push(Command::Print(PrintRequest::Receipt(claim)));
                    f.settled = None;
                }
            });
        }
        if let Some(form) = &mut f.register {
            match register_ui(ui, state, form) {
                RegisterResult::Open => {}
                RegisterResult::Cancelled => f.register = None,
                RegisterResult::Submit(resident) => commands.push(Command::Register {
                    resident,
                    desk: Desk::FrontDesk,
                }),
            }
            return;
        }
        match f.selected {
            Some(id) => resident_desk_ui(ui, state, f, id, commands),
            None => {
                ui.add_space(40.0);
                ui.vertical_centered(|ui| {
                    ui.label(
                        RichText::new(lang.t(
                            "请扫描电子健康卡，或查找居民",
                            "Scan the eHealth card, or search for the resident",
                        ))
                        .color(MUTED),
                    );
                });
            }
        }
    });
}

fn resident_desk_ui(
    ui: &mut Ui,
    state: &AppState,
    f: &mut FrontDesk,
    id: Id,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    let today = state.today();
    let Ok(Some(r)) = state.store.resident(id) else {
        ui.label(RichText::new(lang.t("找不到此居民", "Resident not found")).color(DANGER));
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&r.name).heading().strong());
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
        if let Some((_, number)) = r.insurance() {
            ui.label(format!("{} {number}", lang.t("医保", "Insurance")));
        }
        if r.card_id().is_some() {
            ui.label(RichText::new(lang.t("✓ 电子健康卡", "✓ eHealth card")).color(OK));
        }
        if !r.phone.is_empty() {
            ui.label(format!("{} {}", lang.t("电话", "Tel."), r.phone));
        }
        // For residents without a phone: a signed card on paper.
        if ui
            .small_button(lang.t("打印健康卡", "Print card"))
            .clicked()
        {
            commands.push(Command::Print(PrintRequest::Card(id)));
        }
    });
    ui.label(RichText::new(&r.address.text).color(MUTED));
    ui.separator();
    ui.label(
        RichText::new(lang.t("挂号就诊", "Check in"))
            .strong()
            .color(ACCENT),
    );
    let types = visit_types(lang);
    let chosen = f.visit_type.unwrap_or(VisitType::General);
    ui.horizontal_wrapped(|ui| {
        for (v, name) in &types {
            if ui.selectable_label(chosen == *v, *name).clicked() {
                f.visit_type = Some(*v);
            }
        }
    });
    let check_in = egui::Button::new(
        RichText::new(lang.t("登记就诊", "Check in"))
            .strong()
            .size(18.0)
            .color(egui::Color32::WHITE),
    )
    .fill(ACCENT)
    .min_size(egui::vec2(140.0, 34.0));
    let check_in = ui.add(check_in).on_hover_text("F2");
    if check_in.clicked() || shortcut(ui, egui::Key::F2) {
        commands.push(Command::CheckIn {
            resident: id,
            visit_type: chosen,
            guardian: None,
        });
    }
    ui.separator();
    bills_ui(ui, state, f, id);
    ui.separator();
    ui.label(
        RichText::new(lang.t("家庭成员", "Family"))
            .strong()
            .color(ACCENT),
    );
    let family = read_or_show(ui, lang, state.store.household(id));
    if family.is_empty() {
        ui.label(RichText::new(lang.t("未关联家庭成员", "No family members linked")).color(MUTED));
    }
    for (link, other) in &family {
        ui.horizontal(|ui| {
            ui.label(format!(
                "{} · {} · {}{}",
                other.name,
                format::relation(lang, link.relation),
                other.birth_date.age_on(today),
                lang.t("岁", " y")
            ));
            // A parent or guardian checks in a child who has no card of their own.
            if link.relation.may_act_for()
                && ui
                    .small_button(lang.t("代为挂号", "Check in (as guardian)"))
                    .clicked()
            {
                commands.push(Command::CheckIn {
                    resident: other.id,
                    visit_type: chosen,
                    guardian: Some(id),
                });
            }
            if ui.small_button(lang.t("解除关联", "Unlink")).clicked() {
                commands.push(Command::Link(HouseholdLink {
                    from: id,
                    to: other.id,
                    relation: link.relation,
                    active: false,
                }));
            }
        });
    }
    if !f.linking {
        if ui
            .button(lang.t("关联家庭成员…", "Link a family member…"))
            .clicked()
        {
            f.linking = true;
        }
        return;
    }
    ui.group(|ui| {
        let relations = [
            (Relation::Spouse, lang.t("配偶", "spouse")),
            (
                Relation::ParentOf,
                lang.t("子女（本人是父母）", "child (this resident is the parent)"),
            ),
            (Relation::GuardianOf, lang.t("被监护人", "ward")),
            (Relation::ChildOf, lang.t("父母", "parent")),
        ];
        ui.horizontal_wrapped(|ui| {
            for (rel, name) in relations {
                if ui
                    .selectable_label(f.link_relation == Some(rel), name)
                    .clicked()
                {
                    f.link_relation = Some(rel);
                }
            }
        });
        ui.push_id("link-search", |ui| {
            ui.set_max_height(220.0);
            if let (Some(other), Some(rel)) =
                (search_ui(ui, state, &mut f.link, None), f.link_relation)
            {
                commands.push(Command::Link(HouseholdLink {
                    from: id,
                    to: other,
                    relation: rel,
                    active: true,
                }));
                f.linking = false;
            }
        });
        if ui.button(lang.t("取消", "Cancel")).clicked() {
            f.linking = false;
        }
    });
}

/// Today's visits of the resident waiting to be settled, and a bill without a visit.
fn bills_ui(ui: &mut Ui, state: &AppState, f: &mut FrontDesk, id: Id) {
    let lang = state.lang;
    ui.label(
        RichText::new(lang.t("收费结算", "Billing"))
            .strong()
            .color(ACCENT),
    );
    let visits = match state.actor() {
        Some(actor) => state
            .store
            .visits_to_bill(actor, id, state.today(), &state.catalogue)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if visits.is_empty() {
        ui.label(
            RichText::new(lang.t("今日没有待结算的就诊", "No visit to settle today")).color(MUTED),
        );
    }
    for (i, v) in visits.into_iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{} · {}", format::time(v.at), v.clinician));
            let settle = ui.button(lang.t("结算", "Settle"));
            let key = i == 0 && f.billing.is_none() && shortcut(ui, egui::Key::F4);
            if settle.on_hover_text("F4").clicked() || key {
                f.billing = Some(Billing::new(id, Some(v.encounter), v.bill.clone()));
            }
        });
    }
    if ui
        .small_button(lang.t("其他收费…", "Other charges…"))
        .clicked()
    {
        f.billing = Some(Billing::new(id, None, Vec::new()));
    }
}

pub fn status_name(lang: crate::i18n::Lang, s: QueueStatus) -> &'static str {
    match s {
        QueueStatus::Waiting => lang.t("候诊", "waiting"),
        QueueStatus::WithDoctor => lang.t("就诊中", "with doctor"),
        QueueStatus::Done => lang.t("已完成", "done"),
        QueueStatus::Left => lang.t("已离开", "left"),
    }
}

/// Today's queue of this facility.
fn queue_ui(ui: &mut Ui, state: &AppState, leaving: &mut Option<Id>, commands: &mut Vec<Command>) {
    let lang = state.lang;
    ui.add_space(6.0);
    ui.label(
        RichText::new(format!(
            "{} {}",
            lang.t("今日候诊", "Today's queue"),
            state.today()
        ))
        .strong(),
    );
    let queue = read_or_show(
        ui,
        lang,
        state.store.queue(&state.facility.code, state.today()),
    );
    if queue.is_empty() {
        ui.label(RichText::new(lang.t("暂无", "Nobody yet")).color(MUTED));
    }
    egui::ScrollArea::vertical()
        .id_salt("queue")
        .show(ui, |ui| {
            for t in &queue {
                let name = state.who(t.resident);
                let color = match t.status {
                    QueueStatus::Waiting => ACCENT,
                    QueueStatus::WithDoctor => WARN,
                    _ => MUTED,
                };
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(format!("{:>3}", t.number))
                            .monospace()
                            .strong(),
                    );
                    // Clicking a name selects the resident: the seen ones come back to pay.
                    if ui.link(name).clicked() {
                        commands.push(Command::SelectResident {
                            id: t.resident,
                            found: None,
                        });
                    }
                    ui.label(RichText::new(format::visit_type(lang, t.visit_type)).color(MUTED));
                    ui.label(RichText::new(status_name(lang, t.status)).color(color));
                    if t.status != QueueStatus::Waiting {
                        return;
                    }
                    if *leaving != Some(t.id) {
                        if ui.small_button(lang.t("离开", "Left")).clicked() {
                            *leaving = Some(t.id);
                        }
                        return;
                    }
                    if ui
                        .small_button(
                            RichText::new(lang.t("确认已离开", "Yes, gone")).color(DANGER),
                        )
                        .clicked()
                    {
                        commands.push(Command::SetQueueStatus {
                            ticket: t.id,
                            status: QueueStatus::Left,
                        });
                        *leaving = None;
                    }
                    if ui.small_button(lang.t("取消", "Cancel")).clicked() {
                        *leaving = None;
                    }
                });
            }
        });
}

//! Claims of the facility: the day's claims with their status, the reconciliation list (what
//! to collect or refund after the hub adjusted or rejected a claim), and the daily report.

use egui::{RichText, Ui};
use storage::model::{ClaimStatus, PaymentMethod};
use storage::{ClaimBalance, Date, Id};

use crate::format;
use crate::gui::command::{Command, PrintRequest};
use crate::gui::state::AppState;
use crate::gui::style::{ACCENT, DANGER, MUTED, OK, WARN};
use crate::gui::widgets::claim_lines::{claim_lines_ui, header_row};
use crate::gui::widgets::day_picker::day_picker_ui;
use crate::gui::widgets::read_or_show;
use crate::i18n::Lang;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClaimsTab {
    #[default]
    List,
    Reconcile,
    Report,
}

#[derive(Default)]
pub struct ClaimsScreen {
    pub tab: ClaimsTab,
    /// The day shown by the list and the report; today when unset.
    pub day: Option<Date>,
    /// The claim whose lines are shown.
    pub open: Option<Id>,
}

pub fn claims_ui(ui: &mut Ui, state: &AppState, c: &mut ClaimsScreen, commands: &mut Vec<Command>) {
    let lang = state.lang;
    let facility = &state.facility.code;
    egui::CentralPanel::default().show(ui, |ui| {
        let to_reconcile = read_or_show(ui, lang, state.store.reconciliation(facility));
        ui.horizontal(|ui| {
            let reconcile = format!(
                "{} {}",
                lang.t("对账", "Reconciliation"),
                to_reconcile.len()
            );
            for (tab, name) in [
                (ClaimsTab::List, lang.t("结算清单", "Claims").to_string()),
                (ClaimsTab::Reconcile, reconcile),
                (
                    ClaimsTab::Report,
                    lang.t("日报", "Daily report").to_string(),
                ),
            ] {
                if ui.selectable_label(c.tab == tab, name).clicked() {
                    c.tab = tab;
                }
            }
        });
        ui.separator();
        match c.tab {
            ClaimsTab::List => {
                let day = day_picker_ui(ui, lang, state.today(), &mut c.day);
                list_ui(ui, state, c, day, commands);
            }
            ClaimsTab::Reconcile => reconcile_ui(ui, state, &to_reconcile, commands),
            ClaimsTab::Report => {
                let day = day_picker_ui(ui, lang, state.today(), &mut c.day);
                report_ui(ui, state, day);
            }
        }
    });
}

fn status_text(lang: Lang, b: &ClaimBalance) -> RichText {
    let status = b.claim.status();
    let mut text = format::claim_status(lang, status).to_string();
    if status == ClaimStatus::Queued && b.claim.provisional {
        text.push_str(lang.t("（暂定）", " (provisional)"));
    }
    let color = match status {
        ClaimStatus::Queued => WARN,
        ClaimStatus::Accepted => OK,
        ClaimStatus::Adjusted => ACCENT,
        ClaimStatus::Rejected => DANGER,
    };
    RichText::new(text).color(color)
}

fn resident_name(state: &AppState, id: Id) -> String {
    state.who(id)
}

fn list_ui(
    ui: &mut Ui,
    state: &AppState,
    c: &mut ClaimsScreen,
    day: Date,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    let claims = read_or_show(
        ui,
        lang,
        state.store.claims_of_day(&state.facility.code, day),
    );
    if claims.is_empty() {
        ui.label(RichText::new(lang.t("当天没有结算", "No claims that day")).color(MUTED));
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("claims")
        .show(ui, |ui| {
            egui::Grid::new("claims-grid")
                .striped(true)
                .spacing([16.0, 4.0])
                .show(ui, |ui| {
                    header_row(
                        ui,
                        &[
                            lang.t("时间", "Time"),
                            lang.t("居民", "Resident"),
                            lang.t("结算单", "Claim"),
                            lang.t("合计", "Total"),
                            lang.t("医保", "Insurance"),
                            lang.t("个人", "Patient"),
                            lang.t("已付", "Paid"),
                            lang.t("状态", "Status"),
                            "",
                        ],
                    );
                    for b in &claims {
                        let claim = &b.claim;
                        ui.label(format::time(claim.opened_at()));
                        ui.label(resident_name(state, claim.resident));
                        ui.label(RichText::new(format::short_id(claim.id)).monospace());
                        ui.label(format::money(claim.total_fen));
                        ui.label(format::money(claim.insurance_fen));
                        ui.label(format::money(claim.patient_fen));
                        ui.label(format::money(b.paid_fen));
                        ui.label(status_text(lang, b));
                        let open = c.open == Some(claim.id);
                        if ui
                            .selectable_label(open, lang.t("明细", "Details"))
                            .clicked()
                        {
                            c.open = if open { None } else { Some(claim.id) };
                        }
                        ui.end_row();
                    }
                });
            if let Some(b) = claims.iter().find(|b| Some(b.claim.id) == c.open) {
                ui.separator();
                ui.label(
                    RichText::new(format!(
                        "{} {}",
                        lang.t("结算单", "Claim"),
                        format::short_id(b.claim.id)
                    ))
                    .strong(),
                );
                claim_lines_ui(ui, lang, "claim-lines", b.claim.settled_lines(), false);
                if ui
                    .button(lang.t("打印收费清单", "Print the charge list"))
                    .clicked()
                {
                    commands.push(Command::Print(PrintRequest::Receipt(b.claim.id)));
                }
                for h in &b.claim.history {
                    let reasons: Vec<String> = h
                        .reasons
                        .iter()
                        .map(|r| format::adjudication_reason(lang, r))
                        .collect();
                    ui.label(
                        RichText::new(format!(
                            "{} {} · {} {} {}",
                            format::time(h.at),
                            format::claim_status(lang, h.status),
                            lang.t("医保", "insurance"),
                            format::money(h.insurance_fen),
                            reasons.join("；")
                        ))
                        .color(MUTED),
                    );
                }
            }
        });
}

fn reconcile_ui(ui: &mut Ui, state: &AppState, todo: &[ClaimBalance], commands: &mut Vec<Command>) {
    let lang = state.lang;
    if todo.is_empty() {
        ui.label(
            RichText::new(lang.t("没有待处理的差额", "Nothing to collect or refund")).color(MUTED),
        );
        return;
    }
    ui.label(lang.t(
        "中心审核后调整或拒付的结算单：请向患者收取或退还差额",
        "Claims the hub adjusted or rejected: collect the difference from the patient, or refund it",
    ));
    egui::ScrollArea::vertical()
        .id_salt("reconcile")
        .show(ui, |ui| {
            for b in todo {
                let claim = &b.claim;
                let due = b.due_fen();
                ui.group(|ui| {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(resident_name(state, claim.resident)).strong());
                        ui.label(RichText::new(format::short_id(claim.id)).monospace());
                        ui.label(format::time(claim.opened_at()));
                        ui.label(status_text(lang, b));
                        let first = claim.history.first().map_or(0, |h| h.insurance_fen);
                        ui.label(format!(
                            "{} {} → {}",
                            lang.t("医保", "insurance"),
                            format::money(first),
                            format::money(claim.insurance_fen)
                        ));
                    });
                    if let Some(decision) = claim.history.last() {
                        for r in &decision.reasons {
                            ui.label(
                                RichText::new(format::adjudication_reason(lang, r)).color(MUTED),
                            );
                        }
                    }
                    ui.horizontal(|ui| {
                        let (what, button) = if due > 0 {
                            (
                                lang.t("应收", "To collect"),
                                lang.t("现金收取", "Collect in cash"),
                            )
                        } else {
                            (
                                lang.t("应退", "To refund"),
                                lang.t("现金退还", "Refund in cash"),
                            )
                        };
                        ui.label(
                            RichText::new(format!("{what} {}", format::money(due.abs())))
                                .heading()
                                .color(if due > 0 { ACCENT } else { WARN }),
                        );
                        if ui.button(button).clicked() {
                            commands.push(Command::SettleDifference {
                                claim: claim.id,
                                method: PaymentMethod::Cash,
                            });
                        }
                    });
                });
            }
        });
}

fn report_ui(ui: &mut Ui, state: &AppState, day: Date) {
    let lang = state.lang;
    let report = match state.store.daily_report(&state.facility.code, day) {
        Ok(r) => r,
        Err(e) => {
            ui.label(RichText::new(format::error(lang, &e.into())).color(DANGER));
            return;
        }
    };
    ui.label(RichText::new(format!("{} · {}", state.facility.name, day)).strong());
    egui::Grid::new("report-grid")
        .striped(true)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            header_row(
                ui,
                &[
                    lang.t("险种", "Scheme"),
                    lang.t("状态", "Status"),
                    lang.t("笔数", "Claims"),
                    lang.t("合计", "Total"),
                    lang.t("医保", "Insurance"),
                    lang.t("个人", "Patient"),
                ],
            );
            for r in &report.rows {
                ui.label(format::scheme(lang, &r.scheme));
                ui.label(
                    r.status
                        .map(|s| format::claim_status(lang, s))
                        .unwrap_or_default(),
                );
                ui.label(r.count.to_string());
                ui.label(format::money(r.total_fen));
                ui.label(format::money(r.insurance_fen));
                ui.label(format::money(r.patient_fen));
                ui.end_row();
            }
            let sum = |f: fn(&storage::ReportRow) -> i64| report.rows.iter().map(f).sum::<i64>();
            ui.label(RichText::new(lang.t("合计", "Total")).strong());
            ui.label("");
            ui.label(RichText::new(report.claims().to_string()).strong());
            ui.label(RichText::new(format::money(sum(|r| r.total_fen))).strong());
            ui.label(RichText::new(format::money(sum(|r| r.insurance_fen))).strong());
            ui.label(RichText::new(format::money(sum(|r| r.patient_fen))).strong());
            ui.end_row();
        });
    ui.separator();
    ui.label(format!(
        "{} {} · {} {} · {} {} · {} {} ({} {})",
        lang.t("现金", "Cash"),
        format::money(report.cash_fen),
        lang.t("移动支付", "Mobile"),
        format::money(report.mobile_fen),
        lang.t("退款", "Refunds"),
        format::money(report.refunds_fen),
        lang.t("实收", "Net takings"),
        format::money(report.takings_fen()),
        report.payments,
        lang.t("笔", "payments")
    ));
}

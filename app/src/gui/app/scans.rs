//! What a scanned code leads to: the resident at the front desk or their record for a doctor,
//! a look-up at the hub, a registration form, or a message saying why the code was refused.

use super::ClinicApp;
use crate::gui::command::Command;
use crate::gui::scanning::Checked;
use crate::gui::screens::register::Register;
use crate::gui::state::{Notice, Screen};
use crate::gui::widgets::history::ResidentView;
use crate::scan::Resolution;
use storage::model::CareStage;

impl ClinicApp {
    pub(super) fn handle_scan(&mut self, checked: Checked) {
        let lang = self.state.lang;
        if self.state.session.is_none() || self.locked {
            self.state.notice = Some(Notice::Error(
                lang.t("请先登录再扫码", "Log in before scanning").into(),
            ));
            return;
        }
        let source = crate::format::source(lang, checked.source);
        let warnings = checked.scan.warnings.join("; ");
        match checked.resolution {
            Resolution::Resident { id } => {
                self.report_card_use(&checked, id);
                self.show_resident(id, format!("card scan ({source})"));
                if !warnings.is_empty() {
                    self.state.notice = Some(Notice::Info(warnings));
                }
            }
            Resolution::Unknown { prefill } => match (&self.sync, fetch_identifier(&prefill)) {
                (Some(worker), Some(identifier)) => {
                    worker.fetch(identifier.clone());
                    self.pending_fetch = Some((identifier, prefill));
                    self.state.notice = Some(Notice::Info(lang.t("本机没有此居民，正在向中心查询…", "Not known here: asking the hub…").into()));
                }
                _ => self.offer_registration(
                    &prefill,
                    lang.t("此卡有效，但居民尚未在本机登记：请核对后登记", "The card is genuine but the resident is not registered here: check and register"),
                ),
            },
            Resolution::Refused { outcome } => {
                self.state.notice = Some(Notice::Error(format!("{source}: {}", crate::format::outcome(lang, &outcome))));
            }
            Resolution::NotACard { looks_like } => {
                self.state.notice = Some(Notice::Error(format!("{source}: {} ({looks_like})", lang.t("这不是电子健康卡", "This is not a health card"))));
            }
            Resolution::PaymentCode { value } => match &mut self.front_desk.billing {
                Some(billing) if self.state.screen == Screen::FrontDesk => {
                    billing.payment_code(&value);
                    self.state.notice = Some(Notice::Info(
                        lang.t("已读取付款码", "Payment code read").into(),
                    ));
                }
                _ => {
                    self.state.notice = Some(Notice::Error(format!(
                        "{source}: {}",
                        lang.t(
                            "这是付款码，不是电子健康卡：请在收费时扫描",
                            "This is a payment code, not a health card: scan it when taking payment"
                        )
                    )));
                }
            },
            Resolution::Invalid { message } => {
                self.state.notice = Some(Notice::Error(format!("{source}: {message}")));
            }
        }
    }

    /// Reports the use of the card (用卡数据上报): the stage is where the scan was made.
    fn report_card_use(&mut self, checked: &Checked, resident: storage::Id) {
        let stage = match self.state.screen {
            Screen::FrontDesk if self.front_desk.billing.is_some() => CareStage::Payment,
            Screen::FrontDesk => CareStage::Registration,
            Screen::Doctor | Screen::Records => CareStage::Consultation,
            _ => CareStage::Other,
        };
        let reader = format!("{:?}", checked.source).to_lowercase();
        let Some(card_use) = crate::scan::card_use(&checked.scan, resident, stage, &reader) else {
            return;
        };
        let Ok(actor) = self.actor() else {
            return;
        };
        match self.state.store.record_card_use(&actor, card_use) {
            // Administrators do not see residents: nothing to report.
            Ok(_) | Err(storage::Error::Forbidden(_)) => {}
            Err(e) => self.state.error(e),
        }
    }

    /// The front desk selects the resident; a doctor opens the record.
    fn show_resident(&mut self, id: storage::Id, reason: String) {
        if self.state.screen == Screen::FrontDesk {
            self.commands.push(Command::SelectResident {
                id,
                found: Some((storage::model::AuditAction::Scan, reason)),
            });
        } else {
            self.commands.push(Command::OpenResident { id, reason });
        }
    }

    pub(super) fn offer_registration(&mut self, prefill: &storage::NewResident, why: &str) {
        let form = Register::from_prefill(prefill, why.into());
        if self.state.screen == Screen::FrontDesk {
            self.front_desk.register = Some(form);
        } else {
            self.records.register = Some(form);
            self.state.screen = Screen::Records;
        }
    }

    /// After a local break-glass, asks the hub too (when this workstation syncs): the hub
    /// withholds the records the resident has not consented to share here, and hands them
    /// over for a break-glass reason, which it audits.
    pub(super) fn break_glass_at_hub(&mut self, id: storage::Id, reason: &str) {
        let (Some(worker), Ok(Some(resident))) = (&self.sync, self.state.store.resident(id)) else {
            return;
        };
        use storage::model::Identifier;
        let identifier = resident
            .identifiers
            .iter()
            .find(|i| matches!(i, Identifier::Card(_)))
            .or_else(|| resident.identifiers.first())
            .cloned();
        if let Some(identifier) = identifier {
            worker.break_glass(identifier.clone(), reason);
            self.pending_break_glass = Some((identifier, id));
        }
    }

    /// The hub answered a break-glass: show what it added to the record opened by it (the
    /// opening was audited already, with the same reason).
    fn broke_glass_at_hub(&mut self, id: storage::Id, result: Result<usize, String>) {
        let lang = self.state.lang;
        match result {
            Ok(0) => {}
            Ok(_) => {
                let open = self.records.open.as_ref();
                if open.is_some_and(|v| v.broken_glass && v.resident.id == id) {
                    match ResidentView::reload_broken_glass(&self.state, id) {
                        Ok(view) => self.records.open = Some(view),
                        Err(e) => self.state.error(e),
                    }
                }
            }
            Err(e) => {
                self.state.notice = Some(Notice::Error(format!(
                    "{}: {e}",
                    lang.t(
                        "中心的记录暂时无法获取，仅显示本机记录",
                        "The hub's records could not be fetched; showing this workstation's"
                    )
                )));
            }
        }
    }

    /// The hub answered a look-up: open the resident it sent, or offer registration.
    pub(super) fn fetched(
        &mut self,
        identifier: storage::model::Identifier,
        result: Result<usize, String>,
    ) {
        if let Some((asked, id)) = &self.pending_break_glass
            && *asked == identifier
        {
            let id = *id;
            self.pending_break_glass = None;
            self.broke_glass_at_hub(id, result);
            return;
        }
        let lang = self.state.lang;
        let Some((pending, prefill)) = self.pending_fetch.take() else {
            return;
        };
        if pending != identifier {
            self.pending_fetch = Some((pending, prefill));
            return;
        }
        let found = self
            .state
            .store
            .find_by_identifier(&identifier)
            .ok()
            .flatten();
        match (found, result) {
            (Some(id), _) => {
                self.state.notice = None;
                self.show_resident(id, "card scan (fetched from the hub)".into());
            }
            (None, Ok(_)) => self.offer_registration(&prefill, lang.t("中心也没有此居民：请核对后登记", "The hub does not know this resident either: check and register")),
            (None, Err(_)) => self.offer_registration(
                &prefill,
                lang.t("无法连接中心：请临时登记，联网后自动合并", "The hub cannot be reached: register provisionally; records merge when the link returns"),
            ),
        }
    }
}

/// What to ask the hub about a resident unknown here: the card, or else the ID number.
fn fetch_identifier(prefill: &storage::NewResident) -> Option<storage::model::Identifier> {
    use storage::model::Identifier;
    if let Some(card) = prefill.card_id.as_deref().and_then(|c| c.parse().ok()) {
        return Some(Identifier::Card(card));
    }
    prefill
        .id_number
        .as_deref()
        .and_then(|n| storage::IdNumber::parse(n).ok())
        .map(Identifier::IdNumber)
}

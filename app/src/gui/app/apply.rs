//! Carrying out the commands screens pushed during a frame.

use storage::model::QueueStatus;

use super::ClinicApp;
use crate::gui::command::Command;
use crate::gui::screens::doctor::{Consult, Tab};
use crate::gui::state::{Notice, Screen, Session};
use crate::gui::widgets::history::ResidentView;
use crate::gui::workers::{Job, JobLost};
use storage::visit::EncounterForm;

impl ClinicApp {
    pub(super) fn apply(&mut self, command: Command) {
        let lang = self.state.lang;
        let result: anyhow::Result<()> = (|| {
            match command {
                Command::LoggedIn(staff) => {
                    let actor = storage::Actor {
                        staff: staff.username.clone(),
                        facility: self.state.settings.facility.clone(),
                        role: staff.role,
                    };
                    // The store audited the login (`Store::log_in`).
                    self.state.screen = Screen::for_role(staff.role)[0];
                    self.state.session = Some(Session { staff, actor });
                    self.state.notice = None;
                    self.locked = false;
                }
                Command::LogIn { username, password } => self.log_in_with(&username, &password),
                Command::CreateAdmin {
                    username,
                    display_name,
                    password,
                } => self.create_admin(&username, &display_name, &password),
                Command::AcknowledgeTampering {
                    username,
                    password,
                    reason,
                } => self.acknowledge_tampering(&username, &password, &reason),
                Command::Register { resident, desk } => self.register(*resident, desk)?,
                Command::TakePayment { checkout, method } => {
                    self.take_payment(&checkout, method)?
                }
                Command::Enrol {
                    hub,
                    code,
                    fingerprint,
                } => self.start_enrol(hub, code, fingerprint),
                Command::Backup(dir) => self.start_backup(dir)?,
                Command::Logout => {
                    self.state.session = None;
                    self.state.notice = None;
                    self.locked = false;
                    self.records = Default::default();
                    self.front_desk = Default::default();
                    self.doctor = Default::default();
                    self.settings_screen = Default::default();
                    self.claims = Default::default();
                    self.audit = Default::default();
                    self.login = Default::default();
                }
                Command::Unlock { password } => self.unlock(&password),
                Command::SetLanguage(l) => {
                    self.state.lang = l;
                    self.state.settings.language = l.code().into();
                    self.state.settings.save(&self.state.data_dir)?;
                }
                Command::SetScreen(screen) => {
                    if screen == Screen::Worklist && self.state.screen != screen {
                        // Visits were recorded or synced meanwhile: read the list afresh.
                        self.load_worklist(self.worklist.query.clone())?;
                    }
                    self.state.screen = screen;
                }
                Command::OpenResident { id, reason } => {
                    let doctor = self
                        .state
                        .session
                        .as_ref()
                        .is_some_and(|s| s.staff.role == storage::model::Role::Doctor);
                    self.state.screen = Screen::Records;
                    self.records.register = None;
                    if doctor {
                        self.records.locked = None;
                        self.records.open = Some(ResidentView::load(&self.state, id, &reason)?);
                    } else {
                        self.records.open = None;
                        self.records.locked = Some(id);
                    }
                }
                Command::BreakGlass { id, reason } => {
                    self.records.open = Some(ResidentView::break_glass(&self.state, id, &reason)?);
                    self.records.locked = None;
                    self.break_glass_at_hub(id, &reason);
                }
                Command::SelectResident { id, found } => {
                    if let Some((action, reason)) = found {
                        let actor = self.actor()?;
                        self.state.store.audit_lookup(&actor, id, action, &reason)?;
                    }
                    self.front_desk.selected = Some(id);
                    self.front_desk.register = None;
                    self.front_desk.billing = None;
                    self.front_desk.settled = None;
                    self.front_desk.linking = false;
                }
                Command::CheckIn {
                    resident,
                    visit_type,
                    guardian,
                } => {
                    let actor = self.actor()?;
                    let ticket = self
                        .state
                        .store
                        .check_in(&actor, resident, visit_type, guardian)?;
                    let name = self
                        .state
                        .store
                        .resident(resident)?
                        .map(|r| r.name)
                        .unwrap_or_default();
                    self.state.notice = Some(Notice::Info(format!(
                        "{name} · {} {}",
                        lang.t("已挂号，就诊号", "checked in, number"),
                        ticket.number
                    )));
                }
                Command::SetQueueStatus { ticket, status } => {
                    let actor = self.actor()?;
                    self.state
                        .store
                        .set_queue_status(&actor, ticket, status, "")?;
                }
                Command::Link(link) => {
                    let actor = self.actor()?;
                    self.state.store.link(&actor, link)?;
                }
                Command::SettleDifference { claim, method } => {
                    let actor = self.actor()?;
                    let due = self
                        .state
                        .store
                        .reconciliation(&actor.facility)?
                        .into_iter()
                        .find(|b| b.claim.id == claim)
                        .map_or(0, |b| b.due_fen());
                    self.state.store.settle_difference(&actor, claim, method)?;
                    let what = if due > 0 {
                        lang.t("已收取", "Collected")
                    } else {
                        lang.t("已退还", "Refunded")
                    };
                    self.state.notice = Some(Notice::Info(format!(
                        "{what} {} · {} {}",
                        crate::format::money(due.abs()),
                        lang.t("结算单", "claim"),
                        crate::format::short_id(claim)
                    )));
                }
                Command::CallNext => {
                    let queue = self
                        .state
                        .store
                        .queue(&self.state.facility.code, self.state.today())?;
                    match queue.into_iter().find(|t| t.status == QueueStatus::Waiting) {
                        Some(t) => self.call(t.id)?,
                        None => {
                            self.state.notice = Some(Notice::Info(
                                lang.t("没有候诊的居民", "Nobody is waiting").into(),
                            ))
                        }
                    }
                }
                Command::CallPatient(ticket) => self.call(ticket)?,
                Command::LoadWorklist(query) => self.load_worklist(query)?,
                Command::RecordContact { resident, contact } => {
                    let actor = self.actor()?;
                    let clinician = self.clinician_name();
                    self.state
                        .store
                        .record_contact(&actor, &clinician, resident, contact)?;
                    // Off the list at once; the list is read again behind it.
                    if let Some((_, Ok(entries))) = &mut self.worklist.loaded {
                        entries.retain(|e| e.resident.id != resident);
                    }
                    self.load_worklist(self.worklist.query.clone())?;
                }
                Command::SaveEncounter => self.save_encounter()?,
                Command::FinishVisit => {
                    let actor = self.actor()?;
                    if let Some(t) = self.doctor.consult.as_ref().and_then(|c| c.ticket.clone()) {
                        self.state.store.set_queue_status(
                            &actor,
                            t.id,
                            QueueStatus::Done,
                            &self.state.settings.room,
                        )?;
                    }
                    self.doctor.consult = None;
                }
                Command::SaveSettings(settings) => {
                    settings.save(&self.state.data_dir)?;
                    let restart_scanners = settings.camera != self.state.settings.camera
                        || settings.serial_port != self.state.settings.serial_port
                        || settings.serial_baud != self.state.settings.serial_baud
                        || settings.wedge_gap_ms != self.state.settings.wedge_gap_ms;
                    self.state.lang = crate::i18n::Lang::from_code(&settings.language);
                    self.state.settings = settings;
                    self.state.refresh_facility();
                    if restart_scanners {
                        let verifier = std::mem::replace(
                            &mut self.scanners.verifier,
                            scanner::card::Verifier::new(None),
                        );
                        self.scanners = crate::gui::scanning::Scanners::start(
                            &self.ctx,
                            &self.state.settings,
                            verifier,
                        );
                    }
                    self.state.notice =
                        Some(Notice::Info(lang.t("设置已保存", "Settings saved").into()));
                }
                Command::RetryRejected(ids) => {
                    let lang = self.state.lang;
                    let retried = ids
                        .iter()
                        .try_for_each(|id| self.state.store.retry_rejected(*id));
                    match retried {
                        Ok(()) => {
                            if let Some(worker) = &self.sync {
                                worker.sync_now();
                            }
                            self.state.notice = Some(Notice::Info(format!(
                                "{} {}",
                                ids.len(),
                                lang.t("条记录将重新发送", "entries will be sent again")
                            )));
                        }
                        Err(e) => self.state.error(e),
                    }
                }
                Command::StartDemoLoad => self.start_demo_load(),
                Command::Print(request) => self.start_print(request)?,
                Command::Info(m) => self.state.notice = Some(Notice::Info(m)),
                Command::Error(m) => self.state.notice = Some(Notice::Error(m)),
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.state.notice = Some(Notice::Error(crate::format::error(lang, &e)));
        }
    }

    pub(super) fn actor(&self) -> anyhow::Result<storage::Actor> {
        self.state
            .actor()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("not logged in"))
    }

    /// Reads a worklist on a worker thread; the screen shows the last list until it arrives.
    fn load_worklist(&mut self, query: storage::worklist::WorklistQuery) -> anyhow::Result<()> {
        let actor = self.actor()?;
        let store = self.state.store.clone();
        let lang = self.state.lang;
        self.worklist.pending = Some(query.clone());
        // A newer request replaces an older one still running: its answer is dropped.
        self.worklist_job = Some(Job::spawn(&self.ctx, "worklist", move |_| {
            let entries = store.worklist(&actor, &query, None);
            (
                query,
                entries.map_err(|e| crate::format::error(lang, &e.into())),
            )
        }));
        Ok(())
    }

    pub(super) fn poll_worklist(&mut self) {
        let Some(done) = self.worklist_job.as_mut().and_then(Job::poll) else {
            return;
        };
        self.worklist_job = None;
        match done {
            Ok(loaded) => {
                self.worklist.pending = None;
                self.worklist.loaded = Some(loaded);
                self.worklist.names =
                    crate::services::printing::FacilityNames::of(&self.state.store);
            }
            Err(JobLost) => {
                self.worklist.pending = None;
                self.state.notice = Some(Notice::Error(crate::format::job_lost(self.state.lang)));
            }
        }
    }

    /// The name the logged-in clinician signs records with.
    pub(super) fn clinician_name(&self) -> String {
        self.state
            .session
            .as_ref()
            .map(|s| s.staff.display_name.clone())
            .unwrap_or_default()
    }

    /// Calls a patient into this room and opens their record for the consultation.
    fn call(&mut self, ticket: storage::Id) -> anyhow::Result<()> {
        let actor = self.actor()?;
        self.state.store.set_queue_status(
            &actor,
            ticket,
            QueueStatus::WithDoctor,
            &self.state.settings.room,
        )?;
        let t = self
            .state
            .store
            .ticket(ticket)?
            .ok_or_else(|| anyhow::anyhow!("ticket {ticket} vanished"))?;
        let view = ResidentView::load(
            &self.state,
            t.resident,
            &format!("consultation, queue number {}", t.number),
        )?;
        let mut form = EncounterForm::default();
        form.visit_type = t.visit_type;
        self.doctor.consult = Some(Consult {
            ticket: Some(t),
            view,
            form,
            focused: false,
            tab: Tab::Encounter,
        });
        self.state.screen = Screen::Doctor;
        Ok(())
    }

    /// Saves the encounter form (a new encounter with its prescription, or a correction) in one
    /// transaction, then shows the history with it.
    fn save_encounter(&mut self) -> anyhow::Result<()> {
        let lang = self.state.lang;
        let actor = self.actor()?;
        let clinician = self.clinician_name();
        let Some(c) = &mut self.doctor.consult else {
            return Ok(());
        };
        let store = self.state.store.clone();
        let now = store.clock().now_ms();
        let checks = crate::gui::screens::doctor::form_checks(&self.state, c);
        let bodies = c.form.to_bodies(
            &self.state.catalogue,
            &checks,
            c.view.resident.id,
            &self.state.facility.code,
            &clinician,
            now,
            || store.new_id(),
        );
        match bodies {
            Err(e) => c.form.error = Some(e),
            Ok(bodies) => {
                store.commit_with_ids(&actor, bodies)?;
                let reason = format!(
                    "consultation{}",
                    c.ticket
                        .as_ref()
                        .map(|t| format!(", queue number {}", t.number))
                        .unwrap_or_default()
                );
                c.view = ResidentView::load(&self.state, c.view.resident.id, &reason)?;
                c.form = EncounterForm::default();
                c.focused = false;
                c.tab = Tab::History;
                self.state.notice = Some(Notice::Info(lang.t("已保存", "Saved").into()));
            }
        }
        Ok(())
    }
}

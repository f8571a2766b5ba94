//! Commands that submit a form: logging in, the first administrator, the start-up check,
//! registering, taking payment, joining the hub, a backup. The store decides; a refusal goes
//! back into the form that asked, in the window's language (`format::error`).

use std::path::PathBuf;

use storage::model::{PaymentMethod, Role, Staff};
use storage::{Checkout, NewResident};

use super::ClinicApp;
use crate::format;
use crate::gui::command::{Command, Desk};
use crate::gui::state::Notice;
use crate::gui::workers::{Job, JobLost};

impl ClinicApp {
    fn refusal(&self, e: impl Into<anyhow::Error>) -> String {
        format::error(self.state.lang, &e.into())
    }

    pub(super) fn log_in_with(&mut self, username: &str, password: &str) {
        let facility = &self.state.settings.facility;
        match self.state.store.log_in(username, password, facility) {
            Ok(staff) => {
                self.login.error = None;
                self.apply(Command::LoggedIn(staff));
            }
            Err(e) => self.login.error = Some(self.refusal(e)),
        }
    }

    pub(super) fn unlock(&mut self, password: &str) {
        let Some(session) = &self.state.session else {
            return;
        };
        let facility = &self.state.settings.facility;
        match (self.state.store).log_in(&session.staff.username, password, facility) {
            Ok(_) => {
                self.locked = false;
                self.state.notice = None;
            }
            Err(e) => self.state.notice = Some(Notice::Error(self.refusal(e))),
        }
    }

    pub(super) fn create_admin(&mut self, username: &str, display_name: &str, password: &str) {
        let facility = &self.state.settings.facility;
        let store = &self.state.store;
        let created = store
            .put_staff(username, display_name, Role::Admin, facility, password)
            .and_then(|_| store.log_in(username, password, facility));
        match created {
            Ok(staff) => self.apply(Command::LoggedIn(staff)),
            Err(e) => self.welcome.error = Some(self.refusal(e)),
        }
    }

    pub(super) fn acknowledge_tampering(&mut self, username: &str, password: &str, reason: &str) {
        let lang = self.state.lang;
        let Some(gate) = &self.integrity else {
            return;
        };
        let facility = self.state.settings.facility.clone();
        let decided = self
            .state
            .store
            .log_in(username, password, &facility)
            .map_err(anyhow::Error::from)
            .and_then(|staff: Staff| {
                anyhow::ensure!(
                    staff.role == Role::Admin,
                    "{}",
                    lang.t("只有管理员可以决定", "Only an administrator may decide")
                );
                let actor = storage::Actor {
                    staff: staff.username.clone(),
                    facility: facility.clone(),
                    role: staff.role,
                };
                (self.state.store).acknowledge_tampering(&actor, &gate.problem, reason)?;
                Ok(staff)
            });
        match decided {
            Ok(staff) => {
                self.integrity = None;
                self.apply(Command::LoggedIn(staff));
            }
            Err(e) => {
                let why = self.refusal(e);
                if let Some(gate) = &mut self.integrity {
                    gate.error = Some(why);
                }
            }
        }
    }

    pub(super) fn register(&mut self, resident: NewResident, desk: Desk) -> anyhow::Result<()> {
        let actor = self.actor()?;
        let registered = (self.state.store.register(&actor, resident)).map_err(|e| self.refusal(e));
        let (form, search) = match desk {
            Desk::FrontDesk => (&mut self.front_desk.register, &mut self.front_desk.search),
            Desk::Records => (&mut self.records.register, &mut self.records.search),
        };
        match registered {
            Ok(id) => {
                *form = None;
                search.refresh();
                self.apply(match desk {
                    Desk::FrontDesk => Command::SelectResident { id, found: None },
                    Desk::Records => Command::OpenResident {
                        id,
                        reason: "registration".into(),
                    },
                });
            }
            Err(why) => {
                if let Some(form) = form {
                    form.error = Some(why);
                }
            }
        }
        Ok(())
    }

    pub(super) fn take_payment(
        &mut self,
        checkout: &Checkout,
        method: PaymentMethod,
    ) -> anyhow::Result<()> {
        let lang = self.state.lang;
        let actor = self.actor()?;
        match self.state.store.complete_checkout(&actor, checkout, method) {
            Ok((claim, _)) => {
                self.front_desk.billing = None;
                self.front_desk.settled = claim;
                self.state.notice = Some(Notice::Info(format!(
                    "{} {} · {} {}{}",
                    lang.t("已收费", "Paid"),
                    format::money(checkout.patient_fen()),
                    lang.t("医保", "insurance"),
                    format::money(checkout.insurance_fen()),
                    claim
                        .map(|c| format!(
                            " · {} {}",
                            lang.t("结算单", "claim"),
                            format::short_id(c)
                        ))
                        .unwrap_or_default()
                )));
            }
            Err(e) => {
                let why = self.refusal(e);
                if let Some(b) = &mut self.front_desk.billing {
                    b.error = Some(why);
                }
            }
        }
        Ok(())
    }

    /// Joins a hub on a worker thread (contacting it may take seconds).
    pub(super) fn start_enrol(&mut self, hub: String, code: String, fingerprint: String) {
        let (store, data_dir, mut settings) = (
            self.state.store.clone(),
            self.state.data_dir.clone(),
            self.state.settings.clone(),
        );
        self.settings_screen.enrolling = true;
        self.enrolling = Some(Job::spawn(&self.ctx, "enrol", move |_| {
            crate::services::hub::enrol(
                &data_dir,
                &store,
                &mut settings,
                &hub,
                &code,
                &fingerprint,
            )?;
            Ok(hub)
        }));
    }

    /// This workstation just joined a hub: its settings name the hub and facility; sync starts.
    fn enrolled(&mut self) {
        if let Ok(settings) = crate::settings::Settings::load(&self.state.data_dir) {
            self.state.settings = settings;
            self.state.refresh_facility();
        }
        let (sync, status) =
            super::sync_status::start(&self.ctx, &self.state.store, &self.state.data_dir);
        self.sync = sync;
        self.sync_status = status;
    }

    /// Backs the store up on a worker thread, audited as the logged-in staff member's.
    pub(super) fn start_backup(&mut self, dir: PathBuf) -> anyhow::Result<()> {
        let actor = self.actor()?;
        let store = self.state.store.clone();
        self.settings_screen.backup.running = true;
        self.backup = Some(Job::spawn(&self.ctx, "backup", move |_| {
            let report = store.backup_to(&actor, &dir)?;
            Ok(format!(
                "{} ({} residents, {} changes)",
                report.file.display(),
                report.residents,
                report.changes
            ))
        }));
        Ok(())
    }

    /// Shows how a hub enrolment or a backup ended, on the settings screen.
    pub(super) fn poll_settings_jobs(&mut self) {
        let lang = self.state.lang;
        let outcome = |r: Result<anyhow::Result<String>, JobLost>| match r {
            Ok(Ok(what)) => Ok(what),
            Ok(Err(e)) => Err(format::error(lang, &e)),
            Err(JobLost) => Err(format::job_lost(lang)),
        };
        if let Some(done) = self.enrolling.as_mut().and_then(Job::poll) {
            self.enrolling = None;
            self.settings_screen.enrolling = false;
            let done = outcome(done);
            if done.is_ok() {
                self.enrolled();
            }
            self.settings_screen.message = Some(done);
        }
        if let Some(done) = self.backup.as_mut().and_then(Job::poll) {
            self.backup = None;
            self.settings_screen.backup.running = false;
            self.settings_screen.backup.message = Some(outcome(done));
        }
    }
}

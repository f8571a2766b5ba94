//! What the whole window shares: the store, the settings, who is logged in, the language.

use std::path::PathBuf;
use std::sync::Arc;

use storage::model::{Facility, Role, Staff};
use storage::{Actor, Store};

use crate::i18n::Lang;
use crate::settings::Settings;

/// The logged-in staff member.
#[derive(Clone, Debug)]
pub struct Session {
    pub staff: Staff,
    pub actor: Actor,
}

/// The main screens; which ones a user sees depends on their role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    FrontDesk,
    Doctor,
    /// Who is due or overdue for public-health visits (doctors).
    Worklist,
    Records,
    Settings,
    /// Claims, reconciliation and the daily settlement report.
    Claims,
    /// The audit log (administrators).
    Audit,
}

impl Screen {
    /// The screens of a role, the first being where they start.
    pub fn for_role(role: Role) -> &'static [Screen] {
        match role {
            Role::FrontDesk => &[Screen::FrontDesk, Screen::Claims],
            Role::Doctor => &[Screen::Doctor, Screen::Worklist, Screen::Records],
            Role::Admin | Role::Settlement => &[
                Screen::Settings,
                Screen::Records,
                Screen::Claims,
                Screen::Audit,
            ],
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Screen::FrontDesk => lang.t("前台", "Front desk"),
            Screen::Doctor => lang.t("接诊", "Consultation"),
            Screen::Worklist => lang.t("随访名单", "Worklists"),
            Screen::Records => lang.t("查档", "Records"),
            Screen::Settings => lang.t("设置", "Settings"),
            Screen::Claims => lang.t("医保结算", "Claims"),
            Screen::Audit => lang.t("审计", "Audit"),
        }
    }
}

/// A message for the user at the top of the screen, until dismissed or replaced.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Info(String),
    Error(String),
}

pub struct AppState {
    pub store: Arc<Store>,
    pub settings: Settings,
    pub data_dir: PathBuf,
    pub lang: Lang,
    pub session: Option<Session>,
    /// This workstation's facility, as the store knows it.
    pub facility: Facility,
    pub notice: Option<Notice>,
    pub screen: Screen,
    /// Drugs and services with prices and insurance classes, for bills.
    pub catalogue: storage::catalogue::Catalogue,
}

impl AppState {
    /// A resident as the lists name them (`format::who`); empty when not held here.
    pub fn who(&self, id: storage::Id) -> String {
        match self.store.resident(id) {
            Ok(Some(r)) => crate::format::who(self.lang, &r, self.today()),
            _ => String::new(),
        }
    }

    pub fn new(store: Arc<Store>, settings: Settings, data_dir: PathBuf) -> AppState {
        let lang = Lang::from_code(&settings.language);
        let facility = facility_of(&store, &settings.facility);
        let (catalogue, notice) = match fixtures::catalogue::catalogue_in(&data_dir) {
            Ok(c) => (c, None),
            Err(e) => (
                fixtures::catalogue::demo_catalogue().clone(),
                Some(Notice::Error(format!("{e}; using the demo catalogue"))),
            ),
        };
        AppState {
            store,
            settings,
            data_dir,
            lang,
            session: None,
            facility,
            notice,
            screen: Screen::FrontDesk,
            catalogue,
        }
    }

    /// Re-reads the facility after data arrived (e.g. the demo was loaded).
    pub fn refresh_facility(&mut self) {
        self.facility = facility_of(&self.store, &self.settings.facility);
    }

    pub fn actor(&self) -> Option<&Actor> {
        self.session.as_ref().map(|s| &s.actor)
    }

    /// Shows an error in the notice bar, worded by `format::error`.
    pub fn error(&mut self, e: impl Into<anyhow::Error>) {
        self.notice = Some(Notice::Error(crate::format::error(self.lang, &e.into())));
    }

    pub fn today(&self) -> storage::Date {
        self.store.clock().today()
    }

    pub fn now_ms(&self) -> i64 {
        self.store.clock().now_ms()
    }
}

fn facility_of(store: &Store, code: &str) -> Facility {
    store
        .facility(code)
        .ok()
        .flatten()
        .unwrap_or_else(|| Facility::unknown(code))
}

pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::FrontDesk => lang.t("前台", "Front desk"),
        Role::Doctor => lang.t("医生", "Doctor"),
        Role::Admin => lang.t("管理员", "Administrator"),
        Role::Settlement => lang.t("结算服务", "Settlement service"),
    }
}

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
        // Never priced by demo prices unawares: without the county's list, the notice says so.
        let demo = || fixtures::catalogue::demo_catalogue().clone();
        let (catalogue, notice) = match store.catalogue_for(&data_dir) {
            Ok(Some(c)) => (c, None),
            Ok(None) => (
                demo(),
                Some(Notice::Error(
                    lang.t(
                        "本机没有安装收费目录：暂按演示目录计价。请将本县目录 catalogue.tsv 放入数据目录",
                        "No catalogue is installed: bills use the demo prices until the county's catalogue.tsv is put in the data directory",
                    )
                    .into(),
                )),
            ),
            Err(e) => (
                demo(),
                Some(Notice::Error(format!(
                    "{}; {}",
                    crate::format::error(lang, &e.into()),
                    lang.t("暂按演示目录计价", "bills use the demo prices")
                ))),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A workstation without the county's catalogue never prices bills by demo prices
    /// unawares: the window says so until one is installed.
    #[test]
    fn without_a_catalogue_the_window_says_bills_use_the_demo_prices() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            Store::open(
                dir.path().join("clinic.redb"),
                storage::OpenOptions::new("s").fast_kdf_for_tests(),
            )
            .unwrap(),
        );
        let settings = Settings::default();
        let state = AppState::new(store.clone(), settings.clone(), dir.path().into());
        assert!(
            matches!(&state.notice, Some(Notice::Error(m)) if m.contains("演示目录")),
            "{:?}",
            state.notice
        );
        store
            .install_catalogue(fixtures::catalogue::DEMO_CATALOGUE_TSV)
            .unwrap();
        let state = AppState::new(store, settings, dir.path().into());
        assert_eq!(state.notice, None);
        assert!(state.catalogue.len() > 100);
    }
}

//! Printing from the window: the document is made and sent on a worker thread (the printer
//! may be slow or absent), and its outcome comes back as a notice.

use super::ClinicApp;
use crate::gui::command::PrintRequest;
use crate::gui::state::Notice;
use crate::gui::workers::{Job, JobLost};
use crate::i18n::Lang;
use crate::services::printing::{self, Delivered, Output};

impl ClinicApp {
    pub(super) fn start_print(&mut self, request: PrintRequest) -> anyhow::Result<()> {
        let actor = self.actor()?;
        let doctor = self.clinician_name();
        let store = self.state.store.clone();
        let output = Output::from_setting(&self.state.settings.printer);
        let lang = self.state.lang;
        let job = Job::spawn(&self.ctx, "print", move |_| {
            let job = || -> anyhow::Result<(Delivered, Vec<char>)> {
                let (name, printed) = match &request {
                    PrintRequest::Card(id) => (
                        format!("card-{id}"),
                        printing::issue(&store, &actor, *id)?.sheet.to_pdf()?,
                    ),
                    PrintRequest::Prescription(id) => (
                        format!("prescription-{id}"),
                        printing::prescription(&store, &actor, *id)?,
                    ),
                    PrintRequest::Receipt(id) => (
                        format!("receipt-{id}"),
                        printing::receipt(&store, &actor, *id)?,
                    ),
                    PrintRequest::Referral {
                        encounter,
                        to,
                        reason,
                    } => (
                        format!("referral-{encounter}"),
                        printing::referral(&store, &actor, *encounter, to, reason)?,
                    ),
                    PrintRequest::Worklist(query) => {
                        let entries = store.worklist(&actor, query, None)?;
                        (
                            format!("worklist-{}", query.kind.code()),
                            printing::worklist(&store, &actor, query, &entries, &doctor)?,
                        )
                    }
                };
                let delivered = printing::deliver(&printed, &output, &name)?;
                Ok((delivered, printed.missing))
            };
            match job() {
                Ok((delivered, missing)) => Notice::Info(said(lang, &delivered, &missing)),
                Err(e) => Notice::Error(format!(
                    "{} {}",
                    lang.t("打印失败：", "Printing failed:"),
                    crate::format::error(lang, &e)
                )),
            }
        });
        self.prints.push(job);
        self.state.notice = Some(Notice::Info(
            self.state.lang.t("正在打印…", "Printing…").into(),
        ));
        Ok(())
    }

    pub(super) fn poll_prints(&mut self) {
        let lang = self.state.lang;
        let mut finished = Vec::new();
        self.prints.retain_mut(|job| match job.poll() {
            Some(notice) => {
                finished.push(
                    notice.unwrap_or_else(|JobLost| Notice::Error(crate::format::job_lost(lang))),
                );
                false
            }
            None => true,
        });
        if let Some(notice) = finished.pop() {
            self.state.notice = Some(notice);
        }
    }
}

fn said(lang: Lang, delivered: &Delivered, missing: &[char]) -> String {
    let done = match delivered {
        Delivered::Printer(_) => lang.t("已发送到打印机", "Sent to the printer").to_string(),
        Delivered::Saved(path) => format!("{} {}", lang.t("已保存为", "Saved as"), path.display()),
    };
    if missing.is_empty() {
        return done;
    }
    format!(
        "{done}。{} {}",
        lang.t(
            "打印字体缺少以下字，请在纸上手写补上：",
            "The font lacks these characters; write them by hand:"
        ),
        missing.iter().collect::<String>()
    )
}

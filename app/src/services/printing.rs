//! Printing: fills the `print` crate's sheets from the store (where roles are checked and
//! every print is audited) and hands the PDF to the printer.
//!
//! The PDF goes to the print command's standard input (`lp` by default, CUPS's own
//! command), so no copy of the document is left on disk. A workstation without a printer can
//! be set to save PDFs in a folder instead (`folder:/path`): those files are *not* encrypted.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use print::{
    CardSheet, Patient, PrescriptionLine, PrescriptionSheet, Printed, ReceiptLine, ReceiptSheet,
    ReferralSheet, WorklistRow, WorklistSheet,
};
use scanner::card::{issue_card, keys};
use storage::model::{
    AuditAction, AuditEntry, Body, ClaimStatus, Frequency, InsuranceClass, PaymentMethod,
    RecordBody, Resident, Route, Sex,
};
use storage::{Actor, Date, HistoryEntry, Id, Store};

use crate::format::{self, money};
use crate::i18n::Lang;

/// Five years, the longest a printed card may be valid.
pub const PRINTED_CARD_SECONDS: u64 = 5 * 365 * 86_400;

/// A card just issued: its `EHC1:` text and what the printed card shows.
pub struct IssuedCard {
    pub text: String,
    pub sheet: CardSheet,
}

/// Issues a signed card for a resident (giving them a card id if they have none, audited as
/// printing in the same transaction: `Store::issue_card`). Front desk and doctors may do this: the card shows no clinical data.
pub fn issue(store: &Store, actor: &Actor, resident: Id) -> anyhow::Result<IssuedCard> {
    let (r, card) = store.issue_card(actor, resident)?;
    let now = (store.clock().now_ms() / 1000).max(0) as u64;
    let expires = now + PRINTED_CARD_SECONDS;
    let token = crate::scan::token_for(&r, card.0, keys::demo::ISSUER, now, expires);
    let text = issue_card(&token, &keys::demo::issuer());
    let today = store.clock().today();
    let qr = scanner::card::qr_matrix(&text).map_err(anyhow::Error::msg)?;
    let sheet = CardSheet {
        facility: facility_name(store, &actor.facility),
        name: r.name.clone(),
        sex: sex(r.sex).into(),
        birth: r.birth_date.to_string(),
        id_number: masked_id_number(&r),
        qr: print::QrModules {
            size: qr.size,
            dark: qr.dark,
        },
        valid_until: Date::of_instant(expires as i64 * 1000).to_string(),
        issued: today.to_string(),
    };
    Ok(IssuedCard { text, sheet })
}

/// The prescription `record` as its 处方笺. Doctors only; audited.
pub fn prescription(store: &Store, actor: &Actor, record: Id) -> anyhow::Result<Printed> {
    let (r, history) = record_history(store, actor, record, "prescription printed")?;
    let entry = find(&history, record)?;
    let RecordBody::Prescription(p) = entry.current(&history) else {
        bail!("record {record} is not a prescription");
    };
    let date = Date::of_instant(entry.record.at);
    let encounter = p.encounter.and_then(|e| encounter_of(&history, e));
    let total: i64 = p
        .lines
        .iter()
        .map(|l| l.unit_price_fen * i64::from(l.quantity))
        .sum();
    let sheet = PrescriptionSheet {
        facility: facility_name(store, &entry.record.facility),
        number: format!("{}-{}", date.ymd_number(), short(record)),
        date: date.to_string(),
        department: "全科".into(),
        patient: patient(&r, date),
        diagnoses: encounter.map(diagnoses).unwrap_or_default(),
        allergies: allergies(&history),
        lines: p
            .lines
            .iter()
            .map(|l| PrescriptionLine {
                drug: l.drug_name.clone(),
                spec: l.spec.clone(),
                quantity: format!("×{}{}", l.quantity, l.unit),
                usage: format!(
                    "{}  每次{}  {}  {}天",
                    route(l.route),
                    l.dose,
                    frequency(l.frequency),
                    l.days
                ),
            })
            .collect(),
        total: money(total),
        doctor: entry.record.clinician.clone(),
    };
    Ok(sheet.to_pdf()?)
}

/// A referral from the encounter `record` to facility `to`, for `reason`. Doctors only;
/// audited.
pub fn referral(
    store: &Store,
    actor: &Actor,
    record: Id,
    to: &str,
    reason: &str,
) -> anyhow::Result<Printed> {
    if to.trim().is_empty() || reason.trim().is_empty() {
        bail!("a referral needs the receiving facility and the reason");
    }
    let (r, history) = record_history(store, actor, record, &format!("referral to {to}"))?;
    let entry = find(&history, record)?;
    let RecordBody::Encounter(e) = entry.current(&history) else {
        bail!("record {record} is not an encounter");
    };
    let today = store.clock().today();
    // The vitals as the window shows them, in the printed document's language.
    let findings = format::vitals(Lang::Zh, &e.vitals);
    let present = [e.chief_complaint.as_str(), &findings, e.notes.as_str()]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join("。");
    let mut past: Vec<String> = Vec::new();
    let summary = storage::summary::Summary::of(&history, r.birth_date, today);
    for p in &summary.problems {
        past.push(format!("{} {}（{}起）", p.code, p.name, p.since.year()));
    }
    let allergies = allergies(&history);
    if !allergies.is_empty() {
        past.push(format!("过敏：{}", allergies.join("、")));
    }
    let treatment: Vec<String> = history
        .iter()
        .filter_map(|h| match h.current(&history) {
            RecordBody::Prescription(p) if p.encounter == Some(record) => Some(p),
            _ => None,
        })
        .flat_map(|p| &p.lines)
        .map(|l| format!("{} {} {}", l.drug_name, l.dose, frequency(l.frequency)))
        .collect();
    let from = facility_name(store, &entry.record.facility);
    let sheet = ReferralSheet {
        phone: String::new(),
        from_facility: from,
        to_facility: to.trim().into(),
        date: today.to_string(),
        patient: patient(&r, today),
        diagnoses: diagnoses(e),
        reason: reason.trim().into(),
        present_illness: present,
        past_history: past.join("；"),
        treatment: treatment.join("；"),
        doctor: entry.record.clinician.clone(),
    };
    Ok(sheet.to_pdf()?)
}

/// The charge list of a claim, for the resident at the till. Front desk and doctors; audited.
pub fn receipt(store: &Store, actor: &Actor, claim: Id) -> anyhow::Result<Printed> {
    let (c, payments) = store.claim_for_print(actor, claim)?;
    let r = store.resident(c.resident)?.context("no such resident")?;
    let opened = c.opened_at();
    let lines = c
        .settled_lines()
        .iter()
        .map(|l| ReceiptLine {
            item: l.name.clone(),
            class: match l.class {
                InsuranceClass::A => "甲",
                InsuranceClass::B => "乙",
                InsuranceClass::C => "丙",
            }
            .into(),
            quantity: l.quantity.to_string(),
            unit_price: money(l.unit_price_fen),
            amount: money(l.amount_fen),
        })
        .collect();
    let payments = payments
        .iter()
        .map(|p| {
            let what = if p.amount_fen < 0 { "退款" } else { "收款" };
            let how = match &p.method {
                PaymentMethod::Cash => "现金".to_string(),
                PaymentMethod::Mobile { reference } => {
                    let tail: String = reference.chars().rev().take(4).collect();
                    let tail: String = tail.chars().rev().collect();
                    format!("移动支付（交易号 …{tail}）")
                }
            };
            format!(
                "{}  {what} {how} {}",
                format::time(p.at),
                money(p.amount_fen.abs())
            )
        })
        .collect();
    let first = c
        .history
        .first()
        .map_or(c.insurance_fen, |h| h.insurance_fen);
    let status = match c.status() {
        ClaimStatus::Queued if c.provisional => {
            "医保结算待中心确认（本机数据未全部同步），以中心结算为准。".into()
        }
        ClaimStatus::Queued => "医保结算待中心确认，以中心结算为准。".into(),
        ClaimStatus::Accepted => "医保结算已由中心确认。".into(),
        ClaimStatus::Adjusted => format!(
            "中心已调整医保支付：{} → {}；差额在收费处收退。",
            money(first),
            money(c.insurance_fen)
        ),
        ClaimStatus::Rejected => "中心拒付医保：个人全额支付，差额在收费处收取。".into(),
    };
    let cashier = store
        .staff()?
        .into_iter()
        .find(|s| s.username == actor.staff)
        .map_or_else(|| actor.staff.clone(), |s| s.display_name);
    let sheet = ReceiptSheet {
        facility: facility_name(store, &c.facility),
        number: short(c.id),
        time: format::time(opened),
        patient: patient(&r, Date::of_instant(opened)),
        lines,
        total: money(c.total_fen),
        insurance: money(c.insurance_fen),
        patient_share: money(c.patient_fen),
        payments,
        status,
        cashier,
    };
    Ok(sheet.to_pdf()?)
}

/// Facility names by code, read once for a whole list rather than once per row.
#[derive(Clone, Debug, Default)]
pub struct FacilityNames(std::collections::HashMap<String, String>);

impl FacilityNames {
    pub fn of(store: &Store) -> FacilityNames {
        let facilities = store.facilities().unwrap_or_default();
        FacilityNames(facilities.into_iter().map(|f| (f.code, f.name)).collect())
    }

    /// The name, or the code of a facility not known here.
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.0.get(code).map_or(code, String::as_str)
    }
}

/// How a worklist entry reads, on screen and on paper (in `lang`; paper is Chinese).
pub fn worklist_row(
    lang: Lang,
    names: &FacilityNames,
    e: &storage::worklist::WorklistEntry,
    today: Date,
) -> WorklistRow {
    let r = &e.resident;
    let age = r.birth_date.age_on(today);
    let age = if age >= 1 {
        format!("{age}{}", lang.t("岁", " y"))
    } else {
        format!(
            "{}{}",
            r.birth_date.months_until(today).max(0),
            lang.t("月", " mo")
        )
    };
    let due = e.due();
    let late = due.days_until(today);
    let since = if e.overdue() {
        format!(
            "{due} {}{late}{}",
            lang.t("逾期", "overdue "),
            lang.t("天", " d")
        )
    } else {
        due.to_string()
    };
    let household: Vec<String> = e
        .household
        .iter()
        .map(|(rel, name)| format!("{}（{}）", name, format::relation(lang, *rel)))
        .collect();
    let last_contact = e.last_contact.as_ref().map_or(String::new(), |(day, c)| {
        let (zh, en) = c.outcome.names();
        let mut s = format!("{day} {}{}", format::method(lang, c.method), lang.t(zh, en));
        if e.attempts > 1 {
            s += &format!(
                "（{}{}{}）",
                lang.t("第", "attempt "),
                e.attempts,
                lang.t("次", "")
            );
        }
        s
    });
    WorklistRow {
        name: r.name.clone(),
        sex_age: format!("{} {age}", format::sex(lang, r.sex)),
        address: storage::worklist::village_name(&r.address),
        phone: match &e.phone_of {
            Some(whose) => format!("{} （{whose}）", e.phone),
            None => e.phone.clone(),
        },
        household: household.join("，"),
        due: e
            .items
            .iter()
            .map(|i| {
                let what = lang.t(&i.what_zh, &i.what_en).to_string();
                if e.items.len() > 1 {
                    format!("{what} {}", i.due)
                } else {
                    what
                }
            })
            .collect(),
        since,
        last_visit: e
            .last_visit
            .as_ref()
            .map_or(String::new(), |(day, facility)| {
                format!("{day} {}", names.name(facility))
            }),
        last_contact,
    }
}

/// The worklist as the A4 list for the round, audited as a print. Doctors only.
pub fn worklist(
    store: &Store,
    actor: &Actor,
    q: &storage::worklist::WorklistQuery,
    entries: &[storage::worklist::WorklistEntry],
    doctor: &str,
) -> anyhow::Result<Printed> {
    if actor.role != storage::model::Role::Doctor {
        bail!("only doctors print worklists");
    }
    let today = store.clock().today();
    let village = match (&q.village, entries.first()) {
        // Everyone listed lives there: their address names it.
        (Some(_), Some(e)) => storage::worklist::village_name(&e.resident.address),
        (Some(code), None) => store
            .villages(actor)?
            .into_iter()
            .find(|(c, _)| c == code)
            .map_or(code.clone(), |(_, name)| name),
        (None, _) => "全部".into(),
    };
    store.commit_one(
        actor,
        Body::Audit(AuditEntry::new(
            AuditAction::Print,
            None,
            format!("worklist {} ({} residents)", q.kind.code(), entries.len()),
        )),
    )?;
    let names = FacilityNames::of(store);
    let sheet = WorklistSheet {
        facility: names.name(&actor.facility).into(),
        list: q.kind.names().0.into(),
        village,
        day: today.to_string(),
        doctor: doctor.into(),
        rows: entries
            .iter()
            .map(|e| worklist_row(Lang::Zh, &names, e, today))
            .collect(),
    };
    Ok(sheet.to_pdf()?)
}

/// The resident a record belongs to and their history, read for printing (audited).
fn record_history(
    store: &Store,
    actor: &Actor,
    record: Id,
    what: &str,
) -> anyhow::Result<(Resident, Vec<HistoryEntry>)> {
    let change = store.change(record)?.context("no such record")?;
    let Body::Record(rec) = change.body else {
        bail!("{record} is not a clinical record");
    };
    let r = store.resident(rec.resident)?.context("no such resident")?;
    let history = store.history_for_print(actor, rec.resident, what)?;
    Ok((r, history))
}

fn find(history: &[HistoryEntry], record: Id) -> anyhow::Result<&HistoryEntry> {
    history
        .iter()
        .find(|h| h.id == record)
        .context("the record is not in the resident's history")
}

fn encounter_of(history: &[HistoryEntry], id: Id) -> Option<&storage::model::Encounter> {
    match find(history, id).ok()?.current(history) {
        RecordBody::Encounter(e) => Some(e),
        _ => None,
    }
}

fn diagnoses(e: &storage::model::Encounter) -> Vec<String> {
    e.diagnoses
        .iter()
        .map(|d| format!("{} {}", d.code, d.name))
        .collect()
}

fn allergies(history: &[HistoryEntry]) -> Vec<String> {
    let mut out: Vec<String> = history
        .iter()
        .filter_map(|h| match h.current(history) {
            RecordBody::Allergy(a) => Some(a.substance.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn patient(r: &Resident, on: Date) -> Patient {
    let age = r.birth_date.age_on(on);
    Patient {
        name: r.name.clone(),
        sex: sex(r.sex).into(),
        age: if age >= 1 {
            format!("{age}岁")
        } else {
            format!("{}月", r.birth_date.months_until(on).max(0))
        },
        id_number: masked_id_number(r),
        scheme: match r.insurance() {
            Some((s, _)) if s == storage::settlement::RESIDENTS_SCHEME => "城乡居民医保".into(),
            Some((scheme, _)) => format!("医保 {scheme}"),
            None => "自费".into(),
        },
        phone: r.phone.clone(),
    }
}

fn masked_id_number(r: &Resident) -> String {
    r.id_number()
        .map(|n| format::masked_id(n.as_str()))
        .unwrap_or_default()
}

fn facility_name(store: &Store, code: &str) -> String {
    store
        .facility(code)
        .ok()
        .flatten()
        .map(|f| f.name)
        .unwrap_or_else(|| code.to_string())
}

fn short(id: Id) -> String {
    let s = id.to_string();
    s[s.len() - 6..].to_uppercase()
}

/// Documents are printed in Chinese whatever the window's language.
fn sex(s: Sex) -> &'static str {
    format::sex(Lang::Zh, s)
}

fn route(r: Route) -> &'static str {
    match r {
        Route::Oral => "口服",
        Route::Intramuscular => "肌内注射",
        Route::Intravenous => "静脉滴注",
        Route::Subcutaneous => "皮下注射",
        Route::Intradermal => "皮内注射",
        Route::Topical => "外用",
        Route::Inhaled => "吸入",
        Route::Other => "遵医嘱",
    }
}

fn frequency(f: Frequency) -> &'static str {
    match f {
        Frequency::Qd => "每日1次(qd)",
        Frequency::Bid => "每日2次(bid)",
        Frequency::Tid => "每日3次(tid)",
        Frequency::Qid => "每日4次(qid)",
        Frequency::Q12h => "每12小时1次(q12h)",
        Frequency::Qn => "每晚1次(qn)",
        Frequency::Prn => "必要时(prn)",
        Frequency::Once => "立即(st)",
    }
}

/// Where printed documents go: the `printer` setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// A shell command that prints the PDF on its standard input (`lp`, `lp -d NAME`).
    Command(String),
    /// Save PDFs in this folder (unencrypted: for a workstation without a printer).
    Folder(PathBuf),
}

impl Output {
    pub fn from_setting(setting: &str) -> Output {
        match setting.trim() {
            "" => Output::Command("lp".into()),
            s => match s.strip_prefix("folder:") {
                Some(dir) => Output::Folder(PathBuf::from(dir.trim())),
                None => Output::Command(s.into()),
            },
        }
    }
}

/// Where a document went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// To the printer, through this command.
    Printer(String),
    Saved(PathBuf),
}

impl std::fmt::Display for Delivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Delivered::Printer(command) => write!(f, "sent to the printer ({command})"),
            Delivered::Saved(path) => write!(f, "saved as {}", path.display()),
        }
    }
}

/// Sends the document to the printer, or saves it as `<name>.pdf` in the folder.
pub fn deliver(printed: &Printed, output: &Output, name: &str) -> anyhow::Result<Delivered> {
    Ok(match output {
        Output::Command(command) => {
            run_print_command(command, &printed.pdf)?;
            Delivered::Printer(command.clone())
        }
        Output::Folder(dir) => Delivered::Saved(save_in(dir, name, &printed.pdf)?),
    })
}

/// `done`, and which characters the font lacked (to be written by hand on the paper).
pub fn with_missing(done: String, printed: &Printed) -> String {
    match printed.missing.as_slice() {
        [] => done,
        missing => format!(
            "{done}; the font has no {}: write it by hand",
            missing.iter().collect::<String>()
        ),
    }
}

/// The print command does not exist on this PC (no CUPS): said in the user's language by the
/// window, with what to do.
#[derive(Debug)]
pub struct NoPrinter(pub String);

impl std::fmt::Display for NoPrinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no printer here: `{}` was not found (install CUPS, or set the printer to \
             folder:/path in the settings)",
            self.0
        )
    }
}

impl std::error::Error for NoPrinter {}

fn run_print_command(command: &str, pdf: &[u8]) -> anyhow::Result<()> {
    let mut child = Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start the print command {command}"))?;
    let written = child.stdin.take().map(|mut s| s.write_all(pdf));
    let out = child.wait_with_output()?;
    if out.status.code() == Some(127) {
        return Err(NoPrinter(command.to_string()).into());
    }
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "the printer did not take the document ({command}: {})",
            err.trim()
        );
    }
    if let Some(Err(e)) = written {
        bail!("the print command stopped reading: {e}");
    }
    Ok(())
}

/// Writes `<dir>/<name>.pdf` (or `<name>-2.pdf`…) through a temporary file, never over an
/// earlier print.
fn save_in(dir: &Path, name: &str, pdf: &[u8]) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = (1..)
        .map(|n| match n {
            1 => dir.join(format!("{name}.pdf")),
            n => dir.join(format!("{name}-{n}.pdf")),
        })
        .find(|p| !p.exists())
        .expect("some name is free");
    let tmp = path.with_extension("pdf.tmp");
    std::fs::write(&tmp, pdf).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed() -> Printed {
        Printed {
            pdf: b"%PDF-1.7 test".to_vec(),
            missing: vec![],
        }
    }

    #[test]
    fn the_setting_names_a_command_or_a_folder() {
        assert_eq!(Output::from_setting(""), Output::Command("lp".into()));
        assert_eq!(
            Output::from_setting("lp -d HP"),
            Output::Command("lp -d HP".into())
        );
        assert_eq!(
            Output::from_setting("folder: /srv/prints"),
            Output::Folder("/srv/prints".into())
        );
    }

    #[test]
    fn a_missing_or_failing_printer_is_a_clear_error() {
        let missing = deliver(&printed(), &Output::Command("no-such-lp-here".into()), "x");
        assert!(format!("{:#}", missing.unwrap_err()).contains("no printer here"));
        let jammed = Output::Command("cat >/dev/null; echo 'paper jam' >&2; exit 1".into());
        let err = format!("{:#}", deliver(&printed(), &jammed, "x").unwrap_err());
        assert!(
            err.contains("did not take") && err.contains("paper jam"),
            "{err}"
        );
    }

    #[test]
    fn saving_to_a_folder_never_overwrites_an_earlier_print() {
        let dir = tempfile::tempdir().unwrap();
        let out = Output::Folder(dir.path().join("prints"));
        let first = deliver(&printed(), &out, "card").unwrap();
        let second = deliver(&printed(), &out, "card").unwrap();
        assert_eq!(first, Delivered::Saved(dir.path().join("prints/card.pdf")));
        assert_eq!(
            second,
            Delivered::Saved(dir.path().join("prints/card-2.pdf"))
        );
        assert_eq!(
            std::fs::read(dir.path().join("prints/card.pdf")).unwrap(),
            printed().pdf
        );
    }
}

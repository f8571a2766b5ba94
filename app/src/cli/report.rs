//! `clinic report daily`: a facility's daily settlement report, as text or JSON.

use serde_json::json;
use storage::settlement::yuan;
use storage::{DailyReport, Date, Store};

pub fn daily(store: &Store, facility: &str, day: Date, as_json: bool) -> anyhow::Result<()> {
    let report = store.daily_report(facility, day)?;
    if as_json {
        println!("{}", serde_json::to_string_pretty(&to_json(&report))?);
    } else {
        let name = store
            .facility(facility)?
            .map_or(facility.to_string(), |f| f.name);
        print!("{}", text(&report, &name));
    }
    Ok(())
}

fn status(s: Option<storage::model::ClaimStatus>) -> &'static str {
    use storage::model::ClaimStatus::*;
    match s {
        Some(Queued) => "queued",
        Some(Accepted) => "accepted",
        Some(Adjusted) => "adjusted",
        Some(Rejected) => "rejected",
        None => "",
    }
}

fn to_json(r: &DailyReport) -> serde_json::Value {
    let rows: Vec<_> = r
        .rows
        .iter()
        .map(|row| {
            json!({
                "scheme": row.scheme,
                "status": status(row.status),
                "count": row.count,
                "total_fen": row.total_fen,
                "insurance_fen": row.insurance_fen,
                "patient_fen": row.patient_fen,
            })
        })
        .collect();
    json!({
        "facility": r.facility,
        "day": r.day,
        "claims": r.claims(),
        "rows": rows,
        "payments": r.payments,
        "cash_fen": r.cash_fen,
        "mobile_fen": r.mobile_fen,
        "refunds_fen": r.refunds_fen,
        "takings_fen": r.takings_fen(),
    })
}

fn text(r: &DailyReport, name: &str) -> String {
    let mut out = format!(
        "Daily settlement report 日结报表 — {name} ({}) — {}\n\n",
        r.facility, r.day
    );
    out.push_str(&format!(
        "{:<8} {:<10} {:>6} {:>12} {:>12} {:>12}\n",
        "scheme", "status", "claims", "total", "insurance", "patient"
    ));
    for row in &r.rows {
        out.push_str(&format!(
            "{:<8} {:<10} {:>6} {:>12} {:>12} {:>12}\n",
            row.scheme,
            status(row.status),
            row.count,
            yuan(row.total_fen),
            yuan(row.insurance_fen),
            yuan(row.patient_fen)
        ));
    }
    let sum = |f: fn(&storage::ReportRow) -> i64| r.rows.iter().map(f).sum::<i64>();
    out.push_str(&format!(
        "{:<19} {:>6} {:>12} {:>12} {:>12}\n\n",
        "all",
        r.claims(),
        yuan(sum(|x| x.total_fen)),
        yuan(sum(|x| x.insurance_fen)),
        yuan(sum(|x| x.patient_fen))
    ));
    out.push_str(&format!(
        "payments {}: cash {} · mobile {} · refunds {} · net takings {}\n",
        r.payments,
        yuan(r.cash_fen),
        yuan(r.mobile_fen),
        yuan(r.refunds_fen),
        yuan(r.takings_fen())
    ));
    out
}

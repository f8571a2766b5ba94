//! Readings that call for referral, and the follow-up classification worked out from them.
//!
//! Thresholds: 国家基本公共卫生服务规范（第三版, 2017）, as quoted in ../shared/DOMAIN.md §2a–§2b:
//! emergency referral at SBP ≥ 180 and/or DBP ≥ 110 mmHg; fasting glucose ≥ 16.7 mmol/L;
//! persistent tachycardia > 100/min; temperature > 39 °C; raised blood pressure in pregnancy.
//! Glucose ≤ 3.9 mmol/L (hypoglycaemia) is an alert rule of the same sources. Control
//! ("控制满意"): BP < 140/90 (< 150/90 from 65 years), fasting glucose < 7.0 mmol/L.

use serde::{Deserialize, Serialize};

use super::{Control, GlucoseKind, Kind, Readings, Severity, Warning};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Hypertension,
    Diabetes,
}

fn urgent(zh: String, en: String) -> Warning {
    Warning {
        kind: Kind::UrgentReferral,
        severity: Severity::High,
        message_zh: zh,
        message_en: en,
        lines: Vec::new(),
    }
}

/// The referral criteria the readings meet.
pub fn urgent_flags(r: &Readings, age: i32, pregnant: bool) -> Vec<Warning> {
    let mut out = Vec::new();
    let bp = (r.sbp.unwrap_or(0.0), r.dbp.unwrap_or(0.0));
    let shown = format!(
        "{}/{}",
        r.sbp.map(|v| v.to_string()).unwrap_or("-".into()),
        r.dbp.map(|v| v.to_string()).unwrap_or("-".into())
    );
    if bp.0 >= 180.0 || bp.1 >= 110.0 {
        out.push(urgent(
            format!("血压 {shown} mmHg：收缩压≥180和/或舒张压≥110，紧急转诊"),
            format!("BP {shown} mmHg: systolic ≥ 180 and/or diastolic ≥ 110, refer urgently"),
        ));
    } else if pregnant && (bp.0 >= 140.0 || bp.1 >= 90.0) {
        out.push(urgent(
            format!("妊娠期血压 {shown} mmHg（≥140/90）：转诊"),
            format!("BP {shown} mmHg in pregnancy (≥ 140/90): refer"),
        ));
    }
    if let Some(g) = r.glucose {
        let kind = r.glucose_kind.unwrap_or_default();
        let what = match kind {
            GlucoseKind::Fasting => ("空腹血糖", "fasting glucose"),
            GlucoseKind::Random => ("随机血糖", "random glucose"),
            GlucoseKind::TwoHour => ("餐后2小时血糖", "2-hour glucose"),
        };
        if g >= 16.7 {
            out.push(urgent(
                format!("{} {g} mmol/L（≥16.7）：紧急转诊", what.0),
                format!("{} {g} mmol/L (≥ 16.7): refer urgently", what.1),
            ));
        } else if g <= 3.9 {
            out.push(urgent(
                format!("{} {g} mmol/L（≤3.9）：低血糖，立即处理并转诊", what.0),
                format!(
                    "{} {g} mmol/L (≤ 3.9): hypoglycaemia, treat now and refer",
                    what.1
                ),
            ));
        }
    }
    if let Some(t) = r.temperature.filter(|t| *t > 39.0) {
        out.push(urgent(
            format!("体温 {t} ℃（>39℃）：转诊"),
            format!("Temperature {t} °C (> 39 °C): refer"),
        ));
    }
    // A resting rate over 100 is tachycardia in an adult; a child's normal rate is higher.
    if let Some(hr) = r.heart_rate.filter(|hr| *hr > 100.0 && age >= 18) {
        out.push(urgent(
            format!("心率 {hr} 次/分（>100）：心动过速，转诊"),
            format!("Heart rate {hr}/min (> 100): tachycardia, refer"),
        ));
    }
    out
}

/// Whether the readings are "控制满意" for the condition, if they say anything about it.
pub fn control_status(condition: Condition, r: &Readings, age: i32) -> Option<bool> {
    match condition {
        Condition::Hypertension => {
            let (sbp, dbp) = (r.sbp?, r.dbp?);
            let target = if age >= 65 { 150.0 } else { 140.0 };
            Some(sbp < target && dbp < 90.0)
        }
        // Only fasting glucose classifies; HbA1c < 7 % when there is no fasting reading.
        Condition::Diabetes => match (r.glucose, r.glucose_kind.unwrap_or_default()) {
            (Some(g), GlucoseKind::Fasting) => Some(g < 7.0),
            _ => r.hba1c.map(|h| h < 7.0),
        },
    }
}

/// The classification of each managed condition among the diagnoses.
pub(super) fn control(r: &Readings, diagnoses: &[String], age: i32) -> Vec<Control> {
    let has = |prefixes: &[&str]| {
        diagnoses.iter().any(|d| {
            prefixes
                .iter()
                .any(|p| d.trim().to_ascii_uppercase().starts_with(p))
        })
    };
    let mut out = Vec::new();
    for (condition, prefixes) in [
        (
            Condition::Hypertension,
            &["I10", "I11", "I12", "I13", "I15"][..],
        ),
        (Condition::Diabetes, &["E11"][..]),
    ] {
        if !has(prefixes) {
            continue;
        }
        if let Some(ok) = control_status(condition, r, age) {
            let (zh, en) = match (condition, ok) {
                (Condition::Hypertension, true) => ("血压控制满意", "blood pressure controlled"),
                (Condition::Hypertension, false) => (
                    "血压控制不满意：2周内随访",
                    "blood pressure not controlled: follow up within 2 weeks",
                ),
                (Condition::Diabetes, true) => ("血糖控制满意", "glucose controlled"),
                (Condition::Diabetes, false) => (
                    "血糖控制不满意：2周内随访",
                    "glucose not controlled: follow up within 2 weeks",
                ),
            };
            out.push(Control {
                condition,
                satisfactory: ok,
                message_zh: zh.into(),
                message_en: en.into(),
            });
        }
    }
    out
}

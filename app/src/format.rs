//! How domain values read on screen, in both languages.

use storage::Date;
use storage::model::*;

use crate::i18n::Lang;

pub fn sex(lang: Lang, s: Sex) -> &'static str {
    match s {
        Sex::Male => lang.t("男", "M"),
        Sex::Female => lang.t("女", "F"),
        Sex::Unknown | Sex::Unspecified => lang.t("未知", "?"),
    }
}

pub fn category(lang: Lang, c: RecordCategory) -> &'static str {
    match c {
        RecordCategory::Encounter => lang.t("就诊", "Visits"),
        RecordCategory::Prescription => lang.t("处方", "Prescriptions"),
        RecordCategory::Immunisation => lang.t("预防接种", "Immunisations"),
        RecordCategory::MaternalChild => lang.t("妇幼保健", "Maternal & child"),
        RecordCategory::ChronicFollowUp => lang.t("慢病随访", "Chronic follow-up"),
        RecordCategory::Observation => lang.t("监测", "Observations"),
        RecordCategory::Allergy => lang.t("过敏", "Allergies"),
    }
}

pub fn visit_type(lang: Lang, v: VisitType) -> &'static str {
    match v {
        VisitType::General => lang.t("普通门诊", "Outpatient"),
        VisitType::ChronicFollowUp => lang.t("慢病随访", "Chronic follow-up"),
        VisitType::Immunisation => lang.t("预防接种", "Immunisation"),
        VisitType::Antenatal => lang.t("产前检查", "Antenatal"),
        VisitType::ChildHealth => lang.t("儿童保健", "Child health"),
        VisitType::Inpatient => lang.t("住院", "Hospital stay"),
    }
}

/// The abbreviation on a prescription; a single dose is written `st` (statim).
pub fn frequency(f: Frequency) -> &'static str {
    match f {
        Frequency::Once => "st",
        f => f.code(),
    }
}

pub fn relation(lang: Lang, r: Relation) -> &'static str {
    match r {
        Relation::Spouse => lang.t("配偶", "spouse"),
        Relation::ParentOf => lang.t("子女", "child"),
        Relation::ChildOf => lang.t("父母", "parent"),
        Relation::GuardianOf => lang.t("被监护人", "ward"),
        Relation::WardOf => lang.t("监护人", "guardian"),
    }
}

pub fn method(lang: Lang, m: FollowUpMethod) -> &'static str {
    match m {
        FollowUpMethod::Clinic => lang.t("门诊", "clinic"),
        FollowUpMethod::Home => lang.t("入户", "home visit"),
        FollowUpMethod::Phone => lang.t("电话", "phone"),
    }
}

pub fn control(lang: Lang, c: ControlStatus) -> &'static str {
    match c {
        ControlStatus::Satisfactory => lang.t("控制满意", "controlled"),
        ControlStatus::Unsatisfactory => lang.t("控制不满意", "not controlled"),
        ControlStatus::AdverseReaction => lang.t("不良反应", "adverse reaction"),
        ControlStatus::Complication => lang.t("并发症", "complication"),
    }
}

/// `2024-03-05 10:21` in Beijing time.
pub fn time(unix_ms: i64) -> String {
    let day = Date::of_instant(unix_ms);
    let minutes = (unix_ms - day.start_ms()) / 60_000;
    format!("{day} {:02}:{:02}", minutes / 60, minutes % 60)
}

pub fn tenths(v: u16) -> String {
    format!("{}.{}", v / 10, v % 10)
}

/// ID number with the middle hidden: `420921********0015`.
pub fn masked_id(n: &str) -> String {
    if n.len() != 18 {
        return n.to_string();
    }
    format!("{}********{}", &n[..6], &n[14..])
}

pub fn vitals(lang: Lang, v: &Vitals) -> String {
    let mut parts = Vec::new();
    if let (Some(s), Some(d)) = (v.systolic, v.diastolic) {
        parts.push(format!("{} {s}/{d} mmHg", lang.t("血压", "BP")));
    }
    if let Some(p) = v.pulse {
        parts.push(format!("{} {p}", lang.t("脉搏", "pulse")));
    }
    if let Some(t) = v.temperature_x10 {
        parts.push(format!("{} {}°C", lang.t("体温", "temp"), tenths(t)));
    }
    if let Some(g) = v.glucose_x10 {
        parts.push(format!(
            "{} {} mmol/L",
            lang.t("空腹血糖", "fasting glucose"),
            tenths(g)
        ));
    }
    if let Some(w) = v.weight_x10 {
        parts.push(format!("{} {} kg", lang.t("体重", "weight"), tenths(w)));
    }
    parts.join(" · ")
}

/// One line saying what a record is.
pub fn title(lang: Lang, body: &RecordBody) -> String {
    match body {
        RecordBody::Encounter(e) => {
            let dx: Vec<String> = e
                .diagnoses
                .iter()
                .map(|d| format!("{} ({})", d.name, d.code))
                .collect();
            format!("{}：{}", visit_type(lang, e.visit_type), dx.join("，"))
        }
        RecordBody::Prescription(p) => {
            let drugs: Vec<&str> = p.lines.iter().map(|l| l.drug_name.as_str()).collect();
            format!("{}：{}", lang.t("处方", "Prescription"), drugs.join("，"))
        }
        RecordBody::Immunisation(i) => dose_title(lang, i),
        RecordBody::PastDose(p) => format!(
            "{}（{} {}）",
            dose_title(lang, &p.dose),
            lang.t("补录，接种于", "copied: given on"),
            p.given_on
        ),
        RecordBody::MaternalChild(MaternalChild::Antenatal(a)) => format!(
            "{} {} · {} {}{}",
            lang.t("产前检查", "Antenatal check"),
            a.visit_number,
            lang.t("孕", "week"),
            a.gestational_weeks,
            lang.t("周", "")
        ),
        RecordBody::MaternalChild(MaternalChild::Postpartum {
            days_after_birth, ..
        }) => {
            format!(
                "{} · {days_after_birth} {}",
                lang.t("产后访视", "Postpartum visit"),
                lang.t("天", "days")
            )
        }
        RecordBody::MaternalChild(MaternalChild::Child(c)) => {
            format!(
                "{} · {} {}",
                lang.t("儿童健康检查", "Child health check"),
                c.age_months,
                lang.t("月龄", "months")
            )
        }
        RecordBody::ChronicFollowUp(f) => {
            let what = match f.condition {
                ChronicCondition::Hypertension => lang.t("高血压随访", "Hypertension follow-up"),
                ChronicCondition::Type2Diabetes => lang.t("糖尿病随访", "Diabetes follow-up"),
            };
            format!("{what} · {}", control(lang, f.control))
        }
        RecordBody::Observation(o) => {
            let (label, value) = observation(lang, o);
            format!("{label} {value}")
        }
        RecordBody::Allergy(a) => format!("{}：{}", lang.t("过敏", "Allergy"), a.substance),
        RecordBody::Contact(c) => {
            let (list, outcome) = (c.list.names(), c.outcome.names());
            format!(
                "{}{} · {} · {}",
                lang.t(list.0, list.1),
                lang.t("联系", " contact"),
                method(lang, c.method),
                lang.t(outcome.0, outcome.1)
            )
        }
        RecordBody::Amendment(a) => {
            format!(
                "{}：{}",
                lang.t("更正", "Correction"),
                title(lang, &a.replacement)
            )
        }
    }
}

fn dose_title(lang: Lang, i: &Immunisation) -> String {
    format!(
        "{} {} {}",
        i.vaccine_name,
        lang.t("第", "dose"),
        i.dose_number
    ) + lang.t("剂", "")
}

pub fn observation(lang: Lang, o: &Observation) -> (&'static str, String) {
    let t = |v: i32| format!("{}.{}", v / 10, (v % 10).abs());
    match o.kind {
        ObservationKind::BloodPressure => (
            lang.t("血压", "BP"),
            format!("{}/{} mmHg", o.value, o.second.unwrap_or(0)),
        ),
        ObservationKind::Glucose => (
            lang.t("空腹血糖", "Fasting glucose"),
            format!("{} mmol/L", t(o.value)),
        ),
        ObservationKind::GlucoseRandom => (
            lang.t("随机血糖", "Random glucose"),
            format!("{} mmol/L", t(o.value)),
        ),
        ObservationKind::GlucoseTwoHour => (
            lang.t("餐后2小时血糖", "2-hour glucose"),
            format!("{} mmol/L", t(o.value)),
        ),
        ObservationKind::HbA1c => (lang.t("糖化血红蛋白", "HbA1c"), format!("{}%", t(o.value))),
        ObservationKind::Weight => (lang.t("体重", "Weight"), format!("{} kg", t(o.value))),
        ObservationKind::Height => (lang.t("身高", "Height"), format!("{} cm", t(o.value))),
        ObservationKind::Temperature => {
            (lang.t("体温", "Temperature"), format!("{}°C", t(o.value)))
        }
        ObservationKind::Pulse => (lang.t("脉搏", "Pulse"), format!("{}/min", o.value)),
        ObservationKind::SpO2 => (lang.t("血氧", "SpO₂"), format!("{}%", o.value)),
    }
}

/// Detail lines under the title.
pub fn details(lang: Lang, body: &RecordBody) -> Vec<String> {
    let mut out = Vec::new();
    match body {
        RecordBody::Encounter(e) => {
            if !e.chief_complaint.is_empty() {
                out.push(format!(
                    "{}：{}",
                    lang.t("主诉", "Complaint"),
                    e.chief_complaint
                ));
            }
            let v = vitals(lang, &e.vitals);
            if !v.is_empty() {
                out.push(v);
            }
            if let Some(d) = e.discharged {
                out.push(format!("{}：{d}", lang.t("出院", "Discharged")));
            }
            if !e.notes.is_empty() {
                out.push(e.notes.clone());
            }
        }
        RecordBody::Prescription(p) => {
            for l in &p.lines {
                out.push(format!(
                    "{} {} · {} {} × {}{} · {} {}",
                    l.drug_name,
                    l.spec,
                    l.dose,
                    frequency(l.frequency),
                    l.days,
                    lang.t("天", " d"),
                    lang.t("共", "total"),
                    l.quantity
                ));
            }
        }
        RecordBody::Immunisation(i) => out.push(format!(
            "{} {} · {} {}",
            lang.t("批号", "Lot"),
            i.lot,
            lang.t("部位", "site"),
            i.site
        )),
        RecordBody::PastDose(p) => out.push(format!(
            "{}：{} · {}：{} · {} {}",
            lang.t("来源", "From"),
            p.source,
            lang.t("接种单位", "Given at"),
            p.given_at,
            lang.t("批号", "Lot"),
            p.dose.lot
        )),
        RecordBody::MaternalChild(MaternalChild::Antenatal(a)) => {
            let mut parts = Vec::new();
            if let (Some(s), Some(d)) = (a.systolic, a.diastolic) {
                parts.push(format!("{} {s}/{d}", lang.t("血压", "BP")));
            }
            if let Some(f) = a.fetal_heart_rate {
                parts.push(format!("{} {f}", lang.t("胎心", "fetal HR")));
            }
            if let Some(h) = a.fundal_height_cm {
                parts.push(format!("{} {h} cm", lang.t("宫高", "fundal height")));
            }
            out.push(parts.join(" · "));
            out.push(a.notes.clone());
        }
        RecordBody::MaternalChild(MaternalChild::Child(c)) => {
            let mut parts = Vec::new();
            if let Some(w) = c.weight_x10 {
                parts.push(format!("{} {} kg", lang.t("体重", "weight"), tenths(w)));
            }
            if let Some(h) = c.height_x10 {
                parts.push(format!("{} {} cm", lang.t("身长", "length"), tenths(h)));
            }
            parts.push(c.development.clone());
            out.push(parts.join(" · "));
        }
        RecordBody::MaternalChild(MaternalChild::Postpartum { notes, .. }) => {
            out.push(notes.clone())
        }
        RecordBody::ChronicFollowUp(f) => {
            out.push(vitals(lang, &f.vitals()));
            if !f.medications.is_empty() {
                out.push(format!(
                    "{}：{}",
                    lang.t("用药", "Medication"),
                    f.medications.join("，")
                ));
            }
            out.push(f.notes.clone());
        }
        RecordBody::Observation(o) => {
            if !o.device.is_empty() {
                out.push(format!("{}：{}", lang.t("设备", "Device"), o.device));
            }
        }
        RecordBody::Allergy(a) => {
            out.push(format!("{}：{}", lang.t("反应", "Reaction"), a.reaction))
        }
        RecordBody::Contact(c) => out.push(c.notes.clone()),
        RecordBody::Amendment(a) => {
            out.push(format!("{}：{}", lang.t("原因", "Reason"), a.reason));
            out.extend(details(lang, &a.replacement));
        }
    }
    out.retain(|l| !l.is_empty());
    out
}

/// What a verification outcome means for the person at the desk, and what to do.
pub fn outcome(lang: Lang, o: &scanner::card::Outcome) -> String {
    use scanner::card::Outcome as O;
    let day = |s: u64| Date::of_instant(s as i64 * 1000).to_string();
    match o {
        O::Valid => lang.t("有效", "valid").into(),
        O::Expired { since } => format!("{} {}", lang.t("此卡已过期，失效日期", "This card expired on"), day(*since)),
        O::NotYetValid { from } => format!("{} {}", lang.t("此卡尚未生效，生效日期", "This card is not valid before"), day(*from)),
        O::SignatureInvalid => lang.t("签名无效：此码可能被篡改或伪造", "Signature invalid: the code may be altered or forged").into(),
        O::UnknownKey { kid } => format!(
            "{} ({kid})",
            lang.t("签发机构未知：请更新信任列表", "Unknown issuer: update the trust list")
        ),
        O::KeyNotValidAtIat => lang.t("签发时该机构密钥无效", "The issuer's key was not valid when the card was issued").into(),
        O::Revoked => lang.t("此卡已挂失作废，请使用新卡", "This card was revoked: ask for the new card").into(),
        O::StalePresentation { .. } => lang.t("动态码已失效，请在手机上刷新后再扫", "The phone code is stale: refresh it on the phone and scan again").into(),
        O::ReplayedPresentation => lang.t("动态码已被使用过（可能是截图），请刷新", "This phone code was already used (a screenshot?): refresh it").into(),
        O::NeedsLiveCode => lang.t("手机绑定的卡须出示手机上的动态码，截图无效", "A phone-bound card needs the live code from the phone; a screenshot is not accepted").into(),
        O::Malformed { layer, .. } => format!("{} ({})", lang.t("无法读取此码", "This code cannot be read"), layer.as_str()),
        O::PlatformCardCode => lang.t("平台电子健康卡", "platform eHealth card code").into(),
    }
}

pub fn source(lang: Lang, s: scanner::source::Source) -> &'static str {
    use scanner::source::Source as S;
    match s {
        S::Camera => lang.t("摄像头", "Camera"),
        S::Serial => lang.t("扫码墩", "Scanning pier"),
        S::Wedge => lang.t("扫码枪", "Wedge scanner"),
        S::File => lang.t("图片", "Image"),
        S::Typed => lang.t("输入", "Typed"),
    }
}

/// An error for the person at the screen: what went wrong, in their language, with the detail.
/// A field of the visit forms, as its label reads.
pub fn field(lang: Lang, f: storage::visit::FormField) -> &'static str {
    use storage::visit::FormField as F;
    match f {
        F::Systolic => lang.t("收缩压", "systolic"),
        F::Diastolic => lang.t("舒张压", "diastolic"),
        F::Pulse => lang.t("脉搏", "pulse"),
        F::Temperature => lang.t("体温", "temperature"),
        F::Glucose => lang.t("血糖", "glucose"),
        F::HbA1c => lang.t("糖化血红蛋白", "HbA1c"),
        F::Weight => lang.t("体重", "weight"),
        F::FollowUpDate => lang.t("复诊日期", "follow-up date"),
        F::GestationalWeeks => lang.t("孕周", "gestational weeks"),
        F::FundalHeight => lang.t("宫高", "fundal height"),
        F::FetalHeart => lang.t("胎心", "fetal heart rate"),
        F::DaysAfterBirth => lang.t("产后天数", "days after the birth"),
        F::Height => lang.t("身长", "height"),
        F::HeadCircumference => lang.t("头围", "head circumference"),
        F::PastDoseDay => lang.t("补录接种日期", "day the dose was given"),
    }
}

/// Why a visit cannot be saved yet, in the staff's language.
pub fn form_error(lang: Lang, e: &storage::visit::FormError) -> String {
    use storage::model::ChronicCondition as C;
    use storage::visit::FormError as E;
    match e {
        E::OutOfRange {
            field: f,
            text,
            lo,
            hi,
        } => match lang {
            Lang::Zh => format!("{}：“{text}”应为 {lo} 到 {hi} 之间的数", field(lang, *f)),
            Lang::En => format!(
                "{}: “{text}” is not a number from {lo} to {hi}",
                field(lang, *f)
            ),
        },
        E::NotADate { field: f, text } => match lang {
            Lang::Zh => format!("{}：“{text}”应为 YYYY-MM-DD", field(lang, *f)),
            Lang::En => format!(
                "{}: “{text}” is not a day written YYYY-MM-DD",
                field(lang, *f)
            ),
        },
        E::Missing(f) => match lang {
            Lang::Zh => format!("请填写{}", field(lang, *f)),
            Lang::En => format!("the {} is needed", field(lang, *f)),
        },
        E::HalfBloodPressure => lang
            .t(
                "血压需填写收缩压和舒张压",
                "blood pressure needs both systolic and diastolic",
            )
            .into(),
        E::NothingRecorded => lang
            .t(
                "请填写主诉或选择诊断",
                "write the complaint or choose a diagnosis",
            )
            .into(),
        E::OverrideNeedsReason {
            warning_zh,
            warning_en,
        } => match lang {
            Lang::Zh => format!("{warning_zh}：如确需使用，请填写原因后保存"),
            Lang::En => format!("{warning_en}: to go on, give the reason, then save"),
        },
        E::CorrectionNeedsReason => lang
            .t("请填写更正原因", "a correction needs a reason")
            .into(),
        E::NotADrug(code) => match lang {
            Lang::Zh => format!("{code} 不是药品目录中的药品"),
            Lang::En => format!("{code} is not a drug of the catalogue"),
        },
        E::NoQuantity { drug, why } => format!(
            "{drug}：{}",
            why.clone()
                .unwrap_or_else(|| lang.t("无法计算数量", "no quantity").into())
        ),
        E::NoLot { vaccine, dose } => match lang {
            Lang::Zh => format!("{vaccine} 第{dose}剂需填写批号"),
            Lang::En => format!("{vaccine} dose {dose} needs its lot number"),
        },
        E::PastDoseUnchosen => lang
            .t(
                "补录接种：请选择疫苗和剂次",
                "dose given before: choose the vaccine and dose",
            )
            .into(),
        E::PastDoseOutside { day, birth } => match lang {
            Lang::Zh => format!("补录接种：接种日期 {day} 应在出生（{birth}）与今天之间"),
            Lang::En => {
                format!("dose given before: {day} must be between the birth ({birth}) and today")
            }
        },
        E::FollowUpNeedsReading(C::Hypertension) => lang
            .t(
                "高血压随访需要血压",
                "a hypertension follow-up needs the blood pressure",
            )
            .into(),
        E::FollowUpNeedsReading(C::Type2Diabetes) => lang
            .t(
                "糖尿病随访需要空腹血糖或糖化血红蛋白",
                "a diabetes follow-up needs the fasting glucose or the HbA1c",
            )
            .into(),
        E::ClassificationUnchosen => lang
            .t(
                "请选择此次随访分类",
                "choose the follow-up's classification",
            )
            .into(),
        E::ClassificationNeedsReason { read, chosen } => match lang {
            Lang::Zh => format!(
                "读数为{}，改为{}请填写原因",
                control(lang, *read),
                control(lang, *chosen)
            ),
            Lang::En => format!(
                "the readings say {}: give the reason for {}",
                control(lang, *read),
                control(lang, *chosen)
            ),
        },
    }
}

/// Work on a worker thread stopped without an answer (a bug: its thread panicked).
pub fn job_lost(lang: Lang) -> String {
    lang.t(
        "后台任务意外中止，未完成：请重试，并告知技术支持",
        "The background task stopped unexpectedly and did not finish: try again, and tell support",
    )
    .into()
}

/// Any error as shown to people, in the window's language: the one place errors are worded.
/// Typed storage errors read whole in Chinese; other errors keep their own (English) detail
/// behind a Chinese heading.
pub fn error(lang: Lang, e: &anyhow::Error) -> String {
    if let Some(crate::services::printing::NoPrinter(command)) = e.downcast_ref() {
        return match lang {
            Lang::Zh => format!(
                "本机没有打印服务（找不到 {command}）：请安装 CUPS 打印服务，或在“设置”的打印机一栏填写 folder:/文件夹路径，把文档保存为 PDF"
            ),
            Lang::En => e.to_string(),
        };
    }
    let Some(err) = e.downcast_ref::<storage::Error>() else {
        return format!("{}: {e:#}", lang.t("操作失败", "Failed"));
    };
    if lang == Lang::En {
        return format!("{e:#}");
    }
    use storage::Error as S;
    match err {
        S::AuthFailed => "用户名或密码错误".into(),
        S::TooManyAttempts { wait_s } => format!("失败次数过多，请等待 {wait_s} 秒后再试"),
        S::DiskFull => "磁盘已满，未保存任何内容：请清理磁盘空间后重试".into(),
        S::InUse => "数据文件正被另一个运行中的程序使用".into(),
        S::WrongSecret => "机构密钥不正确，数据文件未作任何改动".into(),
        S::Unencrypted => "数据文件未加密：请先运行 clinic encrypt 转换".into(),
        S::NotAStore => "这不是诊所工作站的数据文件".into(),
        S::NewerSchema { found, supported } => {
            format!("数据文件版本为 {found}，高于本程序支持的 {supported}：请安装新版程序")
        }
        S::IdentifierTaken { kind, resident } => {
            format!(
                "该{}已属于另一位居民（{}）",
                identifier_kind(*kind),
                short_id(*resident)
            )
        }
        S::IdNumber(why) => format!("身份证号有误：{}", id_number_error(why)),
        S::NotFound(what) => format!("找不到：{what}"),
        S::Forbidden(why) => format!("无权操作：{why}"),
        S::Invalid(why) => format!("输入有误：{why}"),
        S::Corrupt(why) => format!("存储的数据无法读取：{why}"),
        S::Db(why) => format!("存储错误：{why}"),
    }
}

/// An identifier's kind (`Identifier::kind`) as staff say it.
fn identifier_kind(kind: &str) -> &'static str {
    match kind {
        "card" => "电子健康卡",
        "id_number" => "身份证号",
        "insurance" => "医保号",
        "hospital_card" => "就诊卡",
        _ => "证件",
    }
}

fn id_number_error(e: &storage::IdNumberError) -> String {
    use storage::IdNumberError as I;
    match e {
        I::Length(n) => format!("应为18位，现为{n}位"),
        I::NotDigit { position } => format!("第{position}位应为数字（仅最后一位可为X）"),
        I::Region(code) => format!("{code} 不是省级行政区代码（前两位）"),
        I::BirthDate(day) => format!("其中的出生日期 {day} 不存在"),
        I::CheckDigit { expected, found } => {
            format!("校验位错误：最后一位应为 {expected}，不是 {found}")
        }
    }
}

pub fn audit_action(lang: Lang, a: AuditAction) -> &'static str {
    match a {
        AuditAction::ViewHistory => lang.t("查看病历", "viewed history"),
        AuditAction::Search => lang.t("查找", "searched"),
        AuditAction::Scan => lang.t("扫码", "scanned"),
        AuditAction::Register => lang.t("登记居民", "registered"),
        AuditAction::UpdateResident => lang.t("修改居民信息", "updated resident"),
        AuditAction::RecordClinical => lang.t("书写记录", "recorded"),
        AuditAction::Amend => lang.t("更正记录", "amended"),
        AuditAction::BreakGlass => lang.t("紧急查阅", "break-glass"),
        AuditAction::CheckIn => lang.t("挂号", "checked in"),
        AuditAction::Print => lang.t("打印", "printed"),
        AuditAction::Login => lang.t("登录", "logged in"),
        AuditAction::LoginFailed => lang.t("登录失败", "login failed"),
        AuditAction::Backup => lang.t("备份", "backed up"),
        AuditAction::Rejected => lang.t("中心拒收", "refused by the hub"),
        AuditAction::Tampering => lang.t("审计链被截断或改写", "audit chain cut or rewritten"),
        AuditAction::ChainFork => lang.t(
            "从备份恢复后续接审计链",
            "audit chain forked after a restore",
        ),
        AuditAction::OverrideWarning => {
            lang.t("确认后越过用药警示", "prescribed despite a warning")
        }
        AuditAction::ViewWorklist => lang.t("查看随访名单", "viewed a worklist"),
    }
}

/// Money in yuan with the sign: `¥12.34`.
pub fn money(fen: i64) -> String {
    format!("¥{}", storage::settlement::yuan(fen))
}

/// A ratio in basis points as a percentage: `75%`, `62.5%`.
pub fn percent(bp: u32) -> String {
    if bp % 100 == 0 {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{}%", bp / 100, (bp % 100) / 10)
    }
}

pub fn insurance_class(lang: Lang, c: InsuranceClass) -> &'static str {
    match c {
        InsuranceClass::A => lang.t("甲类", "class A"),
        InsuranceClass::B => lang.t("乙类", "class B"),
        InsuranceClass::C => lang.t("丙类", "class C"),
    }
}

pub fn claim_status(lang: Lang, s: ClaimStatus) -> &'static str {
    match s {
        ClaimStatus::Queued => lang.t("待审核", "queued"),
        ClaimStatus::Accepted => lang.t("已通过", "accepted"),
        ClaimStatus::Adjusted => lang.t("已调整", "adjusted"),
        ClaimStatus::Rejected => lang.t("已拒付", "rejected"),
    }
}

pub fn payment_method(lang: Lang, m: &PaymentMethod) -> String {
    match m {
        PaymentMethod::Cash => lang.t("现金", "cash").into(),
        PaymentMethod::Mobile { reference } => {
            let tail: String = reference
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{} …{tail}", lang.t("移动支付", "mobile"))
        }
    }
}

/// Why the hub adjusted or rejected a claim, in words.
pub fn adjudication_reason(lang: Lang, r: &AdjudicationReason) -> String {
    use AdjudicationReason as R;
    match r {
        R::CapReached { cap_fen, used_fen } => format!(
            "{} {}{} {}",
            lang.t("已达年度封顶线", "annual cap reached:"),
            money(*cap_fen),
            lang.t("，本年已报销", ", already reimbursed this year"),
            money(*used_fen)
        ),
        R::DeductibleUsedElsewhere {
            deductible_fen,
            used_fen,
        } => format!(
            "{} {}{} {}",
            lang.t("起付线", "deductible"),
            money(*deductible_fen),
            lang.t("已在他处使用", "already used elsewhere:"),
            money(*used_fen)
        ),
        R::ChronicCapReached { cap_fen, used_fen } => format!(
            "{} {}{} {}",
            lang.t("两病用药已达封顶线", "chronic medication cap reached:"),
            money(*cap_fen),
            lang.t("，已报销", ", already reimbursed"),
            money(*used_fen)
        ),
        R::PolicyVersion { claimed, applied } => format!(
            "{} v{claimed} → v{applied}",
            lang.t("按新版政策结算", "settled under another policy version:")
        ),
        R::ClassChanged {
            item,
            claimed,
            applied,
        } => format!(
            "{item}: {} → {}",
            insurance_class(lang, *claimed),
            insurance_class(lang, *applied)
        ),
        R::NotInCatalogue { item } => {
            format!(
                "{item}: {}",
                lang.t("不在目录内，不予报销", "not in the catalogue, not covered")
            )
        }
        R::NotChronic { item } => {
            format!(
                "{item}: {}",
                lang.t("不属于两病用药", "not a chronic-disease medication")
            )
        }
        R::DuplicateOfClaim { claim } => format!(
            "{} {}{}",
            lang.t(
                "本次就诊已由结算单",
                "this visit was already settled by claim"
            ),
            short_id(*claim),
            lang.t("结算，本单作废并退款", "; this one is void and refunded")
        ),
        R::NoPolicy { scheme } => format!(
            "{} {scheme}",
            lang.t("无适用政策：险种", "no policy in force for scheme")
        ),
        R::NotInsured { scheme } => format!(
            "{} {scheme}",
            lang.t("未参保险种", "not insured under scheme")
        ),
        R::FacilityNotCovered { facility } => {
            format!(
                "{facility}: {}",
                lang.t("机构不在统筹范围", "facility not covered")
            )
        }
        R::Recomputed => lang.t("中心重新核算", "recomputed by the hub").into(),
        R::PriceChanged {
            item,
            claimed_fen,
            applied_fen,
        } => format!(
            "{item}: {} {} → {}",
            lang.t("按目录价格结算", "priced from the catalogue:"),
            money(*claimed_fen),
            money(*applied_fen)
        ),
    }
}

/// The last characters of an id, enough to tell claims apart on screen and on paper.
pub fn short_id(id: storage::Id) -> String {
    let s = id.to_string();
    s[s.len().saturating_sub(8)..].to_uppercase()
}

/// A resident named so that two of the same name cannot be taken for each other: name, sex,
/// age, the ID number's last four digits and the village (`张丽华 · 女 40岁 · …0023 · 花园村`).
pub fn who(lang: Lang, r: &Resident, today: Date) -> String {
    let mut parts = vec![
        r.name.clone(),
        format!(
            "{} {}{}",
            sex(lang, r.sex),
            r.birth_date.age_on(today),
            lang.t("岁", "y")
        ),
    ];
    if let Some(n) = r.id_number() {
        let digits = n.as_str();
        parts.push(format!("…{}", &digits[digits.len().saturating_sub(4)..]));
    }
    if let Some(village) = village(&r.address.text) {
        parts.push(village.to_string());
    }
    parts.join(" · ")
}

/// The village of an address written out (`…花园镇东风村3组` → `东风村`), if it names one.
fn village(address: &str) -> Option<&str> {
    let end = address.find('村')? + '村'.len_utf8();
    let head = &address[..end];
    let start = head.rfind(['镇', '乡', '县', '区']).map_or(0, |i| {
        i + head[i..].chars().next().map_or(0, char::len_utf8)
    });
    Some(&head[start..]).filter(|v| v.chars().count() > 1)
}

#[cfg(test)]
mod who_tests {
    use super::*;

    #[test]
    fn the_village_is_cut_from_the_address() {
        assert_eq!(village("湖北省孝感市孝昌县花园镇东风村3组"), Some("东风村"));
        assert_eq!(village("花园镇卫生院旁"), None);
        assert_eq!(village("村"), None);
    }
}

/// An insurance scheme (险种) by its code in the national medical-insurance code set
/// (医疗保障信息业务编码, 险种类型): the name staff know it by, the code when unknown.
pub fn scheme(lang: Lang, code: &str) -> String {
    let name = match code {
        "310" => lang.t("职工基本医疗保险", "employees' basic medical insurance"),
        "320" => lang.t("公务员医疗补助", "civil servants' medical subsidy"),
        "330" => lang.t("大额医疗费用补助", "large medical expense subsidy"),
        "340" => lang.t("离休人员医疗保障", "retired cadres' medical cover"),
        "390" => lang.t("城乡居民基本医疗保险", "residents' basic medical insurance"),
        "392" => lang.t(
            "城乡居民大病医疗保险",
            "residents' critical illness insurance",
        ),
        "510" => lang.t("生育保险", "maternity insurance"),
        _ => return code.to_string(),
    };
    format!("{name} ({code})")
}

#[cfg(test)]
mod error_tests {
    use super::*;
    use storage::visit::{FormError, FormField};

    fn chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Every typed storage error reads whole in Chinese (no English sentence behind it), and
    /// as the error itself says in English.
    #[test]
    fn storage_errors_are_worded_in_both_languages() {
        use storage::Error as S;
        let errors = [
            S::AuthFailed,
            S::TooManyAttempts { wait_s: 30 },
            S::DiskFull,
            S::InUse,
            S::WrongSecret,
            S::Unencrypted,
            S::NotAStore,
            S::NewerSchema {
                found: 9,
                supported: 8,
            },
            S::IdentifierTaken {
                kind: "id_number",
                resident: storage::Id(7),
            },
            S::IdNumber(storage::IdNumberError::CheckDigit {
                expected: '0',
                found: '7',
            }),
        ];
        for e in errors {
            let english = e.to_string();
            let e = anyhow::Error::from(e);
            let zh = error(Lang::Zh, &e);
            assert!(chinese(&zh), "{zh}");
            assert!(!zh.contains(&english), "{zh}");
            assert_eq!(error(Lang::En, &e), english);
        }
        let e = anyhow::Error::from(storage::Error::IdNumber(
            storage::IdNumberError::CheckDigit {
                expected: '0',
                found: '7',
            },
        ));
        assert_eq!(
            error(Lang::Zh, &e),
            "身份证号有误：校验位错误：最后一位应为 0，不是 7"
        );
    }

    #[test]
    fn visit_form_refusals_are_worded_in_both_languages() {
        let refusals = [
            FormError::OutOfRange {
                field: FormField::Systolic,
                text: "1500".into(),
                lo: 50.0,
                hi: 300.0,
            },
            FormError::Missing(FormField::GestationalWeeks),
            FormError::HalfBloodPressure,
            FormError::NoLot {
                vaccine: "乙肝疫苗".into(),
                dose: 3,
            },
            FormError::ClassificationNeedsReason {
                read: ControlStatus::Unsatisfactory,
                chosen: ControlStatus::AdverseReaction,
            },
        ];
        for r in &refusals {
            let (zh, en) = (form_error(Lang::Zh, r), form_error(Lang::En, r));
            assert!(chinese(&zh), "{zh}");
            assert_ne!(zh, en);
        }
        assert_eq!(
            form_error(Lang::Zh, &refusals[0]),
            "收缩压：“1500”应为 50 到 300 之间的数"
        );
        assert!(form_error(Lang::Zh, &refusals[4]).contains("原因"));
    }
}

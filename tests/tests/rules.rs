//! The rules of `storage::rules`, case by case, with the expected answer worked from the
//! national documents named beside each case; some cases again through `clinic rules check`
//! as a process. Drugs are the demo catalogue's (fixtures/data/catalogue.tsv).

use serde_json::{Value, json};
use storage::rules::{Kind, Outcome, RuleBook, Scenario, Severity, check};

const TODAY: &str = "2026-12-07";

/// A 40-year-old woman, not pregnant.
fn adult() -> Value {
    json!({"today": TODAY, "resident": {"sex": "F", "birth": "1986-05-10"}})
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn rx(lines: &[(&str, f64, &str, u32, u32)]) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|(drug, dose, unit, per_day, days)| {
                json!({"drug": drug, "dose": dose, "unit": unit, "per_day": per_day, "days": days})
            })
            .collect(),
    )
}

/// An adult prescribed these lines, with these allergies.
fn prescribed(allergies: &[&str], lines: &[(&str, f64, &str, u32, u32)]) -> Value {
    let s = with(adult(), "allergies", json!(allergies));
    with(s, "prescription", rx(lines))
}

fn person(sex: &str, birth: &str, extra: Value) -> Value {
    let mut r = json!({"sex": sex, "birth": birth});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            r[k] = v;
        }
    }
    json!({"today": TODAY, "resident": r})
}

fn vitals(base: Value, v: Value) -> Value {
    with(base, "vitals", v)
}

/// A child born on `birth`, seen on `today`, with the doses given.
fn child(birth: &str, today: &str, given: &[(&str, u8, &str)]) -> Value {
    let doses: Vec<Value> = given
        .iter()
        .map(|(v, n, d)| json!({"vaccine": v, "dose": n, "date": d}))
        .collect();
    json!({"today": today, "resident": {"sex": "M", "birth": birth}, "immunisations": doses})
}

enum Expect {
    /// A warning of this kind and severity whose Chinese message contains the text.
    Warns(Kind, Severity, &'static str),
    /// No warning of this kind.
    Silent(Kind),
    /// Line N dispenses this many of this unit.
    Quantity(usize, u32, &'static str),
    /// Line N's quantity cannot be worked out.
    NoQuantity(usize),
    /// This dose is listed, with earliest and due dates and whether overdue.
    Due(&'static str, u8, &'static str, &'static str, bool),
    /// This vaccine has no dose listed.
    NotDue(&'static str),
    /// The condition's control classification.
    Control(&'static str, bool),
}

use Expect::*;

struct Case {
    name: &'static str,
    scenario: Value,
    expect: Vec<Expect>,
}

fn case(name: &'static str, scenario: Value, expect: Vec<Expect>) -> Case {
    Case {
        name,
        scenario,
        expect,
    }
}

fn run(scenario: &Value) -> Outcome {
    let s: Scenario = serde_json::from_value(scenario.clone()).expect("a valid scenario");
    check(
        &s,
        RuleBook::national(),
        fixtures::catalogue::demo_catalogue(),
    )
}

fn verify(c: &Case, out: &Outcome) -> Vec<String> {
    let mut failures = Vec::new();
    for e in &c.expect {
        let ok = match e {
            Warns(kind, severity, text) => out
                .warnings
                .iter()
                .any(|w| w.kind == *kind && w.severity == *severity && w.message_zh.contains(text)),
            Silent(kind) => !out.warnings.iter().any(|w| w.kind == *kind),
            Quantity(line, n, unit) => out
                .quantities
                .get(*line)
                .is_some_and(|q| q.quantity == Some(*n) && q.unit == *unit),
            NoQuantity(line) => out
                .quantities
                .get(*line)
                .is_some_and(|q| q.quantity.is_none() && q.error.is_some()),
            Due(v, n, earliest, due, overdue) => out.immunisations_due.iter().any(|d| {
                d.vaccine == *v
                    && d.dose == *n
                    && d.earliest.to_string() == *earliest
                    && d.due.to_string() == *due
                    && d.overdue == *overdue
            }),
            NotDue(v) => !out.immunisations_due.iter().any(|d| d.vaccine == *v),
            Control(condition, satisfactory) => out.control.iter().any(|c| {
                serde_json::to_value(c.condition).unwrap() == json!(condition)
                    && c.satisfactory == *satisfactory
            }),
        };
        if !ok {
            failures.push(format!(
                "{}: {}\n  got {}",
                c.name,
                describe(e),
                serde_json::to_string(out).unwrap()
            ));
        }
    }
    failures
}

fn describe(e: &Expect) -> String {
    match e {
        Warns(k, s, t) => format!("expected a {k:?} {s:?} warning with “{t}”"),
        Silent(k) => format!("expected no {k:?} warning"),
        Quantity(l, n, u) => format!("expected line {l} to dispense {n} {u}"),
        NoQuantity(l) => format!("expected line {l} to have no quantity"),
        Due(v, n, e, d, o) => format!("expected {v} {n} due (earliest {e}, due {d}, overdue {o})"),
        NotDue(v) => format!("expected no {v} dose listed"),
        Control(c, s) => format!("expected {c} control satisfactory = {s}"),
    }
}

fn cases() -> Vec<Case> {
    use Kind::*;
    use Severity::*;
    vec![
        // ── Allergy. 抗菌药物临床应用指导原则（2015）: penicillins are not given to a patient with a
        // penicillin allergy; cephalosporins with care (cross-reaction), and not after anaphylaxis.
        case(
            "penicillin allergy blocks amoxicillin",
            prescribed(&["青霉素"], &[("阿莫西林胶囊", 0.5, "g", 3, 3)]),
            vec![Warns(Allergy, Block, "青霉素")],
        ),
        case(
            "an allergy written with 过敏 still matches",
            prescribed(&["青霉素过敏"], &[("阿莫西林胶囊", 0.5, "g", 3, 3)]),
            vec![Warns(Allergy, Block, "阿莫西林")],
        ),
        case(
            "an allergy to the ingredient blocks it",
            prescribed(&["阿莫西林"], &[("阿莫西林胶囊", 0.5, "g", 3, 3)]),
            vec![Warns(Allergy, Block, "阿莫西林")],
        ),
        case(
            "penicillin allergy: a cephalosporin warns of cross-reaction, does not block",
            prescribed(&["青霉素"], &[("头孢拉定胶囊", 0.5, "g", 4, 3)]),
            vec![Warns(Allergy, Warning, "交叉过敏"), Silent(Interaction)],
        ),
        case(
            "penicillin allergy: levofloxacin is not a beta-lactam",
            prescribed(&["青霉素"], &[("盐酸左氧氟沙星片", 0.2, "g", 2, 3)]),
            vec![Silent(Allergy)],
        ),
        case(
            "cephalosporin allergy blocks cefixime",
            prescribed(&["头孢"], &[("头孢克肟胶囊", 100.0, "mg", 2, 3)]),
            vec![Warns(Allergy, Block, "头孢菌素")],
        ),
        // 阿司匹林/布洛芬说明书: not for patients allergic to other NSAIDs (aspirin asthma).
        case(
            "aspirin allergy: ibuprofen warns (NSAID cross-sensitivity)",
            prescribed(&["阿司匹林"], &[("布洛芬缓释胶囊", 0.3, "g", 2, 3)]),
            vec![Warns(Allergy, Warning, "非甾体")],
        ),
        case(
            "aspirin allergy blocks aspirin",
            prescribed(&["阿司匹林"], &[("阿司匹林肠溶片", 100.0, "mg", 1, 7)]),
            vec![Warns(Allergy, Block, "阿司匹林")],
        ),
        case(
            "ibuprofen allergy: paracetamol is not an NSAID",
            prescribed(&["布洛芬"], &[("对乙酰氨基酚片", 0.5, "g", 3, 3)]),
            vec![Silent(Allergy)],
        ),
        case(
            "no allergy, no allergy warning",
            prescribed(&[], &[("阿莫西林胶囊", 0.5, "g", 3, 3)]),
            vec![Silent(Allergy)],
        ),
        // ── Interactions (package inserts).
        case(
            "clopidogrel with omeprazole (CYP2C19)",
            prescribed(
                &[],
                &[
                    ("氯吡格雷片", 75.0, "mg", 1, 7),
                    ("奥美拉唑肠溶胶囊", 20.0, "mg", 1, 7),
                ],
            ),
            vec![Warns(Interaction, High, "CYP2C19")],
        ),
        case(
            "warfarin with an NSAID bleeds",
            prescribed(
                &[],
                &[
                    ("华法林钠片", 2.5, "mg", 1, 7),
                    ("布洛芬缓释胶囊", 0.3, "g", 2, 3),
                ],
            ),
            vec![Warns(Interaction, High, "出血")],
        ),
        case(
            "warfarin with aspirin (antiplatelet) bleeds",
            prescribed(
                &[],
                &[
                    ("阿司匹林肠溶片", 100.0, "mg", 1, 7),
                    ("华法林钠片", 2.5, "mg", 1, 7),
                ],
            ),
            vec![Warns(Interaction, High, "出血")],
        ),
        case(
            "an ACE inhibitor with spironolactone: potassium",
            prescribed(
                &[],
                &[
                    ("马来酸依那普利片", 10.0, "mg", 1, 28),
                    ("螺内酯片", 20.0, "mg", 1, 28),
                ],
            ),
            vec![Warns(Interaction, Warning, "高钾")],
        ),
        case(
            "amlodipine with metformin: nothing to say",
            prescribed(
                &[],
                &[
                    ("苯磺酸氨氯地平片", 5.0, "mg", 1, 28),
                    ("盐酸二甲双胍片", 0.5, "g", 3, 28),
                ],
            ),
            vec![
                Silent(Interaction),
                Silent(Duplicate),
                Silent(Supply),
                Quantity(0, 28, "片"),
                Quantity(1, 84, "片"),
            ],
        ),
        // ── Duplicate therapy.
        case(
            "a cold remedy with paracetamol holds paracetamol twice",
            prescribed(
                &[],
                &[
                    ("复方氨酚烷胺片", 1.0, "片", 2, 3),
                    ("对乙酰氨基酚片", 0.5, "g", 3, 3),
                ],
            ),
            vec![Warns(Duplicate, High, "对乙酰氨基酚")],
        ),
        case(
            "ibuprofen with aspirin: two NSAIDs",
            prescribed(
                &[],
                &[
                    ("布洛芬缓释胶囊", 0.3, "g", 2, 3),
                    ("阿司匹林肠溶片", 100.0, "mg", 1, 3),
                ],
            ),
            vec![Warns(Duplicate, Warning, "非甾体")],
        ),
        // 中国高血压防治指南（2018）: ACEI and ARB are not combined.
        case(
            "an ACE inhibitor with an ARB",
            prescribed(
                &[],
                &[
                    ("马来酸依那普利片", 10.0, "mg", 1, 28),
                    ("缬沙坦胶囊", 80.0, "mg", 1, 28),
                ],
            ),
            vec![Warns(Duplicate, High, "ARB")],
        ),
        case(
            "two calcium-channel blockers",
            prescribed(
                &[],
                &[
                    ("硝苯地平缓释片", 10.0, "mg", 2, 28),
                    ("苯磺酸氨氯地平片", 5.0, "mg", 1, 28),
                ],
            ),
            vec![Warns(Duplicate, Warning, "钙通道阻滞剂")],
        ),
        case(
            "a combination tablet with its own diuretic",
            prescribed(
                &[],
                &[
                    ("厄贝沙坦氢氯噻嗪片", 1.0, "片", 1, 28),
                    ("氢氯噻嗪片", 12.5, "mg", 1, 28),
                ],
            ),
            vec![Warns(Duplicate, High, "氢氯噻嗪")],
        ),
        // ── Quantities: dose ÷ strength × doses a day × days, rounded up to whole units.
        case(
            "0.5 g tid of 0.25 g capsules for 3 days is 18 capsules",
            prescribed(&[], &[("阿莫西林胶囊", 0.5, "g", 3, 3)]),
            vec![Quantity(0, 18, "粒")],
        ),
        case(
            "2 puffs 4 times a day for 3 days is one 200-puff inhaler",
            prescribed(&[], &[("沙丁胺醇气雾剂", 2.0, "puff", 4, 3)]),
            vec![Quantity(0, 1, "支")],
        ),
        case(
            "12.5 mg of a 25 mg tablet for 28 days is 14 tablets",
            prescribed(&[], &[("氢氯噻嗪片", 12.5, "mg", 1, 28)]),
            vec![Quantity(0, 14, "片")],
        ),
        case(
            "a dose in tablets counts tablets",
            prescribed(&[], &[("复方氨酚烷胺片", 1.0, "片", 2, 3)]),
            vec![Quantity(0, 6, "片")],
        ),
        case(
            "a dose in mg of a 0.1 g tablet",
            prescribed(&[], &[("盐酸左氧氟沙星片", 200.0, "mg", 2, 3)]),
            vec![Quantity(0, 12, "片")],
        ),
        case(
            "250 ml of saline by its code is one bottle",
            prescribed(&[], &[("XB05BBN182", 250.0, "ml", 1, 1)]),
            vec![Quantity(0, 1, "瓶")],
        ),
        case(
            "a dose in ml of a capsule cannot be dispensed",
            prescribed(&[], &[("阿莫西林胶囊", 5.0, "ml", 3, 3)]),
            vec![NoQuantity(0), Warns(Dose, High, "阿莫西林胶囊")],
        ),
        case(
            "a drug not in the catalogue is said so",
            prescribed(&[], &[("不存在的药片", 1.0, "片", 1, 1)]),
            vec![NoQuantity(0), Warns(Dose, High, "不存在的药片")],
        ),
        // ── Daily dose limits (package inserts).
        case(
            "paracetamol 1 g four times a day is over the insert's 2 g",
            prescribed(&[], &[("对乙酰氨基酚片", 1.0, "g", 4, 3)]),
            vec![Warns(Dose, High, "2 g")],
        ),
        case(
            "paracetamol 0.5 g tid is within it",
            prescribed(&[], &[("对乙酰氨基酚片", 0.5, "g", 3, 3)]),
            vec![Silent(Dose)],
        ),
        case(
            "metformin 1 g tid is over 2.55 g a day",
            prescribed(&[], &[("盐酸二甲双胍片", 1.0, "g", 3, 28)]),
            vec![Warns(Dose, High, "2.55 g")],
        ),
        case(
            "a 15 kg child: paracetamol 0.5 g qid is 133 mg/kg, over 60",
            with(
                person("M", "2022-03-01", json!({"weight_kg": 15.0})),
                "prescription",
                rx(&[("对乙酰氨基酚片", 0.5, "g", 4, 3)]),
            ),
            vec![Warns(Dose, High, "/kg")],
        ),
        case(
            "a 15 kg child: ibuprofen 0.3 g bid is 40 mg/kg, at the limit",
            with(
                person("M", "2022-03-01", json!({"weight_kg": 15.0})),
                "prescription",
                rx(&[("布洛芬缓释胶囊", 0.3, "g", 2, 3)]),
            ),
            vec![Silent(Dose)],
        ),
        // ── Children. Quinolones not under 18, aspirin with care under 16 (Reye's syndrome).
        case(
            "levofloxacin for a 10-year-old",
            with(
                person("F", "2016-05-01", json!({})),
                "prescription",
                rx(&[("盐酸左氧氟沙星片", 0.2, "g", 2, 3)]),
            ),
            vec![Warns(Child, High, "18岁以下")],
        ),
        case(
            "levofloxacin for a 17-year-old is still a child's",
            with(
                person("F", "2009-06-01", json!({})),
                "prescription",
                rx(&[("盐酸左氧氟沙星片", 0.2, "g", 2, 3)]),
            ),
            vec![Warns(Child, High, "喹诺酮")],
        ),
        case(
            "levofloxacin for an adult",
            prescribed(&[], &[("盐酸左氧氟沙星片", 0.2, "g", 2, 3)]),
            vec![Silent(Child)],
        ),
        case(
            "aspirin for a 10-year-old",
            with(
                person("M", "2016-05-01", json!({})),
                "prescription",
                rx(&[("阿司匹林肠溶片", 100.0, "mg", 1, 3)]),
            ),
            vec![Warns(Child, Warning, "瑞氏")],
        ),
        // ── Pregnancy: ACE inhibitors, ARBs and statins are contraindicated.
        case(
            "enalapril in pregnancy",
            with(
                person("F", "1995-01-01", json!({"pregnant": true})),
                "prescription",
                rx(&[("马来酸依那普利片", 10.0, "mg", 1, 7)]),
            ),
            vec![Warns(Pregnancy, High, "ACEI")],
        ),
        case(
            "atorvastatin in pregnancy",
            with(
                person("F", "1995-01-01", json!({"pregnant": true})),
                "prescription",
                rx(&[("阿托伐他汀钙片", 20.0, "mg", 1, 7)]),
            ),
            vec![Warns(Pregnancy, High, "他汀")],
        ),
        case(
            "enalapril, not pregnant",
            prescribed(&[], &[("马来酸依那普利片", 10.0, "mg", 1, 7)]),
            vec![Silent(Pregnancy)],
        ),
        case(
            "a man marked pregnant is not",
            with(
                person("M", "1995-01-01", json!({"pregnant": true})),
                "prescription",
                rx(&[("马来酸依那普利片", 10.0, "mg", 1, 7)]),
            ),
            vec![Silent(Pregnancy)],
        ),
        // ── Days of supply. 处方管理办法 art. 19: 7 days; 长期处方管理规范（2021）: at most 12 weeks.
        case(
            "amoxicillin for 10 days",
            prescribed(&[], &[("阿莫西林胶囊", 0.5, "g", 3, 10)]),
            vec![Warns(Supply, Warning, "7日"), Quantity(0, 60, "粒")],
        ),
        case(
            "amoxicillin for 7 days",
            prescribed(&[], &[("阿莫西林胶囊", 0.5, "g", 3, 7)]),
            vec![Silent(Supply)],
        ),
        case(
            "amlodipine for 90 days is over 12 weeks",
            prescribed(&[], &[("苯磺酸氨氯地平片", 5.0, "mg", 1, 90)]),
            vec![Warns(Supply, Warning, "12周")],
        ),
        case(
            "amlodipine for 30 days is a normal long-term prescription",
            prescribed(&[], &[("苯磺酸氨氯地平片", 5.0, "mg", 1, 30)]),
            vec![Silent(Supply)],
        ),
        // ── Urgent referral (规范第三版 2017, DOMAIN §2a/2b).
        case(
            "BP 186/112 with hypertension and nifedipine",
            with(
                vitals(
                    with(adult(), "diagnoses", json!(["I10"])),
                    json!({"sbp": 186, "dbp": 112}),
                ),
                "prescription",
                rx(&[("硝苯地平缓释片", 10.0, "mg", 2, 28)]),
            ),
            vec![
                Warns(UrgentReferral, High, "180"),
                Control("hypertension", false),
            ],
        ),
        case(
            "BP 179/109 is high but not an emergency",
            vitals(adult(), json!({"sbp": 179, "dbp": 109})),
            vec![Silent(UrgentReferral)],
        ),
        case(
            "diastolic 110 alone is an emergency",
            vitals(adult(), json!({"sbp": 150, "dbp": 110})),
            vec![Warns(UrgentReferral, High, "110")],
        ),
        case(
            "142/88 in pregnancy",
            vitals(
                person("F", "1995-01-01", json!({"pregnant": true})),
                json!({"sbp": 142, "dbp": 88}),
            ),
            vec![Warns(UrgentReferral, High, "妊娠")],
        ),
        case(
            "142/88 not pregnant",
            vitals(adult(), json!({"sbp": 142, "dbp": 88})),
            vec![Silent(UrgentReferral)],
        ),
        case(
            "fasting glucose 16.7",
            vitals(adult(), json!({"glucose": 16.7, "glucose_kind": "fasting"})),
            vec![Warns(UrgentReferral, High, "16.7")],
        ),
        case(
            "fasting glucose 16.6",
            vitals(adult(), json!({"glucose": 16.6, "glucose_kind": "fasting"})),
            vec![Silent(UrgentReferral)],
        ),
        case(
            "glucose 3.9 is hypoglycaemia, whatever its kind",
            vitals(adult(), json!({"glucose": 3.9, "glucose_kind": "random"})),
            vec![Warns(UrgentReferral, High, "低血糖")],
        ),
        case(
            "temperature 39.0 is not over 39",
            vitals(adult(), json!({"temperature": 39.0})),
            vec![Silent(UrgentReferral)],
        ),
        case(
            "temperature 39.2",
            vitals(adult(), json!({"temperature": 39.2})),
            vec![Warns(UrgentReferral, High, "39")],
        ),
        case(
            "heart rate 101 at rest in an adult",
            vitals(adult(), json!({"heart_rate": 101})),
            vec![Warns(UrgentReferral, High, "心动过速")],
        ),
        case(
            "heart rate 120 in a 2-year-old is normal",
            vitals(
                person("M", "2024-10-01", json!({})),
                json!({"heart_rate": 120}),
            ),
            vec![Silent(UrgentReferral)],
        ),
        // ── Follow-up classification: < 140/90, < 150/90 from 65; fasting glucose < 7.0.
        case(
            "138/88 at 50 is controlled",
            vitals(
                with(
                    person("M", "1976-01-01", json!({})),
                    "diagnoses",
                    json!(["I10"]),
                ),
                json!({"sbp": 138, "dbp": 88}),
            ),
            vec![Control("hypertension", true)],
        ),
        case(
            "145/85 at 50 is not",
            vitals(
                with(
                    person("M", "1976-01-01", json!({})),
                    "diagnoses",
                    json!(["I10"]),
                ),
                json!({"sbp": 145, "dbp": 85}),
            ),
            vec![Control("hypertension", false)],
        ),
        case(
            "145/85 at 70 is",
            vitals(
                with(
                    person("M", "1956-01-01", json!({})),
                    "diagnoses",
                    json!(["I10"]),
                ),
                json!({"sbp": 145, "dbp": 85}),
            ),
            vec![Control("hypertension", true)],
        ),
        case(
            "fasting glucose 7.2 with diabetes is not controlled",
            vitals(
                with(adult(), "diagnoses", json!(["E11.9"])),
                json!({"glucose": 7.2, "glucose_kind": "fasting"}),
            ),
            vec![Control("diabetes", false)],
        ),
        case(
            "no fasting glucose: HbA1c 6.5 % classifies as controlled (target < 7 %)",
            vitals(
                with(adult(), "diagnoses", json!(["E11.9"])),
                json!({"hba1c": 6.5}),
            ),
            vec![Control("diabetes", true)],
        ),
        case(
            "a random glucose does not classify; HbA1c 7.8 % says not controlled",
            vitals(
                with(adult(), "diagnoses", json!(["E11.9"])),
                json!({"glucose": 6.1, "glucose_kind": "random", "hba1c": 7.8}),
            ),
            vec![Control("diabetes", false)],
        ),
        // ── Immunisation schedule (2021 说明, DOMAIN §1c).
        case(
            "after a late HepB2 at 5 months, HepB3 waits 60 days: not at 6 months",
            child(
                "2026-01-10",
                "2026-07-10",
                &[
                    ("HepB", 1, "2026-01-10"),
                    ("HepB", 2, "2026-06-10"),
                    ("BCG", 1, "2026-01-10"),
                ],
            ),
            vec![NotDue("HepB")],
        ),
        case(
            "after a late HepB2, HepB3 is due 60 days after it",
            child(
                "2026-01-10",
                "2026-08-09",
                &[
                    ("HepB", 1, "2026-01-10"),
                    ("HepB", 2, "2026-06-10"),
                    ("BCG", 1, "2026-01-10"),
                ],
            ),
            vec![Due("HepB", 3, "2026-08-09", "2026-08-09", false)],
        ),
        case(
            "HepB3 is at least 4 months after HepB1",
            child(
                "2026-01-10",
                "2026-07-10",
                &[("HepB", 1, "2026-03-10"), ("HepB", 2, "2026-04-10")],
            ),
            vec![Due("HepB", 3, "2026-07-10", "2026-07-10", false)],
        ),
        case(
            "BCG is caught up before 4 years",
            child("2022-12-20", TODAY, &[]),
            vec![Due("BCG", 1, "2022-12-20", "2022-12-20", true)],
        ),
        case(
            "BCG is not given from 4 years",
            child("2022-12-01", TODAY, &[]),
            vec![NotDue("BCG")],
        ),
        case(
            "MPSV-A is not given from 24 months: MPSV-AC follows",
            child("2024-11-01", TODAY, &[]),
            vec![NotDue("MPSV-A")],
        ),
        case(
            "MPSV-A is caught up before 24 months",
            child("2025-03-01", TODAY, &[]),
            vec![Due("MPSV-A", 1, "2025-09-01", "2025-09-01", true)],
        ),
        case(
            "DTaP2 waits 28 days after a late DTaP1",
            child("2025-06-01", "2026-02-15", &[("DTaP", 1, "2026-02-01")]),
            vec![NotDue("DTaP")],
        ),
        case(
            "DTaP2 is due 28 days after a late DTaP1",
            child("2025-06-01", "2026-03-01", &[("DTaP", 1, "2026-02-01")]),
            vec![Due("DTaP", 2, "2026-03-01", "2026-03-01", false)],
        ),
        case(
            "an overdue live vaccine waits 28 days after another live one",
            child("2025-12-01", TODAY, &[("MMR", 1, "2026-12-01")]),
            vec![Due("JE-L", 1, "2026-12-29", "2026-08-01", true)],
        ),
        case(
            "two live vaccines on the same day need no gap",
            child("2025-12-01", "2026-08-01", &[]),
            vec![
                Due("JE-L", 1, "2026-08-01", "2026-08-01", false),
                Due("MMR", 1, "2026-08-01", "2026-08-01", false),
            ],
        ),
        case(
            "a 10-year-old with nothing gets several series at once, first doses only",
            child("2016-06-01", TODAY, &[]),
            vec![
                Due("HepB", 1, "2016-06-01", "2016-06-01", true),
                Due("MMR", 1, "2017-02-01", "2017-02-01", true),
                Due("HepA-L", 1, "2017-12-01", "2017-12-01", true),
                NotDue("BCG"),
                NotDue("MPSV-A"),
            ],
        ),
        case(
            "at 18 nothing of the child programme is due",
            child("2008-12-01", TODAY, &[]),
            vec![NotDue("HepB"), NotDue("MMR"), NotDue("HepA-L")],
        ),
        case(
            "HepB2 a month late is overdue",
            child(
                "2026-09-01",
                TODAY,
                &[("HepB", 1, "2026-09-01"), ("BCG", 1, "2026-09-01")],
            ),
            vec![Due("HepB", 2, "2026-09-29", "2026-10-01", true)],
        ),
    ]
}

#[test]
fn every_case_gives_the_expected_answer() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|c| verify(c, &run(&c.scenario)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn warnings_come_most_severe_first() {
    let out = run(&vitals(
        prescribed(&["青霉素"], &[("阿莫西林胶囊", 0.5, "g", 3, 10)]),
        json!({"sbp": 190, "dbp": 100}),
    ));
    let severities: Vec<Severity> = out.warnings.iter().map(|w| w.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
    assert_eq!(severities.first(), Some(&Severity::Block));
    assert_eq!(out.blocking().count(), 1);
}

/// Some cases again, through the real program, reading the scenario from a file.
#[test]
fn clinic_rules_check_prints_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let all = cases();
    let chosen = [
        "penicillin allergy blocks amoxicillin",
        "clopidogrel with omeprazole (CYP2C19)",
        "2 puffs 4 times a day for 3 days is one 200-puff inhaler",
        "BP 186/112 with hypertension and nifedipine",
        "after a late HepB2 at 5 months, HepB3 waits 60 days: not at 6 months",
        "a 10-year-old with nothing gets several series at once, first doses only",
    ];
    let mut warnings_read = 0;
    for name in chosen {
        let c = all.iter().find(|c| c.name == name).unwrap();
        let file = dir.path().join("scenario.json");
        std::fs::write(&file, serde_json::to_string_pretty(&c.scenario).unwrap()).unwrap();
        let printed = tests::process::clinic_ok(&data, &["rules", "check", file.to_str().unwrap()]);
        let out: Outcome = serde_json::from_str(&printed).expect("the program prints an outcome");
        assert_eq!(
            out,
            run(&c.scenario),
            "{name}: the program and the library agree"
        );
        let failures = verify(c, &out);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // The format is the documented one: kinds and severities as words.
        let raw: Value = serde_json::from_str(&printed).unwrap();
        for w in raw["warnings"].as_array().unwrap() {
            assert!(
                w["kind"].is_string() && w["severity"].is_string() && w["message_en"].is_string()
            );
            warnings_read += 1;
        }
    }
    // The format check above ran on warnings, not on empty lists only.
    assert!(warnings_read > 0, "no scenario printed a warning");
    // A file that is not a scenario is refused with the reason, and nothing printed on stdout.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"today": "2026-13-01"}"#).unwrap();
    let out = tests::process::clinic(&data, &["rules", "check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a scenario"));
}

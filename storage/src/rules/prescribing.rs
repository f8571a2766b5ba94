//! Prescription checks: allergy, duplicate therapy, interactions, pregnancy, children,
//! daily dose limits, days of supply; and the quantity of each line.

use super::book::{CautionKind, PairKind, RuleBook};
use super::units::{convert, quantity, show};
use super::{Kind, Order, Quantity, Scenario, Severity, Warning};
use crate::catalogue::{Catalogue, CatalogueItem, Prescribing};

/// 处方管理办法（2007）第十九条: a prescription is for at most 7 days.
const ACUTE_DAYS: u32 = 7;
/// 长期处方管理规范（试行）（2021）: a long-term prescription is for at most 12 weeks.
const LONG_TERM_DAYS: u32 = 84;

struct Line<'a> {
    index: usize,
    order: &'a Order,
    item: &'a CatalogueItem,
    p: &'a Prescribing,
}

pub fn check(
    s: &Scenario,
    age: i32,
    pregnant: bool,
    book: &RuleBook,
    catalogue: &Catalogue,
) -> (Vec<Warning>, Vec<Quantity>) {
    let mut warnings = Vec::new();
    let mut quantities = Vec::new();
    let mut lines = Vec::new();
    for (index, order) in s.prescription.iter().enumerate() {
        let found = catalogue.drug(&order.drug);
        match found.and_then(|item| item.prescribing.as_ref().map(|p| (item, p))) {
            Some((item, p)) => {
                let q = quantity(
                    order.dose,
                    &order.unit,
                    order.per_day,
                    order.days,
                    p.strength,
                    &p.strength_unit,
                );
                if let Err(e) = &q {
                    warnings.push(warning(
                        Kind::Dose,
                        Severity::High,
                        format!("{}：{e}", item.name),
                        format!("{}: {e}", item.name),
                        vec![index],
                    ));
                }
                quantities.push(Quantity {
                    drug: item.name.clone(),
                    quantity: q.as_ref().ok().copied(),
                    unit: item.unit.clone(),
                    error: q.err(),
                });
                lines.push(Line {
                    index,
                    order,
                    item,
                    p,
                });
            }
            None => {
                let why = match found {
                    Some(_) => "the catalogue has no strength for it",
                    None => "not in the catalogue",
                };
                warnings.push(warning(
                    Kind::Dose,
                    Severity::High,
                    format!("{}：目录中无此药品的规格，未能检查", order.drug),
                    format!("{}: {why}; it was not checked", order.drug),
                    vec![index],
                ));
                quantities.push(Quantity {
                    drug: order.drug.clone(),
                    quantity: None,
                    unit: String::new(),
                    error: Some(why.into()),
                });
            }
        }
    }
    for l in &lines {
        allergies(&s.allergies, l, book, &mut warnings);
        cautions(l, age, pregnant, s.resident.weight_kg, book, &mut warnings);
        supply(l, &mut warnings);
    }
    pairs(&lines, book, &mut warnings);
    (warnings, quantities)
}

fn warning(kind: Kind, severity: Severity, zh: String, en: String, lines: Vec<usize>) -> Warning {
    Warning {
        kind,
        severity,
        message_zh: zh,
        message_en: en,
        lines,
    }
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(template.to_string(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

/// An allergy to an ingredient or a class the drug holds blocks it; the allergy file adds the
/// words for classes (青霉素 → 青霉素类) and cross-reactions. The most severe match per allergy.
fn allergies(recorded: &[String], l: &Line, book: &RuleBook, out: &mut Vec<Warning>) {
    for allergy in recorded {
        let a = allergy.trim().trim_end_matches("过敏").trim();
        if a.is_empty() {
            continue;
        }
        let direct = l.p.ingredients.iter().find(|i| {
            *i == a
                || a.contains(i.as_str())
                || book
                    .classes_of(i)
                    .iter()
                    .any(|c| c == a || c.trim_end_matches('类') == a)
        });
        let found = match direct {
            Some(i) => Some(warning(
                Kind::Allergy,
                Severity::Block,
                format!("{a}过敏史：{}含{i}，禁用", l.item.name),
                format!(
                    "Allergic to {a}: {} contains {i} and must not be given",
                    l.item.name
                ),
                vec![l.index],
            )),
            None => book
                .allergy
                .iter()
                .filter(|r| {
                    a.contains(&r.term) && book.matching(&l.p.ingredients, &r.target).is_some()
                })
                .min_by_key(|r| r.severity)
                .map(|r| {
                    let vars = [("allergy", a), ("drug", l.item.name.as_str())];
                    warning(
                        Kind::Allergy,
                        r.severity,
                        fill(&r.message_zh, &vars),
                        fill(&r.message_en, &vars),
                        vec![l.index],
                    )
                }),
        };
        out.extend(found);
    }
}

fn cautions(
    l: &Line,
    age: i32,
    pregnant: bool,
    weight_kg: Option<f64>,
    book: &RuleBook,
    out: &mut Vec<Warning>,
) {
    let daily =
        |unit: &str| convert(l.order.dose, &l.order.unit, unit).map(|d| d * l.order.per_day as f64);
    // Amount limits are per ingredient: only for a product of one ingredient that it is
    // named after (消渴丸's strength is the pill's weight, not its glibenclamide).
    let single = matches!(&l.p.ingredients[..], [i] if l.item.name.contains(i.as_str()));
    for c in &book.cautions {
        if book.matching(&l.p.ingredients, &c.target).is_none() {
            continue;
        }
        let (kind, amount, limit) = match &c.kind {
            CautionKind::Pregnancy if pregnant => (Kind::Pregnancy, String::new(), String::new()),
            CautionKind::ChildUnder(years) if age < *years => {
                (Kind::Child, String::new(), years.to_string())
            }
            CautionKind::MaxDaily(max, unit) if single && age >= 18 => match daily(unit) {
                Some(d) if d > max * (1.0 + 1e-9) => (Kind::Dose, show(d, unit), show(*max, unit)),
                _ => continue,
            },
            CautionKind::ChildMaxPerKg(max, unit) if single && age < 18 => {
                match (daily(unit), weight_kg.filter(|w| w.is_finite() && *w > 0.0)) {
                    (Some(d), Some(kg)) if d / kg > max * (1.0 + 1e-9) => {
                        (Kind::Dose, show(d / kg, unit), show(*max, unit))
                    }
                    _ => continue,
                }
            }
            _ => continue,
        };
        let vars = [
            ("drug", l.item.name.as_str()),
            ("amount", amount.as_str()),
            ("limit", limit.as_str()),
        ];
        out.push(warning(
            kind,
            c.severity,
            fill(&c.message_zh, &vars),
            fill(&c.message_en, &vars),
            vec![l.index],
        ));
    }
}

fn supply(l: &Line, out: &mut Vec<Warning>) {
    let days = l.order.days;
    let name = &l.item.name;
    let (zh, en) = if l.item.long_term() {
        if days <= LONG_TERM_DAYS {
            return;
        }
        (
            format!("{name}：{days}天用量，长期处方最长不超过12周（84天）"),
            format!(
                "{name}: {days} days' supply; a long-term prescription is for at most 12 weeks (84 days)"
            ),
        )
    } else {
        if days <= ACUTE_DAYS {
            return;
        }
        (
            format!("{name}：{days}天用量，处方一般不得超过7日用量（处方管理办法第十九条）"),
            format!(
                "{name}: {days} days' supply; a prescription is for at most 7 days (处方管理办法 art. 19)"
            ),
        )
    };
    out.push(warning(
        Kind::Supply,
        Severity::Warning,
        zh,
        en,
        vec![l.index],
    ));
}

/// Two lines with a common ingredient are a duplicate; the pair rules add classes.
fn pairs(lines: &[Line], book: &RuleBook, out: &mut Vec<Warning>) {
    for (n, x) in lines.iter().enumerate() {
        for y in &lines[n + 1..] {
            let both = vec![x.index, y.index];
            if let Some(i) = x.p.ingredients.iter().find(|i| y.p.ingredients.contains(i)) {
                out.push(warning(
                    Kind::Duplicate,
                    Severity::High,
                    format!("{}与{}均含{i}：重复用药", x.item.name, y.item.name),
                    format!(
                        "{} and {} both contain {i}: duplicate therapy",
                        x.item.name, y.item.name
                    ),
                    both,
                ));
                continue;
            }
            for r in &book.pairs {
                let forward = book.matching(&x.p.ingredients, &r.a).is_some()
                    && book.matching(&y.p.ingredients, &r.b).is_some();
                let backward = book.matching(&y.p.ingredients, &r.a).is_some()
                    && book.matching(&x.p.ingredients, &r.b).is_some();
                if !(forward || backward) {
                    continue;
                }
                let (a, b) = if forward { (x, y) } else { (y, x) };
                let vars = [("a", a.item.name.as_str()), ("b", b.item.name.as_str())];
                let kind = match r.kind {
                    PairKind::Interaction => Kind::Interaction,
                    PairKind::Duplicate => Kind::Duplicate,
                };
                out.push(warning(
                    kind,
                    r.severity,
                    fill(&r.message_zh, &vars),
                    fill(&r.message_en, &vars),
                    both.clone(),
                ));
            }
        }
    }
}

//! The rule data files (`storage/rules/*.tsv`): drug classes, allergy terms, pairs of drugs,
//! cautions. Read once; a county may ship its own with the same columns.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::Severity;

/// An allergy line: a recorded allergy containing `term` concerns drugs matching `target`.
#[derive(Debug, Clone)]
pub struct AllergyRule {
    pub term: String,
    pub target: String,
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairKind {
    Interaction,
    Duplicate,
}

/// Two drugs, one matching `a` and another `b`, given together.
#[derive(Debug, Clone)]
pub struct PairRule {
    pub kind: PairKind,
    pub a: String,
    pub b: String,
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CautionKind {
    Pregnancy,
    /// Not under this age, in years.
    ChildUnder(i32),
    /// At most this much a day for an adult: amount and unit.
    MaxDaily(f64, String),
    /// At most this much per kg a day for a child.
    ChildMaxPerKg(f64, String),
}

#[derive(Debug, Clone)]
pub struct Caution {
    pub target: String,
    pub kind: CautionKind,
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, Default)]
pub struct RuleBook {
    /// Ingredient → its classes.
    classes: HashMap<String, Vec<String>>,
    pub allergy: Vec<AllergyRule>,
    pub pairs: Vec<PairRule>,
    pub cautions: Vec<Caution>,
}

/// The rule files' text, by name.
pub struct Files<'a> {
    pub drug_classes: &'a str,
    pub allergy: &'a str,
    pub combinations: &'a str,
    pub cautions: &'a str,
}

impl RuleBook {
    /// The rules shipped with the program.
    pub fn national() -> &'static RuleBook {
        static BOOK: OnceLock<RuleBook> = OnceLock::new();
        BOOK.get_or_init(|| {
            RuleBook::parse(&Files {
                drug_classes: include_str!("../../rules/drug_classes.tsv"),
                allergy: include_str!("../../rules/allergy.tsv"),
                combinations: include_str!("../../rules/combinations.tsv"),
                cautions: include_str!("../../rules/cautions.tsv"),
            })
            // The embedded files are parsed by a unit test; they cannot change after the build.
            .expect("the embedded rule files parse")
        })
    }

    /// Parses the four files; errors name the file, the line and the field.
    pub fn parse(files: &Files) -> Result<RuleBook, String> {
        let mut book = RuleBook::default();
        for f in rows(
            files.drug_classes,
            "drug_classes.tsv",
            &["ingredient", "class"],
        )? {
            book.classes
                .entry(f.fields[0].clone())
                .or_default()
                .push(f.fields[1].clone());
        }
        let header = ["term", "target", "severity", "message_zh", "message_en"];
        for f in rows(files.allergy, "allergy.tsv", &header)? {
            book.allergy.push(AllergyRule {
                term: f.fields[0].clone(),
                target: f.fields[1].clone(),
                severity: f.severity(2)?,
                message_zh: f.fields[3].clone(),
                message_en: f.fields[4].clone(),
            });
        }
        let header = ["kind", "a", "b", "severity", "message_zh", "message_en"];
        for f in rows(files.combinations, "combinations.tsv", &header)? {
            let kind = match f.fields[0].as_str() {
                "interaction" => PairKind::Interaction,
                "duplicate" => PairKind::Duplicate,
                other => {
                    return Err(f.error(format!("kind `{other}` is not interaction or duplicate")));
                }
            };
            book.pairs.push(PairRule {
                kind,
                a: f.fields[1].clone(),
                b: f.fields[2].clone(),
                severity: f.severity(3)?,
                message_zh: f.fields[4].clone(),
                message_en: f.fields[5].clone(),
            });
        }
        let header = [
            "target",
            "kind",
            "limit",
            "severity",
            "message_zh",
            "message_en",
        ];
        for f in rows(files.cautions, "cautions.tsv", &header)? {
            let limit = &f.fields[2];
            let amount = || -> Result<(f64, String), String> {
                let (value, unit) = limit.split_once(' ').unwrap_or((limit, ""));
                match value.parse::<f64>() {
                    Ok(v) if v > 0.0 && !unit.is_empty() => Ok((v, unit.to_string())),
                    _ => Err(f.error(format!("limit `{limit}` is not an amount like `4 g`"))),
                }
            };
            let kind = match f.fields[1].as_str() {
                "pregnancy" => CautionKind::Pregnancy,
                "child_under" => CautionKind::ChildUnder(
                    limit
                        .parse()
                        .map_err(|_| f.error(format!("limit `{limit}` is not an age in years")))?,
                ),
                "max_daily" => {
                    let (v, u) = amount()?;
                    CautionKind::MaxDaily(v, u)
                }
                "child_max_per_kg" => {
                    let (v, u) = amount()?;
                    CautionKind::ChildMaxPerKg(v, u)
                }
                other => return Err(f.error(format!("kind `{other}` is not a caution kind"))),
            };
            book.cautions.push(Caution {
                target: f.fields[0].clone(),
                kind,
                severity: f.severity(3)?,
                message_zh: f.fields[4].clone(),
                message_en: f.fields[5].clone(),
            });
        }
        Ok(book)
    }

    /// The classes of an ingredient (none for most).
    pub fn classes_of(&self, ingredient: &str) -> &[String] {
        self.classes
            .get(ingredient)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first of `ingredients` that is `target` or belongs to class `target`.
    pub fn matching<'a>(&self, ingredients: &'a [String], target: &str) -> Option<&'a str> {
        ingredients
            .iter()
            .find(|i| *i == target || self.classes_of(i).iter().any(|c| c == target))
            .map(String::as_str)
    }
}

struct Row {
    file: &'static str,
    line: usize,
    fields: Vec<String>,
}

impl Row {
    fn error(&self, what: String) -> String {
        format!("{} line {}: {what}", self.file, self.line)
    }

    fn severity(&self, i: usize) -> Result<Severity, String> {
        match self.fields[i].as_str() {
            "block" => Ok(Severity::Block),
            "high" => Ok(Severity::High),
            "warning" => Ok(Severity::Warning),
            other => Err(self.error(format!("severity `{other}` is not block, high or warning"))),
        }
    }
}

/// The data lines of a tab-separated file with this header; `#` lines are comments.
fn rows(text: &str, file: &'static str, header: &[&str]) -> Result<Vec<Row>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let want = header.join("\t");
    match lines.next() {
        Some((_, h)) if h == want => {}
        _ => {
            return Err(format!(
                "{file}: the first line must be the header `{want}`"
            ));
        }
    }
    lines
        .map(|(line, l)| {
            let fields: Vec<String> = l.split('\t').map(|f| f.trim().to_string()).collect();
            let row = Row { file, line, fields };
            if row.fields.len() != header.len() {
                return Err(row.error(format!(
                    "{} tab-separated fields expected, found {}",
                    header.len(),
                    row.fields.len()
                )));
            }
            if row.fields[..2].iter().any(String::is_empty) {
                return Err(row.error("the first two fields may not be empty".into()));
            }
            Ok(row)
        })
        .collect()
}

//! The catalogue of drugs and service items a facility bills: price and insurance class.
//! Read from a tab-separated file (`fixtures/data/catalogue.tsv` for the demo) so that a
//! county can ship its own list without a new program. Drugs carry what prescribing needs:
//! form, route, strength per dispensing unit, a usual dose and frequency, active ingredients.

use std::collections::HashMap;

use crate::model::{Frequency, InsuranceClass, Route};
use crate::names;
use crate::store::Store;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Drug,
    Service,
}

/// What a drug holds and how it is usually given.
#[derive(Clone, Debug, PartialEq)]
pub struct Prescribing {
    /// Dosage form (剂型): 片剂, 胶囊剂…
    pub form: String,
    pub route: Route,
    /// How much of `strength_unit` one dispensing unit holds (0.25 g per 粒, 200 puff per 支).
    pub strength: f64,
    pub strength_unit: String,
    /// The usual single adult dose, in `dose_unit`.
    pub dose: f64,
    pub dose_unit: String,
    pub frequency: Frequency,
    /// Active ingredients, generic names without salt (`对乙酰氨基酚`, `金刚烷胺`…).
    pub ingredients: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CatalogueItem {
    pub code: String,
    pub kind: ItemKind,
    pub name: String,
    /// Pack specification (规格) of a drug; the unit of a service.
    pub spec: String,
    /// Dispensing unit: 片, 粒, 瓶, 次…
    pub unit: String,
    pub price_fen: i64,
    pub class: InsuranceClass,
    /// Hypertension or diabetes medication: the "两病" rule applies for filed patients.
    pub chronic: bool,
    /// ICD-10 prefix it is usually prescribed for; empty for services.
    pub for_code: String,
    /// For drugs of a catalogue with the prescribing columns.
    pub prescribing: Option<Prescribing>,
    /// Pinyin initials of the name, for search (`ybzlf` finds 一般诊疗费).
    initials: String,
}

impl CatalogueItem {
    /// A medicine for a chronic condition (hypertension, diabetes, heart, lipids…), which may
    /// be prescribed for weeks (长期处方).
    pub fn long_term(&self) -> bool {
        self.chronic || self.for_code.starts_with('I') || self.for_code.starts_with('E')
    }
}

#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    items: Vec<CatalogueItem>,
    by_code: HashMap<String, usize>,
}

/// The billing columns; a catalogue of only these (an older county file) bills but does not
/// prescribe with quantities and checks.
const BILLING: &str = "code\tkind\tname\tspec\tunit\tprice_fen\tclass\tchronic\tfor";
const PRESCRIBING: &str =
    "form\troute\tstrength\tstrength_unit\tdose\tdose_unit\tfrequency\tingredients";

impl Catalogue {
    /// Parses the tab-separated catalogue. Errors name the line and the field.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let mut lines = text.lines().enumerate();
        let full = format!("{BILLING}\t{PRESCRIBING}");
        let columns = match lines.next().map(|(_, h)| h.trim_end_matches('\r')) {
            Some(h) if h == full => 17,
            Some(h) if h == BILLING => 9,
            _ => return Err(format!("the first line must be the header `{full}`")),
        };
        let mut catalogue = Catalogue::default();
        for (n, line) in lines {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let item = parse_item(line, columns).map_err(|e| format!("line {}: {e}", n + 1))?;
            if catalogue.by_code.contains_key(&item.code) {
                return Err(format!("line {}: code {} appears twice", n + 1, item.code));
            }
            catalogue
                .by_code
                .insert(item.code.clone(), catalogue.items.len());
            catalogue.items.push(item);
        }
        Ok(catalogue)
    }

    pub fn get(&self, code: &str) -> Option<&CatalogueItem> {
        self.by_code.get(code).map(|&i| &self.items[i])
    }

    /// The first drug of this name (names repeat with other specs), or with this code.
    pub fn drug(&self, name_or_code: &str) -> Option<&CatalogueItem> {
        let q = name_or_code.trim();
        self.get(q)
            .filter(|i| i.kind == ItemKind::Drug)
            .or_else(|| {
                self.items
                    .iter()
                    .find(|i| i.kind == ItemKind::Drug && i.name == q)
            })
    }

    /// Drugs (with what prescribing needs) matching the query, as [`Catalogue::search`].
    pub fn search_drugs(&self, query: &str, limit: usize) -> Vec<&CatalogueItem> {
        let mut hits = self.search(query, usize::MAX);
        hits.retain(|i| i.prescribing.is_some());
        hits.truncate(limit);
        hits
    }

    pub fn items(&self) -> &[CatalogueItem] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Items whose code or name contains the query, or whose pinyin initials start with it;
    /// services first (the front desk adds services, prescriptions bring the drugs).
    pub fn search(&self, query: &str, limit: usize) -> Vec<&CatalogueItem> {
        let q = query.trim();
        if q.is_empty() {
            return Vec::new();
        }
        let lower = q.to_ascii_lowercase();
        let mut hits: Vec<&CatalogueItem> = self
            .items
            .iter()
            .filter(|i| {
                i.name.contains(q)
                    || i.code.eq_ignore_ascii_case(q)
                    || (lower.is_ascii() && i.initials.starts_with(&lower))
            })
            .collect();
        hits.sort_by_key(|i| (i.kind != ItemKind::Service, i.name.chars().count()));
        hits.truncate(limit);
        hits
    }
}

fn parse_item(line: &str, columns: usize) -> Result<CatalogueItem, String> {
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() != columns {
        return Err(format!(
            "{columns} tab-separated fields expected, found {}",
            f.len()
        ));
    }
    let kind = match f[1] {
        "drug" => ItemKind::Drug,
        "service" => ItemKind::Service,
        other => return Err(format!("kind `{other}` is neither `drug` nor `service`")),
    };
    let price_fen: i64 = f[5]
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("price `{}` is not a positive number of fen", f[5]))?;
    let class = match f[6] {
        "A" => InsuranceClass::A,
        "B" => InsuranceClass::B,
        "C" => InsuranceClass::C,
        other => return Err(format!("class `{other}` is not A, B or C")),
    };
    let chronic = match f[7] {
        "0" => false,
        "1" => true,
        other => return Err(format!("chronic `{other}` is not 0 or 1")),
    };
    if f[0].is_empty() || f[2].is_empty() {
        return Err("code and name may not be empty".into());
    }
    Ok(CatalogueItem {
        code: f[0].to_string(),
        kind,
        name: f[2].to_string(),
        spec: f[3].to_string(),
        unit: f[4].to_string(),
        price_fen,
        class,
        chronic,
        for_code: f[8].to_string(),
        prescribing: match (kind, f.get(9..)) {
            (ItemKind::Drug, Some(p)) if !p.is_empty() => Some(parse_prescribing(p)?),
            _ => None,
        },
        initials: names::initials(f[2]).to_ascii_lowercase(),
    })
}

fn parse_prescribing(f: &[&str]) -> Result<Prescribing, String> {
    let positive = |text: &str, what: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| format!("{what} `{text}` is not a positive number"))
    };
    let route = match f[1] {
        "oral" => Route::Oral,
        "im" => Route::Intramuscular,
        "iv" => Route::Intravenous,
        "sc" => Route::Subcutaneous,
        "id" => Route::Intradermal,
        "topical" => Route::Topical,
        "inhaled" => Route::Inhaled,
        "other" => Route::Other,
        other => {
            return Err(format!(
                "route `{other}` is not one of oral im iv sc id topical inhaled other"
            ));
        }
    };
    let frequency = Frequency::from_code(f[6]).ok_or_else(|| {
        format!(
            "frequency `{}` is not one of qd bid tid qid q12h qn prn once",
            f[6]
        )
    })?;
    let ingredients: Vec<String> = f[7]
        .split('+')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if f[0].is_empty() || f[3].is_empty() || f[5].is_empty() || ingredients.is_empty() {
        return Err("form, strength_unit, dose_unit and ingredients may not be empty".into());
    }
    Ok(Prescribing {
        form: f[0].to_string(),
        route,
        strength: positive(f[2], "strength")?,
        strength_unit: f[3].to_string(),
        dose: positive(f[4], "dose")?,
        dose_unit: f[5].to_string(),
        frequency,
        ingredients,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "code\tkind\tname\tspec\tunit\tprice_fen\tclass\tchronic\tfor\n\
        XC08CAA004\tdrug\t苯磺酸氨氯地平片\t5mg×28片\t片\t30\tA\t1\tI10\n\
        S110200001\tservice\t一般诊疗费\t次\t次\t1000\tA\t0\t\n";

    #[test]
    fn parses_and_finds() {
        let c = Catalogue::parse(TEXT).unwrap();
        assert_eq!(c.len(), 2);
        let amlodipine = c.get("XC08CAA004").unwrap();
        assert!(amlodipine.chronic && amlodipine.price_fen == 30);
        assert_eq!(c.search("ybzl", 5)[0].code, "S110200001");
        assert_eq!(c.search("氨氯地平", 5)[0].code, "XC08CAA004");
        assert!(c.search("", 5).is_empty());
    }

    #[test]
    fn bad_lines_are_named() {
        let bad = TEXT.replace("\t30\t", "\t-3\t");
        assert!(
            Catalogue::parse(&bad)
                .unwrap_err()
                .starts_with("line 2: price `-3`")
        );
        let twice = format!("{TEXT}S110200001\tservice\tx\t次\t次\t1\tA\t0\t\n");
        assert!(
            Catalogue::parse(&twice)
                .unwrap_err()
                .contains("appears twice")
        );
        assert!(Catalogue::parse("nonsense").unwrap_err().contains("header"));
        let short = TEXT.replace("\tI10", "");
        assert!(
            Catalogue::parse(&short)
                .unwrap_err()
                .contains("9 tab-separated")
        );
    }

    #[test]
    fn the_prescribing_columns_are_read_and_checked() {
        let header = format!("{BILLING}\t{PRESCRIBING}\n");
        let amoxicillin = "XJ01CAA011\tdrug\t阿莫西林胶囊\t0.25g×24粒\t粒\t10\tA\t0\tJ0\t胶囊剂\toral\t0.25\tg\t0.5\tg\ttid\t阿莫西林\n";
        let fee = "S110200001\tservice\t一般诊疗费\t次\t次\t1000\tA\t0\t\t\t\t\t\t\t\t\t\n";
        let c = Catalogue::parse(&format!("{header}{amoxicillin}{fee}")).unwrap();
        let p = c
            .drug("阿莫西林胶囊")
            .unwrap()
            .prescribing
            .as_ref()
            .unwrap();
        assert_eq!((p.strength, p.strength_unit.as_str()), (0.25, "g"));
        assert_eq!(
            (p.frequency, p.ingredients.clone()),
            (Frequency::Tid, vec!["阿莫西林".to_string()])
        );
        assert!(c.get("S110200001").unwrap().prescribing.is_none());
        assert_eq!(c.search_drugs("amx", 5).len(), 1, "by pinyin initials");
        assert_eq!(
            c.search_drugs("ybzl", 5).len(),
            0,
            "a service is not a drug"
        );
        assert_eq!(c.search_drugs("阿莫", 5).len(), 1);
        let bad = amoxicillin.replace("\t0.25\tg\t", "\t-1\tg\t");
        assert!(
            Catalogue::parse(&format!("{header}{bad}"))
                .unwrap_err()
                .contains("strength `-1`")
        );
        let bad = amoxicillin.replace("\ttid\t", "\tthrice\t");
        assert!(
            Catalogue::parse(&format!("{header}{bad}"))
                .unwrap_err()
                .contains("frequency `thrice`")
        );
    }
}

/// The file a county's own catalogue is dropped in as, in a data directory.
pub const CATALOGUE_FILE: &str = "catalogue.tsv";

impl Catalogue {
    /// The county's own list in `data_dir` (`catalogue.tsv`), if one was put there.
    pub fn in_dir(data_dir: &std::path::Path) -> crate::Result<Option<Catalogue>> {
        let path = data_dir.join(CATALOGUE_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Catalogue::parse(&text)
                .map(Some)
                .map_err(|e| crate::Error::Invalid(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl Store {
    /// Installs a catalogue in this store (the demo loader installs the demo one); it is
    /// checked first, so a broken list replaces nothing.
    pub fn install_catalogue(&self, tsv: &str) -> crate::Result<Catalogue> {
        let catalogue = Catalogue::parse(tsv).map_err(crate::Error::Invalid)?;
        self.set_local_value(crate::Local::Catalogue, tsv.as_bytes())?;
        Ok(catalogue)
    }

    /// The catalogue to price by: `catalogue.tsv` in `data_dir` when a county put its own list
    /// there, else the one installed in this store; `None` when there is neither.
    pub fn catalogue_for(&self, data_dir: &std::path::Path) -> crate::Result<Option<Catalogue>> {
        if let Some(own) = Catalogue::in_dir(data_dir)? {
            return Ok(Some(own));
        }
        match self.local_value(crate::Local::Catalogue)? {
            None => Ok(None),
            Some(bytes) => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| crate::Error::Corrupt("the installed catalogue".into()))?;
                Catalogue::parse(&text)
                    .map(Some)
                    .map_err(|e| crate::Error::Corrupt(format!("the installed catalogue: {e}")))
            }
        }
    }
}

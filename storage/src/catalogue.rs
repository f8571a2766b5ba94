//! The catalogue of drugs and service items a facility bills: price and insurance class.
//! Read from a tab-separated file (`fixtures/data/catalogue.tsv` for the demo) so that a
//! county can ship its own list without a new program.

use std::collections::HashMap;

use crate::model::InsuranceClass;
use crate::names;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Drug,
    Service,
}

#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Pinyin initials of the name, for search (`ybzlf` finds 一般诊疗费).
    initials: String,
}

#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    items: Vec<CatalogueItem>,
    by_code: HashMap<String, usize>,
}

const HEADER: &str = "code\tkind\tname\tspec\tunit\tprice_fen\tclass\tchronic\tfor";

impl Catalogue {
    /// Parses the tab-separated catalogue. Errors name the line and the field.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, h)) if h.trim_end_matches('\r') == HEADER => {}
            _ => return Err(format!("the first line must be the header `{HEADER}`")),
        }
        let mut catalogue = Catalogue::default();
        for (n, line) in lines {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let item = parse_item(line).map_err(|e| format!("line {}: {e}", n + 1))?;
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

fn parse_item(line: &str) -> Result<CatalogueItem, String> {
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() != 9 {
        return Err(format!(
            "9 tab-separated fields expected, found {}",
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
        initials: names::initials(f[2]).to_ascii_lowercase(),
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
}

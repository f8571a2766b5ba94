//! Search keys for Chinese names: the characters, full pinyin, and initials.
//!
//! Front-desk staff type whichever is quickest: `张伟`, `zhangwei` or `zw`. Keys are lowercase
//! ASCII without spaces or tones; `ü` is typed `v`, as on every Chinese keyboard.

use pinyin::ToPinyin;

/// Surnames whose reading differs from the character's most common one.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('朴', "piao"),
    ('区', "ou"),
    ('查', "zha"),
    ('覃', "qin"),
    ('盖', "ge"),
    ('乐', "yue"),
    ('缪', "miao"),
    ('尉', "yu"),
    ('种', "chong"),
    ('万', "wan"),
    ('翟', "zhai"),
    ('长', "chang"),
    ('重', "chong"),
    ('牟', "mou"),
];

/// The pinyin of a name, one syllable per character (non-Chinese characters kept, lowercased).
pub fn syllables(name: &str) -> Vec<String> {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '·')
        .enumerate()
        .map(|(i, c)| {
            let surname = (i == 0)
                .then(|| SURNAME_READINGS.iter().find(|(s, _)| *s == c))
                .flatten();
            match (surname, c.to_pinyin()) {
                (Some((_, reading)), _) => reading.to_string(),
                (None, Some(p)) => p.plain().replace('ü', "v"),
                (None, None) => c.to_lowercase().collect(),
            }
        })
        .collect()
}

/// Full pinyin with a space between syllables, for display: `zhang wei`.
pub fn pinyin(name: &str) -> String {
    syllables(name).join(" ")
}

/// First letters of each syllable: `zw`.
pub fn initials(name: &str) -> String {
    syllables(name)
        .iter()
        .filter_map(|s| s.chars().next())
        .collect()
}

/// Normalises a typed query the way keys are stored: lowercase, no spaces, `ü`→`v`.
pub fn normalise_query(q: &str) -> String {
    q.chars()
        .filter(|c| !c.is_whitespace() && *c != '·' && *c != '\'')
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ü' { 'v' } else { c })
        .collect()
}

/// The index keys of a name: the characters, the joined pinyin and the initials.
pub fn search_keys(name: &str) -> Vec<String> {
    let mut keys = vec![
        normalise_query(name),
        syllables(name).concat(),
        initials(name),
    ];
    keys.sort();
    keys.dedup();
    keys.retain(|k| !k.is_empty());
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names() {
        assert_eq!(pinyin("张伟"), "zhang wei");
        assert_eq!(initials("王秀英"), "wxy");
        assert_eq!(syllables("吕桂兰").concat(), "lvguilan");
        assert_eq!(search_keys("李娜"), vec!["lina", "ln", "李娜"]);
    }

    #[test]
    fn surnames_with_a_special_reading() {
        assert_eq!(pinyin("曾志强"), "zeng zhi qiang");
        assert_eq!(pinyin("单丽华"), "shan li hua");
        // Only the first character is a surname: 单 inside a given name keeps its usual reading.
        assert_eq!(syllables("王单")[1], "dan");
    }

    #[test]
    fn queries_normalise_like_keys() {
        assert_eq!(normalise_query(" Zhang Wei "), "zhangwei");
        assert_eq!(normalise_query("Lü"), "lv");
    }
}

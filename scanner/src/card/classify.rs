//! Recognising a scanned text by its shape, before any verification.

use serde::Serialize;

/// What kind of text a scan produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CodeKind {
    /// `<64 hex card id>:<flag>:<reserved>:<issuing organisation>`, as the provincial platforms
    /// issue; unsigned, resolved through the store or the hub.
    PlatformCard {
        card_id: String,
        flag: String,
        issuer: String,
    },
    /// `EHC1:` signed card.
    SignedCard,
    /// `EHP1:` live code from the resident's phone.
    PhonePresentation,
    /// 17 digits and a digit or X: a resident ID number (its check digit is verified by the
    /// store's rules).
    IdNumber { value: String },
    /// Digits and letters that may be an insurance or legacy hospital card number.
    Number { value: String },
    /// Anything else, with what it looks like.
    NotAHealthCard { looks_like: String },
    /// A payer's mobile payment code (付款码) from WeChat Pay or Alipay: never a health card;
    /// at the till it is the payment's reference.
    PaymentCode { value: String },
}

/// Classifies `text` (surrounding whitespace and line ends ignored).
pub fn classify(text: &str) -> CodeKind {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    // Any EHC…/EHP… text is meant as a signed code; a wrong version or a missing colon is
    // reported by the verifier as a malformed prefix, not as "not a health card".
    if upper.starts_with("EHC") {
        return CodeKind::SignedCard;
    }
    if upper.starts_with("EHP") {
        return CodeKind::PhonePresentation;
    }
    if let Some(kind) = platform(t) {
        return kind;
    }
    let lower = t.to_ascii_lowercase();
    let looks_like = if lower.starts_with("wxp://")
        || lower.contains("qr.alipay.com")
        || lower.contains("pay.weixin")
    {
        Some("a mobile payment code")
    } else if payment_code(t) {
        return CodeKind::PaymentCode {
            value: t.to_string(),
        };
    } else if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("www.")
    {
        Some("a web address")
    } else if upper.starts_with("HC1:") {
        Some("an EU Digital COVID Certificate")
    } else if lower.starts_with("shc:/") {
        Some("a SMART Health Card")
    } else {
        None
    };
    if let Some(what) = looks_like {
        return CodeKind::NotAHealthCard {
            looks_like: what.to_string(),
        };
    }
    let b = t.as_bytes();
    if b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
    {
        return CodeKind::IdNumber { value: upper };
    }
    if (4..=32).contains(&b.len()) && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return CodeKind::Number { value: upper };
    }
    let shown: String = t.chars().take(24).collect();
    CodeKind::NotAHealthCard {
        looks_like: format!("other text (“{shown}”)"),
    }
}

fn platform(t: &str) -> Option<CodeKind> {
    let mut parts = t.split(':');
    let (id, flag, reserved, issuer) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let ok = parts.next().is_none()
        && id.len() == 64
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && flag.bytes().all(|b| b.is_ascii_digit())
        && !reserved.contains(':')
        && !issuer.is_empty()
        && issuer.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| CodeKind::PlatformCard {
        card_id: id.to_ascii_uppercase(),
        flag: flag.to_string(),
        issuer: issuer.to_string(),
    })
}

/// WeChat Pay payment codes are 18 digits starting 10–15; Alipay's are 16–24 digits starting
/// 25–30. An 18-digit number that starts like a WeChat code is taken as an ID number only if
/// it is one (the caller validates the check digit first).
fn payment_code(t: &str) -> bool {
    let b = t.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) || b.len() < 2 {
        return false;
    }
    let prefix = (b[0] - b'0') * 10 + (b[1] - b'0');
    (b.len() == 18 && (10..=15).contains(&prefix) && !looks_like_id_date(t))
        || ((16..=24).contains(&b.len()) && (25..=30).contains(&prefix))
}

/// Digits 7–14 of an ID number are a birth date from 1900 on.
fn looks_like_id_date(t: &str) -> bool {
    let year: u32 = t[6..10].parse().unwrap_or(0);
    let month: u32 = t[10..12].parse().unwrap_or(0);
    let day: u32 = t[12..14].parse().unwrap_or(0);
    (1900..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_example() {
        let code = "6836D27C966E1C1BB192F050778358E4AA0208EFBA111FC5CB90AD689124A19B:1::5100A0013";
        match classify(code) {
            CodeKind::PlatformCard {
                card_id,
                flag,
                issuer,
            } => {
                assert_eq!(card_id.len(), 64);
                assert_eq!(flag, "1");
                assert_eq!(issuer, "5100A0013");
            }
            other => panic!("{other:?}"),
        }
        // Lowercase hex is read too; a missing field is not a platform code.
        assert!(matches!(
            classify(&code.to_lowercase()),
            CodeKind::PlatformCard { .. }
        ));
        assert!(!matches!(
            classify(&code[..code.len() - 10]),
            CodeKind::PlatformCard { .. }
        ));
    }

    #[test]
    fn shapes() {
        assert_eq!(classify("EHC1:6BFOXN*TS0BI$ZD"), CodeKind::SignedCard);
        assert_eq!(classify(" EHP1:ABC\r\n"), CodeKind::PhonePresentation);
        assert_eq!(
            classify("42092119850315001x"),
            CodeKind::IdNumber {
                value: "42092119850315001X".into()
            }
        );
        assert_eq!(
            classify("00123456"),
            CodeKind::Number {
                value: "00123456".into()
            }
        );
        for (text, what) in [
            ("wxp://f2f0abc", "payment"),
            ("https://example.com/x", "web"),
            ("HC1:NCFOXN", "COVID"),
            ("shc:/5676290952", "SMART"),
            ("你好，世界", "other"),
        ] {
            match classify(text) {
                CodeKind::NotAHealthCard { looks_like } => {
                    assert!(looks_like.contains(what), "{text}: {looks_like}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn payer_codes_are_payment_codes() {
        for code in [
            "134567890123456789",
            "28123456789012345678",
            "2512345678901234",
        ] {
            assert_eq!(
                classify(code),
                CodeKind::PaymentCode { value: code.into() },
                "{code}"
            );
        }
        // 19 digits starting 13 is neither a WeChat code nor an ID number.
        assert!(matches!(
            classify("1345678901234567890"),
            CodeKind::Number { .. }
        ));
    }

    #[test]
    fn an_id_number_starting_like_a_payment_code_stays_an_id_number() {
        // 13 is Hebei's province code and a WeChat payment prefix.
        assert!(matches!(
            classify("130102198001011234"),
            CodeKind::IdNumber { .. }
        ));
    }
}

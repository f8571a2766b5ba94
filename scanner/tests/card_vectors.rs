//! Test vectors of the card formats, committed in fixtures/cards/vectors.json for independent
//! implementations of CARD_FORMAT.md (demo keys only). This test rebuilds them (signatures are
//! deterministic, RFC 6979), checks the file is current, and checks our verifier gives each
//! vector's expected outcome at its validation clock. `UPDATE_VECTORS=1` rewrites the file.

use p256::ecdsa::SigningKey;
use scanner::card::*;
use serde_json::{Value, json};

const NOW: u64 = 1_800_000_000; // 2027-01-15
const YEAR: u64 = 365 * 86_400;

fn hex(b: &[u8]) -> String {
    keys::hex(b)
}

fn token(card: u8, iat: u64, exp: u64, holder: Option<&SigningKey>) -> CardToken {
    CardToken {
        iss: keys::demo::ISSUER.into(),
        iat,
        exp,
        card: CardClaims {
            version: 1,
            card_id: [card; 32],
            name: "王秀英".into(),
            pinyin: Some("WANG XIU YING".into()),
            sex: 2,
            birth_date: 19620708,
            region: Some("420921".into()),
            id_hint: Some("0420".into()),
            holder_key: holder.map(|h| keys::public_bytes(h.verifying_key())),
            insurance: Some(("390".into(), "42092100000000100014".into())),
        },
    }
}

fn build() -> Value {
    let issuer = keys::demo::issuer();
    let holder = SigningKey::from_slice(&[0x11; 32]).unwrap();
    let stranger = SigningKey::from_slice(&[0x22; 32]).unwrap();
    let list = TrustList {
        version: 7,
        issued_at: NOW - 30 * 86_400,
        next_update: NOW + 180 * 86_400,
        keys: vec![trusted(
            issuer.verifying_key(),
            keys::demo::ISSUER,
            NOW - 4 * YEAR,
            NOW + 4 * YEAR,
        )],
        revocations: vec![Revocation {
            card_id: [0x0d; 32],
            revoked_before: NOW - 10 * 86_400,
        }],
    };
    let printed = token(0x01, NOW - 100 * 86_400, NOW + 2 * YEAR, None);
    let cose = sign_card(&printed, &issuer);
    let phone = token(0x02, NOW - 100 * 86_400, NOW + YEAR, Some(&holder));
    let phone_cose = sign_card(&phone, &issuer);
    let mut forged = cose.clone();
    let n = forged.len();
    forged[n - 1] ^= 0x01; // last byte of the signature
    let v = |name: &str, text: String, expected: &str, note: &str| json!({"name": name, "text": text, "now": NOW, "expected": expected, "note": note});
    let mut vectors = vec![
        v(
            "printed-card",
            issue_card(&printed, &issuer),
            "valid",
            "zlib-compressed COSE_Sign1, tag 18",
        ),
        v(
            "printed-card-uncompressed",
            format!("EHC1:{}", base45::encode(&cose)),
            "valid",
            "no zlib",
        ),
        v(
            "printed-card-untagged",
            format!("EHC1:{}", base45::encode(&cose[1..])),
            "valid",
            "COSE_Sign1 without tag 18",
        ),
        v(
            "expired",
            issue_card(&token(0x03, NOW - 3 * YEAR, NOW - 86_400, None), &issuer),
            "expired",
            "exp one day before now",
        ),
        v(
            "not-yet-valid",
            issue_card(&token(0x04, NOW + 2 * 86_400, NOW + YEAR, None), &issuer),
            "not yet valid",
            "iat two days after now",
        ),
        v(
            "signature-invalid",
            format!("EHC1:{}", wrap(&forged)),
            "signature invalid",
            "last signature byte flipped",
        ),
        v(
            "unknown-key",
            issue_card(&printed, &stranger),
            "unknown key",
            "signed by a key not in the trust list",
        ),
        v(
            "key-not-valid-at-iat",
            issue_card(&token(0x05, NOW - 5 * YEAR, NOW + YEAR, None), &issuer),
            "key not valid at iat",
            "issued before the key's not_before",
        ),
        v(
            "revoked",
            issue_card(&token(0x0d, NOW - 20 * 86_400, NOW + YEAR, None), &issuer),
            "revoked",
            "card id 0d… revoked before now-10d",
        ),
        v(
            "reprinted-after-revocation",
            issue_card(&token(0x0d, NOW - 5 * 86_400, NOW + YEAR, None), &issuer),
            "valid",
            "same card id, iat after revoked_before",
        ),
        v(
            "phone-bound-screenshot",
            format!("EHC1:{}", wrap(&phone_cose)),
            "needs live code",
            "phone-bound card shown as EHC1",
        ),
        v(
            "phone-presentation",
            present(&phone_cose, &holder, NOW - 30),
            "valid",
            "EHP1 30 s old",
        ),
        v(
            "phone-presentation-stale",
            present(&phone_cose, &holder, NOW - 121),
            "stale presentation",
            "EHP1 121 s old (window 120 s)",
        ),
        v(
            "phone-presentation-future",
            present(&phone_cose, &holder, NOW + 61),
            "stale presentation",
            "EHP1 61 s ahead (window 60 s)",
        ),
        v(
            "phone-presentation-wrong-holder",
            present(&phone_cose, &stranger, NOW),
            "signature invalid",
            "presentation not signed by the holder key",
        ),
        v(
            "malformed-prefix",
            "EHC2:6BFOXN*TS0BI$ZD".into(),
            "malformed",
            "layer prefix",
        ),
        v(
            "malformed-base45",
            "EHC1:6BFOXN*TS0BI$ZDx!".into(),
            "malformed",
            "layer base45",
        ),
        v(
            "malformed-zlib",
            format!("EHC1:{}", base45::encode([0x78, 0x9c, 0xff, 0x00, 0x01])),
            "malformed",
            "layer zlib",
        ),
        v(
            "malformed-cose",
            format!("EHC1:{}", base45::encode([0x83, 0x01, 0x02, 0x03])),
            "malformed",
            "layer cose",
        ),
        v(
            "platform-card-code",
            "6836D27C966E1C1BB192F050778358E4AA0208EFBA111FC5CB90AD689124A19B:1::5100A0013".into(),
            "platform card code",
            "the deployed platform form",
        ),
    ];
    // A replay: the same presentation twice; the second sight is refused.
    let replay = present(&phone_cose, &holder, NOW - 10);
    vectors.push(json!({"name": "phone-presentation-replayed", "text": replay, "now": NOW, "expected": "replayed presentation",
        "note": "scan the same text twice within the window: first valid, then this outcome", "repeat": 2}));
    json!({
        "spec": "CARD_FORMAT.md (this project); demo keys only, never for real residents",
        "root_public_key": keys::demo::ROOT_PUBLIC,
        "trust_list_hex": hex(&list.sign(&keys::demo::root())),
        "window_seconds": {"past": 120, "future": 60},
        "vectors": vectors,
    })
}

#[test]
fn committed_vectors_are_current_and_verify_as_expected() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cards/vectors.json");
    let built = build();
    let text = serde_json::to_string_pretty(&built).unwrap() + "\n";
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path)
        .expect("fixtures/cards/vectors.json (run with UPDATE_VECTORS=1)");
    assert!(
        committed == text,
        "fixtures/cards/vectors.json is out of date: run with UPDATE_VECTORS=1"
    );

    let root = keys::demo::root();
    let list_bytes = keys::from_hex(built["trust_list_hex"].as_str().unwrap()).unwrap();
    let list = TrustList::verify(&list_bytes, root.verifying_key()).unwrap();
    for vector in built["vectors"].as_array().unwrap() {
        let mut verifier = Verifier::new(Some(list.clone()));
        let now = vector["now"].as_u64().unwrap();
        let text = vector["text"].as_str().unwrap();
        let repeat = vector["repeat"].as_u64().unwrap_or(1);
        let mut outcome = None;
        for _ in 0..repeat {
            outcome = verifier.check(text, now).outcome;
        }
        let word = outcome.map(|o| o.word()).unwrap_or("none");
        assert_eq!(
            word,
            vector["expected"].as_str().unwrap(),
            "{}",
            vector["name"]
        );
    }
}

//! Every verification outcome of CARD_FORMAT.md, issuing round trips through a real QR image,
//! tampering at every layer, and the trust list's rules.

use p256::ecdsa::SigningKey;
use scanner::card::*;

const NOW: u64 = 1_795_000_000; // 2026-11-17
const YEAR: u64 = 365 * 86_400;

fn trust_list(version: u64) -> TrustList {
    let issuer = keys::demo::issuer();
    TrustList {
        version,
        issued_at: NOW - 30 * 86_400,
        next_update: NOW + 30 * 86_400,
        keys: vec![trusted(
            issuer.verifying_key(),
            keys::demo::ISSUER,
            NOW - 5 * YEAR,
            NOW + 5 * YEAR,
        )],
        revocations: vec![],
    }
}

fn verifier() -> Verifier {
    let bytes = trust_list(3).sign(&keys::demo::root());
    let root = keys::demo::root();
    Verifier::new(Some(
        TrustList::verify(&bytes, root.verifying_key()).unwrap(),
    ))
}

fn token(iat: u64, exp: u64) -> CardToken {
    CardToken {
        iss: keys::demo::ISSUER.into(),
        iat,
        exp,
        card: CardClaims {
            version: 1,
            card_id: [0x68; 32],
            name: "张伟".into(),
            pinyin: Some("ZHANG WEI".into()),
            sex: 1,
            birth_date: 19850315,
            region: Some("420921".into()),
            id_hint: Some("0015".into()),
            holder_key: None,
            insurance: Some(("390".into(), "42092100000000100007".into())),
        },
    }
}

fn printed() -> CardToken {
    token(NOW - YEAR, NOW + 2 * YEAR)
}

fn holder() -> SigningKey {
    SigningKey::from_slice(&[7u8; 32]).unwrap()
}

fn phone_card() -> CardToken {
    let mut t = printed();
    t.card.holder_key = Some(keys::public_bytes(holder().verifying_key()));
    t
}

fn outcome(v: &mut Verifier, text: &str) -> Outcome {
    v.check(text, NOW)
        .outcome
        .expect("a signed code has an outcome")
}

#[test]
fn a_printed_card_is_valid_and_reads_back_exactly() {
    let text = issue_card(&printed(), &keys::demo::issuer());
    assert!(text.starts_with("EHC1:"));
    let scan = verifier().check(&text, NOW);
    assert_eq!(scan.outcome, Some(Outcome::Valid));
    assert_eq!(scan.token, Some(printed()));
    assert_eq!(card_id_hex(&printed().card.card_id).len(), 64);
}

#[test]
fn issue_render_decode_verify() {
    let text = issue_card(&printed(), &keys::demo::issuer());
    let image = qr_image(&text, 4).unwrap();
    let found = scanner::decode::decode(&image);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].text, text);
    assert_eq!(outcome(&mut verifier(), &found[0].text), Outcome::Valid);
}

#[test]
fn time_outcomes() {
    let issuer = keys::demo::issuer();
    let mut v = verifier();
    let expired = issue_card(&token(NOW - 3 * YEAR, NOW - 10), &issuer);
    assert_eq!(
        outcome(&mut v, &expired),
        Outcome::Expired { since: NOW - 10 }
    );
    let future = issue_card(&token(NOW + 86_400, NOW + YEAR), &issuer);
    assert_eq!(
        outcome(&mut v, &future),
        Outcome::NotYetValid { from: NOW + 86_400 }
    );
    // Issued before the issuer key's validity began.
    let early = issue_card(&token(NOW - 6 * YEAR, NOW + YEAR), &issuer);
    assert_eq!(outcome(&mut v, &early), Outcome::KeyNotValidAtIat);
    // A printed card may not be valid more than five years.
    let long = issue_card(&token(NOW - 10, NOW + 6 * YEAR), &issuer);
    assert!(matches!(
        outcome(&mut v, &long),
        Outcome::Malformed {
            layer: Layer::Claims,
            ..
        }
    ));
}

#[test]
fn a_key_not_in_the_trust_list_is_an_unknown_key() {
    let stranger = SigningKey::from_slice(&[9u8; 32]).unwrap();
    let text = issue_card(&printed(), &stranger);
    let kid = keys::hex(&keys::kid(stranger.verifying_key()));
    assert_eq!(outcome(&mut verifier(), &text), Outcome::UnknownKey { kid });
    // And with no trust list installed at all.
    assert!(matches!(
        outcome(&mut Verifier::new(None), &text),
        Outcome::UnknownKey { .. }
    ));
}

#[test]
fn a_forged_signature_is_refused() {
    // Signed by another key but claiming the demo issuer's kid.
    let forger = SigningKey::from_slice(&[9u8; 32]).unwrap();
    let payload = {
        let genuine = sign_card(&printed(), &keys::demo::issuer());
        parse_sign1(&genuine).unwrap().payload().to_vec()
    };
    let mut forged_token = printed();
    forged_token.card.name = "李四".into();
    let forged = sign_card(&forged_token, &forger);
    let mut sign1 = parse_sign1(&forged).unwrap().cose;
    sign1.protected = coset::ProtectedHeader {
        original_data: None,
        header: coset::HeaderBuilder::new()
            .algorithm(coset::iana::Algorithm::ES256)
            .key_id(keys::kid(keys::demo::issuer().verifying_key()).to_vec())
            .build(),
    };
    let bytes = coset::TaggedCborSerializable::to_tagged_vec(sign1).unwrap();
    assert_ne!(payload, parse_sign1(&bytes).unwrap().payload());
    let text = format!("EHC1:{}", wrap(&bytes));
    assert_eq!(outcome(&mut verifier(), &text), Outcome::SignatureInvalid);
}

#[test]
fn revocation_and_reprinting() {
    let issuer = keys::demo::issuer();
    let old = issue_card(&printed(), &issuer);
    let mut list = trust_list(4);
    list.revocations.push(Revocation {
        card_id: printed().card.card_id,
        revoked_before: NOW - 100,
    });
    let mut v = verifier();
    v.update_trust(list).unwrap();
    assert_eq!(outcome(&mut v, &old), Outcome::Revoked);
    // The reprinted card (issued after the revocation) is valid.
    let reprint = issue_card(&token(NOW - 50, NOW + YEAR), &issuer);
    assert_eq!(outcome(&mut v, &reprint), Outcome::Valid);
}

#[test]
fn a_phone_bound_card_needs_the_live_code() {
    let issuer = keys::demo::issuer();
    let card = phone_card();
    let screenshot = issue_card(&card, &issuer);
    assert_eq!(
        outcome(&mut verifier(), &screenshot),
        Outcome::NeedsLiveCode
    );

    let cose = sign_card(&card, &issuer);
    let mut v = verifier();
    let live = present(&cose, &holder(), NOW - 30);
    assert_eq!(outcome(&mut v, &live), Outcome::Valid);
    assert_eq!(outcome(&mut v, &live), Outcome::ReplayedPresentation);
    // A fresh code a little later is fine.
    assert_eq!(
        outcome(&mut v, &present(&cose, &holder(), NOW - 5)),
        Outcome::Valid
    );
    // Outside the window, either side.
    let old = present(&cose, &holder(), NOW - 121);
    assert_eq!(
        outcome(&mut v, &old),
        Outcome::StalePresentation {
            ts: NOW - 121,
            now: NOW
        }
    );
    let ahead = present(&cose, &holder(), NOW + 61);
    assert!(matches!(
        outcome(&mut v, &ahead),
        Outcome::StalePresentation { .. }
    ));
    // A presentation signed by someone else's phone.
    let thief = SigningKey::from_slice(&[8u8; 32]).unwrap();
    assert_eq!(
        outcome(&mut v, &present(&cose, &thief, NOW)),
        Outcome::SignatureInvalid
    );
}

#[test]
fn a_phone_far_from_the_pc_clock_warns() {
    let cose = sign_card(&phone_card(), &keys::demo::issuer());
    let mut v = verifier();
    v.window = Window {
        past: 3600,
        future: 3600,
    };
    let scan = v.check(&present(&cose, &holder(), NOW - 1800), NOW);
    assert_eq!(scan.outcome, Some(Outcome::Valid));
    assert!(scan.warnings.iter().any(|w| w.contains("clock")));
}

#[test]
fn malformed_at_every_layer() {
    let mut v = verifier();
    let layer = |o: Outcome| match o {
        Outcome::Malformed { layer, .. } => Some(layer),
        _ => None,
    };
    assert_eq!(layer(outcome(&mut v, "EHC2:6BFOXN")), Some(Layer::Prefix));
    assert_eq!(
        layer(outcome(&mut v, "EHC1:{{{not base45")),
        Some(Layer::Base45)
    );
    // A zlib header followed by garbage.
    assert_eq!(
        layer(outcome(
            &mut v,
            &format!("EHC1:{}", base45::encode([0x78, 0x9c, 1, 2, 3, 4]))
        )),
        Some(Layer::Zlib)
    );
    assert_eq!(
        layer(outcome(
            &mut v,
            &format!("EHC1:{}", base45::encode(b"hello"))
        )),
        Some(Layer::Cose)
    );
    // Properly signed, but the payload is not CBOR / not complete claims.
    let issuer = keys::demo::issuer();
    let kid = keys::kid(issuer.verifying_key());
    let not_cbor = seal_raw(vec![0xff, 0xff], &issuer, &kid);
    assert_eq!(layer(outcome(&mut v, &not_cbor)), Some(Layer::Cbor));
    let mut nameless = printed();
    nameless.card.name = " ".into();
    assert_eq!(
        layer(outcome(&mut v, &issue_card(&nameless, &issuer))),
        Some(Layer::Claims)
    );
    assert_eq!(layer(outcome(&mut v, "EHP1:%%%%")), Some(Layer::Base45));
    assert_eq!(
        layer(outcome(&mut v, &format!("EHP1:{}", base45::encode([0x01])))),
        Some(Layer::Cbor)
    );
}

/// A COSE_Sign1 over arbitrary payload bytes, as `EHC1:` text.
fn seal_raw(payload: Vec<u8>, key: &SigningKey, kid: &[u8]) -> String {
    use p256::ecdsa::signature::Signer;
    let protected = coset::HeaderBuilder::new()
        .algorithm(coset::iana::Algorithm::ES256)
        .key_id(kid.to_vec())
        .build();
    let sign1 = coset::CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |d| {
            let s: p256::ecdsa::Signature = key.sign(d);
            s.to_bytes().to_vec()
        })
        .build();
    format!(
        "EHC1:{}",
        wrap(&coset::TaggedCborSerializable::to_tagged_vec(sign1).unwrap())
    )
}

#[test]
fn no_single_character_change_yields_a_valid_card() {
    let text = issue_card(&printed(), &keys::demo::issuer());
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut v = verifier();
    let mut outcomes = std::collections::BTreeSet::new();
    for i in 5..text.len() {
        let mut bytes = text.clone().into_bytes();
        let original = bytes[i];
        bytes[i] = alphabet
            [(alphabet.iter().position(|&c| c == original).unwrap_or(0) + 7) % alphabet.len()];
        let tampered = String::from_utf8(bytes).unwrap();
        let o = outcome(&mut v, &tampered);
        assert_ne!(o, Outcome::Valid, "a change at {i} still verifies");
        outcomes.insert(o.word());
    }
    // Tampering shows up at several layers, not only as one kind of failure.
    assert!(
        outcomes.contains("signature invalid") && outcomes.contains("malformed"),
        "{outcomes:?}"
    );
}

#[test]
fn uncompressed_untagged_and_lowercase_variants_are_read() {
    let issuer = keys::demo::issuer();
    let cose = sign_card(&printed(), &issuer);
    let mut v = verifier();
    // Not compressed.
    assert_eq!(
        outcome(&mut v, &format!("EHC1:{}", base45::encode(&cose))),
        Outcome::Valid
    );
    // Untagged COSE_Sign1 (drop the one-byte tag 18 = 0xd2).
    assert_eq!(cose[0], 0xd2);
    assert_eq!(
        outcome(&mut v, &format!("EHC1:{}", base45::encode(&cose[1..]))),
        Outcome::Valid
    );
    // A wedge scanner typing with Caps Lock on.
    let text = issue_card(&printed(), &issuer);
    let flipped: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c
            }
        })
        .collect();
    assert_eq!(outcome(&mut v, &flipped), Outcome::Valid);
    // Surrounded by a line end, as a serial scanner sends it.
    assert_eq!(outcome(&mut v, &format!("{text}\r\n")), Outcome::Valid);
}

#[test]
fn the_platform_code_needs_no_verification() {
    let code = "6836D27C966E1C1BB192F050778358E4AA0208EFBA111FC5CB90AD689124A19B:1::5100A0013";
    let scan = verifier().check(code, NOW);
    assert_eq!(scan.outcome, Some(Outcome::PlatformCardCode));
    let scan = verifier().check("wxp://f2f0xyz", NOW);
    assert_eq!(scan.outcome, None);
    assert!(matches!(scan.kind, CodeKind::NotAHealthCard { .. }));
}

#[test]
fn trust_list_rules() {
    let root = keys::demo::root();
    let bytes = trust_list(5).sign(&root);
    let list = TrustList::verify(&bytes, root.verifying_key()).unwrap();
    assert_eq!(list, trust_list(5));
    // Another root's signature is refused.
    let other = SigningKey::from_slice(&[3u8; 32]).unwrap();
    assert_eq!(
        TrustList::verify(&bytes, other.verifying_key()),
        Err(TrustError::BadSignature)
    );
    // A flipped byte anywhere is refused.
    for i in [10, bytes.len() / 2, bytes.len() - 3] {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01;
        assert!(
            TrustList::verify(&bad, root.verifying_key()).is_err(),
            "byte {i}"
        );
    }
    // Versions only go up.
    let mut v = verifier();
    assert_eq!(
        v.update_trust(trust_list(2)),
        Err(TrustError::Older {
            offered: 2,
            installed: 3
        })
    );
    assert_eq!(
        v.update_trust(trust_list(3)),
        Err(TrustError::Older {
            offered: 3,
            installed: 3
        })
    );
    assert!(v.update_trust(trust_list(4)).is_ok());
    // A list past its update date still works, with a warning.
    let mut stale = trust_list(9);
    stale.next_update = NOW - 1;
    v.update_trust(stale).unwrap();
    let scan = v.check(&issue_card(&printed(), &keys::demo::issuer()), NOW);
    assert_eq!(scan.outcome, Some(Outcome::Valid));
    assert!(scan.warnings.iter().any(|w| w.contains("update")));
}

/// Only the protected header counts: a key id or algorithm placed in the unprotected header,
/// which the signature does not cover, is not used.
#[test]
fn a_key_id_or_algorithm_only_in_the_unprotected_header_is_not_trusted() {
    let issuer = keys::demo::issuer();
    let genuine = sign_card(&printed(), &issuer);
    let sign1 = parse_sign1(&genuine).unwrap().cose;
    let payload = sign1.payload.clone().unwrap();
    let kid = keys::kid(issuer.verifying_key()).to_vec();
    let make = |protected: coset::Header, unprotected: coset::Header| {
        let cose = coset::CoseSign1Builder::new()
            .protected(protected)
            .unprotected(unprotected)
            .payload(payload.clone())
            .create_signature(b"", |data| {
                use p256::ecdsa::signature::Signer;
                let sig: p256::ecdsa::Signature = issuer.sign(data);
                sig.to_bytes().to_vec()
            })
            .build();
        let bytes = coset::TaggedCborSerializable::to_tagged_vec(cose).unwrap();
        format!("EHC1:{}", wrap(&bytes))
    };
    let es256 = || coset::HeaderBuilder::new().algorithm(coset::iana::Algorithm::ES256);
    let kid_unprotected = make(
        es256().build(),
        coset::HeaderBuilder::new().key_id(kid.clone()).build(),
    );
    assert!(matches!(
        outcome(&mut verifier(), &kid_unprotected),
        Outcome::UnknownKey { .. }
    ));
    let alg_unprotected = make(
        coset::HeaderBuilder::new().key_id(kid.clone()).build(),
        es256().build(),
    );
    assert_eq!(
        outcome(&mut verifier(), &alg_unprotected),
        Outcome::SignatureInvalid
    );
    // Both protected, as the spec writes them: valid.
    let proper = make(
        es256().key_id(kid).build(),
        coset::HeaderBuilder::new().build(),
    );
    assert_eq!(outcome(&mut verifier(), &proper), Outcome::Valid);
}

/// A key signs for the issuer the trust list names: a genuine signature on a card that claims
/// another issuer is refused.
#[test]
fn a_card_claiming_another_issuer_than_its_key_s_is_refused() {
    let mut token = printed();
    token.iss = "CN-440000".into();
    let text = issue_card(&token, &keys::demo::issuer());
    assert_eq!(outcome(&mut verifier(), &text), Outcome::SignatureInvalid);
}

//! Encryption at rest, checked on the bytes of the real file: a thief holding it finds no
//! names, identifiers, diagnoses or notes; a wrong secret changes nothing; an altered page is
//! an error, never different data; a torn write of the header page loses nothing committed.

use std::path::Path;

use sha2::{Digest, Sha256};
use storage::model::*;
use storage::*;

const T0: i64 = 1_772_416_800_000;
const NAME: &str = "欧阳晓燕";
const ID_NUMBER: &str = "420921198503150023";
const NOTES: &str = "家族史：母亲患糖尿病，父亲脑卒中";
const DIAGNOSIS: &str = "2型糖尿病伴周围神经病变";

/// Layout of the encrypted file (see storage/src/encrypted_file.rs).
const HEADER: usize = 4096;
const SLOT: usize = 8 + 24 + 4096 + 16;

fn options(secret: &str) -> OpenOptions {
    OpenOptions::new(secret)
        .fast_kdf_for_tests()
        .with_clock(Clock::fixed(T0))
}

fn doctor() -> Actor {
    Actor {
        staff: "doc".into(),
        facility: "H42092100101".into(),
        role: Role::Doctor,
    }
}

/// A store holding one resident with a card, a diagnosis and notes; returns the resident.
fn fill(path: &Path) -> Id {
    let store = Store::open(path, options("花园镇卫生院")).unwrap();
    let who = store
        .register(
            &doctor(),
            NewResident {
                name: NAME.into(),
                id_number: Some(ID_NUMBER.into()),
                ..Default::default()
            },
        )
        .unwrap();
    let record = ClinicalRecord {
        resident: who,
        at: T0,
        facility: "H42092100101".into(),
        clinician: "李医生".into(),
        body: RecordBody::Encounter(Encounter {
            visit_type: VisitType::General,
            chief_complaint: "双脚麻木".into(),
            vitals: Vitals::default(),
            diagnoses: vec![Diagnosis {
                code: "E11.401".into(),
                name: DIAGNOSIS.into(),
            }],
            notes: NOTES.into(),
            follow_up: None,
            discharged: None,
        }),
    };
    store.commit_one(&doctor(), Body::Record(record)).unwrap();
    who
}

/// What the store shows through its API: the resident, the history and the audit state.
fn observe(path: &Path, who: Id) -> Result<String> {
    let store = Store::open(path, options("花园镇卫生院"))?;
    let resident = store.resident(who)?;
    let history = store.history_unaudited(who)?;
    let found = store.search("oyxy", None)?.len();
    let chain = store.verify_audit_chain(store.device())?;
    let id_number = Identifier::IdNumber(IdNumber::parse(ID_NUMBER)?);
    let by_id = store
        .find_by_identifier(&id_number)?
        .map(|id| id.to_string());
    Ok(format!(
        "{resident:?} {history:?} {found} {chain:?} by id number: {by_id:?}"
    ))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_thief_with_the_file_finds_no_names_identifiers_diagnoses_or_notes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let who = fill(&path);
    // Through the store, with the secret, everything is there.
    let seen = observe(&path, who).unwrap();
    for text in [
        NAME,
        DIAGNOSIS,
        NOTES,
        &format!("by id number: Some(\"{who}\")"),
    ] {
        assert!(
            seen.contains(text),
            "{text} missing from the store's own view"
        );
    }
    let raw = std::fs::read(&path).unwrap();
    assert!(raw.starts_with(b"CLINENC1"));
    let id_hash = Sha256::digest(ID_NUMBER.as_bytes());
    let needles: Vec<(&str, Vec<u8>)> = vec![
        ("name", NAME.as_bytes().to_vec()),
        ("surname", "欧阳".as_bytes().to_vec()),
        ("pinyin", b"ouyangxiaoyan".to_vec()),
        ("ID number", ID_NUMBER.as_bytes().to_vec()),
        ("birth date in the ID number", b"19850315".to_vec()),
        ("unkeyed hash of the ID number", id_hash.to_vec()),
        ("diagnosis", DIAGNOSIS.as_bytes().to_vec()),
        ("diagnosis code", b"E11.401".to_vec()),
        ("notes", NOTES.as_bytes().to_vec()),
        ("clinician", "李医生".as_bytes().to_vec()),
        ("facility code", b"H42092100101".to_vec()),
        ("table name", b"identifiers".to_vec()),
        ("redb magic", b"redb".to_vec()),
    ];
    for (what, needle) in needles {
        assert!(!contains(&raw, &needle), "the file shows the {what}");
    }
}

#[test]
fn a_wrong_secret_is_refused_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    fill(&path);
    let before = std::fs::read(&path).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    for wrong in ["花园镇卫生院 ", "huayuan", "x"] {
        let err = Store::open(&path, options(wrong))
            .err()
            .expect("a wrong secret opened");
        assert!(matches!(err, Error::WrongSecret), "{err:?}");
        assert!(err.to_string().contains("secret is wrong"), "{err}");
    }
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
    // An empty secret is no secret: refused for a new file.
    let err = Store::open(dir.path().join("new.redb"), options(""))
        .err()
        .unwrap();
    assert!(err.to_string().contains("may not be empty"), "{err}");
}

/// Every page of the file altered in turn, one bit of its ciphertext flipped: verifying the
/// file as every restore does (`backup::verify_backup`: every page authenticated, those no
/// longer in use too, every row of every table, every change, every audit chain), then
/// opening and reading it, refuses each one, naming the page. Page 0 is the exception by design:
/// it is kept in two copies so that one torn by a power cut is survived, and an altered copy
/// is survived the same way, with nothing lost.
#[test]
fn each_altered_page_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let who = fill(&path);
    let truth = observe(&path, who).unwrap();
    let raw = std::fs::read(&path).unwrap();
    let slots = (raw.len() - HEADER) / SLOT;
    assert!(slots > 4, "a store this small? {slots} slots");
    let mut refused = 0;
    for slot in 0..slots {
        let mut altered = raw.clone();
        let at = HEADER + slot * SLOT + 8 + 24 + 100;
        if altered[HEADER + slot * SLOT..HEADER + (slot + 1) * SLOT]
            .iter()
            .all(|b| *b == 0)
        {
            continue; // never written: nothing to alter
        }
        altered[at] ^= 0x40;
        let copy = dir.path().join(format!("altered-{slot}.redb"));
        std::fs::write(&copy, &altered).unwrap();
        // The check first: opening a store may rewrite a page it does not use.
        let verdict = backup::verify_backup(&copy, &options("花园镇卫生院"))
            .and_then(|_| observe(&copy, who));
        // Slots 0 and 1 are page 0's two copies; page n ≥ 1 is in slot n + 1.
        if slot < 2 {
            let seen = verdict.unwrap_or_else(|e| panic!("a copy of page 0 altered: {e}"));
            assert_eq!(seen, truth, "copy {slot} of page 0 altered: different data");
            continue;
        }
        let page = slot - 1;
        let error = verdict
            .err()
            .unwrap_or_else(|| panic!("page {page} altered, and the store read and verified it"))
            .to_string();
        assert!(
            error.contains(&format!(
                "page {page} of the encrypted store failed authentication"
            )),
            "page {page} altered: {error}"
        );
        refused += 1;
    }
    eprintln!("{refused} altered pages, each refused by name; page 0's two copies survived");
}

/// The counters of page 0's two copies.
fn page0_counters(raw: &[u8]) -> [u64; 2] {
    [0, 1].map(|slot| {
        let at = HEADER + slot * SLOT;
        u64::from_le_bytes(raw[at..at + 8].try_into().unwrap())
    })
}

#[test]
fn a_torn_write_of_the_header_page_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let who = fill(&path);
    let truth = observe(&path, who).unwrap();
    let mut raw = std::fs::read(&path).unwrap();
    let counters = page0_counters(&raw);
    assert_ne!(counters[0], counters[1]);
    // The next write of page 0 goes to the older copy; a power cut leaves it half written.
    let older = if counters[0] < counters[1] { 0 } else { 1 };
    let at = HEADER + older * SLOT;
    raw[at..at + 8].copy_from_slice(&(counters[0].max(counters[1]) + 1).to_le_bytes());
    for b in &mut raw[at + 8..at + 2_000] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    std::fs::write(&path, &raw).unwrap();
    assert_eq!(observe(&path, who).unwrap(), truth);
}

#[test]
fn changing_the_secret_rewraps_the_key_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let who = fill(&path);
    let truth = observe(&path, who).unwrap();
    let err = Store::change_secret(&path, &"猜的".into(), &"新密钥".into()).unwrap_err();
    assert!(matches!(err, Error::WrongSecret));
    Store::change_secret(&path, &"花园镇卫生院".into(), &"新的机构密钥".into()).unwrap();
    assert!(matches!(
        Store::open(&path, options("花园镇卫生院")).err(),
        Some(Error::WrongSecret)
    ));
    let store = Store::open(&path, options("新的机构密钥")).unwrap();
    assert_eq!(store.resident(who).unwrap().unwrap().name, NAME);
    drop(store);
    Store::change_secret(&path, &"新的机构密钥".into(), &"花园镇卫生院".into()).unwrap();
    assert_eq!(observe(&path, who).unwrap(), truth);
}

/// A page replaced by an older copy of itself decrypts (it is authentic), so the page's own
/// seal cannot tell; the checksums redb keeps of every page in its parent, up to the header,
/// can: every page rolled back in turn is either caught by the integrity check (which every
/// restore and `clinic audit verify` run) or was one no longer in use, and changes nothing.
#[test]
fn a_page_rolled_back_to_an_older_copy_is_caught_by_the_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let who = fill(&path);
    let older = std::fs::read(&path).unwrap();
    {
        let store = Store::open(&path, options("花园镇卫生院")).unwrap();
        for i in 0..40 {
            let form = NewResident {
                name: format!("后来的居民{i}"),
                birth_date: Some(Date::new(1990, 1, 1 + i % 28).unwrap()),
                ..Default::default()
            };
            store.register(&doctor(), form).unwrap();
        }
    }
    let newer = std::fs::read(&path).unwrap();
    // What the store holds: the resident's views and every change (the source of the views).
    let everything = |path: &Path| -> Result<String> {
        let changes = Store::open(path, options("花园镇卫生院"))?.journal_after(0, usize::MAX)?;
        Ok(format!("{} {changes:?}", observe(path, who)?))
    };
    let truth = everything(&path).unwrap();
    let slot = |bytes: &[u8], n: usize| {
        bytes
            .get(HEADER + n * SLOT..HEADER + (n + 1) * SLOT)
            .map(<[u8]>::to_vec)
    };
    let (mut caught, mut harmless) = (0, 0);
    // Slots 0 and 1 are the header page's two copies; pages start at slot 2.
    for n in 2..(newer.len() - HEADER) / SLOT {
        let Some(old) = slot(&older, n).filter(|old| Some(old) != slot(&newer, n).as_ref()) else {
            continue;
        };
        if old.iter().all(|b| *b == 0) {
            continue; // never written then: not an older copy of anything
        }
        let mut rolled = newer.clone();
        rolled[HEADER + n * SLOT..HEADER + (n + 1) * SLOT].copy_from_slice(&old);
        let probe = dir.path().join("probe.redb");
        std::fs::write(&probe, &rolled).unwrap();
        let checked =
            Store::open(&probe, options("花园镇卫生院")).and_then(|mut s| s.check_integrity());
        match checked {
            Err(_) => caught += 1,
            Ok(()) => {
                assert_eq!(
                    everything(&probe).unwrap(),
                    truth,
                    "page {} rolled back unnoticed",
                    n - 1
                );
                harmless += 1;
            }
        }
    }
    eprintln!("pages rolled back: {caught} caught, {harmless} no longer in use");
    assert!(caught >= 3, "caught {caught}, harmless {harmless}");
    let mut store = Store::open(&path, options("花园镇卫生院")).unwrap();
    store.check_integrity().unwrap();
}

/// Re-keying is what protects against a leaked data key: the old key header (the old data key
/// under the old secret) no longer opens the file, whereas after a mere rewrap it still does.
#[test]
fn re_keying_replaces_the_data_key_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let who = fill(&path);
    let truth = observe(&path, who).unwrap();
    let old_header = std::fs::read(&path).unwrap()[..HEADER].to_vec();
    let transplanted = |path: &Path| {
        let mut raw = std::fs::read(path).unwrap();
        raw[..HEADER].copy_from_slice(&old_header);
        let probe = dir.path().join("probe.redb");
        std::fs::write(&probe, raw).unwrap();
        Store::open(&probe, options("花园镇卫生院")).and_then(|s| s.resident(who))
    };

    // A rewrap keeps the data key: the old header still opens the file with the old secret.
    Store::change_secret(&path, &"花园镇卫生院".into(), &"新的机构密钥".into()).unwrap();
    assert!(transplanted(&path).is_ok());

    // A wrong current secret re-keys nothing.
    let before = std::fs::read(&path).unwrap();
    let err = backup::rekey(&path, &options("猜的"), &options("再新的密钥")).unwrap_err();
    assert!(matches!(err, Error::WrongSecret), "{err:?}");
    assert!(std::fs::read(&path).unwrap() == before);

    let check = backup::rekey(&path, &options("新的机构密钥"), &options("再新的密钥")).unwrap();
    assert!(check.changes > 0);
    assert!(matches!(
        Store::open(&path, options("新的机构密钥")).err(),
        Some(Error::WrongSecret)
    ));
    let err = transplanted(&path)
        .err()
        .expect("the old data key still opens the file");
    assert!(!matches!(err, Error::WrongSecret), "{err:?}");
    let store = Store::open(&path, options("再新的密钥")).unwrap();
    assert_eq!(store.resident(who).unwrap().unwrap().name, NAME);
    assert_eq!(
        store.verify_audit_chain(store.device()).unwrap().broken,
        None
    );
    drop(store);
    assert!(!path.with_extension("rekeying").exists());
    Store::change_secret(&path, &"再新的密钥".into(), &"花园镇卫生院".into()).unwrap();
    assert_eq!(observe(&path, who).unwrap(), truth);
}

#[test]
fn an_unencrypted_or_foreign_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.redb");
    {
        let db = redb::Database::create(&plain).unwrap();
        db.begin_write().unwrap().commit().unwrap();
    }
    let before = std::fs::read(&plain).unwrap();
    let err = Store::open(&plain, options("花园镇卫生院")).err().unwrap();
    assert!(matches!(err, Error::Unencrypted), "{err:?}");
    assert!(std::fs::read(&plain).unwrap() == before);
    assert!(!is_encrypted(&plain));

    let foreign = dir.path().join("photo.png");
    std::fs::write(&foreign, b"\x89PNG\r\n\x1a\n not a store at all").unwrap();
    let err = Store::open(&foreign, options("花园镇卫生院"))
        .err()
        .unwrap();
    assert!(matches!(err, Error::NotAStore), "{err:?}");
}

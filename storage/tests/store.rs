//! The store's invariants, on a real redb file in a temporary directory.

use storage::model::*;
use storage::*;

fn test_options() -> OpenOptions {
    OpenOptions::new("测试密钥").fast_kdf_for_tests()
}

const T0: i64 = 1_735_700_000_000; // 2025-01-01 about 11:00 Beijing time

fn open_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path().join("clinic.redb"),
        test_options().with_clock(Clock::fixed(T0)),
    )
    .unwrap();
    (dir, store)
}

fn doctor() -> Actor {
    Actor {
        staff: "doc".into(),
        facility: "H42092100101".into(),
        role: Role::Doctor,
    }
}

fn form(name: &str, id_number: &str) -> NewResident {
    NewResident {
        name: name.into(),
        id_number: Some(id_number.into()),
        ..Default::default()
    }
}

fn encounter(resident: Id, at: i64, code: &str) -> ClinicalRecord {
    ClinicalRecord {
        resident,
        at,
        facility: "H42092100101".into(),
        clinician: "李医生".into(),
        body: RecordBody::Encounter(Encounter {
            visit_type: VisitType::General,
            chief_complaint: "头痛".into(),
            vitals: Vitals {
                systolic: Some(150),
                diastolic: Some(95),
                ..Default::default()
            },
            diagnoses: vec![Diagnosis {
                code: code.into(),
                name: "高血压".into(),
            }],
            notes: String::new(),
            follow_up: None,
            discharged: None,
        }),
    }
}

#[test]
fn registration_derives_birth_date_and_sex_from_the_id_number() {
    let (_d, store) = open_store();
    let id = store
        .register(&doctor(), form("王秀英", "420921196207080420"))
        .unwrap();
    let r = store.resident(id).unwrap().unwrap();
    assert_eq!(r.birth_date.to_string(), "1962-07-08");
    assert_eq!(r.sex, Sex::Female);
    assert_eq!(r.pinyin, "wang xiu ying");
    let by_id = Identifier::IdNumber(IdNumber::parse("420921196207080420").unwrap());
    assert_eq!(store.find_by_identifier(&by_id).unwrap(), Some(id));
}

/// The forms are held to the hub's own rules before anything is written: a phone number of
/// letters, a birth date in the future, a name of a thousand characters are refused here,
/// with the reason, and nothing is stored.
#[test]
fn a_registration_the_hub_would_refuse_is_refused_before_it_is_written() {
    let (_dir, store) = open_store();
    let before = store.change_count().unwrap();
    let mut phone = form("王小明", "");
    phone.birth_date = Some("1990-01-01".parse().unwrap());
    phone.phone = "138abc".into();
    let future = NewResident {
        birth_date: Some(store.clock().today().add_days(30)),
        ..form("王小明", "")
    };
    let long = NewResident {
        birth_date: Some("1990-01-01".parse().unwrap()),
        ..form(&"王".repeat(1_000), "")
    };
    for (what, bad) in [("phone", phone), ("birth date", future), ("name", long)] {
        let err = store.register(&doctor(), bad).unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{what}: {err:?}");
        assert!(err.to_string().contains(what), "{what}: {err}");
    }
    assert_eq!(store.change_count().unwrap(), before);
}

/// A first-generation 15-digit ID number registers as its 18-digit form and finds the same
/// resident either way; a sex on the form that contradicts the number is refused, not kept.
#[test]
fn old_id_numbers_convert_and_the_sex_must_agree_with_the_number() {
    let (_dir, store) = open_store();
    let who = store
        .register(&doctor(), form("欧阳晓燕", "420921850315002"))
        .unwrap();
    let r = store.resident(who).unwrap().unwrap();
    assert_eq!(r.id_number().unwrap().as_str(), "420921198503150023");
    assert_eq!(store.find_typed("420921850315002").unwrap(), Some(who));
    assert_eq!(store.find_typed("420921198503150023").unwrap(), Some(who));
    let contradicting = NewResident {
        sex: Sex::Male, // the 17th digit, 2, says female
        ..form("欧阳晓燕", "420921198503150023")
    };
    let err = store.register(&doctor(), contradicting).unwrap_err();
    assert!(err.to_string().contains("sex"), "{err}");
}

#[test]
fn two_residents_never_share_an_identifier() {
    let (_d, store) = open_store();
    let card = "6836D27C966E1C1BB192F050778358E4AA0208EFBA111FC5CB90AD689124A19B";
    let first = NewResident {
        card_id: Some(card.into()),
        ..form("张伟", "420921198503150015")
    };
    let a = store.register(&doctor(), first).unwrap();

    // The same ID number again.
    let err = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap_err();
    assert!(matches!(err, Error::IdentifierTaken { kind: "id_number", resident } if resident == a));

    // A different ID number but the same card.
    let second = NewResident {
        card_id: Some(card.to_lowercase()),
        ..form("李娜", "420921196207080420")
    };
    let err = store.register(&doctor(), second).unwrap_err();
    assert!(
        matches!(err, Error::IdentifierTaken { kind: "card", .. }),
        "{err}"
    );

    // Nothing of the refused registrations was stored.
    assert_eq!(store.resident_count().unwrap(), 1);
    assert!(store.search("李娜", None).unwrap().is_empty());

    // Several identifiers map to one resident.
    let ins = Identifier::Insurance {
        scheme: "390".into(),
        number: "X1".into(),
    };
    store
        .update_resident(
            &doctor(),
            ResidentChange {
                resident: a,
                fields: vec![],
                add_identifiers: vec![ins.clone()],
                remove_identifiers: vec![],
            },
        )
        .unwrap();
    assert_eq!(store.find_by_identifier(&ins).unwrap(), Some(a));
    let card_ident = Identifier::Card(card.parse().unwrap());
    assert_eq!(store.find_by_identifier(&card_ident).unwrap(), Some(a));
}

#[test]
fn a_wrong_check_digit_is_refused_naming_the_expected_digit() {
    let (_d, store) = open_store();
    let err = store
        .register(&doctor(), form("张伟", "420921198503150019"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "wrong check digit: the last character should be 5, not 9"
    );
    assert_eq!(store.resident_count().unwrap(), 0);
    assert_eq!(store.outbox_len().unwrap(), 0);
}

#[test]
fn an_amendment_keeps_the_original_visible() {
    let (_d, store) = open_store();
    let who = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    let original = store
        .add_record(&doctor(), encounter(who, T0 - 3_600_000, "J06.9"))
        .unwrap();
    let fixed = match encounter(who, T0, "I10").body {
        RecordBody::Encounter(e) => e,
        _ => unreachable!(),
    };
    let amendment = store
        .add_record(
            &doctor(),
            ClinicalRecord {
                body: RecordBody::Amendment(Amendment {
                    target: original,
                    reason: "wrong diagnosis code".into(),
                    replacement: Box::new(RecordBody::Encounter(fixed)),
                }),
                ..encounter(who, T0, "I10")
            },
        )
        .unwrap();
    let history = store.history_unaudited(who).unwrap();
    assert_eq!(history.len(), 2);
    let orig = history.iter().find(|h| h.id == original).unwrap();
    assert_eq!(orig.amended_by, vec![amendment]);
    match &orig.record.body {
        RecordBody::Encounter(e) => assert_eq!(e.diagnoses[0].code, "J06.9"),
        other => panic!("original changed: {other:?}"),
    }
    match orig.current(&history) {
        RecordBody::Encounter(e) => assert_eq!(e.diagnoses[0].code, "I10"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_amendment_must_target_a_record_of_the_same_resident() {
    let (_d, store) = open_store();
    let a = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    let b = store
        .register(&doctor(), form("王秀英", "420921196207080420"))
        .unwrap();
    let rec = store
        .add_record(&doctor(), encounter(a, T0, "I10"))
        .unwrap();
    let wrong = ClinicalRecord {
        body: RecordBody::Amendment(Amendment {
            target: rec,
            reason: "x".into(),
            replacement: Box::new(encounter(b, T0, "I10").body),
        }),
        ..encounter(b, T0, "I10")
    };
    assert!(matches!(
        store.add_record(&doctor(), wrong),
        Err(Error::Invalid(_))
    ));
    assert_eq!(store.history_unaudited(b).unwrap().len(), 0);
}

#[test]
fn history_is_complete_and_ordered_by_clinical_time_across_categories() {
    let (_d, store) = open_store();
    let who = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    let other = store
        .register(&doctor(), form("王秀英", "420921196207080420"))
        .unwrap();
    // Written out of order, and interleaved with another resident's records.
    let times = [
        T0 - 5 * 86_400_000,
        T0 - 400 * 86_400_000,
        T0,
        T0 - 30 * 86_400_000,
    ];
    for (i, at) in times.iter().enumerate() {
        store
            .add_record(&doctor(), encounter(who, *at, "I10"))
            .unwrap();
        store
            .add_record(&doctor(), encounter(other, *at + 1, "E11"))
            .unwrap();
        let imm = ClinicalRecord {
            body: RecordBody::Immunisation(Immunisation {
                vaccine: "HepB".into(),
                vaccine_name: "乙肝疫苗".into(),
                dose_number: i as u8 + 1,
                lot: "L1".into(),
                site: "左上臂".into(),
                route: Route::Intramuscular,
            }),
            ..encounter(who, *at - 1, "")
        };
        store.add_record(&doctor(), imm).unwrap();
    }
    let history = store.history_unaudited(who).unwrap();
    assert_eq!(history.len(), 8);
    assert!(history.windows(2).all(|w| w[0].record.at <= w[1].record.at));
    assert!(history.iter().all(|h| h.record.resident == who));
    assert_eq!(
        history
            .iter()
            .filter(|h| h.category == RecordCategory::Immunisation)
            .count(),
        4
    );
}

#[test]
fn search_by_initials_pinyin_and_characters_ranks_exact_first() {
    let (_d, store) = open_store();
    let zw = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    let zwq = NewResident {
        name: "张文强".into(),
        birth_date: Some("1990-01-01".parse().unwrap()),
        ..Default::default()
    };
    let zwq = store.register(&doctor(), zwq).unwrap();
    let hits = store.search("zw", None).unwrap();
    assert_eq!(hits[0].resident.id, zw);
    assert_eq!(hits[0].rank, MatchRank::Exact);
    assert_eq!(hits[1].resident.id, zwq);
    assert_eq!(hits[1].rank, MatchRank::Prefix);
    assert_eq!(store.search("Zhang Wei", None).unwrap()[0].resident.id, zw);
    assert_eq!(store.search("张", None).unwrap().len(), 2);
    assert_eq!(store.search("zw", Some(1990)).unwrap().len(), 1);
    assert!(store.search("zw", Some(2001)).unwrap().is_empty());
    assert!(store.search("", None).unwrap().is_empty());
}

#[test]
fn a_renamed_resident_is_found_by_the_new_name_only() {
    let (_d, store) = open_store();
    let id = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    store
        .update_resident(
            &doctor(),
            ResidentChange {
                resident: id,
                fields: vec![ResidentField::Name("张卫".into())],
                add_identifiers: vec![],
                remove_identifiers: vec![],
            },
        )
        .unwrap();
    assert!(store.search("张伟", None).unwrap().is_empty());
    assert_eq!(store.search("张卫", None).unwrap()[0].resident.id, id);
}

#[test]
fn every_write_has_its_outbox_entry_and_acknowledgement_is_exact() {
    let (_d, store) = open_store();
    let who = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    store
        .add_record(&doctor(), encounter(who, T0, "I10"))
        .unwrap();
    store
        .check_in(&doctor(), who, VisitType::General, None)
        .unwrap();
    store.view_history(&doctor(), who, "test").unwrap();
    // register = resident + audit; record; check-in; view audit.
    assert_eq!(store.change_count().unwrap(), 5);
    let pending = store.outbox_after(0, 100).unwrap();
    assert_eq!(pending.len(), 5);
    let in_outbox: Vec<Id> = pending.iter().map(|e| e.change.id).collect();
    let journal: Vec<Id> = store
        .journal_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c.id)
        .collect();
    assert_eq!(in_outbox, journal);

    // A stale version is not acknowledged; the right one is.
    let first = &pending[0];
    assert_eq!(
        store
            .acknowledge(&[(first.change.id, first.version + 1)])
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .acknowledge(&[(first.change.id, first.version)])
            .unwrap(),
        1
    );
    assert_eq!(store.outbox_len().unwrap(), 4);
    assert_eq!(store.outbox_after(0, 100).unwrap()[0].seq, pending[1].seq);
}

#[test]
fn remote_changes_apply_once_and_skip_the_outbox() {
    let (_d, a) = open_store();
    let (_d2, b) = open_store();
    let who = a
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    a.add_record(&doctor(), encounter(who, T0, "I10")).unwrap();
    let changes: Vec<Change> = a
        .journal_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let first = b.apply_remote(&changes, true).unwrap();
    assert!(first.iter().all(|o| matches!(o, Ok(Applied::New(_)))));
    let again = b.apply_remote(&changes, true).unwrap();
    assert!(again.iter().all(|o| matches!(o, Ok(Applied::Duplicate))));
    assert_eq!(b.outbox_len().unwrap(), 0);
    assert_eq!(
        b.history_unaudited(who).unwrap(),
        a.history_unaudited(who).unwrap()
    );
    assert_eq!(b.resident(who).unwrap(), a.resident(who).unwrap());
}

#[test]
fn resident_fields_merge_last_writer_wins_whatever_the_arrival_order() {
    let (_d, a) = open_store();
    let (_d2, b) = open_store();
    let who = a
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    let base: Vec<Change> = a
        .journal_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    b.apply_remote(&base, true).unwrap();
    let phone = |p: &str| ResidentChange {
        resident: who,
        fields: vec![ResidentField::Phone(p.into())],
        add_identifiers: vec![],
        remove_identifiers: vec![],
    };
    a.update_resident(&doctor(), phone("13800000001")).unwrap();
    b.clock().advance(1000);
    b.update_resident(&doctor(), phone("13800000002")).unwrap();
    let from_a: Vec<Change> = a
        .journal_after(base.len() as u64, 100)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let from_b: Vec<Change> = b
        .journal_after(base.len() as u64, 100)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    a.apply_remote(&from_b, true).unwrap();
    b.apply_remote(&from_a, true).unwrap();
    let (ra, rb) = (
        a.resident(who).unwrap().unwrap(),
        b.resident(who).unwrap().unwrap(),
    );
    assert_eq!(ra.phone, "13800000002");
    assert_eq!(ra, rb);
    // The losing value stays in the change log, on both sides, beside the winning one.
    for store in [&a, &b] {
        let phones: Vec<String> = store
            .journal_after(0, usize::MAX)
            .unwrap()
            .into_iter()
            .filter_map(|(_, c)| match c.body {
                Body::Resident(r) if r.resident == who => Some(r.fields),
                _ => None,
            })
            .flatten()
            .filter_map(|f| match f {
                ResidentField::Phone(p) => Some(p),
                _ => None,
            })
            .collect();
        assert!(
            phones.iter().any(|p| p == "13800000001") && phones.iter().any(|p| p == "13800000002"),
            "{phones:?}"
        );
    }
}

#[test]
fn queue_of_the_day_and_guardian_check_in() {
    let (_d, store) = open_store();
    let mother = store
        .register(&doctor(), form("王秀英", "420921196207080420"))
        .unwrap();
    let child = store
        .register(
            &doctor(),
            NewResident {
                name: "王子轩".into(),
                birth_date: Some("2024-05-01".parse().unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
    let stranger = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    let err = store
        .check_in(&doctor(), child, VisitType::ChildHealth, Some(mother))
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
    store
        .link(
            &doctor(),
            HouseholdLink {
                from: mother,
                to: child,
                relation: Relation::ParentOf,
                active: true,
            },
        )
        .unwrap();
    let fam = store.household(child).unwrap();
    assert_eq!(fam.len(), 1);
    assert_eq!(fam[0].0.relation, Relation::ChildOf);
    let t1 = store
        .check_in(&doctor(), child, VisitType::ChildHealth, Some(mother))
        .unwrap();
    let t2 = store
        .check_in(&doctor(), stranger, VisitType::General, None)
        .unwrap();
    assert_eq!((t1.number, t2.number), (1, 2));
    assert!(
        store
            .check_in(&doctor(), stranger, VisitType::General, None)
            .is_err()
    );
    store
        .set_queue_status(&doctor(), t1.id, QueueStatus::WithDoctor, "诊室1")
        .unwrap();
    let q = store.queue("H42092100101", Date::of_instant(T0)).unwrap();
    assert_eq!(
        q.iter().map(|t| t.status).collect::<Vec<_>>(),
        vec![QueueStatus::WithDoctor, QueueStatus::Waiting]
    );
    assert!(
        store
            .queue("H42092100101", Date::of_instant(T0).add_days(1))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn claims_by_status_follow_status_changes() {
    let (_d, store) = open_store();
    let who = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    let claim = Claim {
        id: store.new_id(),
        resident: who,
        encounter: None,
        facility: "H42092100101".into(),
        scheme: "390".into(),
        policy_version: 1,
        lines: vec![],
        total_fen: 1000,
        insurance_fen: 600,
        patient_fen: 400,
        provisional: true,
        history: vec![ClaimStatusChange {
            status: ClaimStatus::Queued,
            at: T0,
            insurance_fen: 600,
            patient_fen: 400,
            reasons: vec![],
            lines: vec![],
        }],
    };
    store
        .commit_one(&doctor(), Body::Claim(claim.clone()))
        .unwrap();
    assert_eq!(
        store.claims_by_status(ClaimStatus::Queued).unwrap().len(),
        1
    );
    let adjust = ClaimStatusChange {
        status: ClaimStatus::Adjusted,
        at: T0 + 1,
        insurance_fen: 500,
        patient_fen: 500,
        reasons: vec![AdjudicationReason::Recomputed],
        lines: vec![],
    };
    let status = Body::ClaimStatus {
        claim: claim.id,
        change: adjust,
    };
    // Only the hub's settlement service adjudicates.
    assert!(matches!(
        store.commit_one(&doctor(), status.clone()),
        Err(Error::Forbidden(_))
    ));
    let hub = Actor {
        role: Role::Settlement,
        ..doctor()
    };
    store.commit_one(&hub, status).unwrap();
    assert!(
        store
            .claims_by_status(ClaimStatus::Queued)
            .unwrap()
            .is_empty()
    );
    let adjusted = store.claims_by_status(ClaimStatus::Adjusted).unwrap();
    assert_eq!(adjusted[0].insurance_fen, 500);
    assert_eq!(adjusted[0].history.len(), 2);
}

#[test]
fn staff_login_uses_argon2_and_hides_which_part_was_wrong() {
    let (_d, store) = open_store();
    let s = store
        .put_staff("lin", "林医生", Role::Doctor, "H1", "secret-1")
        .unwrap();
    assert!(s.password_hash.starts_with("$argon2id$"));
    assert_eq!(store.login("lin", "secret-1").unwrap().role, Role::Doctor);
    assert!(matches!(
        store.login("lin", "wrong!!"),
        Err(Error::AuthFailed)
    ));
    assert!(matches!(
        store.login("nobody", "secret-1"),
        Err(Error::AuthFailed)
    ));
    assert!(store.put_staff("x", "x", Role::Admin, "H1", "123").is_err());
}

#[test]
fn views_are_audited() {
    let (_d, store) = open_store();
    let who = store
        .register(&doctor(), form("张伟", "420921198503150015"))
        .unwrap();
    store.view_history(&doctor(), who, "card scan").unwrap();
    let audit = store.audit_for_resident(who).unwrap();
    let actions: Vec<AuditAction> = audit.iter().map(|(_, a)| a.action).collect();
    assert_eq!(
        actions,
        vec![AuditAction::Register, AuditAction::ViewHistory]
    );
    assert_eq!(audit[1].0.origin.staff, "doc");
    assert_eq!(audit[1].1.reason, "card scan");
}

#[test]
fn the_store_reopens_with_its_device_id_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.redb");
    let (device, who) = {
        let store = Store::open(&path, test_options()).unwrap();
        let who = store
            .register(&doctor(), form("张伟", "420921198503150015"))
            .unwrap();
        (store.device().to_string(), who)
    };
    let store = Store::open(&path, test_options()).unwrap();
    assert_eq!(store.device(), device);
    assert_eq!(store.resident(who).unwrap().unwrap().name, "张伟");
}

#[test]
fn roles_are_enforced_by_the_store_not_the_screens() {
    let (_d, store) = open_store();
    let desk = Actor {
        staff: "desk".into(),
        facility: "H42092100101".into(),
        role: Role::FrontDesk,
    };
    let admin = Actor {
        staff: "root".into(),
        facility: "H42092100101".into(),
        role: Role::Admin,
    };
    let who = store
        .register(&desk, form("张伟", "420921198503150015"))
        .unwrap();
    // Only doctors write clinical records.
    assert!(matches!(
        store.add_record(&desk, encounter(who, T0, "I10")),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        store.add_record(&admin, encounter(who, T0, "I10")),
        Err(Error::Forbidden(_))
    ));
    store
        .add_record(&doctor(), encounter(who, T0, "I10"))
        .unwrap();
    // Only doctors read histories; others need break-glass with a reason, audited.
    assert!(matches!(
        store.view_history(&desk, who, "curious"),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        store.view_history(&admin, who, "curious"),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        store.break_glass(&admin, who, " "),
        Err(Error::Invalid(_))
    ));
    let seen = store
        .break_glass(&admin, who, "resident unconscious, county hospital asked")
        .unwrap();
    assert_eq!(seen.len(), 1);
    let audit = store.audit_for_resident(who).unwrap();
    let last = &audit.last().unwrap().1;
    assert_eq!(last.action, AuditAction::BreakGlass);
    assert_eq!(last.reason, "resident unconscious, county hospital asked");
    // Administrators cannot register residents; front desk cannot change facilities.
    assert!(matches!(
        store.register(&admin, form("王秀英", "420921196207080420")),
        Err(Error::Forbidden(_))
    ));
}

#[test]
fn a_card_use_is_reported_through_the_outbox_and_never_sent_down() {
    let (_d, store) = open_store();
    let desk = Actor {
        staff: "desk".into(),
        facility: "H42092100101".into(),
        role: Role::FrontDesk,
    };
    let who = store
        .register(&desk, form("张伟", "420921198503150015"))
        .unwrap();
    let before = store.outbox_len().unwrap();
    let card_use = CardUse {
        resident: who,
        card: "5A".repeat(32),
        code: CardCode::Signed,
        stage: CareStage::Registration,
        reader: "serial".into(),
    };
    let id = store.record_card_use(&desk, card_use.clone()).unwrap();
    assert_eq!(store.outbox_len().unwrap(), before + 1);

    // Read back by time: this window has it, the minute after has not.
    let uses = store.card_uses(T0 - 60_000, T0 + 60_000).unwrap();
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].0.id, id);
    assert_eq!(uses[0].0.origin.staff, "desk");
    assert_eq!(uses[0].1, card_use);
    assert!(
        store
            .card_uses(T0 + 60_000, T0 + 120_000)
            .unwrap()
            .is_empty()
    );

    // An administrator does not see patients; an unknown resident is refused.
    let admin = Actor {
        role: Role::Admin,
        ..desk.clone()
    };
    assert!(matches!(
        store.record_card_use(&admin, card_use.clone()),
        Err(Error::Forbidden(_))
    ));
    let nobody = CardUse {
        resident: store.new_id(),
        ..card_use
    };
    assert!(store.record_card_use(&desk, nobody).is_err());

    // Reports travel up only: a hub never sends one to a workstation.
    let change = uses[0].0.clone();
    assert!(
        !store
            .hub_may_send(&change, "H42092100102", None, Date::of_instant(T0))
            .unwrap()
    );
}

/// Every login is audited, failed ones too, and a guesser is slowed: after five failures each
/// attempt waits (30 s, then twice as long), even across a restart of the program.
#[test]
fn failed_logins_are_audited_and_throttled_across_restarts() {
    let (dir, store) = open_store();
    store
        .put_staff(
            "lin",
            "林医生",
            Role::Doctor,
            "H42092100101",
            "correct horse",
        )
        .unwrap();
    let facility = "H42092100101";
    for _ in 0..FREE_ATTEMPTS {
        store.clock().advance(1_000);
        assert!(matches!(
            store.log_in("lin", "guess", facility),
            Err(Error::AuthFailed)
        ));
    }
    // The sixth attempt is refused unchecked, the right password included.
    let refused = store.log_in("lin", "correct horse", facility);
    let Err(Error::TooManyAttempts { wait_s }) = refused else {
        panic!("not throttled: {refused:?}");
    };
    assert!((29..=31).contains(&wait_s), "{wait_s}");
    // A restart does not reset it: the failures are in the audit log.
    let path = store.path().to_path_buf();
    drop(store);
    let store = Store::open(&path, test_options().with_clock(Clock::fixed(T0 + 6_000))).unwrap();
    assert!(matches!(
        store.log_in("lin", "correct horse", facility),
        Err(Error::TooManyAttempts { .. })
    ));
    store.clock().advance(31_000);
    // One more failure doubles the wait.
    assert!(matches!(
        store.log_in("lin", "guess", facility),
        Err(Error::AuthFailed)
    ));
    store.clock().advance(31_000);
    assert!(matches!(
        store.log_in("lin", "correct horse", facility),
        Err(Error::TooManyAttempts { .. })
    ));
    store.clock().advance(30_000);
    assert_eq!(
        store
            .log_in("lin", "correct horse", facility)
            .unwrap()
            .username,
        "lin"
    );
    let actions: Vec<AuditAction> = store
        .search_audit(0, i64::MAX, Some("lin"), None, 100)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            vec![AuditAction::LoginFailed; FREE_ATTEMPTS + 1],
            vec![AuditAction::Login]
        ]
        .concat()
    );
    // After a success the count starts again.
    assert!(matches!(
        store.log_in("lin", "guess", facility),
        Err(Error::AuthFailed)
    ));
    assert!(matches!(
        store.log_in("lin", "guess", facility),
        Err(Error::AuthFailed)
    ));
    drop(dir);
}

fn front_desk() -> Actor {
    Actor {
        staff: "desk".into(),
        facility: "H42092100101".into(),
        role: Role::FrontDesk,
    }
}

#[test]
fn issuing_a_card_stores_its_id_and_audits_the_issue_in_one_transaction() {
    let (_dir, store) = open_store();
    let id = store
        .register(&front_desk(), form("王秀英", "420921195603120020"))
        .unwrap();
    let before = store.outbox_after(0, 100).unwrap().len();
    let (r, card) = store.issue_card(&front_desk(), id).unwrap();
    assert_eq!(r.card_id(), None, "read before the card was given");
    assert_eq!(store.resident(id).unwrap().unwrap().card_id(), Some(card));
    let written = store.outbox_after(0, 100).unwrap();
    assert_eq!(written.len(), before + 2, "the card id and its audit");
    // One transaction: both changes carry the same commit's consecutive outbox entries, and
    // the audit names the resident.
    let kinds: Vec<&str> = written[before..]
        .iter()
        .map(|e| e.change.body.kind())
        .collect();
    assert_eq!(kinds, ["resident", "audit"]);
    let issued: Vec<AuditEntry> = store
        .audit_for_resident(id)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| e.action == AuditAction::Print)
        .collect();
    assert_eq!(issued.len(), 1);
    // A second card keeps the id, and is audited again.
    let (_, again) = store.issue_card(&front_desk(), id).unwrap();
    assert_eq!(again, card);
    let prints = store.audit_for_resident(id).unwrap();
    assert_eq!(
        prints
            .iter()
            .filter(|(_, e)| e.action == AuditAction::Print)
            .count(),
        2
    );
    assert!(matches!(
        store.issue_card(&front_desk(), Id(42)),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn a_backup_is_audited_and_holds_its_own_audit_entry() {
    let (dir, store) = open_store();
    let admin = Actor {
        staff: "admin".into(),
        facility: "H42092100101".into(),
        role: Role::Admin,
    };
    let report = store
        .backup_to(&admin, &dir.path().join("backups"))
        .unwrap();
    assert!(report.audited);
    let audited = |s: &Store| {
        s.search_audit(i64::MIN, i64::MAX, Some("admin"), None, 10)
            .unwrap()
            .into_iter()
            .filter(|(_, e)| e.action == AuditAction::Backup)
            .count()
    };
    assert_eq!(audited(&store), 1);
    drop(store);
    let copy = Store::open(&report.file, test_options()).unwrap();
    assert_eq!(
        audited(&copy),
        1,
        "the backup holds the entry saying it was taken"
    );
    drop(copy);
    // From the command line, on a store nobody has open: audited too.
    let second = storage::backup::backup_file(
        &dir.path().join("clinic.redb"),
        &test_options().with_clock(Clock::fixed(T0 + 1000)),
        &admin,
        &dir.path().join("backups"),
    )
    .unwrap();
    assert!(second.audited);
    let store = Store::open(dir.path().join("clinic.redb"), test_options()).unwrap();
    assert_eq!(audited(&store), 2);
}

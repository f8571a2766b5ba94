//! A rogue workstation against a real `clinic-hub serve` process: enrolled for real (a real
//! one-time code, a real device token, TLS with the pinned certificate), it pushes every
//! attack a stolen or hostile clinic PC could try. Each is refused with a reason, nothing of
//! it reaches the hub's change log or an honest workstation, the hub keeps serving, and each
//! refusal is in the hub's audit (`clinic-hub rejections`). The honest version of the same
//! acts is accepted, so the rules refuse what they should and no more.

use std::path::Path;
use std::time::Duration;

use storage::model::*;
use storage::{Date, Hlc, Id, Store};
use sync::client::HubClient;
use sync::protocol::{EntryResult, PushEntry};
use tests::process::{Hub, clinic_ok, enrol, hub_cmd, hub_ok};

/// The rogue's own clinic, and the honest workstation's, in the same township.
const ROGUE: &str = "H42092100201";
const HONEST: &str = "H42092100202";
const CENTRE: &str = fixtures::catalogue::TOWNSHIP_CENTRE;
/// A facility of another township.
const ELSEWHERE: &str = fixtures::catalogue::OTHER_TOWNSHIP_CENTRE;

fn open(path: &Path) -> Store {
    Store::open(path, tests::test_options()).unwrap()
}

/// What the rogue knows from pulling (any enrolled device learns this much).
struct Known {
    /// A resident whose home is the rogue's clinic, with a card id.
    own: Resident,
    /// A resident of the honest clinic.
    neighbour: Resident,
    /// A record the honest clinic (or another one) made of `neighbour`.
    others_record: Id,
    /// A claim made elsewhere (any id will do when the demo has none).
    others_claim: Id,
}

fn known(hub: &Store) -> Known {
    let residents: Vec<Resident> = tests::journal_ids(hub)
        .into_iter()
        .filter_map(|id| match hub.change(id).unwrap()?.body {
            Body::Resident(r) => hub.resident(r.resident).unwrap(),
            _ => None,
        })
        .collect();
    let own = residents
        .iter()
        .find(|r| r.home_facility == ROGUE && r.card_id().is_some())
        .expect("a resident of the rogue's village with a card")
        .clone();
    let neighbour = residents
        .iter()
        .find(|r| {
            r.home_facility == HONEST
                && r.card_id().is_some()
                && !hub.history_unaudited(r.id).unwrap().is_empty()
        })
        .expect("a resident of the honest village with a card and records")
        .clone();
    let others_record = hub
        .history_unaudited(neighbour.id)
        .unwrap()
        .into_iter()
        .find(|h| h.record.facility != ROGUE)
        .expect("a record made elsewhere")
        .id;
    let others_claim = residents
        .iter()
        .flat_map(|r| hub.claims_of_resident(r.id).unwrap())
        .find(|c| c.facility != ROGUE)
        .map_or(Id(1), |c| c.id);
    Known {
        own,
        neighbour,
        others_record,
        others_claim,
    }
}

/// The rogue: a store of its own (for its device id and fresh change ids) and a client with
/// its real device token.
struct Rogue {
    store: Store,
    client: HubClient,
}

impl Rogue {
    fn enrol(dir: &Path, hub: &Hub) -> Rogue {
        let store = open(&dir.join("clinic.redb"));
        let fingerprint = hub.fingerprint();
        let code = hub.enrol_code(ROGUE, false);
        let enrolling =
            HubClient::new(&hub.url, "", &fingerprint, Duration::from_secs(20)).unwrap();
        let token = enrolling.enrol(&code, store.device()).unwrap().token;
        let client =
            HubClient::new(&hub.url, &token, &fingerprint, Duration::from_secs(60)).unwrap();
        Rogue { store, client }
    }

    /// A change as this device makes it (its facility, its id, now), to be tampered with.
    fn change(&self, body: Body) -> Change {
        let now = self.store.clock().now_ms();
        Change {
            id: self.store.new_id(),
            hlc: Hlc((now as u64) << 16),
            origin: Origin {
                facility: ROGUE.into(),
                device: self.store.device().into(),
                staff: "rogue".into(),
            },
            body,
        }
    }

    fn push(&self, changes: &[Change]) -> Vec<EntryResult> {
        let entries = changes
            .iter()
            .map(|c| PushEntry {
                id: c.id,
                version: 1,
                change: c.encode().unwrap(),
            })
            .collect();
        self.client
            .push(entries)
            .expect("the hub answers")
            .results
            .into_iter()
            .map(|(_, _, r)| r)
            .collect()
    }
}

fn record(resident: Id, at: i64, facility: &str, body: RecordBody) -> Body {
    Body::Record(ClinicalRecord {
        resident,
        at,
        facility: facility.into(),
        clinician: "rogue".into(),
        body,
    })
}

fn allergy(resident: Id, at: i64, facility: &str) -> Body {
    record(
        resident,
        at,
        facility,
        RecordBody::Allergy(Allergy {
            substance: "青霉素".into(),
            reaction: "皮疹".into(),
        }),
    )
}

fn consent(store: &Store, resident: Id) -> Consent {
    Consent {
        id: store.new_id(),
        resident,
        grantee: Grantee::Facility(ROGUE.into()),
        categories: RecordCategory::ALL.to_vec(),
        valid_from: store.clock().today(),
        valid_until: None,
        recorded_by: "rogue".into(),
        withdrawn: false,
    }
}

/// A claim of `facility` for `resident` with one line, its arithmetic consistent.
fn claim(store: &Store, resident: Id, facility: &str, quantity: u32, price: i64) -> Claim {
    let amount = price.saturating_mul(quantity as i64);
    Claim {
        id: store.new_id(),
        resident,
        encounter: None,
        facility: facility.into(),
        scheme: "390".into(),
        policy_version: 2,
        lines: vec![ClaimLine {
            item_code: storage::CONSULTATION_FEE.into(),
            name: "一般诊疗费".into(),
            class: InsuranceClass::A,
            chronic: false,
            quantity,
            unit_price_fen: price,
            amount_fen: amount,
            self_pay_fen: 0,
            eligible_fen: amount,
            deductible_fen: 0,
            ratio_bp: 8_000,
            before_cap_fen: 0,
            insurance_fen: 0,
        }],
        total_fen: amount,
        insurance_fen: 0,
        patient_fen: amount,
        provisional: false,
        history: vec![ClaimStatusChange {
            status: ClaimStatus::Queued,
            at: store.clock().now_ms(),
            insurance_fen: 0,
            patient_fen: amount,
            reasons: vec![],
            lines: vec![],
        }],
    }
}

#[test]
fn a_rogue_workstation_cannot_reach_beyond_its_own_clinic() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, honest_dir) = (dir.path().join("hub"), dir.path().join("honest"));
    hub_ok(&hub_dir, &["demo", "--residents", "120"]);
    let k = known(&open(&hub_dir.join("hub.redb")));
    let hub = Hub::start(&hub_dir, "127.0.0.1:0");
    enrol(&honest_dir, &hub, HONEST);
    clinic_ok(&honest_dir, &["sync"]);
    let rogue = Rogue::enrol(&dir.path().join("rogue"), &hub);
    let s = &rogue.store;
    let now = s.clock().now_ms();
    let (own, neighbour) = (k.own.id, k.neighbour.id);

    let facility_move = Facility {
        code: ROGUE.into(),
        name: "新河村卫生室".into(),
        level: FacilityLevel::County,
        county: fixtures::catalogue::COUNTY.into(),
        township: "420921101000".into(),
    };
    let mut as_other_facility = rogue.change(allergy(own, now, HONEST));
    as_other_facility.origin.facility = HONEST.into();
    let mut as_other_device = rogue.change(allergy(own, now, ROGUE));
    as_other_device.origin.device = "some-other-workstation".into();
    let mut far_ahead = rogue.change(allergy(own, now, ROGUE));
    far_ahead.hlc = Hlc(u64::MAX);
    let mut accepted_claim = claim(s, own, ROGUE, 1, 1_000);
    accepted_claim.history.push(ClaimStatusChange {
        status: ClaimStatus::Accepted,
        at: now,
        insurance_fen: 1_000,
        patient_fen: 0,
        reasons: vec![],
        lines: vec![],
    });
    let mut refill = claim(s, own, ROGUE, 1, 1_000);
    refill.lines[0].amount_fen = -100_000;
    refill.total_fen = -100_000;
    let new_elsewhere = ResidentChange {
        resident: s.new_id(),
        fields: vec![
            ResidentField::Name("假居民".into()),
            ResidentField::BirthDate(Date::new(1990, 1, 1).unwrap()),
            ResidentField::HomeFacility(ELSEWHERE.into()),
        ],
        add_identifiers: vec![],
        remove_identifiers: vec![],
    };
    let mut with_forged_proof = consent(s, neighbour);
    with_forged_proof.recorded_by = "rogue".into();
    let forged_proof = ConsentProof {
        consent: with_forged_proof.id,
        resident: neighbour,
        code: "EHC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0BGJLFX3R3VHXK.PJ:2DPF6R:5SVBHABVCNN95SWMPHQUHQN%A0SOE+QQAB-HQ/HQ7IR.SQEEOK9SAI4- 7Y15KBPD34  QWSP0WRGTQFNPLIR.KQNA7N95U/3FJCTG90OARH9P1J4HGZJKBEG%123ZC$0BCI757TLXKIBTV5TN%2LXK-$CH4TSXKZ4DCGK%:F7%4AJ4PP+J%M8E0H0I7E".into(),
    };
    let attacks: Vec<(&str, Vec<Change>)> = vec![
        (
            "moves its clinic to another township",
            vec![rogue.change(Body::Facility(facility_move))],
        ),
        (
            "publishes a policy",
            vec![rogue.change(Body::Policy(Policy {
                scheme: "390".into(),
                version: 99,
                effective_from: Date::new(2026, 1, 1).unwrap(),
                deductible_fen: 0,
                annual_cap_fen: i64::MAX,
                levels: vec![],
                class_b_self_pay_bp: 0,
                chronic_ratio_bp: 10_000,
                chronic_annual_cap_fen: i64::MAX,
            }))],
        ),
        (
            "decides a claim",
            vec![rogue.change(Body::ClaimStatus {
                claim: k.others_claim,
                change: ClaimStatusChange {
                    status: ClaimStatus::Rejected,
                    at: now,
                    insurance_fen: 0,
                    patient_fen: 0,
                    reasons: vec![],
                    lines: vec![],
                },
            })],
        ),
        (
            "grants itself a consent for a resident of another clinic, with no card",
            vec![rogue.change(Body::Consent(consent(s, neighbour)))],
        ),
        (
            "grants a consent with a forged card",
            vec![
                rogue.change(Body::ConsentProof(forged_proof)),
                rogue.change(Body::Consent(with_forged_proof)),
            ],
        ),
        (
            "records in another facility's name",
            vec![as_other_facility],
        ),
        (
            "says the record was made at another facility",
            vec![rogue.change(allergy(own, now, HONEST))],
        ),
        ("pushes as another device", vec![as_other_device]),
        ("stamps the clock at the end of time", vec![far_ahead]),
        (
            "records a visit 4.8 million days from now",
            vec![rogue.change(allergy(own, now + 4_800_000 * 86_400_000, ROGUE))],
        ),
        (
            "records a visit at the last millisecond of i64",
            vec![rogue.change(allergy(own, i64::MAX, ROGUE))],
        ),
        (
            "claims in another facility's name",
            vec![rogue.change(Body::Claim(claim(s, own, HONEST, 1, 1_000)))],
        ),
        (
            "pushes a claim already accepted",
            vec![rogue.change(Body::Claim(accepted_claim))],
        ),
        (
            "refills the cap with a negative line",
            vec![rogue.change(Body::Claim(refill))],
        ),
        (
            "claims a quantity that overflows",
            vec![rogue.change(Body::Claim(claim(s, own, ROGUE, u32::MAX, i64::MAX)))],
        ),
        (
            "reports a card use at another facility",
            vec![{
                let mut c = rogue.change(Body::CardUse(CardUse {
                    resident: own,
                    card: String::new(),
                    code: CardCode::Platform,
                    stage: CareStage::Registration,
                    reader: "wedge".into(),
                }));
                c.origin.facility = CENTRE.into();
                c
            }],
        ),
        (
            "corrects another facility's record",
            vec![rogue.change(record(
                neighbour,
                now,
                ROGUE,
                RecordBody::Amendment(Amendment {
                    target: k.others_record,
                    reason: "wrong".into(),
                    replacement: Box::new(RecordBody::Allergy(Allergy {
                        substance: "无".into(),
                        reaction: String::new(),
                    })),
                }),
            ))],
        ),
        (
            "registers a resident of another township",
            vec![rogue.change(Body::Resident(new_elsewhere))],
        ),
        (
            "publishes a trust list",
            vec![rogue.change(Body::TrustList(TrustListRelease {
                version: u64::MAX,
                bytes: vec![0; 16],
            }))],
        ),
    ];
    let mut refused: Vec<(Id, &str)> = Vec::new();
    for (attack, changes) in &attacks {
        assert!(!changes.is_empty(), "{attack}: nothing to try");
        let results = rogue.push(changes);
        // A proof may be stored (it proves nothing by itself); the act it serves may not.
        let last = results.last().unwrap();
        match last {
            EntryResult::Rejected(reason) => assert!(!reason.trim().is_empty(), "{attack}"),
            other => panic!("{attack}: {other:?}"),
        }
        refused.push((changes.last().unwrap().id, attack));
    }

    // The honest versions of the same acts are taken: its own resident's consent (home
    // facility), a consent for the neighbour with the neighbour's card shown, a record and a
    // claim of its own.
    let proof_consent = consent(s, neighbour);
    let proof = ConsentProof {
        consent: proof_consent.id,
        resident: neighbour,
        code: tests::card_code(&k.neighbour),
    };
    let honest = vec![
        rogue.change(Body::Consent(consent(s, own))),
        rogue.change(Body::ConsentProof(proof)),
        rogue.change(Body::Consent(proof_consent)),
        rogue.change(allergy(own, now, ROGUE)),
        rogue.change(Body::Claim(claim(s, own, ROGUE, 1, 1_000))),
    ];
    // One answer for each (a zip over a shorter answer would check only some).
    let results = rogue.push(&honest);
    let kinds: Vec<&str> = honest.iter().map(|c| c.body.kind()).collect();
    assert_eq!(
        results,
        vec![EntryResult::Stored; honest.len()],
        "the honest changes {kinds:?}"
    );

    // The hub kept serving: the honest workstation syncs, and holds nothing of the attacks.
    clinic_ok(&honest_dir, &["sync"]);
    drop(hub);
    let honest_store = open(&honest_dir.join("clinic.redb"));
    let hub_store = open(&hub_dir.join("hub.redb"));
    for (id, attack) in &refused {
        assert!(
            hub_store.change(*id).unwrap().is_none(),
            "{attack}: stored at the hub"
        );
        assert!(
            honest_store.change(*id).unwrap().is_none(),
            "{attack}: reached a workstation"
        );
    }
    assert_eq!(
        hub_store.facility(ROGUE).unwrap().unwrap().township,
        fixtures::catalogue::TOWNSHIP
    );
    drop((honest_store, hub_store));

    // Every refusal is in the hub's audit, with its reason.
    let today = Date::of_instant(now).to_string();
    let out = hub_cmd(&hub_dir, &["rejections", "--from", &today, "--to", &today]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (id, attack) in &refused {
        let entry = lines
            .iter()
            .find(|l| l["change"] == id.to_string())
            .unwrap_or_else(|| panic!("{attack}: not in the hub's audit"));
        assert_eq!(entry["kind"], "rejected", "{attack}");
        assert!(
            entry["reason"].as_str().unwrap().contains("refused"),
            "{attack}"
        );
    }
}

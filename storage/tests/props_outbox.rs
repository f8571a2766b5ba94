//! A property test of the outbox against a model: random sequences of commits, sends (what
//! the sync client reads with `Store::pending`), acknowledgements (of what was sent, stale
//! versions and unknown ids included), rejections, resends (`Store::retry_rejected`) and
//! reopenings. After every step the store's outbox, its rejected entries and what it would
//! send next are exactly the model's.

use proptest::prelude::*;
use proptest::sample::Index;
use storage::model::*;
use storage::*;

/// Cases; `PROPTEST_CASES` overrides it for a longer run.
const CASES: u32 = 64;

/// 2026-03-02 10:00 Beijing time.
const T0: i64 = 1_772_416_800_000;
const CENTRE: &str = "H42092100101";

/// A waiting change as the model knows it: its id, the version the hub must acknowledge,
/// and why the hub refused it, if it did.
#[derive(Clone, Debug, PartialEq)]
struct Pending {
    id: Id,
    version: u32,
    rejected: Option<String>,
}

#[derive(Clone, Debug)]
enum Op {
    /// Commits this many changes in one transaction.
    Commit(usize),
    /// Reads what the client would push next, at most this many, and remembers it as sent.
    Send(usize),
    /// The hub's answer to one of the batches sent: these of its entries stored.
    Acknowledge(Index, Vec<bool>),
    /// An acknowledgement of an entry with a version it no longer has.
    AcknowledgeStale(Index),
    /// An acknowledgement of an id the outbox never held.
    AcknowledgeUnknown,
    /// The hub refused this entry.
    Reject(Index, &'static str),
    /// A refusal of an id the outbox does not hold.
    RejectUnknown,
    /// Staff send this entry again.
    Resend(Index),
    /// The program restarts.
    Reopen,
    /// Reads the entries to push after this one, at most this many.
    PendingAfter(Index, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1usize..4).prop_map(Op::Commit),
        3 => (1usize..6).prop_map(Op::Send),
        3 => (any::<Index>(), prop::collection::vec(any::<bool>(), 0..8))
            .prop_map(|(batch, mask)| Op::Acknowledge(batch, mask)),
        1 => any::<Index>().prop_map(Op::AcknowledgeStale),
        1 => Just(Op::AcknowledgeUnknown),
        2 => (any::<Index>(), prop::sample::select(vec!["consent not found", "wrong facility"]))
            .prop_map(|(i, reason)| Op::Reject(i, reason)),
        1 => Just(Op::RejectUnknown),
        2 => any::<Index>().prop_map(Op::Resend),
        1 => Just(Op::Reopen),
        2 => (any::<Index>(), 1usize..6).prop_map(|(i, limit)| Op::PendingAfter(i, limit)),
    ]
}

fn open(path: &std::path::Path) -> Store {
    Store::open(
        path,
        OpenOptions::new("测试密钥")
            .fast_kdf_for_tests()
            .with_clock(Clock::fixed(T0)),
    )
    .unwrap()
}

fn doctor() -> Actor {
    Actor {
        staff: "doc".into(),
        facility: CENTRE.into(),
        role: Role::Doctor,
    }
}

fn allergy(resident: Id, n: usize) -> Body {
    Body::Record(ClinicalRecord {
        resident,
        at: T0,
        facility: CENTRE.into(),
        clinician: "李医生".into(),
        body: RecordBody::Allergy(Allergy {
            substance: format!("过敏原{n}"),
            reaction: String::new(),
        }),
    })
}

/// The whole outbox, as (sequence, entry) in order.
fn outbox(store: &Store) -> Vec<(u64, OutboxEntry)> {
    store
        .outbox_after(0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| (e.seq, e))
        .collect()
}

/// Checks the store against the model: the outbox in order with its versions, its length,
/// the rejected entries with their reasons, and what would be pushed next.
fn check(store: &Store, model: &[Pending]) -> Result<(), TestCaseError> {
    let held = outbox(store);
    let seen: Vec<(Id, u32)> = held.iter().map(|(_, e)| (e.change.id, e.version)).collect();
    let expected: Vec<(Id, u32)> = model.iter().map(|p| (p.id, p.version)).collect();
    prop_assert_eq!(seen, expected, "the outbox");
    prop_assert!(
        held.windows(2).all(|w| w[0].0 < w[1].0),
        "sequences not increasing"
    );
    prop_assert_eq!(store.outbox_len().unwrap(), model.len() as u64);
    let mut rejected: Vec<(Id, u32, String)> = store
        .rejected()
        .unwrap()
        .into_iter()
        .map(|(e, reason)| (e.change.id, e.version, reason))
        .collect();
    rejected.sort_by_key(|r| r.0);
    let mut expected: Vec<(Id, u32, String)> = model
        .iter()
        .filter_map(|p| p.rejected.clone().map(|r| (p.id, p.version, r)))
        .collect();
    expected.sort_by_key(|r| r.0);
    prop_assert_eq!(rejected, expected, "the rejected entries");
    let next: Vec<Id> = store
        .pending(0, usize::MAX)
        .unwrap()
        .iter()
        .map(|e| e.change.id)
        .collect();
    let expected: Vec<Id> = model
        .iter()
        .filter(|p| p.rejected.is_none())
        .map(|p| p.id)
        .collect();
    prop_assert_eq!(next, expected, "what would be pushed");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        // Failures are kept as named regression tests in this file, not in a side file.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_outbox_follows_its_model(ops in prop::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ws.redb");
        let mut store = open(&path);
        let front_desk = Actor { role: Role::FrontDesk, ..doctor() };
        let who = store
            .register(&front_desk, NewResident {
                name: "王秀英".into(),
                birth_date: Some(Date::new(1962, 7, 8).unwrap()),
                ..Default::default()
            })
            .unwrap();
        // The registration's own entries, then whatever the steps do.
        let mut model: Vec<Pending> = outbox(&store)
            .into_iter()
            .map(|(_, e)| Pending { id: e.change.id, version: e.version, rejected: None })
            .collect();
        let mut sent: Vec<Vec<(Id, u32)>> = Vec::new();
        let mut made = 0;
        for op in ops {
            match op {
                Op::Commit(n) => {
                    let bodies = (0..n).map(|i| allergy(who, made + i)).collect();
                    made += n;
                    for id in store.commit(&doctor(), bodies).unwrap() {
                        model.push(Pending { id, version: 1, rejected: None });
                    }
                }
                Op::Send(limit) => {
                    let batch: Vec<(Id, u32)> = store
                        .pending(0, limit)
                        .unwrap()
                        .iter()
                        .map(|e| (e.change.id, e.version))
                        .collect();
                    let expected: Vec<(Id, u32)> = model
                        .iter()
                        .filter(|p| p.rejected.is_none())
                        .take(limit)
                        .map(|p| (p.id, p.version))
                        .collect();
                    prop_assert_eq!(&batch, &expected, "a batch to send");
                    sent.push(batch);
                }
                Op::Acknowledge(which, mask) => {
                    let Some(batch) = (!sent.is_empty()).then(|| &sent[which.index(sent.len())])
                    else {
                        continue;
                    };
                    let acked: Vec<(Id, u32)> = batch
                        .iter()
                        .zip(mask.iter().chain(std::iter::repeat(&true)))
                        .filter(|(_, take)| **take)
                        .map(|(e, _)| *e)
                        .collect();
                    let before = model.len();
                    model.retain(|p| !acked.contains(&(p.id, p.version)));
                    prop_assert_eq!(store.acknowledge(&acked).unwrap(), before - model.len());
                }
                Op::AcknowledgeStale(which) => {
                    let Some(p) = (!model.is_empty()).then(|| &model[which.index(model.len())])
                    else {
                        continue;
                    };
                    let stale = [(p.id, p.version + 1), (p.id, p.version.wrapping_sub(1))];
                    prop_assert_eq!(store.acknowledge(&stale).unwrap(), 0);
                }
                Op::AcknowledgeUnknown => {
                    prop_assert_eq!(store.acknowledge(&[(Id(42), 1)]).unwrap(), 0);
                }
                Op::Reject(which, reason) => {
                    if model.is_empty() {
                        continue;
                    }
                    let i = which.index(model.len());
                    let p = &mut model[i];
                    store.mark_rejected(p.id, reason).unwrap();
                    p.rejected = Some(reason.to_string());
                }
                Op::RejectUnknown => store.mark_rejected(Id(42), "unknown").unwrap(),
                Op::Resend(which) => {
                    if model.is_empty() {
                        continue;
                    }
                    let i = which.index(model.len());
                    let p = &mut model[i];
                    store.retry_rejected(p.id).unwrap();
                    p.version += 1;
                    p.rejected = None;
                }
                Op::Reopen => {
                    drop(store);
                    store = open(&path);
                }
                Op::PendingAfter(which, limit) => {
                    let held = outbox(&store);
                    let (after, skip) = match held.len() {
                        0 => (0, 0),
                        n => {
                            let i = which.index(n + 1);
                            if i == 0 { (0, 0) } else { (held[i - 1].0, i) }
                        }
                    };
                    let got: Vec<Id> = store
                        .pending(after, limit)
                        .unwrap()
                        .iter()
                        .map(|e| e.change.id)
                        .collect();
                    let expected: Vec<Id> = model[skip..]
                        .iter()
                        .filter(|p| p.rejected.is_none())
                        .take(limit)
                        .map(|p| p.id)
                        .collect();
                    prop_assert_eq!(got, expected, "pending after {}", after);
                }
            }
            check(&store, &model)?;
        }
    }
}

//! The settlement arithmetic of outpatient claims: pure, in integer fen (分), line by line, so
//! the workstation (offline) and the hub (authoritative) compute the same way and the screen
//! can show every step.
//!
//! Per line, in bill order: the amount; the patient's own share first (乙类 self-pay, all of a
//! 丙类 item); what remains is eligible. Ordinary items use the annual deductible until it is
//! met, then the level's ratio, then the annual cap. "两病" medication (hypertension and
//! diabetes drugs of a filed patient) has no deductible, its own ratio and its own cap.
//! Rounding: half up to the fen, on each line.

use crate::catalogue::Catalogue;
use crate::date::Date;
use crate::ids::Id;
use crate::model::{
    AdjudicationReason, Claim, ClaimLine, ClaimStatus, ClaimStatusChange, FacilityLevel,
    InsuranceClass, Policy,
};

/// One item on the bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillLine {
    pub item_code: String,
    pub name: String,
    pub class: InsuranceClass,
    pub quantity: u32,
    pub unit_price_fen: i64,
    /// A "两病" medication for a patient filed for hypertension or diabetes.
    pub chronic: bool,
}

impl BillLine {
    pub fn of_claim_line(l: &ClaimLine) -> BillLine {
        BillLine {
            item_code: l.item_code.clone(),
            name: l.name.clone(),
            class: l.class,
            quantity: l.quantity,
            unit_price_fen: l.unit_price_fen,
            chronic: l.chronic,
        }
    }
}

/// What a resident has had from the fund this calendar year, before this claim.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accumulator {
    pub reimbursed_fen: i64,
    pub deductible_used_fen: i64,
    pub chronic_reimbursed_fen: i64,
}

impl Accumulator {
    /// Adds the lines of a settled claim (saturating: the lines may come from elsewhere).
    pub fn add(&mut self, lines: &[ClaimLine]) {
        for l in lines {
            if l.chronic {
                self.chronic_reimbursed_fen =
                    self.chronic_reimbursed_fen.saturating_add(l.insurance_fen);
            } else {
                self.reimbursed_fen = self.reimbursed_fen.saturating_add(l.insurance_fen);
                self.deductible_used_fen =
                    self.deductible_used_fen.saturating_add(l.deductible_fen);
            }
        }
    }
}

/// The sum of amounts of money, saturating: amounts read from other devices must not be able
/// to overflow a total (they are bounded at the hub; this keeps any reader from panicking).
pub fn fen_sum(amounts: impl IntoIterator<Item = i64>) -> i64 {
    amounts.into_iter().fold(0, i64::saturating_add)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub policy_version: u32,
    pub lines: Vec<ClaimLine>,
    pub total_fen: i64,
    pub insurance_fen: i64,
    pub patient_fen: i64,
    /// The accumulator after this claim.
    pub after: Accumulator,
}

impl Settlement {
    pub fn cap_reached(&self) -> bool {
        self.lines.iter().any(|l| l.capped())
    }
}

/// `value × bp / 10000`, rounded half up (values are never negative here). Worked in 128
/// bits, so no value and ratio can overflow; the result saturates at the `i64` range.
pub fn apply_bp(value: i64, bp: u32) -> i64 {
    let exact = (value as i128 * bp as i128 + 5_000) / 10_000;
    exact.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// 城乡居民基本医疗保险, code 390 of the national code set (险种类型): the scheme residents
/// who are not employees are insured under, and so the one a clinic registers them under.
pub const RESIDENTS_SCHEME: &str = "390";

/// The policy of `scheme` in force on `day`: the latest version effective on or before it.
pub fn policy_for<'a>(policies: &'a [Policy], scheme: &str, day: Date) -> Option<&'a Policy> {
    policies
        .iter()
        .filter(|p| p.scheme == scheme && p.effective_from <= day)
        .max_by_key(|p| (p.effective_from, p.version))
}

/// Settles a bill at a facility of `level` for a resident whose year so far is `before`.
pub fn settle(
    policy: &Policy,
    level: FacilityLevel,
    bill: &[BillLine],
    before: Accumulator,
) -> Settlement {
    let mut acc = before;
    let mut lines = Vec::with_capacity(bill.len());
    // Bills are checked against the money bounds where they are made (the workstation's
    // checkout) and where they arrive (the hub's push), so no step below can overflow; the
    // saturating operations keep even an unchecked bill from panicking.
    for item in bill {
        let amount = item.unit_price_fen.saturating_mul(item.quantity as i64);
        let self_pay = match item.class {
            InsuranceClass::A => 0,
            InsuranceClass::B => apply_bp(amount, policy.class_b_self_pay_bp),
            InsuranceClass::C => amount,
        };
        let eligible = amount.saturating_sub(self_pay);
        let (deductible, ratio_bp, room) = if item.chronic {
            (
                0,
                policy.chronic_ratio_bp,
                policy
                    .chronic_annual_cap_fen
                    .saturating_sub(acc.chronic_reimbursed_fen),
            )
        } else {
            let left = (policy
                .deductible_fen
                .saturating_sub(acc.deductible_used_fen))
            .max(0);
            (
                eligible.min(left),
                policy.ratio_bp(level),
                policy.annual_cap_fen.saturating_sub(acc.reimbursed_fen),
            )
        };
        let before_cap = apply_bp(eligible.saturating_sub(deductible), ratio_bp);
        let line = ClaimLine {
            item_code: item.item_code.clone(),
            name: item.name.clone(),
            class: item.class,
            chronic: item.chronic,
            quantity: item.quantity,
            unit_price_fen: item.unit_price_fen,
            amount_fen: amount,
            self_pay_fen: self_pay,
            eligible_fen: eligible,
            deductible_fen: deductible,
            ratio_bp,
            before_cap_fen: before_cap,
            insurance_fen: before_cap.min(room.max(0)),
        };
        acc.add(std::slice::from_ref(&line));
        lines.push(line);
    }
    let total = fen_sum(lines.iter().map(|l| l.amount_fen));
    let insurance = fen_sum(lines.iter().map(|l| l.insurance_fen));
    Settlement {
        policy_version: policy.version,
        lines,
        total_fen: total,
        insurance_fen: insurance,
        patient_fen: total.saturating_sub(insurance),
        after: acc,
    }
}

/// What the hub knows about a claim beyond the claim itself.
#[derive(Clone, Debug, Default)]
pub struct ClaimContext {
    /// The level of the facility that made the claim, if the hub knows the facility.
    pub level: Option<FacilityLevel>,
    /// The resident holds insurance of the claim's scheme.
    pub insured: bool,
    /// The resident's year so far, from the claims the hub has already settled.
    pub before: Accumulator,
    /// An earlier claim already settled the same encounter.
    pub duplicate_of: Option<Id>,
}

/// The hub's settlement service: re-settles a claim with the authoritative policy,
/// catalogue and accumulator. The returned change has `at` 0; the caller stamps it.
pub fn adjudicate(
    claim: &Claim,
    ctx: &ClaimContext,
    policies: &[Policy],
    catalogue: &Catalogue,
) -> ClaimStatusChange {
    let reject = |reason: AdjudicationReason, patient_fen: i64| ClaimStatusChange {
        status: ClaimStatus::Rejected,
        at: 0,
        insurance_fen: 0,
        patient_fen,
        reasons: vec![reason],
        lines: Vec::new(),
    };
    if let Some(first) = ctx.duplicate_of {
        // Void: the patient paid under the first claim, so this one's payment is refunded.
        return reject(AdjudicationReason::DuplicateOfClaim { claim: first }, 0);
    }
    let day = Date::of_instant(claim.opened_at());
    let Some(policy) = policy_for(policies, &claim.scheme, day) else {
        return reject(
            AdjudicationReason::NoPolicy {
                scheme: claim.scheme.clone(),
            },
            claim.total_fen,
        );
    };
    if !ctx.insured {
        return reject(
            AdjudicationReason::NotInsured {
                scheme: claim.scheme.clone(),
            },
            claim.total_fen,
        );
    }
    let Some(level) = ctx.level.filter(|l| policy.ratio_bp(*l) > 0) else {
        return reject(
            AdjudicationReason::FacilityNotCovered {
                facility: claim.facility.clone(),
            },
            claim.total_fen,
        );
    };

    let mut reasons = Vec::new();
    let bill: Vec<BillLine> = claim
        .lines
        .iter()
        .map(|l| {
            let mut line = BillLine::of_claim_line(l);
            match catalogue.get(&l.item_code) {
                None => {
                    reasons.push(AdjudicationReason::NotInCatalogue {
                        item: l.item_code.clone(),
                    });
                    line.class = InsuranceClass::C;
                    line.chronic = false;
                }
                Some(item) => {
                    if item.price_fen != l.unit_price_fen {
                        reasons.push(AdjudicationReason::PriceChanged {
                            item: l.item_code.clone(),
                            claimed_fen: l.unit_price_fen,
                            applied_fen: item.price_fen,
                        });
                        line.unit_price_fen = item.price_fen;
                    }
                    if item.class != l.class {
                        reasons.push(AdjudicationReason::ClassChanged {
                            item: l.item_code.clone(),
                            claimed: l.class,
                            applied: item.class,
                        });
                        line.class = item.class;
                    }
                    if l.chronic && !item.chronic {
                        reasons.push(AdjudicationReason::NotChronic {
                            item: l.item_code.clone(),
                        });
                        line.chronic = false;
                    }
                }
            }
            line
        })
        .collect();
    let s = settle(policy, level, &bill, ctx.before);
    if s.lines == claim.lines && s.policy_version == claim.policy_version {
        return ClaimStatusChange {
            status: ClaimStatus::Accepted,
            at: 0,
            insurance_fen: s.insurance_fen,
            patient_fen: s.patient_fen,
            reasons: Vec::new(),
            lines: Vec::new(),
        };
    }
    if s.policy_version != claim.policy_version {
        reasons.push(AdjudicationReason::PolicyVersion {
            claimed: claim.policy_version,
            applied: s.policy_version,
        });
    }
    let sum = |lines: &[ClaimLine], f: fn(&ClaimLine) -> i64| fen_sum(lines.iter().map(f));
    let capped = |lines: &[ClaimLine], chronic: bool| {
        lines.iter().any(|l| l.chronic == chronic && l.capped())
    };
    if capped(&s.lines, false) && !capped(&claim.lines, false) {
        reasons.push(AdjudicationReason::CapReached {
            cap_fen: policy.annual_cap_fen,
            used_fen: ctx.before.reimbursed_fen,
        });
    }
    if capped(&s.lines, true) && !capped(&claim.lines, true) {
        reasons.push(AdjudicationReason::ChronicCapReached {
            cap_fen: policy.chronic_annual_cap_fen,
            used_fen: ctx.before.chronic_reimbursed_fen,
        });
    }
    if sum(&s.lines, |l| l.deductible_fen) != sum(&claim.lines, |l| l.deductible_fen) {
        reasons.push(AdjudicationReason::DeductibleUsedElsewhere {
            deductible_fen: policy.deductible_fen,
            used_fen: ctx.before.deductible_used_fen,
        });
    }
    if reasons.is_empty() {
        reasons.push(AdjudicationReason::Recomputed);
    }
    ClaimStatusChange {
        status: ClaimStatus::Adjusted,
        at: 0,
        insurance_fen: s.insurance_fen,
        patient_fen: s.patient_fen,
        reasons,
        lines: s.lines,
    }
}

/// Shows fen as yuan: `12.34`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LevelRule;
    use InsuranceClass::*;

    /// The demo policy of 2026: deductible 20 元, cap 300 元, village 80 %, township 70 %,
    /// county 50 %, 乙类 self-pay 10 %, "两病" 60 % with its own 400 元 cap.
    fn p2026() -> Policy {
        Policy {
            scheme: "390".into(),
            version: 2,
            effective_from: "2026-01-01".parse().unwrap(),
            deductible_fen: 2_000,
            annual_cap_fen: 30_000,
            levels: vec![
                LevelRule {
                    level: FacilityLevel::Village,
                    ratio_bp: 8_000,
                },
                LevelRule {
                    level: FacilityLevel::Township,
                    ratio_bp: 7_000,
                },
                LevelRule {
                    level: FacilityLevel::County,
                    ratio_bp: 5_000,
                },
            ],
            class_b_self_pay_bp: 1_000,
            chronic_ratio_bp: 6_000,
            chronic_annual_cap_fen: 40_000,
        }
    }

    /// 2025: deductible 30 元, cap 200 元, township 60 %.
    fn p2025() -> Policy {
        Policy {
            version: 1,
            effective_from: "2025-01-01".parse().unwrap(),
            deductible_fen: 3_000,
            annual_cap_fen: 20_000,
            levels: vec![
                LevelRule {
                    level: FacilityLevel::Village,
                    ratio_bp: 7_000,
                },
                LevelRule {
                    level: FacilityLevel::Township,
                    ratio_bp: 6_000,
                },
            ],
            ..p2026()
        }
    }

    fn line(class: InsuranceClass, fen: i64) -> BillLine {
        BillLine {
            item_code: "X".into(),
            name: "x".into(),
            class,
            quantity: 1,
            unit_price_fen: fen,
            chronic: false,
        }
    }

    fn met() -> Accumulator {
        Accumulator {
            deductible_used_fen: 2_000,
            ..Default::default()
        }
    }

    /// (case, level, lines, before, expected insurance per line, expected insurance, patient)
    #[allow(clippy::type_complexity)]
    fn cases() -> Vec<(
        &'static str,
        FacilityLevel,
        Vec<BillLine>,
        Accumulator,
        Vec<i64>,
        i64,
        i64,
    )> {
        use FacilityLevel::*;
        vec![
            // Deductible crossing: 15 元 all taken by the deductible (0 paid); of 30 元 the
            // remaining 5 元 of deductible, then 70 % of 25 元 = 17.50. Patient 45 − 17.50.
            (
                "deductible crossing",
                Township,
                vec![line(A, 1_500), line(A, 3_000)],
                Accumulator::default(),
                vec![0, 1_750],
                1_750,
                2_750,
            ),
            // 乙类 100 元: 10 元 self-pay first, 90 元 eligible, 80 % = 72 元. Patient 28 元.
            (
                "class B self-pay",
                Village,
                vec![line(B, 10_000)],
                met(),
                vec![7_200],
                7_200,
                2_800,
            ),
            // 290 元 already paid of a 300 元 cap: 10 元 × 70 % = 7 元 fits (3 元 left);
            // 20 元 × 70 % = 14 元 is cut to the 3 元 left. Patient 30 − 10 = 20 元.
            (
                "cap reached mid-claim",
                Township,
                vec![line(A, 1_000), line(A, 2_000)],
                Accumulator {
                    reimbursed_fen: 29_000,
                    ..met()
                },
                vec![700, 300],
                1_000,
                2_000,
            ),
            // 丙类 is all the patient's: 10 元 A at 70 % = 7 元; 50 元 C = 0. Patient 53 元.
            (
                "class C",
                Township,
                vec![line(A, 1_000), line(C, 5_000)],
                met(),
                vec![700, 0],
                700,
                5_300,
            ),
            // "两病" medication: no deductible (the 20 元 is still unmet), 60 % of 30 元 = 18 元;
            // then an ordinary 10 元 item goes entirely to the deductible. Patient 40 − 18.
            (
                "chronic medication",
                Village,
                vec![
                    BillLine {
                        chronic: true,
                        ..line(A, 3_000)
                    },
                    line(A, 1_000),
                ],
                Accumulator::default(),
                vec![1_800, 0],
                1_800,
                2_200,
            ),
            // Rounding half up per line: 3.33 元 × 70 % = 2.331 → 2.33; 3.35 × 70 % = 2.345 →
            // 2.35; 乙类 3.35: self-pay 0.335 → 0.34, eligible 3.01 × 70 % = 2.107 → 2.11.
            (
                "rounding to the fen",
                Township,
                vec![line(A, 333), line(A, 335), line(B, 335)],
                met(),
                vec![233, 235, 211],
                679,
                1_003 - 679,
            ),
        ]
    }

    #[test]
    fn settlement_arithmetic_worked_by_hand() {
        for (case, level, bill, before, per_line, insurance, patient) in cases() {
            let s = settle(&p2026(), level, &bill, before);
            let got: Vec<i64> = s.lines.iter().map(|l| l.insurance_fen).collect();
            assert_eq!(got, per_line, "{case}: per line");
            assert_eq!(
                (s.insurance_fen, s.patient_fen),
                (insurance, patient),
                "{case}: totals"
            );
            assert_eq!(
                s.total_fen,
                s.insurance_fen + s.patient_fen,
                "{case}: money adds up"
            );
        }
    }

    #[test]
    fn the_cap_is_reported_and_the_accumulator_moves() {
        let s = settle(
            &p2026(),
            FacilityLevel::Township,
            &[line(A, 1_000), line(A, 2_000)],
            Accumulator {
                reimbursed_fen: 29_000,
                ..met()
            },
        );
        assert!(s.cap_reached());
        assert_eq!(s.after.reimbursed_fen, 30_000);
        // A further claim gets nothing from ordinary pooling this year.
        let next = settle(&p2026(), FacilityLevel::Village, &[line(A, 5_000)], s.after);
        assert_eq!(next.insurance_fen, 0);
    }

    #[test]
    fn a_policy_change_at_midnight_on_1_january() {
        let policies = vec![p2025(), p2026()];
        // 2025-12-31 23:59 and 2026-01-01 00:00, Beijing time.
        let new_year: Date = "2026-01-01".parse().unwrap();
        let before = Date::of_instant(new_year.start_ms() - 60_000);
        let after = Date::of_instant(new_year.start_ms());
        assert_eq!(policy_for(&policies, "390", before).unwrap().version, 1);
        assert_eq!(policy_for(&policies, "390", after).unwrap().version, 2);
        assert!(policy_for(&policies, "310", after).is_none());
        // The same 50 元 visit, deductible unmet: 2025 takes 30 元 then 60 % of 20 = 12 元;
        // 2026 takes 20 元 then 70 % of 30 = 21 元.
        let bill = [line(A, 5_000)];
        let s25 = settle(
            policy_for(&policies, "390", before).unwrap(),
            FacilityLevel::Township,
            &bill,
            Accumulator::default(),
        );
        let s26 = settle(
            policy_for(&policies, "390", after).unwrap(),
            FacilityLevel::Township,
            &bill,
            Accumulator::default(),
        );
        assert_eq!((s25.insurance_fen, s25.policy_version), (1_200, 1));
        assert_eq!((s26.insurance_fen, s26.policy_version), (2_100, 2));
    }

    #[test]
    fn yuan_text() {
        assert_eq!(yuan(12_345), "123.45");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-250), "-2.50");
    }
}

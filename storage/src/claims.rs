//! Billing a visit, settling it offline (claim + payment in one transaction), the
//! reconciliation list and the daily settlement report.

use std::collections::BTreeMap;

use redb::ReadableTable;

use crate::apply::decode;
use crate::catalogue::{Catalogue, CatalogueItem};
use crate::date::Date;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{
    AuditAction, AuditEntry, Body, Change, Claim, ClaimLine, ClaimStatus, ClaimStatusChange,
    ClinicalRecord, Payment, PaymentMethod, Policy, RecordBody,
};
use crate::model::{Role, VisitType};
use crate::records::HistoryEntry;
use crate::settlement::{Accumulator, BillLine, Settlement, policy_for, settle};
use crate::store::{Actor, Store};
use crate::tables::{
    CLAIMS, CLAIMS_BY_DAY, CLAIMS_BY_RESIDENT, CLAIMS_BY_STATUS, PAYMENTS, PAYMENTS_BY_CLAIM,
    PAYMENTS_BY_DAY, POLICIES,
};

/// The consultation fee (一般诊疗费) billed with every visit.
pub const CONSULTATION_FEE: &str = "S110200001";

/// Without a sync this recent, a settlement is marked provisional: other clinics may have
/// settled claims for the resident that this workstation has not heard of.
pub const FRESH_SYNC_MS: i64 = 10 * 60 * 1000;

/// A visit at this facility that has not been settled, with its bill: what the till needs
/// and nothing clinical beyond the items charged (no diagnosis, no notes).
#[derive(Clone, Debug, PartialEq)]
pub struct VisitToBill {
    pub encounter: Id,
    pub at: i64,
    pub clinician: String,
    pub bill: Vec<BillLine>,
}

/// A claim and what was paid (or refunded) against it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimBalance {
    pub claim: Claim,
    pub paid_fen: i64,
}

impl ClaimBalance {
    /// What the front desk must still collect (positive) or refund (negative).
    pub fn due_fen(&self) -> i64 {
        self.claim.patient_fen.saturating_sub(self.paid_fen)
    }
}

/// Everything needed to settle a bill, computed before anyone pays.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkout {
    pub resident: Id,
    pub encounter: Option<Id>,
    pub facility: String,
    pub bill: Vec<BillLine>,
    /// The insurance scheme, when the resident is insured and a policy is in force.
    pub scheme: Option<String>,
    /// The claim's arithmetic; `None` when the patient pays everything.
    pub settlement: Option<Settlement>,
    /// The accumulator used: the year so far as this workstation knows it.
    pub before: Accumulator,
    /// Computed with claims the hub has not confirmed, or without a recent sync.
    pub provisional: bool,
    /// Why there is no claim, when there is none.
    pub uninsured_reason: Option<String>,
    pub at: i64,
}

impl Checkout {
    pub fn total_fen(&self) -> i64 {
        crate::settlement::fen_sum(
            self.bill
                .iter()
                .map(|l| l.unit_price_fen.saturating_mul(l.quantity as i64)),
        )
    }

    pub fn patient_fen(&self) -> i64 {
        self.settlement
            .as_ref()
            .map_or(self.total_fen(), |s| s.patient_fen)
    }

    pub fn insurance_fen(&self) -> i64 {
        self.settlement.as_ref().map_or(0, |s| s.insurance_fen)
    }

    /// The bill's lines as the patient is charged them: the settlement's, or, when nobody
    /// insures the bill, each line paid in full by the patient.
    pub fn lines(&self) -> Vec<ClaimLine> {
        if let Some(s) = &self.settlement {
            return s.lines.clone();
        }
        self.bill
            .iter()
            .map(|b| {
                let amount = b.unit_price_fen.saturating_mul(i64::from(b.quantity));
                ClaimLine {
                    item_code: b.item_code.clone(),
                    name: b.name.clone(),
                    class: b.class,
                    chronic: false,
                    quantity: b.quantity,
                    unit_price_fen: b.unit_price_fen,
                    amount_fen: amount,
                    self_pay_fen: amount,
                    eligible_fen: 0,
                    deductible_fen: 0,
                    ratio_bp: 0,
                    before_cap_fen: 0,
                    insurance_fen: 0,
                }
            })
            .collect()
    }
}

/// Counts and totals of one scheme and status in a day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportRow {
    pub scheme: String,
    pub status: Option<ClaimStatus>,
    pub count: u32,
    pub total_fen: i64,
    pub insurance_fen: i64,
    pub patient_fen: i64,
}

/// A facility's day: claims by scheme and status, and the till.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DailyReport {
    pub facility: String,
    pub day: Date,
    pub rows: Vec<ReportRow>,
    pub cash_fen: i64,
    pub mobile_fen: i64,
    /// Refunds paid out (a negative amount).
    pub refunds_fen: i64,
    pub payments: u32,
}

impl DailyReport {
    pub fn claims(&self) -> u32 {
        self.rows
            .iter()
            .fold(0u32, |n, r| n.saturating_add(r.count))
    }
    pub fn takings_fen(&self) -> i64 {
        crate::settlement::fen_sum([self.cash_fen, self.mobile_fen, self.refunds_fen])
    }
}

/// Is this resident filed for hypertension or diabetes (the "两病" rule)?
fn filed_for_chronic_disease(records: &[ClinicalRecord]) -> bool {
    records.iter().any(|r| match &r.body {
        RecordBody::ChronicFollowUp(_) => true,
        RecordBody::Encounter(e) => e.diagnoses.iter().any(|d| {
            ["I10", "I11", "I12", "I13", "I15", "E10", "E11", "E14"]
                .iter()
                .any(|p| d.code.starts_with(p))
        }),
        _ => false,
    })
}

/// A bill line for `quantity` of a catalogue item.
pub fn bill_line(item: &CatalogueItem, quantity: u32, filed: bool) -> BillLine {
    BillLine {
        item_code: item.code.clone(),
        name: item.name.clone(),
        class: item.class,
        quantity,
        unit_price_fen: item.price_fen,
        chronic: filed && item.chronic,
    }
}

impl Store {
    /// Every known policy version.
    pub fn policies(&self) -> Result<Vec<Policy>> {
        let tx = self.read()?;
        let t = tx.open_table(POLICIES)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }

    /// Claims currently in `status`, oldest first.
    pub fn claims_by_status(&self, status: ClaimStatus) -> Result<Vec<Claim>> {
        let tx = self.read()?;
        let index = tx.open_table(CLAIMS_BY_STATUS)?;
        let claims = tx.open_table(CLAIMS)?;
        let code = status.code();
        let mut out = Vec::new();
        for row in index.range((code, 0u128)..=(code, u128::MAX))? {
            if let Some(v) = claims.get(row?.0.value().1)? {
                out.push(decode(v.value())?);
            }
        }
        Ok(out)
    }

    pub fn claim(&self, id: Id) -> Result<Option<Claim>> {
        let tx = self.read()?;
        let t = tx.open_table(CLAIMS)?;
        t.get(id.0)?.map(|v| decode(v.value())).transpose()
    }

    /// A resident's claims, oldest first.
    pub fn claims_of_resident(&self, resident: Id) -> Result<Vec<Claim>> {
        let tx = self.read()?;
        let index = tx.open_table(CLAIMS_BY_RESIDENT)?;
        let claims = tx.open_table(CLAIMS)?;
        let mut out = Vec::new();
        for row in index.range((resident.0, 0u128)..=(resident.0, u128::MAX))? {
            if let Some(v) = claims.get(row?.0.value().1)? {
                out.push(decode(v.value())?);
            }
        }
        Ok(out)
    }

    /// What the fund has paid a resident under `scheme` in `year`, from the claims this
    /// store holds. With `settled_only` (the hub) only adjudicated claims count; otherwise
    /// queued ones count too, and the flag returned says some were.
    pub fn accumulator(
        &self,
        resident: Id,
        scheme: &str,
        year: i16,
        settled_only: bool,
    ) -> Result<(Accumulator, bool)> {
        let mut acc = Accumulator::default();
        let mut unconfirmed = false;
        for c in self.claims_of_resident(resident)? {
            let status = c.status();
            if c.scheme != scheme
                || Date::of_instant(c.opened_at()).year() != year
                || status == ClaimStatus::Rejected
                || settled_only && status == ClaimStatus::Queued
            {
                continue;
            }
            unconfirmed |= status == ClaimStatus::Queued;
            acc.add(c.settled_lines());
        }
        Ok((acc, unconfirmed))
    }

    /// Paid (positive) and refunded (negative) against a claim, in fen.
    pub fn paid_for_claim(&self, claim: Id) -> Result<i64> {
        let tx = self.read()?;
        let t = tx.open_table(PAYMENTS_BY_CLAIM)?;
        let mut total: i64 = 0;
        for row in t.range((claim.0, 0u128)..=(claim.0, u128::MAX))? {
            total = total.saturating_add(row?.1.value());
        }
        Ok(total)
    }

    /// The payments and refunds made against a claim, oldest first.
    pub fn payments_for_claim(&self, claim: Id) -> Result<Vec<Payment>> {
        let ids: Vec<u128> = {
            let tx = self.read()?;
            let t = tx.open_table(PAYMENTS_BY_CLAIM)?;
            let mut ids = Vec::new();
            for row in t.range((claim.0, 0u128)..=(claim.0, u128::MAX))? {
                ids.push(row?.0.value().1);
            }
            ids
        };
        let mut out = Vec::new();
        for id in ids {
            if let Some(Change {
                body: Body::Payment(p),
                ..
            }) = self.change(Id(id))?
            {
                out.push(p);
            }
        }
        out.sort_by_key(|p| p.at);
        Ok(out)
    }

    /// A claim and its payments, for the front desk or a doctor to print a receipt; audited.
    pub fn claim_for_print(&self, actor: &Actor, claim: Id) -> Result<(Claim, Vec<Payment>)> {
        if !matches!(actor.role, Role::FrontDesk | Role::Doctor) {
            return Err(Error::Forbidden(
                "receipts are printed by the front desk or a doctor".into(),
            ));
        }
        let c = self
            .claim(claim)?
            .ok_or_else(|| Error::NotFound(format!("claim {claim}")))?;
        self.commit_one(
            actor,
            Body::Audit(AuditEntry::new(
                AuditAction::Print,
                Some(c.resident),
                "receipt printed",
            )),
        )?;
        let payments = self.payments_for_claim(claim)?;
        Ok((c, payments))
    }

    /// Total paid by a resident, in fen.
    pub fn payments_total(&self, resident: Id) -> Result<i64> {
        let tx = self.read()?;
        let t = tx.open_table(PAYMENTS)?;
        let mut total: i64 = 0;
        for row in t.range((resident.0, i64::MIN, 0u128)..=(resident.0, i64::MAX, u128::MAX))? {
            total = total.saturating_add(row?.1.value());
        }
        Ok(total)
    }

    /// The live (not rejected) claim that settled an encounter, if any.
    pub fn claim_for_encounter(&self, resident: Id, encounter: Id) -> Result<Option<Claim>> {
        Ok(self
            .claims_of_resident(resident)?
            .into_iter()
            .find(|c| c.encounter == Some(encounter) && c.status() != ClaimStatus::Rejected))
    }

    /// The resident's visits to the actor's facility on `day` that are not settled yet, each
    /// with its bill: **one** consultation fee per visit, however many encounters and
    /// prescriptions the visit has, and the lines of every prescription not yet billed, priced
    /// from the catalogue (a drug missing from it is billed at the prescribed price, not
    /// covered).
    ///
    /// A visit is a check-in: an encounter belongs to the last check-in before it (all of a
    /// day's encounters are one visit when the resident never checked in). An encounter is
    /// settled once a claim of its visit was opened after it; one recorded after the visit
    /// was settled is billed on its own, without a second fee. A visit of the national
    /// immunisation programme (checked in as 预防接种, or its encounters recorded as such) is
    /// free of charge: no consultation fee, so without a prescription there is nothing to bill
    /// and no claim.
    pub fn visits_to_bill(
        &self,
        actor: &Actor,
        resident: Id,
        day: Date,
        catalogue: &Catalogue,
    ) -> Result<Vec<VisitToBill>> {
        if !matches!(actor.role, Role::FrontDesk | Role::Doctor) {
            return Err(Error::Forbidden(
                "only the front desk and doctors bill visits".into(),
            ));
        }
        let facility = actor.facility.as_str();
        let history = self.history_unaudited(resident)?;
        let records: Vec<ClinicalRecord> = history.iter().map(|h| h.record.clone()).collect();
        let filed = filed_for_chronic_disease(&records);
        // (encounter, when its claim was opened)
        let claimed: Vec<(Id, i64)> = self
            .claims_of_resident(resident)?
            .iter()
            .filter(|c| c.status() != ClaimStatus::Rejected)
            .filter_map(|c| c.encounter.map(|e| (e, c.opened_at())))
            .collect();
        let mut check_ins: Vec<(i64, VisitType)> = self
            .queue(facility, day)?
            .into_iter()
            .filter(|t| t.resident == resident)
            .map(|t| (t.checked_in_at, t.visit_type))
            .collect();
        check_ins.sort_unstable_by_key(|(at, _)| *at);
        let visit_of = |at: i64| check_ins.iter().filter(|(c, _)| *c <= at).count();
        let mut encounters: Vec<&HistoryEntry> = history
            .iter()
            .filter(|h| matches!(h.record.body, RecordBody::Encounter(_)))
            .filter(|h| h.record.facility == facility && Date::of_instant(h.record.at) == day)
            .collect();
        encounters.sort_by_key(|h| h.record.at);
        let mut visits = Vec::new();
        let mut groups: Vec<(usize, Vec<&HistoryEntry>)> = Vec::new();
        for h in encounters {
            let visit = visit_of(h.record.at);
            match groups.last_mut() {
                Some((v, group)) if *v == visit => group.push(h),
                _ => groups.push((visit, vec![h])),
            }
        }
        for (visit, group) in groups {
            let programme = match visit.checked_sub(1).and_then(|i| check_ins.get(i)) {
                Some((_, kind)) => *kind == VisitType::Immunisation,
                None => group.iter().all(|h| {
                    matches!(&h.record.body, RecordBody::Encounter(e) if e.visit_type == VisitType::Immunisation)
                }),
            };
            let claims: Vec<i64> = claimed
                .iter()
                .filter(|(e, _)| group.iter().any(|h| h.id == *e))
                .map(|(_, at)| *at)
                .collect();
            let open: Vec<&HistoryEntry> = group
                .into_iter()
                .filter(|h| {
                    !claimed.iter().any(|(e, _)| *e == h.id)
                        && !claims.iter().any(|at| *at >= h.record.at)
                })
                .collect();
            let Some(first) = open.first() else {
                continue;
            };
            let fee = catalogue
                .get(CONSULTATION_FEE)
                .filter(|_| claims.is_empty() && !programme)
                .map(|fee| bill_line(fee, 1, filed));
            let mut bill: Vec<BillLine> = fee.into_iter().collect();
            for p in &history {
                let RecordBody::Prescription(rx) = &p.record.body else {
                    continue;
                };
                if !open.iter().any(|h| rx.encounter == Some(h.id)) {
                    continue;
                }
                for l in &rx.lines {
                    bill.push(match catalogue.get(&l.drug_code) {
                        Some(item) => bill_line(item, l.quantity, filed),
                        None => BillLine {
                            item_code: l.drug_code.clone(),
                            name: l.drug_name.clone(),
                            class: crate::model::InsuranceClass::C,
                            quantity: l.quantity,
                            unit_price_fen: l.unit_price_fen,
                            chronic: false,
                        },
                    });
                }
            }
            if bill.is_empty() {
                continue; // seen again after settling, nothing prescribed: nothing to bill
            }
            visits.push(VisitToBill {
                encounter: first.id,
                at: first.record.at,
                clinician: first.record.clinician.clone(),
                bill,
            });
        }
        Ok(visits)
    }

    /// Computes a bill's settlement with the policy in force now and the resident's year so
    /// far as this workstation knows it. Nothing is written.
    pub fn checkout(
        &self,
        resident: Id,
        facility: &str,
        encounter: Option<Id>,
        bill: Vec<BillLine>,
    ) -> Result<Checkout> {
        let person = self
            .resident(resident)?
            .ok_or_else(|| Error::NotFound(format!("resident {resident}")))?;
        // The hub refuses a bill outside these bounds; refuse it here, before money moves.
        if bill.len() > crate::authority::MAX_BILL_LINES {
            return Err(Error::Invalid(format!("a bill of {} lines", bill.len())));
        }
        for l in &bill {
            crate::authority::check_bill_line(&l.item_code, l.quantity, l.unit_price_fen)
                .map_err(Error::Invalid)?;
        }
        // Every payment of the bill (the patient's share, a difference collected, a refund)
        // is at most its total, so a total within the payment bound keeps them all within it.
        let total = crate::settlement::fen_sum(
            bill.iter()
                .map(|l| l.unit_price_fen.saturating_mul(l.quantity as i64)),
        );
        if total > crate::authority::MAX_PAYMENT_FEN {
            return Err(Error::Invalid(format!(
                "a bill of {total} fen is more than one payment may be ({} fen)",
                crate::authority::MAX_PAYMENT_FEN
            )));
        }
        let at = self.clock().now_ms();
        let day = Date::of_instant(at);
        let mut checkout = Checkout {
            resident,
            encounter,
            facility: facility.to_string(),
            bill,
            scheme: None,
            settlement: None,
            before: Accumulator::default(),
            provisional: false,
            uninsured_reason: None,
            at,
        };
        let Some((scheme, _)) = person.insurance() else {
            checkout.uninsured_reason = Some("no medical insurance on file".into());
            return Ok(checkout);
        };
        let policies = self.policies()?;
        let Some(policy) = policy_for(&policies, scheme, day) else {
            checkout.uninsured_reason = Some(format!("no policy of scheme {scheme} in force"));
            return Ok(checkout);
        };
        let level = self
            .facility(facility)?
            .ok_or_else(|| Error::NotFound(format!("facility {facility}")))?
            .level;
        let (before, unconfirmed) = self.accumulator(resident, scheme, day.year(), false)?;
        let last_sync = self.meta_u64(crate::Counter::LastSyncMs)? as i64;
        checkout.provisional = unconfirmed || at - last_sync > FRESH_SYNC_MS;
        checkout.settlement = Some(settle(policy, level, &checkout.bill, before));
        checkout.before = before;
        checkout.scheme = Some(scheme.to_string());
        Ok(checkout)
    }

    /// Settles a checkout: the claim (when insured) and the patient's payment, in one
    /// transaction, so a crash leaves both or neither. Refuses to settle an encounter twice.
    /// Returns the claim id, if any, and the payment id.
    pub fn complete_checkout(
        &self,
        actor: &Actor,
        checkout: &Checkout,
        method: PaymentMethod,
    ) -> Result<(Option<Id>, Id)> {
        if let Some(enc) = checkout.encounter
            && let Some(existing) = self.claim_for_encounter(checkout.resident, enc)?
        {
            return Err(Error::Invalid(format!(
                "this visit was already settled by claim {}",
                existing.id
            )));
        }
        let mut bodies = Vec::new();
        let claim_id = match (&checkout.settlement, &checkout.scheme) {
            (Some(s), Some(scheme)) => {
                let id = self.new_id();
                bodies.push((
                    id,
                    Body::Claim(Claim {
                        id,
                        resident: checkout.resident,
                        encounter: checkout.encounter,
                        facility: checkout.facility.clone(),
                        scheme: scheme.clone(),
                        policy_version: s.policy_version,
                        lines: s.lines.clone(),
                        total_fen: s.total_fen,
                        insurance_fen: s.insurance_fen,
                        patient_fen: s.patient_fen,
                        provisional: checkout.provisional,
                        history: vec![ClaimStatusChange {
                            status: ClaimStatus::Queued,
                            at: checkout.at,
                            insurance_fen: s.insurance_fen,
                            patient_fen: s.patient_fen,
                            reasons: Vec::new(),
                            lines: Vec::new(),
                        }],
                    }),
                ));
                Some(id)
            }
            _ => None,
        };
        let payment = self.new_id();
        bodies.push((
            payment,
            Body::Payment(Payment {
                id: payment,
                resident: checkout.resident,
                facility: checkout.facility.clone(),
                claim: claim_id,
                amount_fen: checkout.patient_fen(),
                method,
                at: checkout.at,
            }),
        ));
        self.commit_with_ids(actor, bodies)?;
        Ok((claim_id, payment))
    }

    /// Collects (or refunds) what an adjudicated claim still has due.
    pub fn settle_difference(&self, actor: &Actor, claim: Id, method: PaymentMethod) -> Result<Id> {
        let c = self
            .claim(claim)?
            .ok_or_else(|| Error::NotFound(format!("claim {claim}")))?;
        let balance = ClaimBalance {
            paid_fen: self.paid_for_claim(claim)?,
            claim: c,
        };
        let due = balance.due_fen();
        if due == 0 {
            return Err(Error::Invalid("nothing is due on this claim".into()));
        }
        let id = self.new_id();
        self.commit_with_ids(
            actor,
            vec![(
                id,
                Body::Payment(Payment {
                    id,
                    resident: balance.claim.resident,
                    facility: actor.facility.clone(),
                    claim: Some(claim),
                    amount_fen: due,
                    method,
                    at: self.clock().now_ms(),
                }),
            )],
        )?;
        Ok(id)
    }

    fn balances(&self, claims: Vec<Claim>) -> Result<Vec<ClaimBalance>> {
        claims
            .into_iter()
            .map(|claim| {
                Ok(ClaimBalance {
                    paid_fen: self.paid_for_claim(claim.id)?,
                    claim,
                })
            })
            .collect()
    }

    /// Adjusted and rejected claims of a facility with money still to collect or refund,
    /// oldest first.
    pub fn reconciliation(&self, facility: &str) -> Result<Vec<ClaimBalance>> {
        let mut claims = self.claims_by_status(ClaimStatus::Adjusted)?;
        claims.extend(self.claims_by_status(ClaimStatus::Rejected)?);
        claims.retain(|c| c.facility == facility);
        claims.sort_by_key(|c| c.id);
        let mut out = self.balances(claims)?;
        out.retain(|b| b.due_fen() != 0);
        Ok(out)
    }

    /// The claims a facility made on `day`, oldest first, with what was paid.
    pub fn claims_of_day(&self, facility: &str, day: Date) -> Result<Vec<ClaimBalance>> {
        let claims = {
            let tx = self.read()?;
            let index = tx.open_table(CLAIMS_BY_DAY)?;
            let table = tx.open_table(CLAIMS)?;
            let d = day.ymd_number();
            let mut out = Vec::new();
            for row in index.range((facility, d, 0u128)..=(facility, d, u128::MAX))? {
                if let Some(v) = table.get(row?.0.value().2)? {
                    out.push(decode::<Claim>(v.value())?);
                }
            }
            out
        };
        self.balances(claims)
    }

    /// Money taken or refunded at a facility on `day`.
    pub fn payments_of_day(&self, facility: &str, day: Date) -> Result<Vec<Payment>> {
        let tx = self.read()?;
        let t = tx.open_table(PAYMENTS_BY_DAY)?;
        let d = day.ymd_number();
        let mut out = Vec::new();
        for row in t.range((facility, d, 0u128)..=(facility, d, u128::MAX))? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }

    /// The daily settlement report of a facility: claims made that day by scheme and
    /// current status, and the money that changed hands.
    pub fn daily_report(&self, facility: &str, day: Date) -> Result<DailyReport> {
        let mut rows: BTreeMap<(String, ClaimStatus), ReportRow> = BTreeMap::new();
        for b in self.claims_of_day(facility, day)? {
            let c = &b.claim;
            let row = rows
                .entry((c.scheme.clone(), c.status()))
                .or_insert_with(|| ReportRow {
                    scheme: c.scheme.clone(),
                    status: Some(c.status()),
                    ..Default::default()
                });
            row.count = row.count.saturating_add(1);
            row.total_fen = row.total_fen.saturating_add(c.total_fen);
            row.insurance_fen = row.insurance_fen.saturating_add(c.insurance_fen);
            row.patient_fen = row.patient_fen.saturating_add(c.patient_fen);
        }
        let mut report = DailyReport {
            facility: facility.to_string(),
            day,
            rows: rows.into_values().collect(),
            ..Default::default()
        };
        for p in self.payments_of_day(facility, day)? {
            report.payments = report.payments.saturating_add(1);
            match (&p.method, p.amount_fen < 0) {
                (_, true) => report.refunds_fen = report.refunds_fen.saturating_add(p.amount_fen),
                (PaymentMethod::Cash, false) => {
                    report.cash_fen = report.cash_fen.saturating_add(p.amount_fen)
                }
                (PaymentMethod::Mobile { .. }, false) => {
                    report.mobile_fen = report.mobile_fen.saturating_add(p.amount_fen)
                }
            }
        }
        Ok(report)
    }
}

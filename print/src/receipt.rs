//! The outpatient charge list (门诊收费清单) handed over at the till: every item with its
//! insurance class, what insurance pays and what the resident paid, and how. It is not the
//! fiscal e-invoice (财政电子票据), which the platform issues, and says so.

use crate::canvas::{Align, Canvas, Printed};
use crate::{Patient, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptLine {
    pub item: String,
    /// 甲 / 乙 / 丙
    pub class: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptSheet {
    pub facility: String,
    pub number: String,
    /// `2026-11-27 10:42`
    pub time: String,
    pub patient: Patient,
    pub lines: Vec<ReceiptLine>,
    pub total: String,
    pub insurance: String,
    pub patient_share: String,
    /// `现金 ¥ 12.00`, `移动支付 ¥ 12.00（交易号 …1234）`, a refund with a minus sign.
    pub payments: Vec<String>,
    /// The claim's state: settled, or waiting for the hub.
    pub status: String,
    pub cashier: String,
}

const A5: (f32, f32) = (148.0, 210.0);
const MARGIN: f32 = 12.0;
/// Where a page's table must stop to leave room for the totals.
const TABLE_END: f32 = 150.0;

impl ReceiptSheet {
    pub fn to_pdf(&self) -> Result<Printed> {
        let mut c = Canvas::new("门诊收费清单", A5.0, A5.1)?;
        let (left, right) = (MARGIN, A5.0 - MARGIN);
        let columns = [left, left + 62.0, left + 72.0, left + 86.0, right];
        let mut y = self.header(&mut c);
        for line in &self.lines {
            if y > TABLE_END {
                c.text(left, y, 8.0, Align::Left, "（续下页）");
                c.next_page();
                y = self.header(&mut c);
            }
            c.text(columns[0], y, 9.5, Align::Left, &line.item);
            c.text(columns[1], y, 9.5, Align::Left, &line.class);
            c.text(columns[2] + 8.0, y, 9.5, Align::Right, &line.quantity);
            c.text(columns[3] + 16.0, y, 9.5, Align::Right, &line.unit_price);
            c.text(columns[4], y, 9.5, Align::Right, &line.amount);
            y += 6.0;
        }
        c.line(left, y - 2.0, right, y - 2.0, 0.6);
        let totals = [
            ("合计", &self.total),
            ("医保统筹支付", &self.insurance),
            ("个人支付", &self.patient_share),
        ];
        y += 1.0;
        for (label, value) in totals {
            y += 6.0;
            c.text(left, y, 10.5, Align::Left, label);
            c.text(right, y, 10.5, Align::Right, value);
        }
        y += 9.0;
        for payment in &self.payments {
            c.text(left, y, 9.5, Align::Left, payment);
            y += 5.5;
        }
        y = c.paragraph(left, y + 2.0, right - left, 9.0, 2, &self.status);
        c.text(
            left,
            y + 8.0,
            9.5,
            Align::Left,
            &format!("收费员：{}", self.cashier),
        );
        c.text(
            left,
            A5.1 - 12.0,
            8.0,
            Align::Left,
            "本清单不作报销凭证；电子票据由医保平台开具。",
        );
        Ok(c.finish())
    }

    /// Title, patient and the table's column heads; returns where the first row goes.
    fn header(&self, c: &mut Canvas) -> f32 {
        let (left, right) = (MARGIN, A5.0 - MARGIN);
        let mid = A5.0 / 2.0;
        c.text(mid, 16.0, 13.0, Align::Centre, &self.facility);
        c.text(mid, 25.0, 15.0, Align::Centre, "门诊收费清单");
        c.text(
            left,
            34.0,
            9.0,
            Align::Left,
            &format!("No. {}", self.number),
        );
        c.text(right, 34.0, 9.0, Align::Right, &self.time);
        c.line(left, 36.5, right, 36.5, 0.8);
        let p = &self.patient;
        c.text(
            left,
            43.0,
            10.0,
            Align::Left,
            &format!("姓名：{}  {}  {}", p.name, p.sex, p.age),
        );
        c.text(
            right,
            43.0,
            10.0,
            Align::Right,
            &format!("费别：{}", p.scheme),
        );
        c.text(
            left,
            50.0,
            10.0,
            Align::Left,
            &format!("身份证号：{}", p.id_number),
        );
        c.line(left, 53.5, right, 53.5, 0.6);
        let heads = [
            (left, Align::Left, "项目"),
            (left + 62.0, Align::Left, "类别"),
            (left + 80.0, Align::Right, "数量"),
            (left + 102.0, Align::Right, "单价"),
            (right, Align::Right, "金额"),
        ];
        for (x, align, head) in heads {
            c.text(x, 59.0, 9.0, align, head);
        }
        c.line(left, 61.0, right, 61.0, 0.4);
        67.0
    }
}

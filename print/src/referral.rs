//! The referral (双向转诊单, 转出): the stub the referring clinic keeps and the slip the
//! resident carries to the receiving hospital, on one A4 sheet with a line to cut between.

use crate::canvas::{Align, Canvas, Printed};
use crate::prescription::or_else;
use crate::{Patient, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferralSheet {
    pub from_facility: String,
    pub to_facility: String,
    pub date: String,
    pub patient: Patient,
    /// 初步印象
    pub diagnoses: Vec<String>,
    /// 转出原因: why the resident is sent on.
    pub reason: String,
    /// 主要现病史: complaint and findings of this visit.
    pub present_illness: String,
    /// 主要既往史: chronic conditions, allergies.
    pub past_history: String,
    /// 治疗经过: what was given here.
    pub treatment: String,
    pub doctor: String,
    pub phone: String,
}

const A4: (f32, f32) = (210.0, 297.0);
/// A line to write on by hand.
const BLANK: &str = "______________";
const MARGIN: f32 = 20.0;

impl ReferralSheet {
    pub fn to_pdf(&self) -> Result<Printed> {
        let mut c = Canvas::new("双向转诊单", A4.0, A4.1)?;
        let (left, right) = (MARGIN, A4.0 - MARGIN);
        let mid = A4.0 / 2.0;
        let p = &self.patient;
        let who = format!("{}，{}，{}", p.name, p.sex, p.age);

        // The stub stays with the referring clinic.
        c.text(mid, 22.0, 14.0, Align::Centre, "双向转诊单（存根）");
        let stub = [
            format!("患者：{who}    身份证号：{}", p.id_number),
            format!("于 {} 因病情需要，转入 {}。", self.date, self.to_facility),
            format!(
                "初步印象：{}",
                or_else(&self.diagnoses.join("；"), "未填写")
            ),
            format!(
                "转诊医生：{}    联系电话：{}",
                self.doctor,
                or_else(&self.phone, BLANK)
            ),
        ];
        let mut y = 32.0;
        for line in &stub {
            y = c.paragraph(left, y, right - left, 10.5, 2, line) + 7.0;
        }
        c.line(left, y + 2.0, right, y + 2.0, 0.5);
        c.text(mid, y + 1.0, 8.0, Align::Centre, "沿此线剪开");

        // The slip goes with the resident.
        let mut y = y + 16.0;
        c.text(mid, y, 16.0, Align::Centre, "双向转诊单（转出）");
        y += 12.0;
        c.text(
            left,
            y,
            11.0,
            Align::Left,
            &format!("{}：", self.to_facility),
        );
        y = c.paragraph(
            left + 8.0,
            y + 8.0,
            right - left - 8.0,
            11.0,
            3,
            &format!(
                "现有患者 {who}（身份证号 {}，费别 {}）因病情需要，需转入贵单位，请予以接诊。",
                p.id_number, p.scheme
            ),
        );
        let sections = [
            ("初步印象", self.diagnoses.join("；")),
            ("转出原因", self.reason.clone()),
            ("主要现病史", self.present_illness.clone()),
            ("主要既往史", self.past_history.clone()),
            ("治疗经过", self.treatment.clone()),
        ];
        for (title, text) in &sections {
            y += 10.0;
            c.text(left, y, 11.0, Align::Left, &format!("{title}："));
            y = c.paragraph(
                left + 8.0,
                y + 6.5,
                right - left - 8.0,
                10.5,
                5,
                or_else(text, "无"),
            );
        }
        let foot = A4.1 - 45.0;
        c.text(
            left,
            foot,
            11.0,
            Align::Left,
            &format!("转诊医生（签字）：{}", self.doctor),
        );
        c.text(
            left,
            foot + 8.0,
            11.0,
            Align::Left,
            &format!("联系电话：{}", self.phone),
        );
        c.text(
            right,
            foot,
            11.0,
            Align::Right,
            &format!("{}（盖章）", self.from_facility),
        );
        c.text(right, foot + 8.0, 11.0, Align::Right, &self.date);
        Ok(c.finish())
    }
}

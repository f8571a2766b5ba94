//! The prescription (处方笺), A5 as pharmacies file them. The 处方管理办法 allows at most five
//! medicines on one prescription, so a longer prescription prints as several, each numbered.

use crate::Patient;
use crate::Result;
use crate::canvas::{Align, Canvas, Printed};

/// Medicines per prescription sheet (处方管理办法, art. 6: no more than five).
pub const LINES_PER_SHEET: usize = 5;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrescriptionLine {
    pub drug: String,
    /// Pack specification (规格): `5mg×28片`.
    pub spec: String,
    /// `×2盒`
    pub quantity: String,
    /// `口服  每次5 mg  每日1次(qd)  7天`
    pub usage: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrescriptionSheet {
    pub facility: String,
    /// Prescription number, unique at the facility.
    pub number: String,
    pub date: String,
    pub department: String,
    pub patient: Patient,
    pub diagnoses: Vec<String>,
    pub allergies: Vec<String>,
    pub lines: Vec<PrescriptionLine>,
    /// `¥ 56.80`
    pub total: String,
    pub doctor: String,
}

const A5: (f32, f32) = (148.0, 210.0);
const MARGIN: f32 = 12.0;

impl PrescriptionSheet {
    pub fn to_pdf(&self) -> Result<Printed> {
        let mut c = Canvas::new("处方笺", A5.0, A5.1)?;
        let chunks: Vec<&[PrescriptionLine]> = if self.lines.is_empty() {
            vec![&[]]
        } else {
            self.lines.chunks(LINES_PER_SHEET).collect()
        };
        for (i, lines) in chunks.iter().enumerate() {
            if i > 0 {
                c.next_page();
            }
            let sheet_no = (chunks.len() > 1).then(|| (i + 1, chunks.len()));
            self.draw(&mut c, lines, sheet_no);
        }
        Ok(c.finish())
    }

    fn draw(&self, c: &mut Canvas, lines: &[PrescriptionLine], sheet_no: Option<(usize, usize)>) {
        let (left, right) = (MARGIN, A5.0 - MARGIN);
        let mid = A5.0 / 2.0;
        c.text(mid, 16.0, 13.0, Align::Centre, &self.facility);
        c.text(mid, 25.0, 16.0, Align::Centre, "处方笺");
        c.frame(right - 14.0, 10.0, 14.0, 8.0, false);
        c.text(right - 7.0, 15.8, 10.0, Align::Centre, "普通");

        let number = match sheet_no {
            Some((n, of)) => format!("No. {}-{n}（共{of}张）", self.number),
            None => format!("No. {}", self.number),
        };
        c.text(
            left,
            34.0,
            9.0,
            Align::Left,
            &format!("费别：{}", self.patient.scheme),
        );
        c.text(right, 34.0, 9.0, Align::Right, &number);
        c.line(left, 36.5, right, 36.5, 0.8);

        let p = &self.patient;
        c.text(left, 43.0, 10.0, Align::Left, &format!("姓名：{}", p.name));
        c.text(
            left + 50.0,
            43.0,
            10.0,
            Align::Left,
            &format!("性别：{}", p.sex),
        );
        c.text(
            left + 80.0,
            43.0,
            10.0,
            Align::Left,
            &format!("年龄：{}", p.age),
        );
        c.text(
            left,
            50.0,
            10.0,
            Align::Left,
            &format!("身份证号：{}", p.id_number),
        );
        c.text(
            left + 80.0,
            50.0,
            10.0,
            Align::Left,
            &format!("科别：{}", self.department),
        );
        c.text(
            left,
            57.0,
            10.0,
            Align::Left,
            &format!("开具日期：{}", self.date),
        );
        c.text(
            left + 80.0,
            57.0,
            10.0,
            Align::Left,
            &format!("电话：{}", p.phone),
        );
        let diagnoses = format!(
            "临床诊断：{}",
            or_else(&self.diagnoses.join("；"), "未填写")
        );
        let y = c.paragraph(left, 64.0, right - left, 10.0, 2, &diagnoses);
        let allergies = format!("过敏史：{}", or_else(&self.allergies.join("、"), "未记录"));
        let y = c.paragraph(left, y + 7.0, right - left, 10.0, 2, &allergies);
        c.line(left, y + 3.0, right, y + 3.0, 0.8);

        c.text(left, y + 13.0, 16.0, Align::Left, "Rp.");
        let mut line_y = y + 22.0;
        for (i, line) in lines.iter().enumerate() {
            c.text(
                left + 4.0,
                line_y,
                10.5,
                Align::Left,
                &format!("{}. {}", i + 1, line.drug),
            );
            c.text(left + 62.0, line_y, 10.0, Align::Left, &line.spec);
            c.text(right, line_y, 10.0, Align::Right, &line.quantity);
            line_y = c.paragraph(
                left + 9.0,
                line_y + 5.5,
                right - left - 9.0,
                9.0,
                2,
                &line.usage,
            );
            line_y += 8.0;
        }
        if lines.len() < LINES_PER_SHEET {
            // Pharmacies expect the unused space struck out so nothing can be added by hand.
            c.text(left + 4.0, line_y, 9.0, Align::Left, "（以下空白）");
        }

        let foot = A5.1 - 30.0;
        c.line(left, foot, right, foot, 0.8);
        c.text(
            left,
            foot + 7.0,
            10.0,
            Align::Left,
            &format!("医师：{}", self.doctor),
        );
        let total = if sheet_no.is_some_and(|(n, _)| n > 1) {
            "金额：见第1张".to_string()
        } else {
            format!("金额：{}", self.total)
        };
        c.text(right, foot + 7.0, 10.0, Align::Right, &total);
        c.text(left, foot + 14.0, 10.0, Align::Left, "审核药师：");
        c.text(left + 45.0, foot + 14.0, 10.0, Align::Left, "调配：");
        c.text(left + 85.0, foot + 14.0, 10.0, Align::Left, "核对/发药：");
        c.text(
            left,
            foot + 22.0,
            8.0,
            Align::Left,
            "本处方当日有效。取药时请核对姓名、药名和用法。",
        );
    }
}

/// `text`, or what to print in its place when it is empty.
pub(crate) fn or_else<'a>(text: &'a str, blank: &'a str) -> &'a str {
    if text.trim().is_empty() { blank } else { text }
}

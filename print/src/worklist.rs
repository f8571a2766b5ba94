//! The worklist a village doctor takes on the round (随访名单): A4 landscape, one row per
//! resident with what is due, since when, how to reach them, and boxes to tick for the outcome.

use crate::Result;
use crate::canvas::{Align, Canvas, Printed};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorklistRow {
    pub name: String,
    /// `男 68岁`
    pub sex_age: String,
    pub address: String,
    /// A phone, with whose it is when not theirs: `13812345678（母 王芳）`.
    pub phone: String,
    pub household: String,
    /// What is due, one line per item.
    pub due: Vec<String>,
    /// `2026-10-01 逾期57天`, or `2026-12-04`.
    pub since: String,
    pub last_visit: String,
    /// The last call of this round: `11-20 未联系上（第2次）`.
    pub last_contact: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorklistSheet {
    pub facility: String,
    /// `慢病随访`
    pub list: String,
    /// `新河村` or `全部`
    pub village: String,
    /// `2026-11-27`
    pub day: String,
    pub doctor: String,
    pub rows: Vec<WorklistRow>,
}

const A4_LANDSCAPE: (f32, f32) = (297.0, 210.0);
const MARGIN: f32 = 10.0;
const FIRST_ROW: f32 = 38.0;
const ROW_END: f32 = 196.0;
/// Column starts (mm from the left edge): number, name, village, phone, household, due since,
/// what is due, last visit, outcome boxes (to the right margin).
const COLUMNS: [f32; 9] = [10.0, 18.0, 38.0, 52.0, 82.0, 118.0, 142.0, 192.0, 222.0];
const OUTCOMES: [&str; 4] = ["已联系", "未联系上", "已迁出", "已死亡"];

impl WorklistSheet {
    pub fn to_pdf(&self) -> Result<Printed> {
        let (w, h) = A4_LANDSCAPE;
        let mut c = Canvas::new(&format!("{}名单", self.list), w, h)?;
        let mut page = 1;
        let mut y = self.header(&mut c, page);
        if self.rows.is_empty() {
            c.text(MARGIN, y + 4.0, 11.0, Align::Left, "今日无到期或逾期人员。");
        }
        for (i, row) in self.rows.iter().enumerate() {
            let contact = usize::from(!row.last_contact.is_empty()) * 3;
            let lines = row.due.len().max(contact).clamp(2, 4) as f32;
            let height = 4.6 * lines + 2.0;
            if y + height > ROW_END {
                c.text(w - MARGIN, ROW_END + 6.0, 8.0, Align::Right, "（续下页）");
                c.next_page();
                page += 1;
                y = self.header(&mut c, page);
            }
            let size = 9.0;
            let width = |i: usize| COLUMNS[i + 1] - COLUMNS[i] - 1.5;
            c.text(COLUMNS[0], y, size, Align::Left, &(i + 1).to_string());
            c.paragraph(COLUMNS[1], y, width(1), size, 1, &row.name);
            c.text(COLUMNS[1], y + 4.6, 8.0, Align::Left, &row.sex_age);
            c.paragraph(COLUMNS[2], y, width(2), 8.0, 2, &row.address);
            c.paragraph(COLUMNS[3], y, width(3), 8.5, 2, &row.phone);
            c.paragraph(COLUMNS[4], y, width(4), 7.5, 2, &row.household);
            c.paragraph(COLUMNS[5], y, width(5), 8.0, 2, &row.since);
            if let [only] = row.due.as_slice() {
                c.paragraph(COLUMNS[6], y, width(6), 8.0, 2, only);
            } else {
                for (k, item) in row.due.iter().take(4).enumerate() {
                    c.paragraph(COLUMNS[6], y + 4.6 * k as f32, width(6), 8.0, 1, item);
                }
            }
            c.paragraph(COLUMNS[7], y, width(7), 8.0, 2, &row.last_visit);
            c.paragraph(COLUMNS[7], y + 9.2, width(7), 7.5, 1, &row.last_contact);
            let mut x = COLUMNS[8];
            for outcome in OUTCOMES {
                c.frame(x, y - 2.8, 3.0, 3.0, false);
                c.text(x + 4.0, y, 8.0, Align::Left, outcome);
                x += 4.0 + c.measure(outcome, 8.0) + 2.5;
            }
            c.line(COLUMNS[8], y + 6.0, w - MARGIN, y + 6.0, 0.2);
            y += height;
            c.line(MARGIN, y - 3.2, w - MARGIN, y - 3.2, 0.2);
        }
        Ok(c.finish())
    }

    /// Title and column heads; returns the first row's baseline.
    fn header(&self, c: &mut Canvas, page: usize) -> f32 {
        let (w, _) = A4_LANDSCAPE;
        c.text(
            w / 2.0,
            15.0,
            14.0,
            Align::Centre,
            &format!("{} {}名单", self.facility, self.list),
        );
        c.text(
            MARGIN,
            24.0,
            9.5,
            Align::Left,
            &format!(
                "村：{}    日期：{}    随访医生：{}",
                self.village, self.day, self.doctor
            ),
        );
        c.text(
            w - MARGIN,
            24.0,
            9.0,
            Align::Right,
            &format!("共 {} 人 · 第 {page} 页", self.rows.len()),
        );
        c.line(MARGIN, 26.5, w - MARGIN, 26.5, 0.6);
        let heads = [
            "序号",
            "姓名",
            "住址",
            "电话",
            "家庭成员",
            "应随访日期",
            "应随访项目",
            "上次就诊",
            "结果（请勾选）",
        ];
        for (x, head) in COLUMNS.iter().zip(heads) {
            c.text(*x, 31.5, 9.0, Align::Left, head);
        }
        c.line(MARGIN, 33.5, w - MARGIN, 33.5, 0.4);
        FIRST_ROW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_runs_onto_more_pages() {
        let row = WorklistRow {
            name: "王建国".into(),
            sex_age: "男 68岁".into(),
            due: vec!["高血压随访".into()],
            since: "2026-10-01 逾期57天".into(),
            ..Default::default()
        };
        let sheet = WorklistSheet {
            list: "慢病随访".into(),
            rows: vec![row; 60],
            ..Default::default()
        };
        let printed = sheet.to_pdf().unwrap();
        assert!(printed.missing.is_empty());
        let file = std::env::temp_dir().join(format!("worklist-{}.pdf", std::process::id()));
        std::fs::write(&file, &printed.pdf).unwrap();
        let text = std::process::Command::new("pdftotext")
            .args(["-layout".as_ref(), file.as_os_str(), "-".as_ref()])
            .output()
            .expect("pdftotext (poppler-utils) is installed by scripts/setup.sh");
        std::fs::remove_file(&file).ok();
        let text = String::from_utf8_lossy(&text.stdout);
        // 60 rows of 11 mm on pages with 158 mm for rows: 14 a page, 5 pages.
        assert!(text.contains("共 60 人 · 第 5 页"), "{text}");
        assert!(!text.contains("第 6 页"));
        assert_eq!(text.matches("王建国").count(), 60);
    }
}

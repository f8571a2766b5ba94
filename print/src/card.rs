//! The printed eHealth card: a card-sized (ISO/IEC 7810 ID-1) panel on A4 paper, with a
//! dashed line to cut along, for a resident who has no phone to show the code on.

use crate::canvas::{Align, Canvas, Printed, QrModules};
use crate::{Error, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardSheet {
    /// The issuing facility's name.
    pub facility: String,
    pub name: String,
    pub sex: String,
    /// `1958-03-02`
    pub birth: String,
    /// Masked: `110105********0015`.
    pub id_number: String,
    /// The QR code of the signed `EHC1:` card code (made by whoever signed it).
    pub qr: QrModules,
    /// `2031-11-26`
    pub valid_until: String,
    pub issued: String,
}

const A4: (f32, f32) = (210.0, 297.0);
const CARD: (f32, f32) = (85.6, 54.0);
const CARD_AT: (f32, f32) = (20.0, 20.0);
/// Wide enough that a version-13 code (the longest card code seen) keeps modules ≥ 0.5 mm.
const QR_SIDE: f32 = 36.0;

impl CardSheet {
    pub fn to_pdf(&self) -> Result<Printed> {
        let qr = &self.qr;
        if qr.size == 0 || qr.dark.len() != (qr.size * qr.size) as usize {
            return Err(Error::Qr(format!(
                "{} modules for a {}×{} code",
                qr.dark.len(),
                qr.size,
                qr.size
            )));
        }
        let mut c = Canvas::new("居民电子健康卡", A4.0, A4.1)?;
        let (x, y) = CARD_AT;
        c.frame(x, y, CARD.0, CARD.1, true);
        c.text(
            x + CARD.0 / 2.0,
            y + 7.0,
            11.0,
            Align::Centre,
            "居民电子健康卡",
        );
        c.line(x + 4.0, y + 9.5, x + CARD.0 - 4.0, y + 9.5, 0.4);

        // The QR sits at the right with at least four modules clear on every side.
        let qr_x = x + CARD.0 - QR_SIDE - 3.5;
        let qr_y = y + 13.0;
        c.qr(qr_x, qr_y, QR_SIDE, qr);

        let left = x + 4.0;
        let fields = [
            ("姓名", self.name.as_str()),
            ("性别", self.sex.as_str()),
            ("出生", self.birth.as_str()),
            ("证件", self.id_number.as_str()),
            ("有效期至", self.valid_until.as_str()),
        ];
        let mut line_y = y + 17.0;
        for (i, (label, value)) in fields.iter().enumerate() {
            let size = if i == 0 { 12.0 } else { 7.0 };
            c.text(left, line_y, 6.0, Align::Left, label);
            c.text(left + 11.0, line_y, size, Align::Left, value);
            line_y += if i == 0 { 7.5 } else { 5.0 };
        }
        c.text(left, y + CARD.1 - 4.0, 6.0, Align::Left, &self.facility);

        let notes = [
            "沿虚线剪下，可塑封后随身携带。".to_string(),
            "就诊、接种、取药时出示此卡二维码。".to_string(),
            "卡上有本人姓名和出生日期，请妥善保管，勿借给他人。".to_string(),
            format!("发卡机构：{}    发卡日期：{}", self.facility, self.issued),
        ];
        let mut note_y = y + CARD.1 + 12.0;
        for note in notes {
            c.text(x, note_y, 10.0, Align::Left, &note);
            note_y += 6.5;
        }
        Ok(c.finish())
    }
}

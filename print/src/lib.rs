//! The clinic's printed documents, as PDF: the resident's card for those without a phone, the
//! prescription (处方笺), the referral (转诊单) and the charge list handed over at the till
//! (门诊收费清单), and the village doctor's worklist (随访名单).
//!
//! Each document is a plain sheet of display strings (the app fills it from the store, where
//! roles and the audit are enforced) laid out on a page of fixed size. Text is set in the
//! GB2312 subset of WenQuanYi Micro Hei, subset again per document; the card's QR code is
//! drawn as vector squares, so it stays sharp on any printer.

mod canvas;
mod card;
mod prescription;
mod receipt;
mod referral;
mod worklist;

pub use canvas::{Printed, QrModules};
pub use card::CardSheet;
pub use prescription::{PrescriptionLine, PrescriptionSheet};
pub use receipt::{ReceiptLine, ReceiptSheet};
pub use referral::ReferralSheet;
pub use worklist::{WorklistRow, WorklistSheet};

/// WenQuanYi Micro Hei cut to GB2312 + Latin (Apache-2.0, see assets/fonts/).
pub static CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei-gb2312.ttf");

/// Who the printed resident is, as the header of a prescription or referral shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Patient {
    pub name: String,
    /// 男 / 女 / 未知
    pub sex: String,
    /// `45岁`, or `8月` for an infant.
    pub age: String,
    /// The ID number, masked: `110105********0015`.
    pub id_number: String,
    /// Insurance scheme or self-pay (费别).
    pub scheme: String,
    pub phone: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the QR code cannot be drawn: {0}")]
    Qr(String),
    #[error("the printing font cannot be read")]
    Font,
    #[error("{0} has no character {1:?} in the printing font")]
    MissingGlyph(&'static str, char),
}

pub type Result<T> = std::result::Result<T, Error>;

//! What can be wrong with a visit as entered, as values: the window words them (in Chinese or
//! English), tests match them.

use crate::Date;
use crate::model::{ChronicCondition, ControlStatus};

/// A field of the visit forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormField {
    Systolic,
    Diastolic,
    Pulse,
    Temperature,
    Glucose,
    HbA1c,
    Weight,
    FollowUpDate,
    GestationalWeeks,
    FundalHeight,
    FetalHeart,
    DaysAfterBirth,
    Height,
    HeadCircumference,
    /// The day a dose copied from the vaccination certificate was given.
    PastDoseDay,
}

/// Why a visit as entered cannot be saved yet. Nothing is saved until every one is fixed.
#[derive(Clone, Debug, PartialEq)]
pub enum FormError {
    /// Not a number, or outside what the field can hold.
    OutOfRange {
        field: FormField,
        text: String,
        lo: f32,
        hi: f32,
    },
    /// Not a day written `YYYY-MM-DD`.
    NotADate { field: FormField, text: String },
    /// A record that needs this field is asked for without it.
    Missing(FormField),
    /// Only one of systolic and diastolic.
    HalfBloodPressure,
    /// Neither a complaint nor a diagnosis.
    NothingRecorded,
    /// A blocking warning (an allergy match) without the doctor's reason for going on.
    OverrideNeedsReason {
        warning_zh: String,
        warning_en: String,
    },
    /// A correction of an earlier record without its reason.
    CorrectionNeedsReason,
    /// A prescription line naming no drug of the catalogue.
    NotADrug(String),
    /// The rules could not work out a line's quantity (`why`, in Chinese, when they said).
    NoQuantity { drug: String, why: Option<String> },
    /// A dose given without its lot number (批号).
    NoLot { vaccine: String, dose: u8 },
    /// A dose copied from the certificate without the vaccine and dose chosen.
    PastDoseUnchosen,
    /// A copied dose given before the birth or after today.
    PastDoseOutside { day: Date, birth: Date },
    /// A follow-up without its reading: the blood pressure, or for diabetes a fasting
    /// glucose or an HbA1c.
    FollowUpNeedsReading(ChronicCondition),
    /// A follow-up whose readings do not classify it, and no classification chosen.
    ClassificationUnchosen,
    /// A classification other than the readings give, without the reason.
    ClassificationNeedsReason {
        read: ControlStatus,
        chosen: ControlStatus,
    },
}

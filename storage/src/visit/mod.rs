//! A visit as the doctor enters it, and the records it makes. The encounter form and its
//! public-health section are plain data here (numbers as typed, so a half-typed field is
//! never lost), with their rules: what each field may hold, what each national form needs,
//! the classification of a follow-up, and the changes to commit in one transaction. The
//! window draws these forms and shows a [`FormError`] in the staff's language; nothing here
//! knows of a screen.

mod encounter;
mod error;
mod public_health;

pub use encounter::{EncounterForm, MAX_COMPLAINT_CHARS, Patient, RxLine};
pub use error::{FormError, FormField};
pub use public_health::{DoseNow, PastEntry, PublicHealth, Visitor, classified};

/// A number typed into `field`, in `lo..=hi`, or nothing when blank.
fn number(text: &str, field: FormField, lo: f32, hi: f32) -> Result<Option<f32>, FormError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f32>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(Some(v)),
        _ => Err(FormError::OutOfRange {
            field,
            text: t.into(),
            lo,
            hi,
        }),
    }
}

/// A whole number in `lo..=hi` (rounded), or nothing when blank.
fn whole(text: &str, field: FormField, lo: u16, hi: u16) -> Result<Option<u16>, FormError> {
    Ok(number(text, field, f32::from(lo), f32::from(hi))?.map(|v| v.round() as u16))
}

/// Tenths of a unit (`52.5` → 525) in `lo..=hi` units, or nothing when blank.
fn tenths(text: &str, field: FormField, lo: f32, hi: f32) -> Result<Option<u16>, FormError> {
    Ok(number(text, field, lo, hi)?.map(|v| (v * 10.0).round() as u16))
}

/// A day typed as `YYYY-MM-DD` into `field`, or nothing when blank.
fn day(text: &str, field: FormField) -> Result<Option<crate::Date>, FormError> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| FormError::NotADate {
            field,
            text: t.into(),
        }),
    }
}

//! Dose units: what converts to what, and the quantity to dispense.

/// A dose unit reduced to its dimension and a factor to that dimension's base unit.
#[derive(Debug, Clone, PartialEq)]
enum Dimension {
    /// Base: mg.
    Mass(f64),
    /// Base: ml.
    Volume(f64),
    /// International units.
    Units,
    /// Puffs of an inhaler (揿, 喷).
    Puff,
    /// A countable thing: 片, 粒, 袋… (only converts to itself).
    Count(String),
}

fn dimension(unit: &str) -> Dimension {
    match unit.trim() {
        "mg" => Dimension::Mass(1.0),
        "g" => Dimension::Mass(1000.0),
        "μg" | "µg" | "ug" | "mcg" => Dimension::Mass(0.001),
        "ml" | "mL" => Dimension::Volume(1.0),
        "L" | "l" => Dimension::Volume(1000.0),
        "IU" | "U" | "单位" => Dimension::Units,
        "puff" | "揿" | "喷" => Dimension::Puff,
        other => Dimension::Count(other.to_string()),
    }
}

/// `value` of `from` expressed in `to`, if they measure the same thing.
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    match (dimension(from), dimension(to)) {
        (Dimension::Mass(a), Dimension::Mass(b)) | (Dimension::Volume(a), Dimension::Volume(b)) => {
            Some(value * a / b)
        }
        (Dimension::Units, Dimension::Units) | (Dimension::Puff, Dimension::Puff) => Some(value),
        (Dimension::Count(a), Dimension::Count(b)) if a == b => Some(value),
        _ => None,
    }
}

/// The most units one line may dispense; more is a typing error, not a prescription.
const MOST: f64 = 100_000.0;

/// Dispensing units for `dose` × `per_day` × `days`, when one unit holds `strength` of
/// `strength_unit`: rounded up (a started pack or tablet is dispensed whole).
pub fn quantity(
    dose: f64,
    dose_unit: &str,
    per_day: u32,
    days: u32,
    strength: f64,
    strength_unit: &str,
) -> Result<u32, String> {
    if !(dose.is_finite() && dose > 0.0 && strength.is_finite() && strength > 0.0) {
        return Err("the dose and the strength must be positive numbers".into());
    }
    if per_day == 0 || days == 0 {
        return Err("doses per day and days must be at least 1".into());
    }
    let per_dose = convert(dose, dose_unit, strength_unit).ok_or_else(|| {
        format!("a dose in {dose_unit} cannot be measured against a strength in {strength_unit}")
    })?;
    let units = per_dose * per_day as f64 * days as f64 / strength;
    // A hair under a whole number is that number (0.1 × 3 / 0.3 must be 1, not 2).
    let whole = (units - 1e-9).ceil().max(1.0);
    if !whole.is_finite() || whole > MOST {
        return Err(format!(
            "{units:.0} units is more than one prescription dispenses"
        ));
    }
    Ok(whole as u32)
}

/// A total amount written plainly: `4 g`, `750 mg`, `0.5 mg`.
pub fn show(value: f64, unit: &str) -> String {
    let rounded = (value * 1000.0).round() / 1000.0;
    format!("{rounded} {unit}")
}

//! Serde helpers: fixed-size binary values are text in JSON and raw bytes in postcard.

use serde::de::Error;
use serde::{Deserialize, Deserializer, Serializer};

pub(crate) fn bytes_or_text<S: Serializer>(
    s: S,
    bytes: &[u8],
    text: impl FnOnce() -> String,
) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        s.serialize_str(&text())
    } else {
        s.serialize_bytes(bytes)
    }
}

/// Reads `N` raw bytes, or text that `FromStr` parses (UUIDs, hex card ids).
pub(crate) fn from_bytes_or_text<'de, D, T, const N: usize>(
    d: D,
    make: impl FnOnce([u8; N]) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    if d.is_human_readable() {
        let text = String::deserialize(d)?;
        text.parse().map_err(D::Error::custom)
    } else {
        let bytes: &[u8] = <&[u8]>::deserialize(d)?;
        let array: [u8; N] = bytes
            .try_into()
            .map_err(|_| D::Error::invalid_length(bytes.len(), &"a fixed-size value"))?;
        Ok(make(array))
    }
}

/// Amendments nest (`Amendment.replacement` is a record body, which may be an amendment):
/// deeper than this is refused while decoding. A change from another device could otherwise
/// nest millions deep in a few megabytes and overflow the stack of whoever decodes it.
pub(crate) const MAX_NESTING: u32 = 8;

thread_local! {
    static NESTING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Deserializes a boxed value one nesting level deeper, refusing past [`MAX_NESTING`].
pub(crate) fn bounded_box<'de, D, T>(d: D) -> Result<Box<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let depth = NESTING.with(|n| n.get());
    if depth >= MAX_NESTING {
        return Err(D::Error::custom("amendments nested too deep"));
    }
    NESTING.with(|n| n.set(depth + 1));
    let value = T::deserialize(d);
    NESTING.with(|n| n.set(depth));
    value.map(Box::new)
}

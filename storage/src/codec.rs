//! How a change is kept on disk: its postcard encoding without the id (the table's key holds
//! it), compressed with zstd and a dictionary trained on the demo township, then sealed by the
//! encrypted file like every page. A change of 170 bytes is about 60 on disk: most of a change
//! is field structure, codes, facility and staff names that every township shares, which a
//! dictionary knows before the first byte and per-change compression alone never learns.
//!
//! The stored value is `tag ‖ payload`: [`PLAIN`] is the bare encoding (kept where compressing
//! does not pay), [`ZSTD_1`] a zstd frame under dictionary 1. A dictionary can never change once
//! a file holds its frames: a new one gets a new tag, and the old one stays in the program.
//!
//! The wire format and the audit chain's hashes stay [`Change::encode`]: compression is a
//! matter of this file only.

use std::cell::RefCell;
use std::sync::LazyLock;

use redb::ReadableTable;
use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::{DecoderDictionary, EncoderDictionary};

use crate::error::{Error, Result};
use crate::ids::{Hlc, Id};
use crate::model::{Body, Change, Origin};

const PLAIN: u8 = 0;
const ZSTD_1: u8 = 1;

/// Dictionary 1: zstd's trainer (64 KB, run through Python's `zstandard`) on the demo
/// township's change payloads, as [`training_samples`] gives them. Frozen.
pub const DICTIONARY_1: &[u8] = include_bytes!("codec/changes-1.zdict");

/// Fast enough for a bootstrap of hundreds of thousands of changes; higher levels save a few
/// per cent more at several times the cost.
const LEVEL: i32 = 3;

/// No change comes near this (the hub refuses pushes far smaller); a frame that claims more
/// is damage, not data, and is refused before anything is allocated.
const MAX_DECODED: u64 = 16 << 20;

static ENCODER: LazyLock<EncoderDictionary<'static>> =
    LazyLock::new(|| EncoderDictionary::copy(DICTIONARY_1, LEVEL));
static DECODER: LazyLock<DecoderDictionary<'static>> =
    LazyLock::new(|| DecoderDictionary::copy(DICTIONARY_1));

thread_local! {
    // A context per thread: made once, reused for every change (a context costs more to make
    // than a change costs to compress).
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompressor<'static>>> = const { RefCell::new(None) };
}

fn compressor() -> Result<Compressor<'static>> {
    use zstd::zstd_safe::CParameter;
    let mut c = Compressor::with_prepared_dictionary(&ENCODER).map_err(zstd_error)?;
    // The content size lets the reader allocate once; the frame's checksum and dictionary id
    // would only repeat what the encrypted page's tag and our own tag already say.
    for p in [
        CParameter::ContentSizeFlag(true),
        CParameter::ChecksumFlag(false),
        CParameter::DictIdFlag(false),
    ] {
        c.set_parameter(p).map_err(zstd_error)?;
    }
    Ok(c)
}

fn zstd_error(e: std::io::Error) -> Error {
    Error::Corrupt(format!("compression: {e}"))
}

/// `payload` as stored: compressed when that is smaller.
pub(crate) fn pack(payload: &[u8]) -> Result<Vec<u8>> {
    let frame = COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(compressor()?);
        }
        cell.as_mut()
            .expect("made above")
            .compress(payload)
            .map_err(zstd_error)
    })?;
    let (tag, body) = if frame.len() < payload.len() {
        (ZSTD_1, frame.as_slice())
    } else {
        (PLAIN, payload)
    };
    let mut out = Vec::with_capacity(1 + body.len());
    out.push(tag);
    out.extend_from_slice(body);
    Ok(out)
}

/// The payload of a stored value.
pub(crate) fn unpack(stored: &[u8]) -> Result<Vec<u8>> {
    match stored.split_first() {
        Some((&PLAIN, payload)) => Ok(payload.to_vec()),
        Some((&ZSTD_1, frame)) => {
            let size = zstd::zstd_safe::get_frame_content_size(frame)
                .ok()
                .flatten()
                .filter(|&n| n <= MAX_DECODED)
                .ok_or_else(|| Error::Corrupt("a compressed value without its size".into()))?;
            DECOMPRESSOR.with(|cell| {
                let mut cell = cell.borrow_mut();
                if cell.is_none() {
                    *cell =
                        Some(Decompressor::with_prepared_dictionary(&DECODER).map_err(zstd_error)?);
                }
                let out = cell
                    .as_mut()
                    .expect("made above")
                    .decompress(frame, size as usize)
                    .map_err(zstd_error)?;
                if out.len() as u64 != size {
                    return Err(Error::Corrupt(
                        "a compressed value of the wrong size".into(),
                    ));
                }
                Ok(out)
            })
        }
        Some((tag, _)) => Err(Error::Corrupt(format!(
            "a stored value in an unknown format ({tag}): written by a newer program?"
        ))),
        None => Err(Error::Corrupt("an empty stored value".into())),
    }
}

/// The change as its table stores it (the key is its id). Public for the tools and tests that
/// read or alter the table behind the store's back.
pub fn pack_change(change: &Change) -> Result<Vec<u8>> {
    pack(&postcard::to_stdvec(&(
        &change.hlc,
        &change.origin,
        &change.body,
    ))?)
}

/// The change with id `id`, from its stored value.
pub fn unpack_change(id: u128, stored: &[u8]) -> Result<Change> {
    let (hlc, origin, body): (Hlc, Origin, Body) = postcard::from_bytes(&unpack(stored)?)
        .map_err(|e| Error::Corrupt(format!("change {}: {e}", Id(id))))?;
    Ok(Change {
        id: Id(id),
        hlc,
        origin,
        body,
    })
}

/// The change `id` from the changes table, if held.
pub(crate) fn read_change(
    changes: &impl ReadableTable<u128, &'static [u8]>,
    id: u128,
) -> Result<Option<Change>> {
    changes
        .get(id)?
        .map(|v| unpack_change(id, v.value()))
        .transpose()
}

/// Every change's payload (its encoding without the id, uncompressed), for training a
/// dictionary: what [`pack`] compresses.
pub fn training_samples(store: &crate::Store) -> Result<Vec<Vec<u8>>> {
    let tx = store.read()?;
    let mut out = Vec::new();
    for row in tx.open_table(crate::tables::CHANGES)?.iter()? {
        out.push(unpack(row?.1.value())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_compressed_or_plain() {
        let text = "湖北省孝感市孝昌县花园镇王岗村1组".repeat(3).into_bytes();
        let packed = pack(&text).unwrap();
        assert_eq!(packed[0], ZSTD_1);
        assert!(packed.len() < text.len() / 2, "{}", packed.len());
        assert_eq!(unpack(&packed).unwrap(), text);
        // Nothing to gain: kept as it is, one byte longer.
        let tiny = [7u8];
        assert_eq!(pack(&tiny).unwrap(), [PLAIN, 7]);
        assert_eq!(unpack(&[PLAIN, 7]).unwrap(), tiny);
    }

    #[test]
    fn damaged_values_are_refused_not_trusted() {
        let packed = pack("高血压随访，血压控制满意，继续服药。".repeat(4).as_bytes()).unwrap();
        for cut in 1..packed.len() {
            assert!(unpack(&packed[..cut]).is_err(), "cut at {cut}");
        }
        assert!(unpack(&[]).is_err());
        assert!(
            unpack(&[9, 1, 2])
                .unwrap_err()
                .to_string()
                .contains("newer program")
        );
        // A frame that says it holds more than any change is refused before anything is
        // allocated for it.
        let mut huge = vec![ZSTD_1];
        huge.extend(zstd::bulk::compress(&vec![0u8; (MAX_DECODED + 1) as usize], 1).unwrap());
        assert!(unpack(&huge).is_err());
    }
}

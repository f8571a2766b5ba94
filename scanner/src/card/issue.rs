//! Issuing codes: printed cards, phone presentations (for tests and demos), QR images.

use ciborium::Value;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rxing::{BarcodeFormat, EncodeHints, MultiFormatWriter, Writer};

use super::claims::{self, CardToken};
use super::container::{seal, to_cbor, wrap};
use super::keys;
use super::verify::presentation_message;

/// The COSE_Sign1 bytes of a card token, signed by the issuer key.
pub fn sign_card(token: &CardToken, issuer: &SigningKey) -> Vec<u8> {
    seal(
        to_cbor(&claims::build(token)),
        issuer,
        &keys::kid(issuer.verifying_key()),
    )
}

/// The `EHC1:` text of a card.
pub fn issue_card(token: &CardToken, issuer: &SigningKey) -> String {
    format!("EHC1:{}", wrap(&sign_card(token, issuer)))
}

/// The `EHP1:` text a phone shows at `ts`, for a phone-bound card's COSE bytes.
pub fn present(card_cose: &[u8], holder: &SigningKey, ts: u64) -> String {
    let sig: Signature = holder.sign(&presentation_message(card_cose, ts));
    let value = Value::Array(vec![
        Value::Bytes(card_cose.to_vec()),
        Value::Integer(ts.into()),
        Value::Bytes(sig.to_bytes().to_vec()),
    ]);
    format!("EHP1:{}", base45::encode(to_cbor(&value)))
}

/// The modules of a QR code: `size` × `size`, dark = `true`, row by row, without quiet zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    pub size: u32,
    pub dark: Vec<bool>,
}

impl QrMatrix {
    pub fn get(&self, x: u32, y: u32) -> bool {
        self.dark[(y * self.size + x) as usize]
    }
}

/// A QR code of `text` (ECC level M, one symbol): printed cards draw it as vectors.
pub fn qr_matrix(text: &str) -> Result<QrMatrix, String> {
    let hints = EncodeHints {
        ErrorCorrection: Some("M".into()),
        Margin: Some("0".into()),
        ..Default::default()
    };
    let matrix = MultiFormatWriter
        .encode_with_hints(text, &BarcodeFormat::QR_CODE, 0, 0, &hints)
        .map_err(|e| e.to_string())?;
    let size = matrix.getWidth();
    let dark = (0..size * size)
        .map(|i| matrix.get(i % size, i / size))
        .collect();
    Ok(QrMatrix { size, dark })
}

/// A QR code of `text` as a grey image with a 4-module quiet zone, `module` pixels per module.
pub fn qr_image(text: &str, module: u32) -> Result<crate::image::LumaImage, String> {
    const QUIET: u32 = 4;
    let matrix = qr_matrix(text)?;
    let side = (matrix.size + 2 * QUIET) * module;
    let mut pixels = Vec::with_capacity((side * side) as usize);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (
                (x / module).wrapping_sub(QUIET),
                (y / module).wrapping_sub(QUIET),
            );
            let dark = mx < matrix.size && my < matrix.size && matrix.get(mx, my);
            pixels.push(if dark { 0 } else { 255 });
        }
    }
    crate::image::LumaImage::new(side, side, pixels).map_err(|e| e.to_string())
}

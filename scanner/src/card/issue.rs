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

/// A QR code of `text` (ECC level M, one symbol) as a grey image with a 4-module quiet zone,
/// `module` pixels per module.
pub fn qr_image(text: &str, module: u32) -> Result<crate::image::LumaImage, String> {
    let hints = EncodeHints {
        ErrorCorrection: Some("M".into()),
        Margin: Some("4".into()),
        ..Default::default()
    };
    let matrix = MultiFormatWriter
        .encode_with_hints(text, &BarcodeFormat::QR_CODE, 0, 0, &hints)
        .map_err(|e| e.to_string())?;
    let (w, h) = (matrix.getWidth(), matrix.getHeight());
    let mut pixels = Vec::with_capacity((w * h * module * module) as usize);
    for y in 0..h * module {
        for x in 0..w * module {
            pixels.push(if matrix.get(x / module, y / module) {
                0
            } else {
                255
            });
        }
    }
    crate::image::LumaImage::new(w * module, h * module, pixels).map_err(|e| e.to_string())
}

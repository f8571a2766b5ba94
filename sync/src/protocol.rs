//! The wire protocol shared by the workstation client and the hub (see ../PROTOCOL.md).
//!
//! **Wire format, frozen**: bodies are postcard, then zlib-compressed; postcard identifies
//! fields by position, so never reorder or retype fields; add new messages or new routes, or
//! append a field and raise [`PROTOCOL_VERSION`], the hub decoding the older form by the
//! version header (see [`FetchRequest::decode_versioned`]).

use std::io::{Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use storage::Id;
use storage::model::Identifier;

/// Sent in the `x-clinic-protocol` header; the hub refuses versions outside
/// [`OLDEST_PROTOCOL_VERSION`]`..=PROTOCOL_VERSION` with 409.
///
/// - 1: the first version.
/// - 2: [`FetchRequest`] gained `break_glass`.
/// - 3: [`EntryResult::Later`] (sent only to clients of version 3), [`PushResponse`] gained
///   the hub's [`Receipt`], and changes of kinds older clients cannot decode (consent proofs,
///   trust lists) travel by pull.
pub const PROTOCOL_VERSION: u32 = 3;
/// The oldest version the hub still serves, so workstations not yet updated keep syncing
/// (update the hub first).
pub const OLDEST_PROTOCOL_VERSION: u32 = 1;
pub const CONTENT_TYPE: &str = "application/x-clinic-sync";
/// Requests larger than this are refused (413) before they are read into memory.
pub const MAX_BODY: usize = 16 << 20;
/// Inflated bodies larger than this are refused: a small request must not become a bomb.
pub const MAX_INFLATED: u64 = 64 << 20;

pub mod route {
    pub const ENROL: &str = "/v1/enrol";
    pub const PUSH: &str = "/v1/push";
    pub const PULL: &str = "/v1/pull";
    pub const FETCH: &str = "/v1/fetch";
    pub const TRUST_LIST: &str = "/v1/trust-list";
    pub const ADMIN_ENROL: &str = "/v1/admin/enrol";
    pub const ADMIN_REVOKE: &str = "/v1/admin/revoke";
    pub const ADMIN_TRUST: &str = "/v1/admin/trust";
}

/// A workstation asks to join with the one-time code the hub admin gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
    /// The workstation's device id (from its store).
    pub device: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device credential: sent as a bearer token on every request from now on.
    pub token: String,
    /// The facility the code was issued for: the workstation works for it.
    pub facility: String,
}

/// One outbox entry: the change's id, the outbox version, the encoded change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushEntry {
    pub id: Id,
    pub version: u32,
    pub change: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub entries: Vec<PushEntry>,
}

/// What the hub did with one entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryResult {
    /// Stored now.
    Stored,
    /// Already held (a resend): nothing changed.
    Duplicate,
    /// Refused, with a reason staff can act on; the client keeps the entry.
    Rejected(String),
    /// Protocol 3: not yet (the change's clock is ahead of the hub's); the client keeps the
    /// entry pending and sends it again in a later round.
    Later(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One per entry, in request order, echoing id and version.
    pub results: Vec<(Id, u32, EntryResult)>,
    /// Protocol 3 (older clients ignore it): how much of the pushing device's audit chain the
    /// hub holds, signed by the hub.
    pub receipt: Option<Receipt>,
}

/// The push answer of a hub of protocol 2, without the receipt.
#[derive(Deserialize)]
struct PushResponseV2 {
    results: Vec<(Id, u32, EntryResult)>,
}

impl PushResponse {
    /// Decodes a push answer from a hub of protocol 3, or of 2 (no receipt).
    pub fn decode_any(body: &[u8]) -> Result<PushResponse, WireError> {
        decode::<PushResponse>(body).or_else(|_| {
            let v2: PushResponseV2 = decode(body)?;
            Ok(PushResponse {
                results: v2.results,
                receipt: None,
            })
        })
    }
}

/// **Wire format, frozen.** The hub's countersignature of a device's audit chain: it holds
/// `entries` entries, the last with hash `head`. The workstation keeps the latest; a chain
/// that no longer contains that entry was cut short or rewritten, and says so at start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub device: String,
    pub entries: u64,
    pub head: [u8; 32],
    pub at_ms: i64,
    /// The hub's receipt key (SEC1 P-256), learnt at the first receipt over the pinned TLS
    /// connection and required to be the same afterwards.
    pub hub_key: Vec<u8>,
    /// ES256 over [`Receipt::message`].
    pub signature: Vec<u8>,
}

impl Receipt {
    /// The signed bytes: a label, then every field but the key and the signature.
    pub fn message(&self) -> Vec<u8> {
        let mut m = b"clinic-hub audit receipt 1".to_vec();
        m.extend_from_slice(&(self.device.len() as u32).to_be_bytes());
        m.extend_from_slice(self.device.as_bytes());
        m.extend_from_slice(&self.entries.to_be_bytes());
        m.extend_from_slice(&self.head);
        m.extend_from_slice(&self.at_ms.to_be_bytes());
        m
    }

    /// Whether the signature verifies under `key` (SEC1).
    pub fn verify(&self, key: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier;
        let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(key) else {
            return false;
        };
        let Ok(sig) = p256::ecdsa::Signature::from_slice(&self.signature) else {
            return false;
        };
        key.verify(&self.message(), &sig).is_ok()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The hub sequence the client has applied up to (0 at first).
    pub cursor: u64,
    pub limit: u32,
    /// The resync token the client last saw; a different one from the hub means start over.
    pub epoch: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Encoded changes after the cursor, in hub order, for the client's catchment.
    pub changes: Vec<Vec<u8>>,
    /// The new cursor: the hub sequence of the last change examined.
    pub cursor: u64,
    pub more: bool,
    /// The hub's resync token; when it differs from the request's, the client resets its cursor.
    pub epoch: u64,
}

/// A scanned card or ID unknown locally: ask the hub (which may ask its own upstream).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchRequest {
    pub identifier: Identifier,
    /// Protocol 2: a clinician's break-glass reason. When non-empty the hub hands over the
    /// resident's records whatever the consent, and audits the reason on its own chain.
    pub break_glass: Option<String>,
}

/// The fetch request of protocol 1 (no break-glass).
#[derive(Deserialize)]
struct FetchRequestV1 {
    identifier: Identifier,
}

impl FetchRequest {
    /// Decodes a fetch request sent with protocol `version`: postcard is not self-describing,
    /// so a version 1 body (without `break_glass`) needs its own form.
    pub fn decode_versioned(body: &[u8], version: u32) -> Result<FetchRequest, WireError> {
        if version < 2 {
            let v1: FetchRequestV1 = decode(body)?;
            return Ok(FetchRequest {
                identifier: v1.identifier,
                break_glass: None,
            });
        }
        decode(body)
    }

    /// The break-glass reason, if one was given (blank counts as none).
    pub fn break_glass_reason(&self) -> Option<&str> {
        self.break_glass
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchResponse {
    /// The resident's changes (registration first, then records), or none if unknown.
    pub changes: Vec<Vec<u8>>,
    /// How long the workstation may keep a resident outside its catchment.
    pub keep_days: u32,
}

/// Admin: issue an enrolment code (only from the hub's own machine, with the admin token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminEnrolRequest {
    pub facility: String,
    pub name: String,
    /// The code is for a hub below this one (relaying its township).
    pub relay: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminEnrolResponse {
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminRevokeRequest {
    pub device: String,
}

/// Admin: publish a trust list (and pin its root, the first time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminTrustRequest {
    /// The `.ehtl` file.
    pub list: Vec<u8>,
    /// The root key (SEC1 hex) to pin, if the hub pins none yet.
    pub root: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminTrustResponse {
    pub version: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the body is not a valid message: {0}")]
    Decode(String),
    #[error("the body inflates to more than the limit")]
    TooLarge,
}

/// postcard, then zlib.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let raw = postcard::to_stdvec(value).unwrap_or_default();
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(raw.len() / 2),
        flate2::Compression::fast(),
    );
    let _ = z.write_all(&raw);
    z.finish().unwrap_or_default()
}

/// The reverse of [`encode`], refusing bodies that inflate past [`MAX_INFLATED`].
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, WireError> {
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(body)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut raw)
        .map_err(|e| WireError::Decode(e.to_string()))?;
    if raw.len() as u64 > MAX_INFLATED {
        return Err(WireError::TooLarge);
    }
    postcard::from_bytes(&raw).map_err(|e| WireError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_garbage_is_an_error() {
        let req = PullRequest {
            cursor: 42,
            limit: 1000,
            epoch: 7,
        };
        assert_eq!(decode::<PullRequest>(&encode(&req)).unwrap(), req);
        assert!(decode::<PullRequest>(b"garbage").is_err());
        let truncated = &encode(&req)[..3];
        assert!(decode::<PullRequest>(truncated).is_err());
    }

    #[test]
    fn a_version_1_fetch_request_still_decodes_and_version_2_carries_break_glass() {
        #[derive(Serialize)]
        struct V1 {
            identifier: Identifier,
        }
        let identifier = Identifier::HospitalCard {
            facility: "H42092100101".into(),
            number: "123".into(),
        };
        let old = encode(&V1 {
            identifier: identifier.clone(),
        });
        let decoded = FetchRequest::decode_versioned(&old, 1).unwrap();
        assert_eq!(decoded.identifier, identifier);
        assert_eq!(decoded.break_glass_reason(), None);
        // The same bytes read as version 2 lack the field: an error, not a guess.
        assert!(FetchRequest::decode_versioned(&old, 2).is_err());

        let new = FetchRequest {
            identifier,
            break_glass: Some("  unconscious, no relatives  ".into()),
        };
        let decoded = FetchRequest::decode_versioned(&encode(&new), 2).unwrap();
        assert_eq!(decoded, new);
        assert_eq!(
            decoded.break_glass_reason(),
            Some("unconscious, no relatives")
        );
        let blank = FetchRequest {
            break_glass: Some("  ".into()),
            ..new
        };
        assert_eq!(blank.break_glass_reason(), None);
    }
}

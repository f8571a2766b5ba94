//! What a scan means, in the spec's words (CARD_FORMAT.md, "Verification outcomes").

use serde::Serialize;

/// The layer of a signed code that could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Prefix,
    Base45,
    Zlib,
    Cose,
    Cbor,
    Claims,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Prefix => "prefix",
            Layer::Base45 => "base45",
            Layer::Zlib => "zlib",
            Layer::Cose => "cose",
            Layer::Cbor => "cbor",
            Layer::Claims => "claims",
        }
    }
}

/// The verification outcome of a scanned code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Valid,
    /// Expired at `since` (Unix seconds).
    Expired {
        since: u64,
    },
    /// Valid only from `from` (Unix seconds).
    NotYetValid {
        from: u64,
    },
    SignatureInvalid,
    /// No key with this id (hex) in the trust list.
    UnknownKey {
        kid: String,
    },
    /// The issuer key was not valid when the card was issued.
    KeyNotValidAtIat,
    Revoked,
    /// The phone's timestamp is outside the accepted window.
    StalePresentation {
        ts: u64,
        now: u64,
    },
    ReplayedPresentation,
    /// A phone-bound card shown as a bare `EHC1` code (a screenshot).
    NeedsLiveCode,
    Malformed {
        layer: Layer,
        detail: String,
    },
    /// Nothing to verify: resolved through the store or the hub.
    PlatformCardCode,
}

impl Outcome {
    /// The spec's words.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Expired { .. } => "expired",
            Outcome::NotYetValid { .. } => "not yet valid",
            Outcome::SignatureInvalid => "signature invalid",
            Outcome::UnknownKey { .. } => "unknown key",
            Outcome::KeyNotValidAtIat => "key not valid at iat",
            Outcome::Revoked => "revoked",
            Outcome::StalePresentation { .. } => "stale presentation",
            Outcome::ReplayedPresentation => "replayed presentation",
            Outcome::NeedsLiveCode => "needs live code",
            Outcome::Malformed { .. } => "malformed",
            Outcome::PlatformCardCode => "platform card code",
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Outcome::Valid)
    }

    pub(crate) fn malformed(layer: Layer, detail: impl std::fmt::Display) -> Outcome {
        Outcome::Malformed {
            layer,
            detail: detail.to_string(),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Malformed { layer, detail } => {
                write!(f, "malformed ({}): {detail}", layer.as_str())
            }
            Outcome::UnknownKey { kid } => write!(f, "unknown key ({kid})"),
            other => f.write_str(other.word()),
        }
    }
}

//! Turning light or bytes into a verified eHealth card.
//!
//! `decode` finds codes in grey images; `card` says what a code's text means and verifies
//! signed codes offline against a trust list (and issues them). Knows nothing of egui or redb.

pub mod camera;
pub mod camera_file;
pub mod card;
pub mod decode;
pub mod gate;
pub mod image;
pub mod serial;
pub mod source;
pub mod wedge;
pub mod worker;

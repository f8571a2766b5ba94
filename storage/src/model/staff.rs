//! Staff accounts of a facility.

use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    FrontDesk,
    Doctor,
    Admin,
    /// The hub's settlement service: the only author of claim adjudications. No one logs in
    /// with it.
    Settlement,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub facility: String,
    /// Argon2id hash in PHC string form; never the password.
    pub password_hash: String,
    pub active: bool,
}

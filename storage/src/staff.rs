//! Staff accounts: argon2id password hashes, roles, login.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use redb::ReadableTable;

use crate::apply::{decode, encode};
use crate::error::{Error, Result};
use crate::model::{Role, Staff};
use crate::store::Store;
use crate::tables::STAFF;

/// Passwords shorter than this are refused.
pub const MIN_PASSWORD_LEN: usize = 6;

impl Store {
    /// Creates or replaces a staff account. The password is hashed with argon2id.
    pub fn put_staff(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        facility: &str,
        password: &str,
    ) -> Result<Staff> {
        let username = username.trim();
        if username.is_empty() {
            return Err(Error::Invalid("a user name is required".into()));
        }
        if role == Role::Settlement {
            return Err(Error::Invalid(
                "the settlement role belongs to the hub's service, not to a person".into(),
            ));
        }
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(Error::Invalid(format!(
                "a password needs at least {MIN_PASSWORD_LEN} characters"
            )));
        }
        let salt = SaltString::generate(&mut OsRng);
        let password_hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| Error::Invalid(format!("password hashing failed: {e}")))?
            .to_string();
        let staff = Staff {
            username: username.to_string(),
            display_name: display_name.trim().to_string(),
            role,
            facility: facility.to_string(),
            password_hash,
            active: true,
        };
        let tx = self.begin_write_raw()?;
        tx.open_table(STAFF)?
            .insert(staff.username.as_str(), encode(&staff)?.as_slice())?;
        tx.commit()?;
        Ok(staff)
    }

    pub fn staff(&self) -> Result<Vec<Staff>> {
        let tx = self.read()?;
        let t = tx.open_table(STAFF)?;
        t.iter()?.map(|row| decode(row?.1.value())).collect()
    }

    /// Checks a password. Unknown user and wrong password give the same error.
    pub fn login(&self, username: &str, password: &str) -> Result<Staff> {
        let tx = self.read()?;
        let t = tx.open_table(STAFF)?;
        let staff: Option<Staff> = t
            .get(username.trim())?
            .map(|v| decode(v.value()))
            .transpose()?;
        let Some(staff) = staff.filter(|s| s.active) else {
            // Spend the same time as a real check so timing does not reveal user names.
            let _ = Argon2::default()
                .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
            return Err(Error::AuthFailed);
        };
        let hash = PasswordHash::new(&staff.password_hash)
            .map_err(|_| Error::Corrupt("a stored password hash is malformed".into()))?;
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .map_err(|_| Error::AuthFailed)?;
        Ok(staff)
    }
}

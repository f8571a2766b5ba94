//! Staff accounts: argon2id password hashes, roles, login.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use redb::ReadableTable;

use crate::apply::{decode, encode};
use crate::error::{Error, Result};
use crate::model::{AuditAction, AuditEntry, Body, Role, Staff};
use crate::store::{Actor, Store};
use crate::tables::STAFF;

/// Failed logins of one user name allowed before each further attempt must wait.
pub const FREE_ATTEMPTS: usize = 5;
/// How far back failed logins count, and the longest wait.
const THROTTLE_WINDOW_MS: i64 = 15 * 60_000;

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

    /// Logs a staff member in at `facility`: checks the password and audits the success or
    /// the failure. After [`FREE_ATTEMPTS`] failures for one user name since its last success
    /// (within 15 minutes), each further attempt must wait, 30 s at first and twice as long
    /// after each failure, at most 15 minutes, and is refused unchecked until then. The waits
    /// come from the audit log itself, so restarting the program does not reset them.
    pub fn log_in(&self, username: &str, password: &str, facility: &str) -> Result<Staff> {
        let name: String = match username.trim() {
            "" => "(blank)".into(),
            n => n.chars().take(64).collect(),
        };
        let now = self.clock().now_ms();
        let recent =
            self.search_audit(now - THROTTLE_WINDOW_MS, now + 1, Some(&name), None, 1_000)?;
        let failures: Vec<i64> = recent
            .iter()
            .rev()
            .take_while(|(_, e)| e.action != AuditAction::Login)
            .filter(|(_, e)| e.action == AuditAction::LoginFailed)
            .map(|(c, _)| c.hlc.unix_ms())
            .collect();
        if failures.len() >= FREE_ATTEMPTS {
            let doublings = (failures.len() - FREE_ATTEMPTS).min(10) as u32;
            let wait = (30_000i64 << doublings).min(THROTTLE_WINDOW_MS);
            let until = failures[0].saturating_add(wait);
            if now < until {
                return Err(Error::TooManyAttempts {
                    wait_s: ((until - now) / 1000 + 1) as u64,
                });
            }
        }
        let checked = self.login(&name, password);
        let (actor, action) = match &checked {
            Ok(staff) => (
                Actor {
                    staff: staff.username.clone(),
                    facility: facility.to_string(),
                    role: staff.role,
                },
                AuditAction::Login,
            ),
            Err(Error::AuthFailed) => (
                Actor {
                    staff: name,
                    facility: facility.to_string(),
                    role: Role::FrontDesk,
                },
                AuditAction::LoginFailed,
            ),
            Err(_) => return checked,
        };
        self.commit_one(&actor, Body::Audit(AuditEntry::new(action, None, "")))?;
        checked
    }

    /// Checks a password, without audit (the screens log in with [`Store::log_in`]). Unknown
    /// user and wrong password give the same error.
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

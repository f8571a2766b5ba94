//! Who may do what, enforced here so that no screen can forget to check.
//!
//! Front desk registers, links, checks in and takes payment; doctors also write clinical
//! records; administrators manage facilities (and staff and devices, outside the change log).
//! Reading a history is for doctors; anyone else, or anything the resident has not consented
//! to, needs break-glass with a reason, which is audited.

use crate::error::{Error, Result};
use crate::model::{Body, Role};

/// May `role` make this change?
pub fn may_write(role: Role, body: &Body) -> bool {
    match body {
        Body::Audit(_) => true,
        Body::CardUse(_) | Body::ConsentProof(_) => matches!(role, Role::FrontDesk | Role::Doctor),
        Body::Record(_) => role == Role::Doctor,
        Body::Facility(_) | Body::Policy(_) | Body::TrustList(_) => role == Role::Admin,
        Body::ClaimStatus { .. } => role == Role::Settlement,
        Body::Resident(_)
        | Body::Household(_)
        | Body::Consent(_)
        | Body::CheckIn(_)
        | Body::QueueStatus { .. }
        | Body::Claim(_)
        | Body::Payment(_) => matches!(role, Role::FrontDesk | Role::Doctor),
    }
}

pub(crate) fn check_write(role: Role, body: &Body) -> Result<()> {
    if may_write(role, body) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "a {role:?} account may not record a {} change",
            body.kind()
        )))
    }
}

/// Shortest break-glass reason accepted: a word or two, not a blank or a dot.
pub const MIN_REASON_CHARS: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    #[test]
    fn the_rules() {
        let audit = Body::Audit(AuditEntry::new(AuditAction::Login, None, ""));
        for role in [Role::FrontDesk, Role::Doctor, Role::Admin] {
            assert!(may_write(role, &audit));
        }
        let fac = Body::Facility(Facility {
            code: "x".into(),
            name: "x".into(),
            level: FacilityLevel::Village,
            county: String::new(),
            township: String::new(),
        });
        assert!(may_write(Role::Admin, &fac) && !may_write(Role::Doctor, &fac));
    }
}

//! 物业服务企业 (property service firms) and the association's recommended supplier roster
//! (优选供应商推荐名录): applications and profiles, the roster standing with its audit
//! history ([`standing`]), credit and the whitelist ([`credit`]), the service models a
//! firm may offer ([`models`]) and the association's review ([`review`]). A firm as sent
//! and checked is `input.rs` ([`FirmInput`] → [`ValidFirm`]), where it is kept `store.rs`;
//! who sees what of it is here.
//!
//! A firm's whole current state is one [`FirmSnapshot`] (in `shared::domain::roster`): the
//! API answers it (with the phone masked for the public) and every change to a firm puts it
//! on the feed as topic [`TOPIC`], entity id = the firm's id.

pub mod credit;
mod history;
mod input;
pub mod models;
pub mod review;
pub mod standing;
mod store;

use shared::auth::{Identity, Role, Scope};
use shared::domain::PhoneNumber;
use shared::domain::roster::FirmSnapshot;
use shared::error::Problem;

pub use history::Author;
pub use input::{FirmInput, PointInput, ValidFirm, duplicate_credit_code, limits};
pub use store::{
    RosterFilter, firm_with_credit_code, insert, insert_many, list, load, load_many, load_or_404,
    not_found, touch, update_profile,
};

/// The feed topic of every change to a firm.
pub const TOPIC: &str = shared::events::catalog::FIRM;

/// Feed kinds of the `firm` topic.
pub mod kind {
    pub const APPLIED: &str = "applied";
    pub const PROFILE_UPDATED: &str = "profile_updated";
    pub const STANDING_CHANGED: &str = "standing_changed";
    pub const CREDIT_CHANGED: &str = "credit_changed";
    pub const WHITELIST_CHANGED: &str = "whitelist_changed";
    pub const PROFILE_REVIEWED: &str = "profile_reviewed";
    pub const APPLICATION_REJECTED: &str = "application_rejected";
}

/// Whether the caller sees a firm's private details (the whole contact phone): the
/// association, services, and the firm's own accounts.
pub fn sees_private(identity: Option<&Identity>, firm_id: &str) -> bool {
    match identity {
        Some(i) => match i.role {
            Role::Association | Role::Service => true,
            Role::Firm => matches!(&i.scope, Scope::Firm(id) if id == firm_id),
            _ => false,
        },
        None => false,
    }
}

/// A firm as the caller may see it: the phone masked unless [`sees_private`].
pub fn view(mut firm: FirmSnapshot, identity: Option<&Identity>) -> FirmSnapshot {
    if !sees_private(identity, &firm.id) {
        firm.contact_phone = PhoneNumber::parse(&firm.contact_phone)
            .map(|p| p.masked())
            .unwrap_or_else(|_| "****".into());
    }
    firm
}

/// Whether the caller sees who recorded an audit event: the association only.
pub fn sees_authors(identity: Option<&Identity>) -> bool {
    identity.is_some_and(|i| i.role == Role::Association)
}

/// Who may read a firm's whole audit trail (`GET /catalog/firms/{id}/audit`): the
/// association, city, district and street officials (read-only), and the firm itself; 403 for
/// anyone else.
pub fn may_read_audit(identity: &Identity, firm_id: &str) -> std::result::Result<(), Problem> {
    match identity.role {
        Role::Association | Role::CityOfficial | Role::DistrictOfficial | Role::StreetOfficial => {
            Ok(())
        }
        Role::Firm => identity.require_firm(firm_id),
        _ => Err(Problem::forbidden(
            "只有协会、区县和街道工作人员及企业本身可以查看企业的审计记录。",
        )),
    }
}

/// Whether the audit trail shows its authors: to the association and officials, not to
/// the firm itself.
pub fn audit_shows_authors(identity: &Identity) -> bool {
    matches!(
        identity.role,
        Role::Association | Role::CityOfficial | Role::DistrictOfficial | Role::StreetOfficial
    )
}

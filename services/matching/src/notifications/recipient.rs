//! Who a notification is for: an organisation as a role and scope (a firm, a compound's
//! committee, a street, a district, the association, the city's officials), so every
//! account of it sees the same notifications; read state is per account.

use shared::auth::{Identity, Role, Scope};
use shared::error::Problem;

/// An organisation that receives notifications.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipient {
    Firm(String),
    /// A compound's committee (业委会/物管会/院委会).
    Committee(String),
    /// A street's officials.
    Street(String),
    /// A district's officials.
    District(String),
    /// The association (物业管理协会).
    Association,
    /// The city's officials.
    City,
}

impl Recipient {
    /// How it is stored (`notification.recipient`, `webhook.recipient`).
    pub fn key(&self) -> String {
        match self {
            Recipient::Firm(id) => format!("firm:{id}"),
            Recipient::Committee(id) => format!("committee:{id}"),
            Recipient::Street(code) => format!("street:{code}"),
            Recipient::District(code) => format!("district:{code}"),
            Recipient::Association => "association".into(),
            Recipient::City => "city".into(),
        }
    }

    /// The organisation a stored key names.
    pub fn parse(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once(':').unwrap_or((key, ""));
        let id = id.to_string();
        Some(match (kind, id.is_empty()) {
            ("firm", false) => Recipient::Firm(id),
            ("committee", false) => Recipient::Committee(id),
            ("street", false) => Recipient::Street(id),
            ("district", false) => Recipient::District(id),
            ("association", true) => Recipient::Association,
            ("city", true) => Recipient::City,
            _ => return None,
        })
    }

    /// The caller's organisation; a service token has no inbox (403).
    pub fn of(identity: &Identity) -> Result<Self, Problem> {
        Ok(match (&identity.role, &identity.scope) {
            (Role::Firm, Scope::Firm(id)) => Recipient::Firm(id.clone()),
            (Role::Committee, Scope::Compound(id)) => Recipient::Committee(id.clone()),
            (Role::StreetOfficial, Scope::Street(code)) => Recipient::Street(code.clone()),
            (Role::DistrictOfficial, Scope::District(code)) => Recipient::District(code.clone()),
            (Role::Association, _) => Recipient::Association,
            (Role::CityOfficial, Scope::City) => Recipient::City,
            _ => {
                return Err(Problem::forbidden(format!(
                    "当前账号（{}）没有通知收件箱。",
                    identity.role.label_zh()
                )));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(role: Role, scope: Scope) -> Identity {
        Identity {
            account_id: "a".into(),
            name: "n".into(),
            role,
            scope,
            token_id: String::new(),
        }
    }

    #[test]
    fn each_role_has_its_organisation_and_a_service_none() {
        let firm = Recipient::of(&identity(Role::Firm, Scope::Firm("f1".into()))).unwrap();
        assert_eq!(firm.key(), "firm:f1");
        assert_eq!(Recipient::parse("firm:f1"), Some(firm));
        assert_eq!(
            Recipient::parse("association"),
            Some(Recipient::Association)
        );
        assert_eq!(Recipient::parse("firm:"), None);
        let street = identity(Role::StreetOfficial, Scope::Street("510104017".into()));
        assert_eq!(Recipient::of(&street).unwrap().key(), "street:510104017");
        let service = identity(Role::Service, Scope::City);
        assert_eq!(Recipient::of(&service).unwrap_err().status, 403);
        // A role with a scope it cannot have is no organisation either.
        let odd = identity(Role::Committee, Scope::Firm("f1".into()));
        assert_eq!(Recipient::of(&odd).unwrap_err().status, 403);
    }
}

//! Who did an audited thing ([`Author`]), and the rows of a firm's histories (standing,
//! credit, whitelist) read one page at a time, with their authors shown only to whom may
//! see them.

use shared::auth::Identity;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Who did something: an account, or an anonymous applicant.
#[derive(Debug, Clone)]
pub struct Author {
    pub id: Option<String>,
    pub name: String,
}

impl Author {
    pub fn of(identity: &Identity) -> Self {
        Self {
            id: Some(identity.account_id.clone()),
            name: identity.name.clone(),
        }
    }

    pub fn of_applicant(identity: Option<&Identity>, firm_name: &str) -> Self {
        match identity {
            Some(identity) => Self::of(identity),
            None => Self {
                id: None,
                name: format!("申请企业：{firm_name}"),
            },
        }
    }
}

/// Who did an audited thing, as the caller may see it: `(author_id, author_name)` for the
/// association (and officials on the audit trail), nothing for anyone else. Every history
/// list reads its authors through this.
pub(crate) fn author_columns(
    row: &AnyRow,
    shown: bool,
) -> std::result::Result<(Option<String>, Option<String>), sqlx::Error> {
    if shown {
        Ok((row.try_get("author_id")?, Some(row.try_get("author_name")?)))
    } else {
        Ok((None, None))
    }
}

/// The rows of one firm's history in `table`, oldest first (every history list pages
/// through this).
pub(crate) struct History {
    filter: shared::db::Filter,
}

pub(crate) fn history_of(firm_id: &str) -> History {
    let mut filter = shared::db::Filter::default();
    let n = filter.param(shared::db::Bind::Text(firm_id.to_string()));
    filter.push(format!("firm_id = ${n}"));
    History { filter }
}

impl History {
    pub(crate) fn list<'a>(
        &'a self,
        columns: &'a str,
        table: &'a str,
    ) -> shared::db::ListQuery<'a> {
        shared::db::ListQuery {
            columns,
            from: table,
            filter: &self.filter,
            order_by: "at, id",
        }
    }
}

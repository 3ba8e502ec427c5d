//! Rows as the service reads them: the filters of its lists, built for the kernel's
//! [`shared::db::ListQuery`] (every value the client sent is a bound parameter), and the
//! one error for a stored value that does not decode.

use shared::db::{Bind, Filter};

/// Conditions a list adds to its [`Filter`].
pub trait Conditions {
    /// `column = $n` for each column whose value was given.
    fn equal<'a>(&mut self, given: impl IntoIterator<Item = (&'a str, Option<&'a str>)>);
}

impl Conditions for Filter {
    fn equal<'a>(&mut self, given: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) {
        for (column, value) in given {
            if let Some(value) = value {
                let n = self.param(Bind::Text(value.to_string()));
                self.push(format!("{column} = ${n}"));
            }
        }
    }
}

/// A stored value that does not decode: which row, which column, why. An internal error
/// (logged, answered 500), never a panic and never a silent default.
pub fn undecodable(
    table: &str,
    id: &str,
    column: &str,
    why: impl std::fmt::Display,
) -> sqlx::Error {
    sqlx::Error::Decode(format!("{table} {id}: stored {column}: {why}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_values_become_bound_conditions() {
        let mut f = Filter::default();
        f.push("status <> 'draft'");
        f.equal([
            ("compound_id", Some("c1")),
            ("firm_id", None),
            ("period", Some("2026")),
        ]);
        assert_eq!(
            f.sql(),
            " WHERE status <> 'draft' AND compound_id = $1 AND period = $2"
        );
        assert_eq!(
            f.binds(),
            [Bind::Text("c1".into()), Bind::Text("2026".into())]
        );
    }
}

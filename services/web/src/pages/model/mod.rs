//! The APIs' answers as the pages read them: only the fields they show, with the texts the
//! templates print (formatting itself is in [`crate::format`]).

pub mod accounts;
pub mod catalog;
pub mod complaints;
pub mod contract;
pub mod fund;
pub mod incentives;
pub mod matching;
pub mod owners;
pub mod plans;
pub mod register;
pub mod tender;

use serde::Deserialize;

/// A page of a list as every API answers it (`{"items": […], "total", "limit", "offset"}`):
/// the kernel's own type.
pub use shared::extract::Page;

/// What the pages do with a page of a list.
pub trait Pager {
    /// The links to the previous and next pages of a list page at `path` filtered by
    /// `filters` (empty ones left out), if there are such pages.
    fn pager(&self, path: &str, filters: &[(&str, &str)]) -> (Option<String>, Option<String>);
}

impl<T> Pager for Page<T> {
    fn pager(&self, path: &str, filters: &[(&str, &str)]) -> (Option<String>, Option<String>) {
        let link = |offset: i64| {
            let mut p: Vec<(&str, String)> = filters
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.to_string()))
                .collect();
            p.push(("offset", offset.to_string()));
            format!(
                "{path}?{}",
                serde_urlencoded::to_string(&p).unwrap_or_default()
            )
        };
        let prev = (self.offset > 0).then(|| link((self.offset - self.limit).max(0)));
        let next = (self.offset + self.limit < self.total).then(|| link(self.offset + self.limit));
        (prev, next)
    }
}

/// No items (a list the page could not load, shown empty), `limit` to a page.
pub fn empty_page<T>(limit: i64) -> Page<T> {
    Page {
        items: Vec::new(),
        total: 0,
        limit,
        offset: 0,
    }
}

/// What a create answers that the pages use: the new record's id.
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::{Page, Pager};

    #[test]
    fn the_pager_keeps_the_filters() {
        let page = Page::<()> {
            items: Vec::new(),
            total: 45,
            limit: 20,
            offset: 20,
        };
        let (prev, next) = page.pager("/roster", &[("district", "510104"), ("q", "")]);
        assert_eq!(prev.as_deref(), Some("/roster?district=510104&offset=0"));
        assert_eq!(next.as_deref(), Some("/roster?district=510104&offset=40"));
        let last = Page::<()> { offset: 40, ..page };
        assert_eq!(last.pager("/roster", &[]).1, None);
    }
}

//! The APIs' answers as the pages read them: only the fields they show, with the texts the
//! templates print (formatting itself is in [`crate::format`]).

pub mod catalog;
pub mod contract;
pub mod matching;
pub mod owners;
pub mod tender;

use serde::Deserialize;

/// A page of a list (`{"items": […], "total": …}`); the pages read the counts where they
/// show them.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default)]
    pub total: i64,
    #[serde(default)]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

impl<T> Page<T> {
    /// No items (a list the page could not load, shown empty).
    pub fn empty(limit: i64) -> Self {
        Self {
            items: Vec::new(),
            total: 0,
            limit,
            offset: 0,
        }
    }
}

/// What a create answers that the pages use: the new record's id.
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    pub id: String,
}

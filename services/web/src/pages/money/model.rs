//! The fee answers of the tender API as the pages read them, and their loaders.

use serde::Deserialize;

use super::desk::Desk;
use crate::api;
use crate::error::PageError;
use crate::state::WebState;

/// A collection rate as the API answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Collection {
    pub compound_id: String,
    pub compound_name: String,
    pub billed_fen: i64,
    pub paid_fen: i64,
    pub rate_text: String,
}

impl Collection {
    pub fn billed(&self) -> String {
        crate::format::yuan(self.billed_fen)
    }

    pub fn paid(&self) -> String {
        crate::format::yuan(self.paid_fen)
    }
}

/// One bill not paid in full.
#[derive(Debug, Clone, Deserialize)]
pub struct Arrear {
    pub bill_id: String,
    pub unit_label: String,
    pub month: String,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub owed_fen: i64,
}

impl Arrear {
    pub fn amount(&self) -> String {
        crate::format::yuan(self.amount_fen)
    }

    pub fn paid(&self) -> String {
        crate::format::yuan(self.paid_fen)
    }

    pub fn owed(&self) -> String {
        crate::format::yuan(self.owed_fen)
    }
}

/// The arrears of the desk's year (the first page).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Arrears {
    pub items: Vec<Arrear>,
    pub total: i64,
}

/// A row error of the import report.
#[derive(Debug, Clone, Deserialize)]
pub struct RowError {
    pub line: u32,
    pub column: String,
    pub value: String,
    pub message: String,
}

/// The import's report as the API answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportReport {
    pub committed: bool,
    pub rows_total: usize,
    pub recorded: usize,
    pub recorded_fen: i64,
    pub already_recorded: usize,
    pub errors: Vec<RowError>,
    pub errors_total: usize,
    pub errors_not_listed: Option<String>,
}

impl ImportReport {
    pub fn recorded_text(&self) -> String {
        crate::format::yuan(self.recorded_fen)
    }
}

/// The desk's arrears for `year` (the keepers' own: the API's refusal is the page's).
pub async fn arrears(app: &WebState, desk: &Desk, year: i32) -> Result<Arrears, PageError> {
    let url = format!(
        "{}?{}",
        desk.api(&app.api.tender, &["fees", "arrears"]),
        api::query(&[
            ("from", &format!("{year}-01")),
            ("to", &format!("{year}-12")),
            ("limit", "200"),
        ])
    );
    Ok(app.api.get(&url, Some(&desk.token)).await?)
}

/// The compound's public collection rate for `year`, if the API answers.
pub async fn collection(app: &WebState, compound_id: &str, year: i32) -> Option<Collection> {
    let url = format!(
        "{}{}?{}",
        app.api.tender,
        api::path(&["tenders", "compounds", compound_id, "fees", "collection"]),
        api::query(&[
            ("from", &format!("{year}-01")),
            ("to", &format!("{year}-12"))
        ])
    );
    app.api.get(&url, None).await.ok()
}

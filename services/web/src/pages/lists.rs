//! Lists more than one area's pages load the same way.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::model::Page;
use super::model::contract::Contract;
use crate::api::{self, ApiError};
use crate::state::WebState;

#[derive(Debug, Deserialize)]
struct CompoundName {
    name: String,
}

/// A firm's contracts (newest first) with their compounds' names (the association's record
/// of the firm; the firm's own workbench).
pub async fn contracts_of(
    app: &WebState,
    token: Option<&str>,
    firm_id: &str,
) -> Result<Vec<Contract>, ApiError> {
    let mut page: Page<Contract> = app
        .api
        .get(
            &format!(
                "{}/tenders/contracts?{}",
                app.api.tender,
                api::query(&[("firm", firm_id), ("limit", "200")])
            ),
            token,
        )
        .await?;
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for c in &page.items {
        if !names.contains_key(&c.compound_id) {
            let name = app
                .api
                .catalog_get::<CompoundName>(
                    &api::path(&["catalog", "compounds", &c.compound_id]),
                    token,
                )
                .await
                .map(|c| c.name)
                .unwrap_or_else(|_| c.compound_id.clone());
            names.insert(c.compound_id.clone(), name);
        }
    }
    for c in &mut page.items {
        c.compound_name = names.get(&c.compound_id).cloned().unwrap_or_default();
    }
    Ok(page.items)
}

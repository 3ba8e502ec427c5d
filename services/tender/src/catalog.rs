//! Asking the catalog directly, for the one decision that must not rest on a copy that
//! may lag: whether the winner of a tender is still recommended at the moment of award.

use std::time::Duration;

use reqwest::StatusCode;
use shared::error::Problem;

use crate::replica::FirmCopy;
use crate::roster::{self, Refusal};

/// A client of the catalog's API.
#[derive(Debug, Clone)]
pub struct CatalogClient {
    /// `http://host:port` (the API is under `/catalog`).
    pub base: String,
    /// A service token for the catalog.
    pub token: String,
    pub http: reqwest::Client,
    /// When false the award relies on the followed copy alone (see
    /// `TenderPolicy::verify_award_with_catalog`).
    pub enabled: bool,
}

impl CatalogClient {
    pub fn new(base: &str, token: String, enabled: bool) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            token,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("building an HTTP client"),
            enabled,
        }
    }

    /// Whether the catalog says the firm may bid (be awarded) today. `Ok(Err(_))` is a
    /// refusal; `Err(_)` means the catalog could not be asked (503: try again later).
    /// A firm the catalog does not know is refused.
    pub async fn firm_may_be_awarded(&self, firm_id: &str) -> Result<Result<(), Refusal>, Problem> {
        if !self.enabled {
            return Ok(Ok(()));
        }
        let unavailable =
            || Problem::unavailable("暂时无法向供应商名录核实中标企业的名录状态，请稍后再试。");
        let url = format!("{}/catalog/firms/{firm_id}", self.base);
        let res = shared::http::forward_request_id(self.http.get(&url))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "asking the catalog about a firm");
                unavailable()
            })?;
        match res.status() {
            StatusCode::OK => {
                let payload: serde_json::Value = res.json().await.map_err(|_| unavailable())?;
                let firm = FirmCopy::from_payload(firm_id, payload);
                Ok(roster::firm_may_bid(&firm, shared::clock::china_today()))
            }
            StatusCode::NOT_FOUND => Ok(Err(Refusal {
                code: "firm_not_recommended",
                message: "供应商名录中没有该企业。".into(),
            })),
            status => {
                tracing::warn!(%status, "the catalog answered a firm look-up with an error");
                Err(unavailable())
            }
        }
    }
}

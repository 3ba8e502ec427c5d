//! A firm's full record for the association (`/association/firms/{id}`): its profile and
//! standing, standing history, audit trail, credit events, whitelist, contracts, and the
//! roster action forms that apply to its standing now.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};

use crate::api;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::format::today;
use crate::forms::{Flash, FormErrors};
use crate::pages::lists::contracts_of;
use crate::pages::model::Page;
use crate::pages::model::catalog::{
    CreditEvent, FirmAudit, FirmRecord, StandingEvent, WhitelistEvent,
};
use crate::pages::model::contract::Contract;
use crate::roles::AssociationUser;
use crate::state::WebState;

/// A form of the record page refused by the API: which one (`recommend`, `suspend`,
/// `credit`, …), its errors and what was typed.
#[derive(Debug, Default)]
pub struct Refused {
    pub form: String,
    pub errors: FormErrors,
    pub typed: BTreeMap<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "association_firm.html")]
pub struct RecordPage {
    chrome: Chrome,
    done: Option<String>,
    firm: FirmRecord,
    history: Vec<StandingEvent>,
    /// The whole audit trail, newest first.
    audit: Vec<FirmAudit>,
    credits: Vec<CreditEvent>,
    whitelist: Vec<WhitelistEvent>,
    contracts: Vec<Contract>,
    /// Names of the compounds it serves now (active contracts).
    compounds: Vec<String>,
    today: String,
    refused: Refused,
}

impl RecordPage {
    /// What the user typed into `field` of `form` (when that form was refused).
    pub fn val(&self, form: &str, field: &str) -> String {
        if self.refused.form == form {
            self.refused.typed.get(field).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    /// The error beside `field` of `form`.
    pub fn err(&self, form: &str, field: &str) -> Option<String> {
        if self.refused.form == form {
            self.refused.errors.get(field).map(str::to_string)
        } else {
            None
        }
    }

    /// The general message of `form`, when it was refused.
    pub fn alert(&self, form: &str) -> Option<String> {
        if self.refused.form == form {
            self.refused.errors.general.clone()
        } else {
            None
        }
    }

    /// Whether a form applies to the firm's standing now.
    pub fn offers(&self, form: &str) -> bool {
        if self.firm.base.rejection.is_some() {
            return false;
        }
        let s = self.firm.base.standing.as_str();
        match form {
            "reject" => s == "applicant" && self.firm.standing_record.blacklist_from.is_none(),
            "review" => self.firm.review_pending_since.is_some(),
            "recommend" => matches!(s, "applicant" | "review_overdue"),
            "suspend" => matches!(s, "recommended" | "review_overdue"),
            "restore" => s == "suspended",
            "blacklist" => s != "blacklisted",
            "end_blacklist" => s == "blacklisted",
            _ => true,
        }
    }
}

/// The record page of firm `id`, with `refused` shown at its form.
pub async fn load_record(
    app: &WebState,
    user: &AssociationUser,
    id: &str,
    chrome: Chrome,
    done: Option<String>,
    refused: Refused,
) -> Result<RecordPage, PageError> {
    let t = Some(user.token.as_str());
    let firm: FirmRecord = app
        .api
        .catalog_get(&api::path(&["catalog", "firms", id]), t)
        .await?;
    let list = |what: &str| format!("{}?limit=200", api::path(&["catalog", "firms", id, what]));
    let (history_url, credits_url, whitelist_url, audit_url) = (
        list("standing-history"),
        list("credit-events"),
        list("whitelist"),
        list("audit"),
    );
    let (history, audit, credits, whitelist, contracts) = tokio::join!(
        app.api.catalog_get::<Page<StandingEvent>>(&history_url, t),
        app.api.catalog_get::<Page<FirmAudit>>(&audit_url, t),
        app.api.catalog_get::<Page<CreditEvent>>(&credits_url, t),
        app.api
            .catalog_get::<Page<WhitelistEvent>>(&whitelist_url, t),
        contracts_of(app, t, id),
    );
    let contracts = contracts?;
    let mut compounds: Vec<String> = contracts
        .iter()
        .filter(|c| c.active())
        .map(|c| c.compound_name.clone())
        .collect();
    compounds.dedup();
    Ok(RecordPage {
        done,
        history: history?.items,
        audit: audit?.items,
        credits: credits?.items,
        whitelist: whitelist?.items,
        contracts,
        compounds,
        firm,
        today: today(),
        refused,
        chrome,
    })
}

pub async fn record(
    State(app): State<WebState>,
    user: AssociationUser,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<RecordPage, PageError> {
    load_record(&app, &user, &id, chrome, flash.done, Refused::default()).await
}

//! 企业工作台 (`/firm`): the firm's standing, nearby open tenders with the reasons they fit,
//! invitations, its bids and results, its contracts with their published budgets and
//! accounts (each it published with a 更正 link) and a form to publish the next.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::forms::Flash;
use crate::pages::disclosure::{Fields, Party};
use crate::pages::lists::contracts_of;
use crate::pages::model::Page;
use crate::pages::model::catalog::FirmRecord;
use crate::pages::model::contract::{Contract, Disclosure};
use crate::pages::model::matching::TenderMatch;
use crate::pages::model::tender::{Bid, Invitation, TenderView};
use crate::roles::FirmUser;
use crate::state::WebState;

/// A bid with its tender.
pub struct BidRow {
    pub bid: Bid,
    pub tender: TenderView,
}

/// A contract with its current budgets and accounts and the form to publish the next.
pub struct ContractRow {
    pub contract: Contract,
    pub disclosures: Vec<Disclosure>,
    pub form: Fields,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_home.html")]
pub struct HomePage {
    chrome: Chrome,
    done: Option<String>,
    firm: FirmRecord,
    matches: Vec<(TenderMatch, Option<TenderView>)>,
    match_note: Option<String>,
    /// Committees' invitations to bid (newest first).
    invitations: Vec<Invitation>,
    bids: Vec<BidRow>,
    contracts: Vec<ContractRow>,
}

impl HomePage {
    /// Whether the firm published this disclosure (it gets a 更正 link).
    fn own(&self, d: &Disclosure) -> bool {
        d.published_by == Party::Firm.code()
    }
}

async fn tender(app: &WebState, token: &str, id: &str) -> Result<TenderView, ApiError> {
    app.api
        .get(
            &format!("{}{}", app.api.tender, api::path(&["tenders", id])),
            Some(token),
        )
        .await
}

pub async fn home(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<HomePage, PageError> {
    let (token, id) = (user.token.as_str(), user.firm_id.as_str());
    let firm: FirmRecord = app
        .api
        .catalog_get(&api::path(&["catalog", "firms", id]), Some(token))
        .await?;
    let matched: Result<Page<TenderMatch>, ApiError> = app
        .api
        .get(
            &format!(
                "{}{}?limit=20",
                app.api.matching,
                api::path(&["match", "firms", id, "tenders"])
            ),
            Some(token),
        )
        .await;
    let (matched, match_note) = match matched {
        Ok(p) => (p.items, None),
        Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => (
            Vec::new(),
            Some("企业列入推荐名录后，这里会列出附近适合投标的招标项目。".to_string()),
        ),
        Err(e) => (Vec::new(), Some(e.message())),
    };
    let views =
        futures::future::join_all(matched.iter().map(|m| tender(&app, token, &m.tender_id))).await;
    let matches = matched
        .into_iter()
        .zip(views)
        .map(|(m, v)| (m, v.ok()))
        .collect();
    // Invitations are a convenience: the page still shows when tender cannot list them.
    let invitations: Vec<Invitation> = app
        .api
        .get(
            &format!("{}/tenders/invitations/mine", app.api.tender),
            Some(token),
        )
        .await
        .unwrap_or_default();
    let bids: Vec<Bid> = app
        .api
        .get(
            &format!("{}/tenders/bids/mine", app.api.tender),
            Some(token),
        )
        .await?;
    let tenders =
        futures::future::join_all(bids.iter().map(|b| tender(&app, token, &b.tender_id))).await;
    let bids = bids
        .into_iter()
        .zip(tenders)
        .filter_map(|(bid, t)| t.ok().map(|tender| BidRow { bid, tender }))
        .collect();
    let contracts = contracts_of(&app, Some(token), id).await?;
    let disclosures = futures::future::join_all(contracts.iter().map(|c| {
        let url = format!(
            "{}{}",
            app.api.tender,
            api::path(&["tenders", "contracts", &c.id, "disclosures"])
        );
        let app = &app;
        async move { app.api.get::<Vec<Disclosure>>(&url, Some(token)).await }
    }))
    .await;
    let contracts = contracts
        .into_iter()
        .zip(disclosures)
        .map(|(contract, d)| ContractRow {
            form: Fields::blank(Party::Firm, format!("-{}", contract.id)),
            contract,
            disclosures: d.unwrap_or_default(),
        })
        .collect();
    Ok(HomePage {
        chrome,
        done: flash.done,
        firm,
        matches,
        match_note,
        invitations,
        bids,
        contracts,
    })
}

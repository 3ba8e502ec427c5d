//! The committee's workbench (`/committee`): its tender in progress, its contracts with a
//! link to publish their budgets and accounts, and the compound's public facts, each
//! current budget or accounts it published with a 更正 link.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};

use crate::chrome::Chrome;
use crate::error::PageError;
use crate::forms::Flash;
use crate::pages::disclosure::Party;
use crate::pages::model::tender::TenderView;
use crate::pages::public::{CompoundFacts, compound_facts};
use crate::roles::CommitteeUser;
use crate::state::WebState;

#[derive(Template, WebTemplate)]
#[template(path = "committee_home.html")]
pub struct HomePage {
    chrome: Chrome,
    f: CompoundFacts,
    flash: Flash,
    tender_link_prefix: &'static str,
    vote_links: bool,
    /// Whose current disclosures get a 更正 link: the committee's own.
    corrects: Option<&'static str>,
}

impl HomePage {
    /// A tender in progress (the compound may have one at a time).
    fn current_tender(&self) -> Option<&TenderView> {
        self.f.tenders.iter().find(|t| {
            matches!(
                t.status.as_str(),
                "draft" | "open" | "evaluation" | "awarded"
            )
        })
    }
}

pub async fn home(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<HomePage, PageError> {
    let f = compound_facts(&app, &c.compound_id, Some(&c.token)).await?;
    Ok(HomePage {
        chrome,
        f,
        flash,
        tender_link_prefix: "/committee/tenders/",
        vote_links: true,
        corrects: Some(Party::Committee.code()),
    })
}

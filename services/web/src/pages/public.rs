//! 公开页面: each compound's, each tender's and each vote's public page (model, firm, fee, budget and accounts, satisfaction, tender history; terms, Q&A, opening record, award, notice period, contract).
//!
//! Both pages call the APIs anonymously, whoever is signed in: they show the public facts
//! and nothing more (a sealed bid is never on them, a draft tender is not found).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use shared::auth::{Role, Scope};

use super::model::Page;
use super::model::catalog::Compound;
use super::model::complaints::Complaint;
use super::model::contract::{Contract, Disclosure};
use super::model::incentives::{Demonstration, Subsidy};
use super::model::owners::{BallotVote, Listed, SatisfactionSummary, UnitSurvey, Vote};
use super::model::register::Summary;
use super::model::tender::{AuditEvent, Question, TenderView};
use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::forms::Flash;
use crate::session::Session;
use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/compounds/{id}", get(compound_page))
        .route("/tender/{id}", get(tender_page))
        .route("/votes/{id}", get(vote_page))
}

/// Everything public about a compound, from the three APIs (anonymously).
pub struct CompoundFacts {
    pub compound: Compound,
    pub tenders: Vec<TenderView>,
    pub contracts: Vec<Contract>,
    pub disclosures: Vec<Disclosure>,
    pub satisfaction: Option<SatisfactionSummary>,
    pub votes: Vec<Vote>,
    /// Votes from ballots (表决), with their results once closed.
    pub ballot_votes: Vec<BallotVote>,
    /// The owner register's public totals, if the compound has a register.
    pub register: Option<Summary>,
    /// Satisfaction surveys answered per unit, with their public comments and replies.
    pub unit_surveys: Vec<UnitSurvey>,
    /// Its confirmed demonstrations (标杆示范), one per service model.
    pub demonstrations: Vec<Demonstration>,
    /// Its 以奖代补 subsidies, newest first, corrected records included.
    pub subsidies: Vec<Subsidy>,
}

impl CompoundFacts {
    /// The current budgets and accounts (not superseded by a correction).
    pub fn current_disclosures(&self) -> Vec<&Disclosure> {
        self.disclosures
            .iter()
            .filter(|d| !d.is_superseded())
            .collect()
    }

    /// Earlier versions that a correction superseded (已更正).
    pub fn corrected_disclosures(&self) -> Vec<&Disclosure> {
        self.disclosures
            .iter()
            .filter(|d| d.is_superseded())
            .collect()
    }

    /// The sum of the subsidies that count (no correction replaced them), in 元.
    pub fn subsidy_sum_text(&self) -> String {
        let fen = self
            .subsidies
            .iter()
            .filter(|s| s.is_current())
            .map(|s| s.amount_fen)
            .sum();
        crate::format::yuan(fen)
    }

    /// The contract in force, if any.
    pub fn active_contract(&self) -> Option<&Contract> {
        self.contracts.iter().find(|c| c.active())
    }
}

/// Loads a compound's public facts. The compound itself must exist (its error is the
/// page's); the lists degrade to empty when a service does not answer. `token` reads the
/// tenders as their committee sees them (drafts included).
pub async fn compound_facts(
    app: &WebState,
    id: &str,
    token: Option<&str>,
) -> Result<CompoundFacts, PageError> {
    let compound: Compound = app
        .api
        .catalog_get(&api::path(&["catalog", "compounds", id]), None)
        .await?;
    let q = serde_urlencoded::to_string([("compound", id)]).unwrap_or_default();
    let t = &app.api.tender;
    let urls = [
        format!("{t}/tenders?{q}&limit=50"),
        format!("{t}/tenders/contracts?{q}&limit=50"),
        format!("{t}/tenders/disclosures?{q}&versions=all&limit=100"),
        format!("{t}/tenders/satisfaction?{q}&limit=20"),
        format!("{t}/tenders/votes?{q}&limit=50"),
        format!("{}/catalog/demonstrations?{q}&limit=50", app.api.catalog),
        format!("{}/catalog/subsidies?{q}&limit=100", app.api.catalog),
    ];
    let (
        tenders,
        contracts,
        disclosures,
        satisfaction,
        votes,
        ballot_votes,
        register,
        surveys,
        demos,
        subsidies,
    ) = futures::join!(
        app.api.get::<Page<TenderView>>(&urls[0], token),
        app.api.get::<Page<Contract>>(&urls[1], None),
        app.api.get::<Page<Disclosure>>(&urls[2], None),
        app.api.get::<SatisfactionSummary>(&urls[3], None),
        app.api.get::<Page<Vote>>(&urls[4], None),
        ballot_votes(app, id, None),
        register_summary(app, id),
        unit_surveys(app, id, None),
        app.api.get::<Page<Demonstration>>(&urls[5], None),
        app.api.get::<Page<Subsidy>>(&urls[6], None),
    );
    Ok(CompoundFacts {
        compound,
        tenders: tenders.map(|p| p.items).unwrap_or_default(),
        contracts: contracts.map(|p| p.items).unwrap_or_default(),
        disclosures: disclosures.map(|p| p.items).unwrap_or_default(),
        satisfaction: satisfaction.ok(),
        votes: votes.map(|p| p.items).unwrap_or_default(),
        ballot_votes: ballot_votes.unwrap_or_default(),
        register,
        unit_surveys: surveys.unwrap_or_default(),
        demonstrations: demos.map(|p| p.items).unwrap_or_default(),
        subsidies: subsidies.map(|p| p.items).unwrap_or_default(),
    })
}

/// A compound's votes from ballots, newest first as the API lists them (public views: no
/// ballot in them).
pub async fn ballot_votes(
    app: &WebState,
    compound_id: &str,
    token: Option<&str>,
) -> Result<Vec<BallotVote>, ApiError> {
    let url = format!(
        "{}{}?limit=100",
        app.api.tender,
        api::path(&["tenders", "compounds", compound_id, "ballot-votes"])
    );
    let listed: Listed<BallotVote> = app.api.get(&url, token).await?;
    Ok(listed.into_vec())
}

/// The compound's surveys per unit, latest first.
pub async fn unit_surveys(
    app: &WebState,
    compound_id: &str,
    token: Option<&str>,
) -> Result<Vec<UnitSurvey>, ApiError> {
    let url = format!(
        "{}{}?limit=50",
        app.api.tender,
        api::path(&["tenders", "compounds", compound_id, "unit-surveys"])
    );
    Ok(app
        .api
        .get::<Listed<UnitSurvey>>(&url, token)
        .await?
        .into_vec())
}

/// The register's public totals, if the compound has a register (a unit at least).
pub async fn register_summary(app: &WebState, compound_id: &str) -> Option<Summary> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "compounds", compound_id, "register", "summary"])
    );
    let summary = app.api.get::<Summary>(&url, None).await.ok()?;
    (summary.totals.units > 0).then_some(summary)
}

#[derive(Template, WebTemplate)]
#[template(path = "public_compound.html")]
pub struct CompoundPage {
    chrome: Chrome,
    f: CompoundFacts,
    tender_link_prefix: &'static str,
    vote_links: bool,
    /// Whose current disclosures get a 更正 link (none on the public page).
    corrects: Option<&'static str>,
    /// The annual budgets, the fee standard and the collection rate.
    fees: super::money::fees::PublicFees,
}

pub async fn compound_page(
    State(app): State<WebState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<CompoundPage, PageError> {
    let f = compound_facts(&app, &id, None).await?;
    let fees = super::money::fees::public_fees(&app, &id).await;
    Ok(CompoundPage {
        chrome,
        f,
        tender_link_prefix: "/tender/",
        vote_links: false,
        corrects: None,
        fees,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public_vote.html")]
pub struct VotePage {
    chrome: Chrome,
    v: BallotVote,
    compound: Compound,
}

/// A vote from ballots as the public sees it: the question, the period, the turnout and,
/// once closed, the counts and the result with each art. 278 condition. Never a ballot.
pub async fn vote_page(
    State(app): State<WebState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<VotePage, PageError> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "ballot-votes", &id])
    );
    let v: BallotVote = app.api.get(&url, None).await?;
    let compound: Compound = app
        .api
        .catalog_get(&api::path(&["catalog", "compounds", &v.compound_id]), None)
        .await?;
    Ok(VotePage {
        chrome,
        v,
        compound,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public_tender.html")]
pub struct TenderPage {
    chrome: Chrome,
    t: TenderView,
    questions: Vec<Question>,
    /// The decided complaints, as anyone reads them (without the complainant).
    complaints: Vec<Complaint>,
    /// The committee of this tender is looking: link to its workbench.
    own_committee: bool,
    flash: Flash,
    /// The audit trail, for those who may read it (association, officials of the area, the
    /// compound's committee): asked for with their own token, so the API decides.
    audit: Option<Vec<AuditEvent>>,
}

pub async fn tender_page(
    State(app): State<WebState>,
    session: Session,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<TenderPage, PageError> {
    let base = &app.api.tender;
    let t: TenderView = app
        .api
        .get(&format!("{base}{}", api::path(&["tenders", &id])), None)
        .await?;
    let questions: Vec<Question> = app
        .api
        .get(
            &format!("{base}{}", api::path(&["tenders", &id, "questions"])),
            None,
        )
        .await
        .unwrap_or_default();
    let complaints: Vec<Complaint> = app
        .api
        .get(
            &format!("{base}{}", api::path(&["tenders", &id, "complaints"])),
            None,
        )
        .await
        .unwrap_or_default();
    let own_committee = session.identity.as_ref().is_some_and(|i| {
        i.role == Role::Committee && i.scope == Scope::Compound(t.compound_id.clone())
    });
    let reads_audit = session.identity.as_ref().is_some_and(|i| {
        matches!(
            i.role,
            Role::Association
                | Role::CityOfficial
                | Role::DistrictOfficial
                | Role::StreetOfficial
                | Role::Committee
        )
    });
    let audit = match (&session.token, reads_audit) {
        (Some(token), true) => app
            .api
            .get::<Page<AuditEvent>>(
                &format!("{base}{}?limit=200", api::path(&["tenders", &id, "audit"])),
                Some(token.as_str()),
            )
            .await
            .ok()
            .map(|p| p.items),
        _ => None,
    };
    Ok(TenderPage {
        chrome,
        t,
        questions,
        complaints,
        own_committee,
        flash,
        audit,
    })
}

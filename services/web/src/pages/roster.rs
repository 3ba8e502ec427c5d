//! 优选供应商名录 (the public roster), a firm's public page, and the blacklist.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use shared::domain::districts;

use super::choice::Choice;
use super::model::catalog::{Blacklisted, Firm, StandingEvent};
use super::model::contract::Contract;
use super::model::owners::SatisfactionSummary;
use super::model::{Page, Pager, empty_page};
use crate::api;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::format::MODELS;
use crate::session::Session;
use crate::state::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct RosterQuery {
    #[serde(default)]
    district: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "roster.html")]
pub struct RosterPage {
    chrome: Chrome,
    firms: Vec<Firm>,
    total: i64,
    q: String,
    district_choices: Vec<Choice>,
    model_choices: Vec<Choice>,
    grade_choices: Vec<Choice>,
    prev: Option<String>,
    next: Option<String>,
    error: Option<String>,
}

const PAGE: i64 = 20;

pub async fn list(
    State(app): State<WebState>,
    session: Session,
    chrome: Chrome,
    Query(q): Query<RosterQuery>,
) -> Result<RosterPage, PageError> {
    let offset = q.offset.unwrap_or(0).max(0);
    let mut params = vec![
        ("standing", "recommended".to_string()),
        ("limit", PAGE.to_string()),
        ("offset", offset.to_string()),
    ];
    for (k, v) in [
        ("district", &q.district),
        ("model", &q.model),
        ("grade", &q.grade),
        ("q", &q.q),
    ] {
        if !v.trim().is_empty() {
            params.push((k, v.trim().to_string()));
        }
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let answer = app
        .api
        .catalog_get::<Page<Firm>>(&format!("/catalog/firms?{query}"), session.token.as_deref())
        .await;
    let (page, error) = match answer {
        Ok(p) => (p, None),
        // A bad filter is the visitor's mistake: show the form again with the message.
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => {
            (empty_page(PAGE), Some(e.message()))
        }
        Err(e) => return Err(e.into()),
    };
    let (prev, next) = page.pager(
        "/roster",
        &[
            ("district", &q.district),
            ("model", &q.model),
            ("grade", &q.grade),
            ("q", &q.q),
        ],
    );
    Ok(RosterPage {
        chrome,
        total: page.total,
        firms: page.items,
        q: q.q.clone(),
        district_choices: std::iter::once(("".to_string(), "全部区（市）县".to_string()))
            .chain(
                districts()
                    .iter()
                    .map(|d| (d.code.as_str().to_string(), d.name.to_string())),
            )
            .map(|(value, label)| Choice {
                selected: value == q.district,
                value,
                label,
            })
            .collect(),
        model_choices: Choice::list(
            &[[("", "全部服务方式")].as_slice(), MODELS.as_slice()].concat(),
            &q.model,
        ),
        grade_choices: ["", "1", "2", "3", "4", "5"]
            .iter()
            .map(|g| Choice {
                value: g.to_string(),
                label: if g.is_empty() {
                    "全部等级".into()
                } else {
                    format!("{g}级")
                },
                selected: *g == q.grade,
            })
            .collect(),
        prev,
        next,
        error,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "firm.html")]
pub struct FirmDetailPage {
    chrome: Chrome,
    firm: Firm,
    history: Vec<StandingEvent>,
    /// Contracts the firm holds or held (public), newest first.
    contracts: Vec<Contract>,
    /// Residents' satisfaction over every survey naming the firm (public).
    satisfaction: Option<SatisfactionSummary>,
}

pub async fn detail(
    State(app): State<WebState>,
    session: Session,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<FirmDetailPage, PageError> {
    let token = session.token.as_deref();
    let firm: Firm = app
        .api
        .catalog_get(&api::path(&["catalog", "firms", &id]), token)
        .await?;
    let history = app
        .api
        .catalog_get::<Page<StandingEvent>>(
            &api::path(&["catalog", "firms", &id, "standing-history"]),
            token,
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    // What tender knows publicly about the firm; the page still shows the roster record
    // when the tender service does not answer.
    let contracts = app
        .api
        .get::<Page<Contract>>(
            &format!(
                "{}/tenders/contracts?{}",
                app.api.tender,
                api::query(&[("firm", &id), ("limit", "200")])
            ),
            None,
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let satisfaction = app
        .api
        .get::<SatisfactionSummary>(
            &format!(
                "{}/tenders/satisfaction?{}",
                app.api.tender,
                api::query(&[("firm", &id), ("limit", "1")])
            ),
            None,
        )
        .await
        .ok()
        .filter(|s| s.surveys > 0);
    Ok(FirmDetailPage {
        chrome,
        firm,
        history,
        contracts,
        satisfaction,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "blacklist.html")]
pub struct BlacklistView {
    chrome: Chrome,
    items: Vec<Blacklisted>,
}

pub async fn blacklist(
    State(app): State<WebState>,
    session: Session,
    chrome: Chrome,
) -> Result<BlacklistView, PageError> {
    let page: Page<Blacklisted> = app
        .api
        .catalog_get("/catalog/blacklist?limit=200", session.token.as_deref())
        .await?;
    Ok(BlacklistView {
        chrome,
        items: page.items,
    })
}

//! 业主名册: a compound's register with its derived totals (units, owners by head, exclusive
//! area), filtered by building or a search, a page of units at a time; and the officials'
//! list of their area's compounds with each register's totals.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::desk::Desk;
use crate::api;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::forms::Flash;
use crate::pages::choice::Choice;
use crate::pages::model::catalog::Compound;
use crate::pages::model::register::{Register, Summary};
use crate::pages::model::{Page, Pager, empty_page};
use crate::roles::OfficialUser;
use crate::state::WebState;

const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    building: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    removed: String,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    chrome: Chrome,
    base: String,
    home: (&'static str, &'static str),
    r: Register,
    buildings: Vec<Choice>,
    q: String,
    removed: bool,
    first: i64,
    last: i64,
    prev: Option<String>,
    next: Option<String>,
    flash: Flash,
    error: Option<String>,
}

impl RegisterPage {
    /// The counting note of a unit: how art. 9 counts it.
    pub fn counted(&self, unit: &crate::pages::model::register::Unit) -> String {
        if unit.removed {
            "已移出，不计入".into()
        } else if unit.developer {
            format!(
                "未售 {} 套合计按 1 人计",
                self.r.totals.developer_units.max(1)
            )
        } else if unit.owner_units > 1 {
            format!("同一业主共 {} 套，按 1 人计", unit.owner_units)
        } else {
            "1 人".into()
        }
    }
}

pub async fn page(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
    Query(flash): Query<Flash>,
) -> Result<RegisterPage, PageError> {
    let offset = q.offset.unwrap_or(0).max(0);
    let removed = q.removed == "1";
    let mut params: Vec<(&str, String)> =
        vec![("limit", PAGE.to_string()), ("offset", offset.to_string())];
    for (k, v) in [("building", &q.building), ("q", &q.q)] {
        if !v.trim().is_empty() {
            params.push((k, v.trim().to_string()));
        }
    }
    if removed {
        params.push(("removed", "true".into()));
    }
    let url = format!(
        "{}{}?{}",
        app.api.tender,
        desk.api(&[]),
        serde_urlencoded::to_string(&params).unwrap_or_default()
    );
    let (r, error) = match app.api.get::<Register>(&url, Some(&desk.token)).await {
        Ok(r) => (r, None),
        // A filter the API refuses (too long): the register without it, and why.
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => {
            let plain = format!("{}{}", app.api.tender, desk.api(&[]));
            let mut r: Register = app.api.get(&plain, Some(&desk.token)).await?;
            r.units = empty_page(PAGE);
            (r, Some(e.message()))
        }
        Err(e) => return Err(e.into()),
    };
    let base = desk.path("");
    let (prev, next) = r.units.pager(
        &base,
        &[
            ("building", &q.building),
            ("q", &q.q),
            ("removed", if removed { "1" } else { "" }),
        ],
    );
    let mut buildings = vec![Choice {
        value: String::new(),
        label: "全部楼栋".into(),
        selected: q.building.is_empty(),
    }];
    buildings.extend(r.buildings.iter().map(|b| Choice {
        value: b.clone(),
        label: b.clone(),
        selected: *b == q.building,
    }));
    let first = if r.units.items.is_empty() {
        0
    } else {
        r.units.offset + 1
    };
    let last = r.units.offset + r.units.items.len() as i64;
    Ok(RegisterPage {
        chrome,
        home: desk.home(),
        base,
        r,
        buildings,
        q: q.q,
        removed,
        first,
        last,
        prev,
        next,
        flash,
        error,
    })
}

/// A compound of the official's area with its register's totals.
pub struct Row {
    pub compound: Compound,
    pub summary: Option<Summary>,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "register_compounds.html")]
pub struct CompoundsPage {
    chrome: Chrome,
    area_name: String,
    rows: Vec<Row>,
    total: i64,
    q: String,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CompoundsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: Option<i64>,
}

const COMPOUNDS_PAGE: i64 = 20;

/// The officials' entry: their area's compounds, each with its register's totals.
pub async fn compounds(
    State(app): State<WebState>,
    OfficialUser { token, area, .. }: OfficialUser,
    chrome: Chrome,
    Query(q): Query<CompoundsQuery>,
) -> Result<CompoundsPage, PageError> {
    let offset = q.offset.unwrap_or(0).max(0);
    let mut params: Vec<(&str, String)> = vec![
        ("limit", COMPOUNDS_PAGE.to_string()),
        ("offset", offset.to_string()),
    ];
    if let Some((k, v)) = area.param() {
        params.push((k, v.to_string()));
    }
    if !q.q.trim().is_empty() {
        params.push(("q", q.q.trim().to_string()));
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let page: Page<Compound> = match app
        .api
        .catalog_get(&format!("/catalog/compounds?{query}"), Some(&token))
        .await
    {
        Ok(p) => p,
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => empty_page(COMPOUNDS_PAGE),
        Err(e) => return Err(e.into()),
    };
    let (prev, next) = page.pager("/official/register", &[("q", &q.q)]);
    let mut rows = Vec::new();
    for c in &page.items {
        let url = format!(
            "{}{}",
            app.api.tender,
            api::path(&["tenders", "compounds", &c.id, "register", "summary"])
        );
        // A compound tender has not heard of yet has no register yet.
        let summary = app.api.get::<Summary>(&url, None).await.ok();
        rows.push(Row {
            href: format!("/official/register{}", api::path(&[&c.id])),
            summary,
            compound: c.clone(),
        });
    }
    Ok(CompoundsPage {
        chrome,
        area_name: area.name(),
        rows,
        total: page.total,
        q: q.q,
        prev,
        next,
    })
}

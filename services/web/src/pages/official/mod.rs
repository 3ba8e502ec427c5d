//! 街道/区县工作台: the officials' compound ledger (filters, edit), CSV/XLSX import with a
//! preview of errors by row, the coverage dashboard with SVG charts, the satisfaction
//! ranking and bundle suggestions.
//!
//! Every page is for street officials (scope: their street) and district officials (scope:
//! their district). The APIs enforce the scope of every write and of the officials' lists;
//! the ledger reads are public in the catalog, so these pages also keep to the official's
//! own area when they list or open a compound (another street's compound is a 403 page, as
//! the API's edit would be).

mod bundles;
mod coverage;
mod import;
mod ledger;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use shared::auth::{Identity, Role, Scope};
use shared::domain::{DistrictCode, StreetCode, streets_of};

pub use import::ImportJobs;

use super::{Chrome, WebState};
use crate::error::PageError;
use crate::session::Session;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route(
            "/official",
            get(|| async { crate::forms::see_other("/official/ledger") }),
        )
        .route("/official/ledger", get(ledger::list))
        .route("/official/ledger/export", get(ledger::export))
        .route(
            "/official/ledger/new",
            get(ledger::new_form).post(ledger::create),
        )
        .route(
            "/official/ledger/{id}",
            get(ledger::edit_form).post(ledger::update),
        )
        .route(
            "/official/import",
            get(import::form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(import::MAX_FILE_BYTES)),
        )
        .route("/official/import/jobs/{id}", get(import::job))
        .route("/official/import/jobs/{id}/confirm", post(import::confirm))
        .route("/official/coverage", get(coverage::dashboard))
        .route("/official/bundles", get(bundles::page))
}

/// The officials' roles.
const OFFICIALS: &[Role] = &[Role::StreetOfficial, Role::DistrictOfficial];

/// The part of the city an official works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Street(StreetCode),
    District(DistrictCode),
}

impl Area {
    /// The official's area from their token's scope (a bad scope: 403 page).
    fn of(identity: &Identity, chrome: &Chrome) -> Result<Self, Response> {
        let area = match (identity.role, &identity.scope) {
            (Role::StreetOfficial, Scope::Street(s)) => StreetCode::parse(s).ok().map(Area::Street),
            (Role::DistrictOfficial, Scope::District(d)) => {
                DistrictCode::parse(d).ok().map(Area::District)
            }
            _ => None,
        };
        area.ok_or_else(|| {
            PageError::new(
                StatusCode::FORBIDDEN,
                "无权查看",
                "账号的管辖范围无效，请联系管理员。",
                chrome.clone(),
            )
            .into_response()
        })
    }

    /// 锦江区 or 锦江区锦官驿街道.
    pub fn name(&self) -> String {
        match self {
            Area::Street(s) => format!("{}{}", s.district().name(), s.name()),
            Area::District(d) => d.name().to_string(),
        }
    }

    pub fn district(&self) -> DistrictCode {
        match self {
            Area::Street(s) => s.district(),
            Area::District(d) => *d,
        }
    }

    pub fn is_district(&self) -> bool {
        matches!(self, Area::District(_))
    }

    /// Whether a street code lies in the area.
    pub fn covers(&self, street: &str) -> bool {
        match self {
            Area::Street(s) => s.as_str() == street,
            Area::District(d) => StreetCode::parse(street).is_ok_and(|s| s.district() == *d),
        }
    }

    /// The streets of the area.
    pub fn streets(&self) -> Vec<StreetCode> {
        match self {
            Area::Street(s) => vec![*s],
            Area::District(d) => streets_of(d).map(|s| s.code).collect(),
        }
    }

    /// The query parameter naming the area for the APIs: `street=…` or `district=…`.
    pub fn param(&self) -> (&'static str, &'static str) {
        match self {
            Area::Street(s) => ("street", s.as_str()),
            Area::District(d) => ("district", d.as_str()),
        }
    }
}

/// The signed-in official, their token and area; otherwise the page to answer instead.
fn official(
    session: &Session,
    chrome: &Chrome,
    path: &str,
) -> Result<(Identity, String, Area), Response> {
    let (identity, token) = super::require_role(session, OFFICIALS, chrome, path)?;
    let area = Area::of(&identity, chrome)?;
    Ok((identity, token, area))
}

/// The name of a street code (or the code when unknown).
pub fn street_name(code: &str) -> String {
    shared::domain::street(code).map_or_else(|| code.to_string(), |s| s.name.to_string())
}

/// A select option.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    fn list(options: &[(&str, &str)], current: &str) -> Vec<Choice> {
        options
            .iter()
            .map(|(v, l)| Choice {
                value: v.to_string(),
                label: l.to_string(),
                selected: *v == current,
            })
            .collect()
    }
}

/// 管理方式 labels.
pub const MANAGEMENT: &[(&str, &str)] = &[
    ("none", "无物业"),
    ("self_managed", "自管"),
    ("property_firm", "物业企业"),
    ("other", "其他"),
];

/// 自治组织 labels.
pub const GOVERNANCE: &[(&str, &str)] = &[
    ("none", "无"),
    ("owners_committee", "业主委员会"),
    ("property_management_committee", "物业管理委员会"),
    ("courtyard_committee", "院委会"),
];

pub fn label_of(table: &[(&str, &'static str)], value: &str) -> String {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or_else(|| value.to_string(), |(_, l)| l.to_string())
}

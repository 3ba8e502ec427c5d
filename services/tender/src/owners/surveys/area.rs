//! The surveys per unit of a caller's area in one list (`GET /tenders/unit-surveys`): the
//! officials' and committees' as for votes (`ballots::VoteArea`), and a firm's: the surveys
//! of the compounds it has (or had) a contract with, so it sees the comments it may answer.

use serde::Serialize;
use shared::auth::{Identity, Role, Scope};
use shared::db::{Bind, Filter};
use shared::extract::{Page, Pagination};
use sqlx::AnyConnection;
use utoipa::ToSchema;

use super::steps;
use super::store;
use super::survey::UnitSurvey;
use crate::error::Result;
use crate::owners::ballots::VoteArea;
use crate::replica;

/// A survey of the area, with its compound.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaSurvey {
    #[serde(flatten)]
    pub survey: UnitSurvey,
    /// The compound's name (empty when tender has not heard of the compound).
    pub compound_name: String,
    pub street_code: Option<String>,
}

fn filter(identity: &Identity) -> Result<Filter> {
    if let (Role::Firm, Scope::Firm(firm)) = (&identity.role, &identity.scope) {
        let mut f = Filter::default();
        let n = f.param(Bind::Text(firm.clone()));
        f.push(format!(
            "compound_id IN (SELECT compound_id FROM contract WHERE firm_id = ${n})"
        ));
        return Ok(f);
    }
    Ok(VoteArea::of(identity)?.filter())
}

/// One page of the area's surveys, the latest quarter first.
pub async fn of_area(
    conn: &mut AnyConnection,
    identity: &Identity,
    page: Pagination,
) -> Result<Page<AreaSurvey>> {
    let stored = store::surveys_where(conn, &filter(identity)?, page).await?;
    let mut items = Vec::with_capacity(stored.items.len());
    for s in &stored.items {
        let survey = steps::view(conn, s).await?;
        let compound = replica::compound(conn, &s.compound_id).await?;
        items.push(AreaSurvey {
            survey,
            compound_name: compound
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            street_code: compound.and_then(|c| c.street_code),
        });
    }
    Ok(page.of(items, stored.total))
}

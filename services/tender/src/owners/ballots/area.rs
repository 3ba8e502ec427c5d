//! The votes from ballots of a caller's area in one list (`GET /tenders/ballot-votes`):
//! the association's the city's, a district official's the district's, a street
//! official's the street's, a committee's its compound's. Each vote is its public view
//! (counts and result, never a ballot) with its compound's name and street, and how many
//! objections its owners raised for those who read them (see `access.rs`).

use serde::Serialize;
use shared::auth::{Identity, Role, Scope};
use shared::db::{Bind, Filter, ListQuery};
use shared::error::Problem;
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use super::access;
use super::steps;
use super::store;
use super::vote::BallotVote;
use crate::error::Result;
use crate::replica;

/// Whose votes a caller lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoteArea {
    City,
    District(String),
    Street(String),
    Compound(String),
}

impl VoteArea {
    /// The caller's area; 403 for a firm (and any role without one).
    pub fn of(identity: &Identity) -> Result<Self, Problem> {
        match (&identity.role, &identity.scope) {
            (Role::Association, _) | (Role::CityOfficial, Scope::City) => Ok(Self::City),
            (Role::DistrictOfficial, Scope::District(d)) => Ok(Self::District(d.clone())),
            (Role::StreetOfficial, Scope::Street(s)) => Ok(Self::Street(s.clone())),
            (Role::Committee, Scope::Compound(c)) => Ok(Self::Compound(c.clone())),
            _ => Err(Problem::forbidden(
                "只有协会、市级、区县和街道工作人员及小区自治组织可以查看辖区内的业主表决清单。",
            )),
        }
    }

    /// The filter on a table's `compound_id` that keeps the area's rows.
    pub fn filter(&self) -> Filter {
        let mut f = Filter::default();
        let (clause, code) = match self {
            Self::City => return f,
            Self::District(d) => (
                "compound_id IN (SELECT id FROM catalog_compound WHERE district_code = ${n})",
                d,
            ),
            Self::Street(s) => (
                "compound_id IN (SELECT id FROM catalog_compound WHERE street_code = ${n})",
                s,
            ),
            Self::Compound(c) => ("compound_id = ${n}", c),
        };
        let n = f.param(Bind::Text(code.clone()));
        f.push(clause.replace("{n}", &n.to_string()));
        f
    }
}

/// A vote of the area, with where it is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaVote {
    #[serde(flatten)]
    pub vote: BallotVote,
    /// The compound's name (empty when tender has not heard of the compound).
    pub compound_name: String,
    pub street_code: Option<String>,
    /// The owners' objections (异议) to the participation list; `null` for a caller who does
    /// not read them (a district official).
    pub objections: Option<i64>,
}

/// One page of the area's votes, the latest opened first.
pub async fn of_area(
    conn: &mut AnyConnection,
    identity: &Identity,
    page: Pagination,
) -> Result<Page<AreaVote>> {
    let area = VoteArea::of(identity)?;
    let filter = area.filter();
    let stored = ListQuery {
        columns: store::VOTE_COLUMNS,
        from: "ballot_vote",
        filter: &filter,
        order_by: "opens_at DESC, id DESC",
    }
    .page(conn, page, store::vote_from_row)
    .await?;
    let mut items = Vec::with_capacity(stored.items.len());
    for v in &stored.items {
        let vote = steps::view(conn, v).await?;
        let compound = replica::compound(conn, &v.compound_id).await?;
        let reads_objections = compound
            .as_ref()
            .is_some_and(|c| access::checker(identity, c).is_ok());
        let objections = if reads_objections {
            Some(
                sqlx::query("SELECT COUNT(*) AS n FROM ballot_objection WHERE vote_id = $1")
                    .bind(&v.id)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("n")?,
            )
        } else {
            None
        };
        items.push(AreaVote {
            vote,
            compound_name: compound
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            street_code: compound.and_then(|c| c.street_code),
            objections,
        });
    }
    Ok(page.of(items, stored.total))
}

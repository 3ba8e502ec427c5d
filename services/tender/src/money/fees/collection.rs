//! The collection rate (收缴率) = paid ÷ billed for the bills of a range of months, derived
//! from the bills and payments: public per compound and per street or district (a rate,
//! never a unit or a name); and the arrears (欠费: which unit owes what), for the
//! compound's committee and serving firm only.

use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::extract::{Page, Pagination};
use sqlx::AnyConnection;
use utoipa::ToSchema;

use super::month::Month;
use super::store;
use crate::error::Result;
use crate::money::budget;
use crate::replica::CompoundCopy;

/// Paid ÷ billed in basis points (万分之一), rounded down; `None` with nothing billed.
pub fn basis_points(billed_fen: i64, paid_fen: i64) -> Option<i64> {
    (billed_fen > 0)
        .then(|| i64::try_from(i128::from(paid_fen) * 10_000 / i128::from(billed_fen)).unwrap_or(0))
}

/// `9250` → `92.50%`; nothing billed → `—`.
pub fn rate_text(bp: Option<i64>) -> String {
    bp.map_or_else(|| "—".into(), |b| format!("{}.{:02}%", b / 100, b % 100))
}

/// A compound's collection rate over a range of months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CollectionRate {
    pub compound_id: String,
    pub compound_name: String,
    pub street_code: Option<String>,
    pub district_code: String,
    /// Σ bills of the months, 分.
    pub billed_fen: i64,
    /// Σ payments on those bills, 分.
    pub paid_fen: i64,
    /// paid ÷ billed in basis points (9250 = 92.50%), rounded down; absent with no bills.
    pub rate_basis_points: Option<i64>,
    /// `92.50%`, or `—`.
    pub rate_text: String,
}

/// The collection rate of an area (a street, a district, the city) over a range of
/// months: the total and each billing compound's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AreaCollection {
    /// `YYYY-MM`.
    pub from: String,
    pub to: String,
    pub street_code: Option<String>,
    pub district_code: Option<String>,
    pub billed_fen: i64,
    pub paid_fen: i64,
    pub rate_basis_points: Option<i64>,
    pub rate_text: String,
    /// The compounds with bills in the months, by name.
    pub compounds: Vec<CollectionRate>,
}

/// The area an [`AreaCollection`] covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area {
    City,
    Street(String),
    District(String),
}

type Collected = (String, String, Option<String>, String, i64, i64);

fn rate(
    (compound_id, compound_name, street_code, district_code, billed, paid): Collected,
) -> CollectionRate {
    let bp = basis_points(billed, paid);
    CollectionRate {
        compound_id,
        compound_name,
        street_code,
        district_code,
        billed_fen: billed,
        paid_fen: paid,
        rate_basis_points: bp,
        rate_text: rate_text(bp),
    }
}

/// `compound`'s collection rate for the bills of months `from..=to`.
pub async fn of_compound(
    conn: &mut AnyConnection,
    compound: &CompoundCopy,
    (from, to): (Month, Month),
) -> Result<CollectionRate> {
    let (from, to) = (from.to_string(), to.to_string());
    let found = store::collected(conn, Some(("id", compound.id.as_str())), (&from, &to)).await?;
    Ok(found.into_iter().next().map(rate).unwrap_or_else(|| {
        rate((
            compound.id.clone(),
            compound.name.clone(),
            compound.street_code.clone(),
            compound.district_code.clone(),
            0,
            0,
        ))
    }))
}

/// The collection rate of `area` for the bills of months `from..=to`.
pub async fn of_area(
    conn: &mut AnyConnection,
    area: &Area,
    (from, to): (Month, Month),
) -> Result<AreaCollection> {
    let (from, to) = (from.to_string(), to.to_string());
    let filter = match area {
        Area::City => None,
        Area::Street(s) => Some(("street_code", s.as_str())),
        Area::District(d) => Some(("district_code", d.as_str())),
    };
    let compounds: Vec<CollectionRate> = store::collected(conn, filter, (&from, &to))
        .await?
        .into_iter()
        .map(rate)
        .collect();
    let billed_fen = compounds.iter().map(|c| c.billed_fen).sum();
    let paid_fen = compounds.iter().map(|c| c.paid_fen).sum();
    let bp = basis_points(billed_fen, paid_fen);
    Ok(AreaCollection {
        street_code: match area {
            Area::Street(s) => Some(s.clone()),
            _ => None,
        },
        district_code: match area {
            Area::District(d) => Some(d.clone()),
            _ => None,
        },
        from,
        to,
        billed_fen,
        paid_fen,
        rate_basis_points: bp,
        rate_text: rate_text(bp),
        compounds,
    })
}

/// A bill not paid in full (欠费).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Arrear {
    pub bill_id: String,
    pub unit_label: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The unit's exclusive area, 0.01 ㎡, and the fee, 分/㎡·月, the bill was made of.
    pub area_centi: i64,
    pub fee_fen_per_m2: i64,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub owed_fen: i64,
}

/// The arrears of `compound` for months `from..=to`, by unit then month: the committee
/// and the serving firm only (403 for anyone else).
pub async fn arrears(
    conn: &mut AnyConnection,
    identity: &Identity,
    compound: &CompoundCopy,
    (from, to): (Month, Month),
    page: Pagination,
) -> Result<Page<Arrear>> {
    budget::keeper(conn, identity, compound).await?;
    let (from, to) = (from.to_string(), to.to_string());
    let (rows, total) =
        store::unpaid(conn, &compound.id, (&from, &to), (page.limit, page.offset)).await?;
    let items = rows
        .into_iter()
        .map(|r| Arrear {
            owed_fen: r.bill.amount_fen - r.paid_fen,
            bill_id: r.bill.id,
            unit_label: r.bill.unit_label,
            month: r.bill.month,
            area_centi: r.bill.area_centi,
            fee_fen_per_m2: r.bill.fee_fen_per_m2,
            amount_fen: r.bill.amount_fen,
            paid_fen: r.paid_fen,
        })
        .collect();
    Ok(page.of(items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_rounded_down_and_absent_without_bills() {
        assert_eq!(basis_points(3, 2), Some(6_666));
        assert_eq!(rate_text(basis_points(3, 2)), "66.66%");
        assert_eq!(rate_text(basis_points(100, 100)), "100.00%");
        assert_eq!(basis_points(0, 0), None);
        assert_eq!(rate_text(None), "—");
    }
}

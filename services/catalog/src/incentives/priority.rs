//! Firms flagged for priority in public procurement (政府采购优先): derived on every read
//! from the roster's own records, never stored. The rule, as the public page states it:
//!
//! - on the whitelist (白名单);
//! - in good standing today (`recommended`: not under review overdue, suspended or
//!   blacklisted);
//! - credit grade B or better (AAA, AA, A, B) from the credit events and the configured
//!   thresholds;
//! - serving old compounds: at least one district served. The catalog does not know
//!   contracts (tender does), so "at least one active old-compound contract" is not part
//!   of the rule.

use shared::db::Db;
use shared::domain::roster::{CreditGrade, Date, FirmSnapshot, RosterStanding};
use shared::extract::Pagination;

use crate::firms::{self, RosterFilter};
use crate::policy::CatalogPolicy;

/// The most whitelisted firms in good standing read to apply the credit rule.
const MAX_READ: i64 = 10_000;

/// The rule in Chinese, for the pages and the API's description.
pub const RULE_ZH: &str =
    "列入白名单、今日为推荐（正常）状态、信用等级 B 级及以上、至少服务一个区（市）县的物业服务企业";

/// Whether a firm qualifies on `today`.
pub fn qualifies(f: &FirmSnapshot) -> bool {
    f.whitelisted
        && f.standing == RosterStanding::Recommended
        && matches!(
            f.credit.grade,
            CreditGrade::Aaa | CreditGrade::Aa | CreditGrade::A | CreditGrade::B
        )
        && !f.districts_served.is_empty()
}

/// Every qualifying firm, by credit score (highest first), then name.
pub async fn list(
    db: &Db,
    policy: &CatalogPolicy,
    today: Date,
) -> crate::error::Result<Vec<FirmSnapshot>> {
    let filter = RosterFilter {
        standing: Some(RosterStanding::Recommended),
        whitelisted: true,
        ..RosterFilter::default()
    };
    let page = Pagination {
        limit: MAX_READ,
        offset: 0,
    };
    let mut found: Vec<FirmSnapshot> = firms::list(db, &filter, page, policy, today)
        .await?
        .items
        .into_iter()
        .filter(qualifies)
        .collect();
    found.sort_by(|a, b| {
        b.credit
            .score
            .cmp(&a.credit.score)
            .then(a.name.cmp(&b.name))
    });
    Ok(found)
}

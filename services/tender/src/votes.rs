//! Owners' common decisions (业主共同决定): a committee records the tally of a vote of its
//! compound's owners, and the service says whether it passes under Civil Code art. 278
//! (see [`shared::domain::VoteTally::decide`]).
//!
//! Votes are public: the owners' assembly's decisions must be announced to all owners
//! (《物业管理条例》第十二条), and a tender's award may rest on one, so anyone can check
//! the count behind it. A vote names a chosen bid only once that bid has been opened.

use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::china_today;
use shared::clock::now_ms;
use shared::db::{Filter, ListQuery, new_id};
use shared::domain::{DomainError, Matter, VoteTally};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Page, Pagination};
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use time::Date;
use utoipa::ToSchema;
use validator::Validate;

use crate::audit;
use crate::clock;
use crate::error::Result;
use crate::input::{refused, trimmed, trimmed_opt, unknown_compound};
use crate::rows::Conditions;

/// What the owners decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteMatter {
    /// 选择物业服务方式.
    ChooseServiceModel,
    /// 选聘物业服务企业 (may name the chosen bid).
    ChooseFirm,
    /// 其他一般事项.
    Other,
    /// 筹集维修资金等重大事项 (three quarters).
    MaintenanceFund,
    /// 制定和修改管理规约 (ordinary majority).
    AmendCovenant,
    /// 解聘物业服务企业 (ordinary majority).
    DismissFirm,
    /// 改变共有部分用途或者利用共有部分从事经营活动 (three quarters).
    CommonPartsUse,
    /// 审议年度物业服务预算 (ordinary majority): a passing vote approves the compound's
    /// annual budget, which sets its fee standard (see `crate::money::budget`).
    ApproveBudget,
}

impl VoteMatter {
    pub fn parse(input: &str) -> std::result::Result<Self, DomainError> {
        match input.trim() {
            "choose_service_model" => Ok(Self::ChooseServiceModel),
            "choose_firm" => Ok(Self::ChooseFirm),
            "other" => Ok(Self::Other),
            "maintenance_fund" => Ok(Self::MaintenanceFund),
            "amend_covenant" => Ok(Self::AmendCovenant),
            "dismiss_firm" => Ok(Self::DismissFirm),
            "common_parts_use" => Ok(Self::CommonPartsUse),
            "approve_budget" => Ok(Self::ApproveBudget),
            _ => Err(DomainError::new(
                "invalid_matter",
                "表决事项应为 choose_service_model（选择物业服务方式）、choose_firm（选聘物业服务企业）、other（其他）、maintenance_fund（维修资金）、amend_covenant（制定和修改管理规约）、dismiss_firm（解聘物业服务企业）、common_parts_use（改变共有部分用途或利用共有部分经营）或 approve_budget（审议年度物业服务预算）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChooseServiceModel => "choose_service_model",
            Self::ChooseFirm => "choose_firm",
            Self::Other => "other",
            Self::MaintenanceFund => "maintenance_fund",
            Self::AmendCovenant => "amend_covenant",
            Self::DismissFirm => "dismiss_firm",
            Self::CommonPartsUse => "common_parts_use",
            Self::ApproveBudget => "approve_budget",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ChooseServiceModel => "选择物业服务方式",
            Self::ChooseFirm => "选聘物业服务企业",
            Self::Other => "其他共同决定事项",
            Self::MaintenanceFund => "筹集维修资金",
            Self::AmendCovenant => "制定和修改管理规约",
            Self::DismissFirm => "解聘物业服务企业",
            Self::CommonPartsUse => "改变共有部分用途或者利用共有部分从事经营活动",
            Self::ApproveBudget => "审议年度物业服务预算",
        }
    }

    /// The majority the matter needs (art. 278 para. 2: three quarters of the participants
    /// for raising the maintenance fund and changing the use of common parts, more than
    /// half for the rest).
    pub fn matter(self) -> Matter {
        match self {
            Self::MaintenanceFund | Self::CommonPartsUse => Matter::MaintenanceFund,
            _ => Matter::Ordinary,
        }
    }
}

/// A recorded vote, as everyone sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Vote {
    pub id: String,
    pub compound_id: String,
    pub matter: VoteMatter,
    /// What was put to the owners, in Chinese.
    pub subject: String,
    pub total_owners: i64,
    pub total_area_m2: i64,
    pub participating_owners: i64,
    pub participating_area_m2: i64,
    pub approving_owners: i64,
    pub approving_area_m2: i64,
    /// The day of the vote (`YYYY-MM-DD`).
    pub held_on: String,
    /// Reference of the vote's documents (表决票、公告 …).
    pub document_ref: String,
    /// The tender whose bid was chosen, for `choose_firm`.
    pub tender_id: Option<String>,
    /// The opened bid the owners chose, for `choose_firm`.
    pub chosen_bid_id: Option<String>,
    /// Whether the decision is taken under art. 278.
    pub passed: bool,
    /// Why not, one Chinese sentence per unmet condition; empty when passed.
    pub reasons: Vec<String>,
    pub recorded_at: String,
    /// Always `false`: a typed tally was not counted from ballots against the owner
    /// register, so it never carries an award (see votes from ballots).
    #[serde(default)]
    pub verified: bool,
    /// `未经名册核验`.
    #[serde(default = "unverified_label")]
    pub verified_label: String,
}

/// What every typed vote is marked with.
pub const UNVERIFIED: &str = "未经名册核验";

fn unverified_label() -> String {
    UNVERIFIED.to_string()
}

/// An owners' vote to record.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewVote {
    /// The committee's own compound.
    pub compound_id: String,
    /// `choose_service_model` | `choose_firm` | `other` | `maintenance_fund`.
    pub matter: String,
    /// What was put to the owners (defaults to the matter's name).
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 500, message = "表决事项说明不能超过 500 个字符"))]
    pub subject: Option<String>,
    #[validate(range(
        min = 0,
        max = 4_294_967_295_i64,
        code = "vote_count_range",
        message = "人数和面积应为不小于 0 的整数"
    ))]
    pub total_owners: i64,
    #[validate(range(
        min = 0,
        code = "vote_count_range",
        message = "人数和面积应为不小于 0 的整数"
    ))]
    pub total_area_m2: i64,
    #[validate(range(
        min = 0,
        max = 4_294_967_295_i64,
        code = "vote_count_range",
        message = "人数和面积应为不小于 0 的整数"
    ))]
    pub participating_owners: i64,
    #[validate(range(
        min = 0,
        code = "vote_count_range",
        message = "人数和面积应为不小于 0 的整数"
    ))]
    pub participating_area_m2: i64,
    #[validate(range(
        min = 0,
        max = 4_294_967_295_i64,
        code = "vote_count_range",
        message = "人数和面积应为不小于 0 的整数"
    ))]
    pub approving_owners: i64,
    #[validate(range(
        min = 0,
        code = "vote_count_range",
        message = "人数和面积应为不小于 0 的整数"
    ))]
    pub approving_area_m2: i64,
    /// `YYYY-MM-DD`, not in the future.
    pub held_on: String,
    /// Reference of the vote's documents.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 200, message = "表决材料编号应为 1–200 个字符"))]
    pub document_ref: String,
    /// For `choose_firm`: the opened bid the owners chose.
    #[serde(default, deserialize_with = "trimmed_opt")]
    pub chosen_bid_id: Option<String>,
}

/// A vote checked field by field, ready to record.
#[derive(Debug, Clone)]
pub struct CheckedVote {
    pub compound_id: String,
    pub matter: VoteMatter,
    pub tally: VoteTally,
    pub held_on: Date,
    /// What was put to the owners (the matter's name when not given).
    pub subject: String,
    pub document_ref: String,
    pub chosen_bid_id: Option<String>,
}

impl NewVote {
    /// Checks every field and the tally: an impossible tally (more approving than
    /// participating, more participating than in all) is one message per field; the day
    /// not in the future; a chosen bid only for `choose_firm`.
    pub fn check(self) -> std::result::Result<CheckedVote, Problem> {
        let mut v = Validation::new();
        v.validator(self.validate());
        let matter = v.field("matter", VoteMatter::parse(&self.matter));
        let owners = |n: i64| u32::try_from(n).ok();
        let area = |n: i64| u64::try_from(n).ok();
        let tally = match (
            owners(self.total_owners),
            area(self.total_area_m2),
            owners(self.participating_owners),
            area(self.participating_area_m2),
            owners(self.approving_owners),
            area(self.approving_area_m2),
        ) {
            (Some(to), Some(ta), Some(po), Some(pa), Some(ao), Some(aa)) => {
                match VoteTally::new(to, ta, po, pa, ao, aa) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        for (field, err) in e.errors {
                            v.push(FieldError::domain(field, &err));
                        }
                        None
                    }
                }
            }
            _ => None,
        };
        let held_on = v.field("held_on", clock::parse_date(&self.held_on));
        if held_on.is_some_and(|d| d > china_today()) {
            v.push(FieldError::new(
                "held_on",
                "date_in_future",
                "表决日期不能晚于今天",
            ));
        }
        let chosen_bid_id = self.chosen_bid_id.filter(|s| !s.is_empty());
        if chosen_bid_id.is_some() && matter.is_some_and(|m| m != VoteMatter::ChooseFirm) {
            v.push(FieldError::new(
                "chosen_bid_id",
                "bid_not_for_matter",
                "只有“选聘物业服务企业”的表决可以指定中选投标",
            ));
        }
        match (matter, tally, held_on) {
            (Some(matter), Some(tally), Some(held_on)) if v.is_empty() => Ok(CheckedVote {
                compound_id: self.compound_id,
                subject: self
                    .subject
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| matter.label().to_string()),
                matter,
                tally,
                held_on,
                document_ref: self.document_ref,
                chosen_bid_id,
            }),
            _ => Err(refused(v)),
        }
    }
}

/// Records a checked vote of a compound tender knows, inside the transaction, and decides
/// it under art. 278; only for a day before the compound's owner register existed (409
/// `register_exists`: later decisions are votes from ballots). A chosen bid must be an
/// opened, valid bid of this compound's tender; a sealed or unknown bid gets the same
/// answer, so the check reveals nothing about
/// sealed bids.
pub async fn record(tx: &mut WriteTx, vote: CheckedVote, identity: &Identity) -> Result<Vote> {
    if crate::replica::compound(tx.conn(), &vote.compound_id)
        .await?
        .is_none()
    {
        return Err(unknown_compound().into());
    }
    if let Some(first) = register_since(tx.conn(), &vote.compound_id).await?
        && vote.held_on >= shared::clock::china_date(first)
    {
        return Err(Problem::conflict(
            "register_exists",
            format!(
                "该小区自 {} 起已有业主名册：此后的表决须按户投票（发起表决），不能录入汇总数。",
                clock::format_date(shared::clock::china_date(first))
            ),
        )
        .into());
    }
    let tender_id = match &vote.chosen_bid_id {
        None => None,
        Some(bid_id) => Some(
            tender_of_opened_bid(tx.conn(), bid_id, &vote.compound_id)
                .await?
                .ok_or_else(|| {
                    Problem::validation(vec![FieldError::new(
                        "chosen_bid_id",
                        "unknown_bid",
                        "不是本小区招标中已开标的有效投标",
                    )])
                })?,
        ),
    };
    let now = now_ms();
    let tally = vote.tally;
    let outcome = tally.decide(vote.matter.matter());
    let v = Vote {
        id: new_id(),
        compound_id: vote.compound_id,
        matter: vote.matter,
        subject: vote.subject,
        total_owners: tally.total_owners().into(),
        total_area_m2: tally.total_area_m2() as i64,
        participating_owners: tally.participating_owners().into(),
        participating_area_m2: tally.participating_area_m2() as i64,
        approving_owners: tally.approving_owners().into(),
        approving_area_m2: tally.approving_area_m2() as i64,
        held_on: clock::format_date(vote.held_on),
        document_ref: vote.document_ref,
        tender_id,
        chosen_bid_id: vote.chosen_bid_id,
        passed: outcome.passed,
        reasons: outcome.reasons,
        recorded_at: clock::to_rfc3339(now),
        verified: false,
        verified_label: unverified_label(),
    };
    insert(tx.conn(), &v, &identity.account_id, now).await?;
    tx.emit(shared::events::tender::VOTE, &v.id, "recorded", &v)
        .await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("vote", &v.id),
        v.tender_id.as_deref(),
        ("recorded", false),
        &v,
    )
    .await?;
    Ok(v)
}

/// When the compound's owner register got its first unit, if it has one: typed totals
/// (votes, surveys) are only for what happened before it.
pub async fn register_since(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> std::result::Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MIN(changed_at) FROM register_unit_history WHERE compound_id = $1")
        .bind(compound_id)
        .fetch_one(&mut *conn)
        .await
}

/// Whether a passing typed vote chose a bid of this tender (never enough to award: 422
/// `vote_not_from_ballots`).
pub async fn typed_vote_passed(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> std::result::Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM owners_vote WHERE tender_id = $1 AND matter = 'choose_firm' \
         AND passed = $2",
    )
    .bind(tender_id)
    .bind(true)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// The tender of an opened, valid bid of the compound's tenders.
async fn tender_of_opened_bid(
    conn: &mut AnyConnection,
    bid_id: &str,
    compound_id: &str,
) -> std::result::Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT b.tender_id FROM bid b JOIN tender t ON t.id = b.tender_id \
         WHERE b.id = $1 AND t.compound_id = $2 AND b.status = 'opened' AND t.opened_at IS NOT NULL",
    )
    .bind(bid_id)
    .bind(compound_id)
    .fetch_optional(&mut *conn)
    .await
}

const COLUMNS: &str = "id, compound_id, matter, subject, total_owners, total_area_m2, participating_owners, \
    participating_area_m2, approving_owners, approving_area_m2, held_on, document_ref, tender_id, \
    chosen_bid_id, passed, reasons, recorded_at";

/// The select list: [`COLUMNS`], with the flag read through the kernel's
/// [`shared::bool_column!`].
const SELECT: &str = concat!(
    "id, compound_id, matter, subject, total_owners, total_area_m2, participating_owners, \
    participating_area_m2, approving_owners, approving_area_m2, held_on, document_ref, tender_id, \
    chosen_bid_id, ",
    shared::bool_column!("passed", "passed"),
    ", reasons, recorded_at"
);

fn from_row(r: &sqlx::any::AnyRow) -> std::result::Result<Vote, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let matter: String = r.try_get("matter")?;
    let reasons: String = r.try_get("reasons")?;
    Ok(Vote {
        compound_id: r.try_get("compound_id")?,
        matter: VoteMatter::parse(&matter)
            .map_err(|e| crate::rows::undecodable("owners_vote", &id, "matter", e))?,
        subject: r.try_get("subject")?,
        total_owners: r.try_get("total_owners")?,
        total_area_m2: r.try_get("total_area_m2")?,
        participating_owners: r.try_get("participating_owners")?,
        participating_area_m2: r.try_get("participating_area_m2")?,
        approving_owners: r.try_get("approving_owners")?,
        approving_area_m2: r.try_get("approving_area_m2")?,
        held_on: r.try_get("held_on")?,
        document_ref: r.try_get("document_ref")?,
        tender_id: r.try_get("tender_id")?,
        chosen_bid_id: r.try_get("chosen_bid_id")?,
        passed: shared::db::flag(r, "passed")?,
        reasons: serde_json::from_str(&reasons)
            .map_err(|e| crate::rows::undecodable("owners_vote", &id, "reasons", e))?,
        recorded_at: crate::clock::to_rfc3339(r.try_get("recorded_at")?),
        verified: false,
        verified_label: unverified_label(),
        id,
    })
}

/// Stores a vote (inside the caller's write transaction).
pub async fn insert(
    conn: &mut AnyConnection,
    vote: &Vote,
    recorded_by: &str,
    recorded_at_ms: i64,
) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO owners_vote ({COLUMNS}, recorded_by) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )))
    .bind(&vote.id)
    .bind(&vote.compound_id)
    .bind(vote.matter.as_str())
    .bind(&vote.subject)
    .bind(vote.total_owners)
    .bind(vote.total_area_m2)
    .bind(vote.participating_owners)
    .bind(vote.participating_area_m2)
    .bind(vote.approving_owners)
    .bind(vote.approving_area_m2)
    .bind(&vote.held_on)
    .bind(&vote.document_ref)
    .bind(&vote.tender_id)
    .bind(&vote.chosen_bid_id)
    .bind(vote.passed)
    .bind(serde_json::to_string(&vote.reasons)?)
    .bind(recorded_at_ms)
    .bind(recorded_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One vote.
pub async fn get(
    conn: &mut AnyConnection,
    id: &str,
) -> std::result::Result<Option<Vote>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SELECT} FROM owners_vote WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Votes, newest first, optionally of one compound and/or one tender: one page.
pub async fn list(
    conn: &mut AnyConnection,
    compound: Option<&str>,
    tender: Option<&str>,
    page: Pagination,
) -> std::result::Result<Page<Vote>, sqlx::Error> {
    let mut filter = Filter::default();
    filter.equal([("compound_id", compound), ("tender_id", tender)]);
    ListQuery {
        columns: SELECT,
        from: "owners_vote",
        filter: &filter,
        order_by: "held_on DESC, recorded_at DESC, id DESC",
    }
    .page(conn, page, from_row)
    .await
}

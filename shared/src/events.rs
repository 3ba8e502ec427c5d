//! The language the services publish to each other: every feed topic a follower reads,
//! and the type of its payload. A publisher emits these types and a follower decodes each
//! change once into them ([`decode`]); nothing else reads a payload's JSON by hand.
//!
//! Payloads are a wire contract: old outbox rows are replayed (a new follower, `wuye admin
//! rebuild-index`), so a field added later is `#[serde(default)]`, and unknown fields are
//! ignored.
//!
//! | feed | topic | payload |
//! | --- | --- | --- |
//! | catalog | `district`, `street` | [`catalog::DistrictPublished`], [`catalog::StreetPublished`] (applied by `shared::follow::apply_place`) |
//! | catalog | `firm` | [`catalog::Firm`] (`FirmSnapshot`); a follower that needs only part of it reads [`catalog::FirmSummary`] (matching's tables) or [`catalog::FirmOffer`] (tender's bids), both failing closed |
//! | catalog | `compound` | [`catalog::Compound`]; tender reads [`catalog::CompoundSite`] |
//! | catalog | `session` | `shared::session`'s facts |
//! | catalog | `work_plan` | [`catalog::WorkPlan`] (a street's plan for a year with the stages it recorded) |
//! | catalog | `subsidy` | [`catalog::SubsidyPublished`] (a 以奖代补 subsidy or its correction; matching sums them in the monthly report) |
//! | catalog | `demonstration` | the catalog's API answer of a demonstration compound (标杆示范), after each step; followed by no service |
//! | tender | `tender` | tender's public view of the tender; followers read [`tender::TenderPublished`] (sealed bids are never in it) |
//! | tender | `contract` | [`tender::ContractPublished`] (also tender's API answer) |
//! | tender | `satisfaction` | [`tender::SurveyPublished`] |
//! | tender | `vote` | tender's API answer of a typed vote; matching reads [`tender::VoteDecided`] |
//! | tender | `ballot_vote` | tender's public view of a vote from ballots; matching reads [`tender::BallotVoteDecided`] |
//! | tender | `inspection` | [`tender::InspectionPublished`] (no owner's name, unit or text) |
//! | tender | `tender_question`, `tender_invitation`, `complaint`, `committee_notice`, `disclosure` | tender's API answers; named here ([`tender::VOTE`] …), followed by no service |

use serde::de::DeserializeOwned;

use crate::feed::Change;

/// Whether a change removes its entity rather than describing its new state.
pub fn is_removal(change: &Change) -> bool {
    matches!(change.kind.as_str(), "deleted" | "removed")
}

/// A change's payload as its topic's type.
pub fn decode<T: DeserializeOwned>(change: &Change) -> Result<T, serde_json::Error> {
    T::deserialize(&change.payload)
}

/// What the catalog publishes (`/catalog/feed`).
pub mod catalog {
    use serde::{Deserialize, Deserializer, Serialize};

    pub use crate::domain::compound::Compound;
    pub use crate::domain::roster::FirmSnapshot as Firm;
    use crate::domain::roster::StandingRecord;

    /// Payload: [`DistrictPublished`].
    pub const DISTRICT: &str = "district";
    /// Payload: [`StreetPublished`].
    pub const STREET: &str = "street";
    pub const SERVICE_MODEL: &str = "service_model";
    /// Payload: [`Firm`], the firm's whole current state.
    pub const FIRM: &str = "firm";
    /// Payload: [`Compound`].
    pub const COMPOUND: &str = "compound";
    pub const ACCOUNT: &str = "account";
    pub const SESSION: &str = crate::session::TOPIC;
    /// Payload: [`WorkPlan`], the street's plan for a year as it now is (kind `saved`).
    pub const WORK_PLAN: &str = "work_plan";
    pub use crate::domain::plan::WorkPlan;
    /// A demonstration compound (标杆示范) as the catalog's API answers it, whole, after each
    /// step (kinds `proposed`, `confirmed`, `declined`, `withdrawn`); followed by no service.
    pub const DEMONSTRATION: &str = "demonstration";
    /// Payload: [`SubsidyPublished`], a 以奖代补 subsidy as recorded (kind `recorded`, or
    /// `corrected` for a correction, which replaces the record it names in `corrects`).
    pub const SUBSIDY: &str = "subsidy";

    /// A 以奖代补 subsidy as the catalog publishes it (its API answer): what a follower
    /// sums. A correction names the record it replaces; the chain counts in the month of
    /// its first record.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct SubsidyPublished {
        pub id: String,
        pub compound_id: String,
        pub street_code: String,
        pub district_code: String,
        pub amount_fen: i64,
        #[serde(default)]
        pub corrects: Option<String>,
        pub first_recorded_on: String,
    }

    /// A district (区县) of the reference places.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct DistrictPublished {
        pub code: String,
        pub name: String,
        /// `district`, `county` or `city` (snake case of `DistrictKind`).
        pub kind: String,
        /// The seat's coordinates.
        pub lon: f64,
        pub lat: f64,
    }

    /// A street (街道/镇) of the reference places.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct StreetPublished {
        pub code: String,
        pub name: String,
        pub district_code: String,
    }

    /// The part of a [`Firm`] payload a follower that keeps only a summary relies on. It
    /// fails closed: a firm whose standing record is missing or unreadable is read as an
    /// applicant (never recommended, never under supervision).
    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct FirmSummary {
        pub name: String,
        #[serde(default)]
        pub districts_served: Vec<String>,
        #[serde(
            default = "StandingRecord::applicant",
            deserialize_with = "record_or_applicant"
        )]
        pub standing_record: StandingRecord,
    }

    /// A point as published (`{lon, lat}`).
    #[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
    pub struct LonLat {
        pub lon: f64,
        pub lat: f64,
    }

    /// The part of a [`Firm`] payload a follower that takes bids relies on: where the firm
    /// is, what it offers and how much room it has. It fails closed: a missing list offers
    /// nothing, a missing capacity is none, missing households served count as "full", a
    /// missing place reaches nowhere.
    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct FirmOffer {
        #[serde(default)]
        pub name: String,
        #[serde(default)]
        pub location: Option<LonLat>,
        #[serde(default)]
        pub service_radius_km: f64,
        #[serde(default)]
        pub districts_served: Vec<String>,
        #[serde(default)]
        pub service_models: Vec<String>,
        #[serde(default)]
        pub fee_models: Vec<String>,
        #[serde(default)]
        pub grades: Vec<i64>,
        #[serde(default)]
        pub capacity_households: i64,
        #[serde(default = "full")]
        pub households_served: i64,
    }

    fn full() -> i64 {
        i64::MAX / 2
    }

    impl FirmOffer {
        /// Offers nothing, reaches nowhere, has no room.
        pub fn nothing() -> Self {
            Self {
                name: String::new(),
                location: None,
                service_radius_km: 0.0,
                districts_served: Vec::new(),
                service_models: Vec::new(),
                fee_models: Vec::new(),
                grades: Vec::new(),
                capacity_households: 0,
                households_served: full(),
            }
        }
    }

    /// The part of a [`Compound`] payload a follower that places tenders relies on: where
    /// the compound is and how big. Places are codes.
    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct CompoundSite {
        #[serde(default)]
        pub code: Option<String>,
        #[serde(default)]
        pub name: String,
        #[serde(default)]
        pub district: String,
        #[serde(default)]
        pub street: Option<String>,
        #[serde(default)]
        pub location: Option<LonLat>,
        #[serde(default)]
        pub households: i64,
        #[serde(default)]
        pub floor_area_m2: i64,
    }

    fn record_or_applicant<'de, D: Deserializer<'de>>(d: D) -> Result<StandingRecord, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(serde_json::from_value(value).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "firm standing record unreadable; read as an applicant");
            StandingRecord::applicant()
        }))
    }
}

/// What the tender service publishes (`/tenders/feed`) that others follow.
pub mod tender {
    use serde::{Deserialize, Deserializer, Serialize};
    use time::Date;
    use utoipa::ToSchema;

    /// Payload: tender's whole public view of the tender (its API answer, kinds `created`,
    /// `published`, `amended`, `opened`, `awarded`, …); followers read [`TenderPublished`].
    pub const TENDER: &str = "tender";
    /// Payload: [`ContractPublished`] (kinds `signed`, `terminated`).
    pub const CONTRACT: &str = "contract";
    /// Payload: [`SurveyPublished`] (kind `recorded`).
    pub const SATISFACTION: &str = "satisfaction";
    /// Payload: [`InspectionPublished`] (kinds `asked`, `answered`).
    pub const INSPECTION: &str = "inspection";
    /// Payload: the owners' typed vote as tender's API answers it (kind `recorded`);
    /// matching reads [`VoteDecided`] (the progress list's 业主表决).
    pub const VOTE: &str = "vote";
    /// Payload: a vote from ballots as tender shows it publicly (kinds `opened`, `closed`);
    /// matching reads [`BallotVoteDecided`].
    pub const BALLOT_VOTE: &str = "ballot_vote";
    /// Payload: kind `asked`: the question's id, tender, compound and time, never its text
    /// (sealed until answered); kind `answered`: the question and its answer as tender's
    /// API answers it. Both name the asking firm only in `service_only.asker_firm_id`,
    /// which the feed serves to services alone ([`crate::feed::SERVICE_ONLY`]); matching's
    /// notifications follow it.
    pub const QUESTION: &str = "tender_question";
    /// Payload: the invitation as tender's API answers it (kind `invited`); matching's
    /// notifications follow it.
    pub const INVITATION: &str = "tender_invitation";
    /// Payload: the complaint as tender's API answers it (kinds `lodged`, `answered`,
    /// `escalated`, `decided`), with its escalations; the complainant's id and name are in
    /// it (the feed is for services). Readers of the outcome read [`ComplaintDecided`];
    /// matching's notifications follow it.
    pub const COMPLAINT: &str = "complaint";
    /// Payload: a street official's recorded notice to a compound's committee about its
    /// blacklisted firm's contract (kind `recorded`): `id`, `contract_id`, `compound_id`,
    /// `note`, `notified_at`.
    pub const COMMITTEE_NOTICE: &str = "committee_notice";
    /// Payload: the budget or accounts as tender's API answers it (kinds `published`,
    /// `corrected`); no service follows it.
    pub const DISCLOSURE: &str = "disclosure";
    /// Payload: a compound's annual budget as tender's API answers it (kinds `drafted`,
    /// `revised`, `put_to_vote`); no service follows it.
    pub const FEE_BUDGET: &str = "fee_budget";
    /// Payload: [`FundMonth`] (kind `summarised`), one change per compound and month
    /// (entity `{compound_id}:{month}`) each time a fund transaction changes that month's
    /// figures or a later month's; matching keeps the latest per compound and month.
    pub const FUND_MONTH: &str = "fund_month";

    /// 酬金 (the remuneration a 酬金制 or 信托制 contract agrees for the firm): a fixed
    /// yearly amount, or a share of the fee income recorded in the fund.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    pub enum Remuneration {
        /// 固定酬金: this much a year, 分, drawn pro rata by months of service begun.
        Fixed { annual_fen: i64 },
        /// 比例酬金: this share of the fee income, in basis points (万分之一; 800 = 8%).
        Percentage { basis_points: i64 },
    }

    /// A compound's service fund (酬金制 or 信托制) in one month, derived from its ledger:
    /// what the public statement shows in totals, and the flags officials follow.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct FundMonth {
        pub compound_id: String,
        /// The contract the fund runs under, and its fee model (`commission`, `trust`).
        pub contract_id: String,
        pub fee_model: String,
        /// `YYYY-MM`.
        pub month: String,
        pub opening_balance_fen: i64,
        /// Income of the month (fee income and common revenue), net of reversals.
        pub income_fen: i64,
        /// Of which common revenue (公共收益: parking, advertising, other).
        pub common_revenue_fen: i64,
        /// Spending of the month other than remuneration, net of reversals.
        pub spending_fen: i64,
        /// The firm's remuneration drawn in the month.
        pub remuneration_fen: i64,
        pub closing_balance_fen: i64,
        /// Consecutive months, ending with this one, whose closing balance is negative.
        pub deficit_months: i64,
        /// `deficit_months` reached `[tender] fund_deficit_months`.
        pub deficit_flagged: bool,
        /// No common revenue in the fund over the last `[tender] fund_pooling_months`
        /// months (see `tender::money::fund`).
        #[serde(default)]
        pub common_revenue_not_pooled: bool,
    }

    time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

    /// A tender's public view (招标): the fields followers read. The publisher's view
    /// carries more (deadlines, evaluation, the opening record, the award); sealed bids are
    /// never part of it.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct TenderPublished {
        pub id: String,
        pub compound_id: String,
        /// The compound's name when the tender was written (may be empty in old changes).
        #[serde(default)]
        pub compound_name: String,
        #[serde(default)]
        pub title: String,
        /// `draft`, `open`, `evaluation`, `awarded`, `contracted`, `cancelled`, `unsuccessful`.
        pub status: String,
        pub service_model: String,
        pub fee_model: String,
        /// Service grade wanted, 1–5.
        #[serde(default = "grade_one")]
        pub grade: i64,
        /// The fee the committee proposes, 分/㎡·月.
        #[serde(default)]
        pub proposed_fee: i64,
        /// 需求说明.
        #[serde(default)]
        pub needs: String,
    }

    /// What a follower reads of a complaint (topic `complaint`): where it stands and the
    /// latest decision. `stage`: `lodged`, `answered`, `escalated_to_street`,
    /// `street_decided`, `escalated_to_district`, `district_decided`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ComplaintDecided {
        pub id: String,
        pub tender_id: String,
        /// The complaining firm (absent from public reads, present in the feed).
        #[serde(default)]
        pub firm_id: Option<String>,
        #[serde(default = "lodged")]
        pub stage: String,
        /// The latest decision (the committee's answer or a level's): upheld or not.
        #[serde(default)]
        pub outcome: Option<bool>,
    }

    fn lodged() -> String {
        "lodged".into()
    }

    /// What matching reads of a typed vote (topic `vote`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct VoteDecided {
        pub id: String,
        pub compound_id: String,
        /// `choose_service_model`, `choose_firm`, ….
        pub matter: String,
        pub passed: bool,
        /// The day of the vote, `YYYY-MM-DD`.
        pub held_on: String,
    }

    /// The result of a closed vote from ballots, as far as matching reads it.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct BallotResultDecided {
        pub passed: bool,
    }

    /// What matching reads of a vote from ballots (topic `ballot_vote`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct BallotVoteDecided {
        pub id: String,
        pub compound_id: String,
        pub matter: String,
        /// RFC 3339, once closed.
        #[serde(default)]
        pub closed_at: Option<String>,
        /// Only once closed.
        #[serde(default)]
        pub result: Option<BallotResultDecided>,
    }

    fn grade_one() -> i64 {
        1
    }

    /// Where a contract is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ContractStatus {
        Active,
        /// Ended early, with a reason.
        Terminated,
    }

    impl ContractStatus {
        pub const ALL: [ContractStatus; 2] = [ContractStatus::Active, ContractStatus::Terminated];

        pub fn as_str(self) -> &'static str {
            match self {
                ContractStatus::Active => "active",
                ContractStatus::Terminated => "terminated",
            }
        }

        /// A status as stored or sent (`active`, `terminated`); anything else is `None`.
        pub fn parse(s: &str) -> Option<Self> {
            Self::ALL.into_iter().find(|c| c.as_str() == s)
        }
    }

    /// 物业服务合同: what was agreed; while active (and within its term) the compound is
    /// covered. Tender's API answers it and publishes it (kind `signed`, then `terminated`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    #[schema(as = Contract)]
    pub struct ContractPublished {
        pub id: String,
        pub tender_id: String,
        pub compound_id: String,
        pub firm_id: String,
        pub firm_name: String,
        pub service_model: String,
        pub fee_model: String,
        /// 分/㎡·月.
        #[serde(default)]
        #[schema(required = true)]
        pub fee: i64,
        /// 分.
        #[serde(default)]
        #[schema(required = true)]
        pub annual_price_fen: i64,
        #[serde(default)]
        #[schema(required = true)]
        pub term_months: i64,
        /// `YYYY-MM-DD`.
        #[serde(with = "iso_date")]
        #[schema(value_type = String, format = Date)]
        pub start_date: Date,
        /// Last day of the term, `YYYY-MM-DD`.
        #[serde(with = "iso_date")]
        #[schema(value_type = String, format = Date)]
        pub end_date: Date,
        #[serde(with = "iso_date")]
        #[schema(value_type = String, format = Date)]
        pub signed_on: Date,
        /// When it was recorded (RFC 3339).
        #[serde(default)]
        #[schema(required = true)]
        pub signed_at: String,
        pub status: ContractStatus,
        /// Last day of service of a terminated contract.
        #[serde(default, with = "iso_date::option")]
        #[schema(value_type = Option<String>, format = Date)]
        pub terminated_on: Option<Date>,
        #[serde(default)]
        pub termination_reason: Option<String>,
        /// The passing owners' vote on `dismiss_firm` the termination rests on (absent
        /// while active, and for contracts terminated before the rule).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub termination_vote_id: Option<String>,
        /// `ballot` (a vote from ballots) or `typed` (a recorded tally).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub termination_vote_kind: Option<String>,
        /// The remuneration agreed (酬金制 and 信托制 contracts), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub remuneration: Option<Remuneration>,
        /// The fee in force (现行物业费标准) of an active contract: this year's fee standard
        /// the compound's owners approved by ballot, when they have; otherwise absent and
        /// `fee` (agreed at award) is in force. Derived on every read by the tender API from
        /// the budget and its vote; never stored, and never on the feed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub fee_in_force: Option<FeeInForce>,
    }

    /// The fee standard an approved annual budget sets, as a contract shows it in force.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    pub struct FeeInForce {
        /// 分/㎡·月.
        pub fee: i64,
        /// The budget's year.
        pub year: i32,
        pub budget_id: String,
        /// The owners' vote that approved the budget.
        pub vote_id: String,
    }

    /// A satisfaction survey (满意度测评) of a compound for a quarter: the payload of topic
    /// `satisfaction` (kind `recorded`), exactly these fields.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    #[schema(as = SurveyChange)]
    pub struct SurveyPublished {
        pub id: String,
        pub compound_id: String,
        /// The compound's street (9 digits), from tender's copy of the catalog's compound.
        #[serde(default)]
        pub street_code: Option<String>,
        /// The compound's district (6 digits).
        pub district_code: String,
        /// The compound's active contract when the survey was recorded.
        #[serde(default)]
        pub contract_id: Option<String>,
        /// That contract's firm.
        #[serde(default)]
        pub firm_id: Option<String>,
        /// The quarter, e.g. `2026-Q3`.
        pub period: String,
        /// 满意.
        pub satisfied: i64,
        /// 基本满意.
        pub basically_satisfied: i64,
        /// 不满意.
        pub dissatisfied: i64,
        /// RFC 3339 (any other JSON value in an old change is kept as its text).
        #[serde(default, deserialize_with = "text_of_any")]
        #[schema(value_type = String, required = true)]
        pub recorded_at: Option<String>,
    }

    /// A request to inspect (查阅申请) the accounts, vouchers or contract of a compound's
    /// firm, where it stands: the payload of topic `inspection` (kinds `asked`, `answered`).
    /// It names no owner, unit or text: followers only need to know that a compound's
    /// owners wait for an answer, and since when. Whether it is overdue is decided by the
    /// reader from `due_on` and its day, never stored.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct InspectionPublished {
        pub id: String,
        pub compound_id: String,
        #[serde(default)]
        pub compound_name: String,
        pub district_code: String,
        #[serde(default)]
        pub street_code: Option<String>,
        /// `accounts`, `vouchers` or `contract`.
        pub what: String,
        /// What in Chinese (收支情况, 凭证, 物业服务合同).
        #[serde(default)]
        pub what_label: String,
        /// `owner_code` or `committee`.
        #[serde(default)]
        pub asked_by: String,
        /// RFC 3339.
        #[serde(default)]
        pub asked_at: String,
        /// The last day to answer (Beijing).
        #[serde(with = "iso_date")]
        pub due_on: Date,
        /// RFC 3339; `null` while unanswered.
        #[serde(default)]
        pub answered_at: Option<String>,
    }

    fn text_of_any<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(
            Option::<serde_json::Value>::deserialize(d)?.map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_firm_summary_fails_closed() {
        let s: catalog::FirmSummary =
            serde_json::from_value(json!({"name": "某物业", "districts_served": ["510104"]}))
                .unwrap();
        assert_eq!(
            s.standing_record,
            crate::domain::roster::StandingRecord::applicant()
        );
        let s: catalog::FirmSummary =
            serde_json::from_value(json!({"name": "某物业", "standing_record": {"stage": "??"}}))
                .unwrap();
        assert_eq!(
            s.standing_record,
            crate::domain::roster::StandingRecord::applicant()
        );
    }

    /// What tender's outbox holds today (kind `signed`), decoded and written back unchanged.
    #[test]
    fn a_stored_contract_payload_decodes_and_is_written_the_same() {
        let stored = json!({"id": "k1", "tender_id": "t1", "compound_id": "c1",
            "firm_id": "f1", "firm_name": "锦城物业", "service_model": "professional",
            "fee_model": "lump_sum", "fee": 150, "annual_price_fen": 75_600_000,
            "term_months": 36, "start_date": "2026-03-01", "end_date": "2029-02-28",
            "signed_on": "2026-02-20", "signed_at": "2026-02-20T10:00:00.000+08:00",
            "status": "terminated", "terminated_on": "2027-06-30",
            "termination_reason": "业主共同决定解除合同"});
        let k: tender::ContractPublished = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(k.status, tender::ContractStatus::Terminated);
        assert_eq!(k.fee, 150);
        assert_eq!(serde_json::to_value(&k).unwrap(), stored);
        assert_eq!(
            tender::ContractStatus::parse("active"),
            Some(tender::ContractStatus::Active)
        );
        assert_eq!(tender::ContractStatus::parse("Active"), None);
    }

    /// What tender's outbox holds today (kind `recorded`), decoded and written back unchanged.
    #[test]
    fn a_stored_survey_payload_decodes_and_is_written_the_same() {
        let stored = json!({"id": "s1", "compound_id": "c1", "street_code": "510104001",
            "district_code": "510104", "contract_id": "k1", "firm_id": "f1",
            "period": "2026-Q3", "satisfied": 80, "basically_satisfied": 10,
            "dissatisfied": 10, "recorded_at": "2026-09-01T10:00:00.000+08:00"});
        let s: tender::SurveyPublished = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(serde_json::to_value(&s).unwrap(), stored);
    }

    #[test]
    fn an_inspection_payload_decodes_and_is_written_the_same() {
        let stored = json!({"id": "i1", "compound_id": "c1", "compound_name": "某小区",
            "district_code": "510104", "street_code": "510104017", "what": "vouchers",
            "what_label": "凭证", "asked_by": "owner_code",
            "asked_at": "2026-09-01T10:00:00.000+08:00", "due_on": "2026-09-16",
            "answered_at": null});
        let i: tender::InspectionPublished = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(i.due_on, time::macros::date!(2026 - 09 - 16));
        assert_eq!(serde_json::to_value(&i).unwrap(), stored);
    }

    /// A termination on an owners' vote carries the vote, and reads back the same.
    #[test]
    fn a_termination_names_its_vote() {
        let stored = json!({"id": "k1", "tender_id": "t1", "compound_id": "c1",
            "firm_id": "f1", "firm_name": "锦城物业", "service_model": "professional",
            "fee_model": "lump_sum", "fee": 150, "annual_price_fen": 75_600_000,
            "term_months": 36, "start_date": "2026-03-01", "end_date": "2029-02-28",
            "signed_on": "2026-02-20", "signed_at": "2026-02-20T10:00:00.000+08:00",
            "status": "terminated", "terminated_on": "2027-06-30",
            "termination_reason": "业主共同决定解除合同",
            "termination_vote_id": "v1", "termination_vote_kind": "ballot"});
        let k: tender::ContractPublished = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(k.termination_vote_id.as_deref(), Some("v1"));
        assert_eq!(serde_json::to_value(&k).unwrap(), stored);
    }

    #[test]
    fn contracts_round_trip_with_iso_dates() {
        let c = json!({"id": "k1", "tender_id": "t1", "compound_id": "c1", "firm_id": "f1",
            "firm_name": "锦城物业", "service_model": "professional", "fee_model": "commission",
            "fee": 150, "annual_price_fen": 75_600_000, "term_months": 36,
            "start_date": "2026-03-01", "end_date": "2029-02-28", "signed_on": "2026-02-20",
            "signed_at": "2026-02-20T10:00:00.000+08:00",
            "status": "active", "terminated_on": null, "termination_reason": null});
        let k: tender::ContractPublished = serde_json::from_value(c.clone()).unwrap();
        assert_eq!(serde_json::to_value(&k).unwrap(), c);
        let bad = json!({"id": "k1", "start_date": "2026-02-30"});
        assert!(serde_json::from_value::<tender::ContractPublished>(bad).is_err());
    }
}

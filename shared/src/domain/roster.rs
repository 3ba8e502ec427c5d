//! 供应商推荐名录 (the association's recommended supplier roster): a firm's standing on
//! the roster, decided from dates, and the vocabulary a firm's profile is made of
//! (ownership, fee models, service grades, credit grades).
//!
//! The catalog keeps each firm's [`StandingRecord`] (its stage plus the dates that bound
//! it) and publishes it on its change feed inside a [`FirmSnapshot`]. Nobody stores "is
//! blacklisted" as a flag: the standing on any day is [`StandingRecord::effective`] of the
//! record on that day, so a blacklisting that has ended no longer applies, a future-dated one
//! starts on its date, and a recommendation past its review date is
//! [`RosterStanding::ReviewOverdue`] without anyone having to write anything. Catalog, tender
//! and matching all call the same function.
//!
//! Transitions (推荐 recommend, 重点监管 suspend, 恢复 restore, 列入黑名单 blacklist, 解除黑名单
//! end the blacklisting) are [`StandingRecord::apply`]: a pure function from the record,
//! the action and today's date to the next record, or a [`DomainError`] saying in Chinese
//! why the transition is not allowed.
//!
//! Dates are calendar days in China (UTC+8, [`china_today`]) and travel as `YYYY-MM-DD`.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use time::macros::format_description;
use utoipa::ToSchema;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

use super::credit_code::CreditCode;
use super::error::DomainError;
use super::geo::Coordinates;
use super::place::{DistrictCode, StreetCode};

/// The calendar date type of the roster (re-exported so that users of this module need not
/// depend on `time` themselves).
pub use time::Date;

/// How dates are written: `YYYY-MM-DD`.
const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Today's date in China (UTC+8), the day every standing is decided on (the kernel's
/// clock, [`crate::clock`]).
pub use crate::clock::china_today;

/// Parses a `YYYY-MM-DD` date. Error code: `invalid_date`.
pub fn parse_date(input: &str) -> Result<Date, DomainError> {
    Date::parse(input.trim(), DATE_FORMAT).map_err(|_| {
        DomainError::new(
            "invalid_date",
            format!(
                "日期“{}”无效，应为 YYYY-MM-DD 格式的有效日期",
                super::error::quoted(input)
            ),
        )
    })
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    date.format(DATE_FORMAT)
        .expect("a Date always formats as YYYY-MM-DD")
}

/// Defines a closed set of snake_case codes with Chinese labels, parsed with a Chinese error.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, error: $error:literal, noun: $noun:literal {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        // JSON and the OpenAPI schema come from `ALL` and `as_str`, like `parse`: one
        // source for the wire values.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown value `{}`, expected one of: {}",
                        super::error::quoted(&s),
                        known.join(", ")
                    ))
                })
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!($("`", $code, "` ", $label, "; "),+).trim_end_matches("; ")))
                    .enum_values(Some(Self::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl ToSchema for $name {}

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The machine code used in JSON and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The Chinese name.
            pub fn label_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// Parses a machine code (surrounding whitespace ignored).
            pub fn parse(input: &str) -> Result<Self, DomainError> {
                let code = input.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == code)
                    .ok_or_else(|| {
                        let known: Vec<String> = Self::ALL
                            .iter()
                            .map(|v| format!("{}（{}）", v.as_str(), v.label_zh()))
                            .collect();
                        DomainError::new(
                            $error,
                            format!(
                                concat!("未知的", $noun, "“{}”，可选：{}"),
                                super::error::quoted(code),
                                known.join("、")
                            ),
                        )
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label_zh())
            }
        }
    };
}

code_enum! {
    /// 企业性质 (ownership) of a firm. The plan encourages state-owned firms to serve old
    /// compounds at no or low profit.
    Ownership, error: "invalid_ownership", noun: "企业性质" {
        /// 国有企业 (state-owned).
        Soe = "soe", "国企";
        /// 民营企业 (private).
        Private = "private", "民营";
        /// Anything else (collective, mixed, social organisation …).
        Other = "other", "其他";
    }
}

code_enum! {
    /// 收费方式 (fee model): how a compound pays for its service. A closed set.
    FeeModel, error: "invalid_fee_model", noun: "收费方式" {
        /// 包干制: a fixed fee; the firm keeps the surplus or bears the loss.
        LumpSum = "lump_sum", "包干制";
        /// 酬金制: the firm takes an agreed share or amount, the rest is spent on the
        /// compound and the owners bear surplus or deficit.
        Commission = "commission", "酬金制";
        /// 信托制: the fees form a trust fund owned by the owners; the firm is trustee.
        Trust = "trust", "信托制";
    }
}

code_enum! {
    /// 名录状态 (roster standing) of a firm on a given day: what [`StandingRecord::effective`]
    /// answers. Only [`RosterStanding::Recommended`] firms may bid.
    RosterStanding, error: "invalid_standing", noun: "名录状态" {
        /// 申请中: applied and not (or no longer) on the roster.
        Applicant = "applicant", "申请中";
        /// 推荐: on the roster, before or on its review date.
        Recommended = "recommended", "推荐";
        /// 待复核: recommended, but the review date has passed; not eligible to bid until
        /// the association recommends it again.
        ReviewOverdue = "review_overdue", "待复核";
        /// 重点监管: under key supervision, must rectify by a deadline.
        Suspended = "suspended", "重点监管";
        /// 黑名单: blacklisted on this day.
        Blacklisted = "blacklisted", "黑名单";
    }
}

code_enum! {
    /// The stage of a firm's roster lifecycle as stored in its [`StandingRecord`], apart from
    /// any blacklisting (which is kept as a date range beside it).
    RosterStage, error: "invalid_stage", noun: "名录阶段" {
        /// 申请中.
        Applicant = "applicant", "申请中";
        /// 推荐, until the record's review date.
        Recommended = "recommended", "推荐";
        /// 重点监管, with a rectification deadline.
        Suspended = "suspended", "重点监管";
    }
}

impl RosterStanding {
    /// Whether a firm in this standing may bid for tenders.
    pub fn may_bid(self) -> bool {
        self == RosterStanding::Recommended
    }
}

/// 信用等级 (credit grade), from a firm's credit score by configurable thresholds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub enum CreditGrade {
    #[serde(rename = "AAA")]
    Aaa,
    #[serde(rename = "AA")]
    Aa,
    A,
    B,
    C,
}

impl CreditGrade {
    /// `AAA`, `AA`, `A`, `B` or `C`.
    pub fn as_str(self) -> &'static str {
        match self {
            CreditGrade::Aaa => "AAA",
            CreditGrade::Aa => "AA",
            CreditGrade::A => "A",
            CreditGrade::B => "B",
            CreditGrade::C => "C",
        }
    }
}

impl fmt::Display for CreditGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 物业服务等级: one of the five levels (一级 to 五级) of Chengdu's residential property
/// service standard. Serialised as the bare integer 1–5. Error code: `invalid_grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "i64")]
pub struct ServiceGrade(u8);

impl ServiceGrade {
    /// Checks that `value` is 1–5.
    pub fn new(value: i64) -> Result<Self, DomainError> {
        match u8::try_from(value) {
            Ok(v @ 1..=5) => Ok(Self(v)),
            _ => Err(DomainError::new(
                "invalid_grade",
                format!("服务等级应为 1–5（一级至五级），不能是 {value}"),
            )),
        }
    }

    /// 1–5.
    pub fn get(self) -> u8 {
        self.0
    }

    /// 一级 … 五级.
    pub fn label_zh(self) -> &'static str {
        ["一级", "二级", "三级", "四级", "五级"][usize::from(self.0 - 1)]
    }
}

impl TryFrom<i64> for ServiceGrade {
    type Error = DomainError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl fmt::Display for ServiceGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

impl Serialize for ServiceGrade {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

impl utoipa::PartialSchema for ServiceGrade {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .description(Some("物业服务等级：1–5（一级至五级）"))
            .minimum(Some(1))
            .maximum(Some(5))
            .examples([3])
            .into()
    }
}

impl ToSchema for ServiceGrade {}

/// Where a record's blacklisting stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlacklistState {
    /// No blacklisting recorded.
    None,
    /// Recorded, starting on a later day.
    Pending,
    /// In force on this day (`from <= day <= to`, or no end).
    Active,
    /// Over (`to < day`): it no longer applies and the firm has left the roster.
    Ended,
}

/// A firm's standing on the roster as stored: its lifecycle stage and the dates that bound
/// it. What the standing *is* on a given day is [`StandingRecord::effective`].
///
/// - `stage` is `applicant`, `recommended` (until `review_date`, inclusive) or `suspended`
///   (must rectify by `rectify_by`; `review_date` is kept for when it is restored);
/// - a blacklisting is `blacklist_from` (first day) to `blacklist_to` (last day, inclusive;
///   none = permanent), with its reason. It overrides the stage while in force. Once it has
///   ended the firm is an applicant again: it left the roster and must be recommended anew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StandingRecord {
    pub stage: RosterStage,
    /// Last day the recommendation holds (复核日期); after it the firm is `review_overdue`.
    #[serde(with = "iso_date::option", default)]
    #[schema(value_type = Option<String>, format = Date, example = "2026-06-30")]
    pub review_date: Option<Date>,
    /// Rectification deadline (整改期限) while suspended.
    #[serde(with = "iso_date::option", default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub rectify_by: Option<Date>,
    /// First day of the blacklisting.
    #[serde(with = "iso_date::option", default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub blacklist_from: Option<Date>,
    /// Last day of the blacklisting (inclusive); none with a `blacklist_from` = permanent.
    #[serde(with = "iso_date::option", default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub blacklist_to: Option<Date>,
    /// Why the firm was blacklisted.
    #[serde(default)]
    pub blacklist_reason: Option<String>,
}

/// A change of standing, as the association asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StandingAction {
    /// 推荐: put an applicant on the roster, or renew a recommendation, until `review_date`.
    Recommend { review_date: Date },
    /// 重点监管: put a recommended firm under key supervision until it rectifies.
    Suspend { rectify_by: Date },
    /// 恢复: end the supervision; the firm is recommended again (until `review_date` when
    /// given, else until its previous review date).
    Restore { review_date: Option<Date> },
    /// 列入黑名单 from `from` to `to` (inclusive; none = permanent), from any stage.
    Blacklist {
        from: Date,
        to: Option<Date>,
        reason: String,
    },
    /// 解除黑名单: end a blacklisting early (or cancel one that has not started).
    EndBlacklist,
}

impl StandingAction {
    /// `recommend`, `suspend`, `restore`, `blacklist` or `end_blacklist`.
    pub fn as_str(&self) -> &'static str {
        match self {
            StandingAction::Recommend { .. } => "recommend",
            StandingAction::Suspend { .. } => "suspend",
            StandingAction::Restore { .. } => "restore",
            StandingAction::Blacklist { .. } => "blacklist",
            StandingAction::EndBlacklist => "end_blacklist",
        }
    }
}

fn conflict(code: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::new(code, message)
}

impl StandingRecord {
    /// A firm that has just applied.
    pub fn applicant() -> Self {
        Self {
            stage: RosterStage::Applicant,
            review_date: None,
            rectify_by: None,
            blacklist_from: None,
            blacklist_to: None,
            blacklist_reason: None,
        }
    }

    /// Where the blacklisting stands on `day`.
    pub fn blacklist_state(&self, day: Date) -> BlacklistState {
        match self.blacklist_from {
            None => BlacklistState::None,
            Some(from) if day < from => BlacklistState::Pending,
            Some(_) => match self.blacklist_to {
                Some(to) if to < day => BlacklistState::Ended,
                _ => BlacklistState::Active,
            },
        }
    }

    /// The standing on `day`, from the dates alone:
    ///
    /// 1. a blacklisting in force → `blacklisted`; one that has ended → `applicant`;
    /// 2. otherwise the stage: `applicant`; `recommended` until the review date inclusive,
    ///    `review_overdue` after it (or when it has none); `suspended`.
    pub fn effective(&self, day: Date) -> RosterStanding {
        match self.blacklist_state(day) {
            BlacklistState::Active => RosterStanding::Blacklisted,
            BlacklistState::Ended => RosterStanding::Applicant,
            BlacklistState::None | BlacklistState::Pending => match self.stage {
                RosterStage::Applicant => RosterStanding::Applicant,
                RosterStage::Recommended => match self.review_date {
                    Some(review) if day <= review => RosterStanding::Recommended,
                    _ => RosterStanding::ReviewOverdue,
                },
                RosterStage::Suspended => RosterStanding::Suspended,
            },
        }
    }

    /// Whether a suspended firm has let its rectification deadline pass on `day`.
    pub fn rectification_overdue(&self, day: Date) -> bool {
        self.effective(day) == RosterStanding::Suspended
            && self.rectify_by.is_some_and(|deadline| deadline < day)
    }

    /// The same standing written without a blacklisting that has ended by `day` (which has
    /// made the firm an applicant again). `effective` is unchanged on `day` and after.
    pub fn settled(&self, day: Date) -> Self {
        if self.blacklist_state(day) == BlacklistState::Ended {
            Self::applicant()
        } else {
            self.clone()
        }
    }

    fn blacklist_period_zh(&self) -> String {
        match (self.blacklist_from, self.blacklist_to) {
            (Some(from), Some(to)) => format!("{} 至 {}", format_date(from), format_date(to)),
            (Some(from), None) => format!("{} 起，永久", format_date(from)),
            _ => String::new(),
        }
    }

    /// The record after `action` taken on `today`, or why it is refused (codes:
    /// `blacklisted`, `already_blacklisted`, `not_blacklisted`, `invalid_transition`,
    /// `invalid_blacklist_period`). The caller checks that deadlines are not in the past.
    pub fn apply(&self, action: &StandingAction, today: Date) -> Result<Self, DomainError> {
        let current = self.settled(today);
        let standing = current.effective(today);
        let blacklist = current.blacklist_state(today);
        let mut next = current.clone();
        match action {
            StandingAction::Recommend { review_date } => {
                match blacklist {
                    BlacklistState::Active => {
                        return Err(conflict(
                            "blacklisted",
                            format!(
                                "该企业在黑名单中（{}），须先解除黑名单才能推荐",
                                current.blacklist_period_zh()
                            ),
                        ));
                    }
                    BlacklistState::Pending => {
                        return Err(conflict(
                            "blacklisted",
                            format!(
                                "该企业已被列入黑名单（{}），须先解除黑名单才能推荐",
                                current.blacklist_period_zh()
                            ),
                        ));
                    }
                    BlacklistState::None | BlacklistState::Ended => {}
                }
                if standing == RosterStanding::Suspended {
                    return Err(conflict(
                        "invalid_transition",
                        "该企业处于重点监管中，整改合格后应使用“恢复”（restore），不能直接推荐",
                    ));
                }
                next.stage = RosterStage::Recommended;
                next.review_date = Some(*review_date);
                next.rectify_by = None;
            }
            StandingAction::Suspend { rectify_by } => {
                match standing {
                    RosterStanding::Recommended | RosterStanding::ReviewOverdue => {}
                    RosterStanding::Applicant => {
                        return Err(conflict(
                            "invalid_transition",
                            "该企业尚未列入推荐名录，不能列为重点监管",
                        ));
                    }
                    RosterStanding::Suspended => {
                        return Err(conflict("invalid_transition", "该企业已处于重点监管中"));
                    }
                    RosterStanding::Blacklisted => {
                        return Err(conflict(
                            "blacklisted",
                            "该企业在黑名单中，不能列为重点监管",
                        ));
                    }
                }
                next.stage = RosterStage::Suspended;
                next.rectify_by = Some(*rectify_by);
            }
            StandingAction::Restore { review_date } => {
                match standing {
                    RosterStanding::Suspended => {}
                    RosterStanding::Blacklisted => {
                        return Err(conflict("blacklisted", "该企业在黑名单中，须先解除黑名单"));
                    }
                    _ => {
                        return Err(conflict(
                            "invalid_transition",
                            "只有处于重点监管中的企业才能恢复推荐",
                        ));
                    }
                }
                next.stage = RosterStage::Recommended;
                next.review_date = review_date.or(current.review_date);
                next.rectify_by = None;
            }
            StandingAction::Blacklist { from, to, reason } => {
                if matches!(blacklist, BlacklistState::Active | BlacklistState::Pending) {
                    return Err(conflict(
                        "already_blacklisted",
                        format!(
                            "该企业已列入黑名单（{}）；如需调整期限，请先解除再重新列入",
                            current.blacklist_period_zh()
                        ),
                    ));
                }
                if to.is_some_and(|to| to < *from) {
                    return Err(conflict(
                        "invalid_blacklist_period",
                        "黑名单截止日期不能早于起始日期",
                    ));
                }
                next.blacklist_from = Some(*from);
                next.blacklist_to = *to;
                next.blacklist_reason = Some(reason.clone());
            }
            StandingAction::EndBlacklist => match blacklist {
                BlacklistState::Active => next = Self::applicant(),
                BlacklistState::Pending => {
                    next.blacklist_from = None;
                    next.blacklist_to = None;
                    next.blacklist_reason = None;
                }
                BlacklistState::None | BlacklistState::Ended => {
                    return Err(conflict(
                        "not_blacklisted",
                        "该企业当前不在黑名单中，无需解除",
                    ));
                }
            },
        }
        Ok(next)
    }
}

/// A firm's credit (信用) at a moment: score = base + good points − bad points, and the grade
/// the configured thresholds give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditSummary {
    pub score: i64,
    pub grade: CreditGrade,
}

/// Everything about a firm that followers need: the catalog's API view of a firm and the
/// payload of every `firm` change on its feed (kinds `applied`, `profile_updated`,
/// `standing_changed`, `credit_changed`, `whitelist_changed`).
///
/// `standing` is the standing on `standing_as_of` (the day the snapshot was taken); a
/// follower deciding on another day calls `standing_record.effective(day)` (or
/// [`FirmSnapshot::standing_on`]) instead, because standing changes with the calendar
/// without any new change on the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FirmSnapshot {
    pub id: String,
    /// 企业名称.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: CreditCode,
    /// 法定代表人.
    pub legal_representative: String,
    /// 联系电话; masked (`138****5678`) for callers other than the association, the firm
    /// itself and services.
    pub contact_phone: String,
    pub ownership: Ownership,
    /// 注册/办公地址.
    pub base_address: String,
    pub location: Coordinates,
    /// The street (街道/镇) of the firm's office, when given (absent in snapshots written
    /// before it existed).
    #[serde(default, deserialize_with = "street_code")]
    pub office_street: Option<StreetCode>,
    /// Districts the firm serves (区县代码), sorted.
    #[serde(deserialize_with = "district_codes")]
    pub districts_served: Vec<DistrictCode>,
    /// How far from `location` it will serve, in km.
    pub service_radius_km: f64,
    /// Codes of the 物业服务方式 it offers (see `GET /catalog/service-models`), sorted.
    pub service_models: Vec<String>,
    pub fee_models: Vec<FeeModel>,
    /// 服务等级 it can deliver, ascending.
    pub grades: Vec<ServiceGrade>,
    /// Households it can take on in total.
    pub capacity_households: i64,
    /// Households it serves now (≤ capacity).
    pub households_served: i64,
    pub staff_count: i64,
    /// 企业简介: experience and specialities, Chinese free text.
    pub profile: String,
    /// 承诺无偿/微利服务老旧小区.
    pub low_profit_commitment: bool,
    /// The standing on `standing_as_of`.
    pub standing: RosterStanding,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub standing_as_of: Date,
    /// The stored record that decides the standing on any day.
    pub standing_record: StandingRecord,
    pub credit: CreditSummary,
    /// 检查白名单.
    pub whitelisted: bool,
    /// When the firm applied (ms since the Unix epoch).
    pub applied_at: i64,
    /// When anything about it last changed (ms since the Unix epoch).
    pub updated_at: i64,
    /// Since when a material profile change (grades, models, fee models, districts, radius,
    /// location, capacity) of a firm on the roster awaits the association's review
    /// (资料变更待复核), ms since the Unix epoch; absent when nothing is pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_pending_since: Option<i64>,
    /// The association rejected the application (驳回申请): its credit code is free for a
    /// new application and the firm's accounts are disabled. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
}

/// Why and when the association rejected a firm's application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rejection {
    /// The reason, in Chinese.
    pub reason: String,
    /// When (ms since the Unix epoch).
    pub at: i64,
}

/// Deserialises district codes through [`DistrictCode::parse`]. (`DistrictCode`'s own
/// derive borrows for `'static`, which a payload read from the feed cannot offer.)
fn district_codes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<DistrictCode>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|code| DistrictCode::parse(code).map_err(serde::de::Error::custom))
        .collect()
}

fn street_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<StreetCode>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|code| StreetCode::parse(&code).map_err(serde::de::Error::custom))
        .transpose()
}

impl FirmSnapshot {
    /// The standing on `day`.
    pub fn standing_on(&self, day: Date) -> RosterStanding {
        self.standing_record.effective(day)
    }

    /// Households it can still take on.
    pub fn capacity_left(&self) -> i64 {
        (self.capacity_households - self.households_served).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2025 - 03 - 15);

    fn days(n: i64) -> Date {
        Date::from_julian_day(TODAY.to_julian_day() + n as i32).unwrap()
    }

    fn recommended(review: Date) -> StandingRecord {
        StandingRecord {
            stage: RosterStage::Recommended,
            review_date: Some(review),
            ..StandingRecord::applicant()
        }
    }

    fn blacklisted(record: StandingRecord, from: Date, to: Option<Date>) -> StandingRecord {
        StandingRecord {
            blacklist_from: Some(from),
            blacklist_to: to,
            blacklist_reason: Some("拒不整改".into()),
            ..record
        }
    }

    #[test]
    fn dates_parse_and_format() {
        assert_eq!(parse_date("2025-03-15").unwrap(), TODAY);
        assert_eq!(parse_date(" 2025-03-15 ").unwrap(), TODAY);
        assert_eq!(format_date(TODAY), "2025-03-15");
        for bad in [
            "2025-02-30",
            "2025-3-15",
            "15/03/2025",
            "",
            "2025-03-15T00:00",
        ] {
            let error = parse_date(bad).unwrap_err();
            assert_eq!(error.code, "invalid_date", "{bad}");
            assert!(error.message.contains("YYYY-MM-DD"));
        }
    }

    #[test]
    fn codes_parse_with_chinese_errors() {
        assert_eq!(FeeModel::parse("commission").unwrap(), FeeModel::Commission);
        assert_eq!(FeeModel::LumpSum.label_zh(), "包干制");
        let error = FeeModel::parse("free").unwrap_err();
        assert_eq!(error.code, "invalid_fee_model");
        assert!(error.message.contains("酬金制"), "{}", error.message);
        assert_eq!(Ownership::parse("soe").unwrap().label_zh(), "国企");
        assert_eq!(
            Ownership::parse("state").unwrap_err().code,
            "invalid_ownership"
        );
        assert_eq!(
            RosterStanding::parse("review_overdue").unwrap(),
            RosterStanding::ReviewOverdue
        );
        assert_eq!(
            serde_json::to_string(&FeeModel::LumpSum).unwrap(),
            "\"lump_sum\""
        );
    }

    #[test]
    fn service_grades_are_one_to_five() {
        assert_eq!(ServiceGrade::new(1).unwrap().label_zh(), "一级");
        assert_eq!(ServiceGrade::new(5).unwrap().to_string(), "五级");
        for bad in [0, 6, -1, 256, i64::MAX] {
            assert_eq!(ServiceGrade::new(bad).unwrap_err().code, "invalid_grade");
        }
        assert_eq!(
            serde_json::to_string(&ServiceGrade::new(3).unwrap()).unwrap(),
            "3"
        );
        assert!(serde_json::from_str::<ServiceGrade>("7").is_err());
    }

    #[test]
    fn credit_grades_serialise_in_capitals() {
        assert_eq!(serde_json::to_string(&CreditGrade::Aaa).unwrap(), "\"AAA\"");
        assert_eq!(serde_json::to_string(&CreditGrade::A).unwrap(), "\"A\"");
        assert_eq!(CreditGrade::Aa.to_string(), "AA");
    }

    #[test]
    fn record_serialises_dates_as_iso_strings() {
        let record = blacklisted(recommended(days(30)), days(-1), None);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["stage"], "recommended");
        assert_eq!(json["review_date"], "2025-04-14");
        assert_eq!(json["blacklist_from"], "2025-03-14");
        assert!(json["blacklist_to"].is_null());
        let back: StandingRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn applicant_is_applicant() {
        assert_eq!(
            StandingRecord::applicant().effective(TODAY),
            RosterStanding::Applicant
        );
    }

    #[test]
    fn recommendation_holds_through_its_review_date() {
        let record = recommended(TODAY);
        assert_eq!(record.effective(days(-10)), RosterStanding::Recommended);
        assert_eq!(record.effective(TODAY), RosterStanding::Recommended);
        assert_eq!(record.effective(days(1)), RosterStanding::ReviewOverdue);
        assert!(!RosterStanding::ReviewOverdue.may_bid());
        assert!(RosterStanding::Recommended.may_bid());
    }

    #[test]
    fn blacklisting_applies_only_within_its_dates() {
        let record = blacklisted(recommended(days(100)), days(5), Some(days(10)));
        assert_eq!(record.effective(TODAY), RosterStanding::Recommended);
        assert_eq!(record.blacklist_state(TODAY), BlacklistState::Pending);
        assert_eq!(record.effective(days(5)), RosterStanding::Blacklisted);
        assert_eq!(record.effective(days(10)), RosterStanding::Blacklisted);
        // Ended: no longer applies, and the firm has left the roster.
        assert_eq!(record.effective(days(11)), RosterStanding::Applicant);
        assert_eq!(record.blacklist_state(days(11)), BlacklistState::Ended);
        assert_eq!(record.settled(days(11)), StandingRecord::applicant());
        assert_eq!(record.settled(days(10)), record);
    }

    #[test]
    fn open_ended_blacklisting_is_permanent() {
        let record = blacklisted(StandingRecord::applicant(), days(-400), None);
        assert_eq!(record.effective(days(100_000)), RosterStanding::Blacklisted);
    }

    #[test]
    fn rectification_deadline() {
        let record = recommended(days(100))
            .apply(
                &StandingAction::Suspend {
                    rectify_by: days(3),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(record.effective(TODAY), RosterStanding::Suspended);
        assert!(!record.rectification_overdue(days(3)));
        assert!(record.rectification_overdue(days(4)));
        // Suspension does not lapse by itself.
        assert_eq!(record.effective(days(50)), RosterStanding::Suspended);
    }

    #[test]
    fn the_lifecycle() {
        let applicant = StandingRecord::applicant();
        let rec = applicant
            .apply(
                &StandingAction::Recommend {
                    review_date: days(365),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(rec.effective(TODAY), RosterStanding::Recommended);
        let sus = rec
            .apply(
                &StandingAction::Suspend {
                    rectify_by: days(30),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(sus.effective(TODAY), RosterStanding::Suspended);
        assert_eq!(sus.review_date, Some(days(365)));
        let restored = sus
            .apply(&StandingAction::Restore { review_date: None }, TODAY)
            .unwrap();
        assert_eq!(restored, rec);
        let renewed = sus
            .apply(
                &StandingAction::Restore {
                    review_date: Some(days(400)),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(renewed.review_date, Some(days(400)));
        let black = restored
            .apply(
                &StandingAction::Blacklist {
                    from: TODAY,
                    to: None,
                    reason: "弄虚作假".into(),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(black.effective(TODAY), RosterStanding::Blacklisted);
        let refused = black
            .apply(
                &StandingAction::Recommend {
                    review_date: days(365),
                },
                TODAY,
            )
            .unwrap_err();
        assert_eq!(refused.code, "blacklisted");
        assert!(
            refused.message.contains("须先解除黑名单"),
            "{}",
            refused.message
        );
        let ended = black.apply(&StandingAction::EndBlacklist, TODAY).unwrap();
        assert_eq!(ended, StandingRecord::applicant());
        let again = ended
            .apply(
                &StandingAction::Recommend {
                    review_date: days(365),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(again.effective(TODAY), RosterStanding::Recommended);
    }

    #[test]
    fn refused_transitions() {
        let applicant = StandingRecord::applicant();
        let code = |r: &StandingRecord, a: StandingAction| r.apply(&a, TODAY).unwrap_err().code;
        assert_eq!(
            code(
                &applicant,
                StandingAction::Suspend {
                    rectify_by: days(1)
                }
            ),
            "invalid_transition"
        );
        assert_eq!(
            code(&applicant, StandingAction::Restore { review_date: None }),
            "invalid_transition"
        );
        assert_eq!(
            code(&applicant, StandingAction::EndBlacklist),
            "not_blacklisted"
        );
        let rec = recommended(days(10));
        assert_eq!(
            code(&rec, StandingAction::Restore { review_date: None }),
            "invalid_transition"
        );
        let sus = rec
            .apply(
                &StandingAction::Suspend {
                    rectify_by: days(1),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(
            code(
                &sus,
                StandingAction::Suspend {
                    rectify_by: days(1)
                }
            ),
            "invalid_transition"
        );
        assert_eq!(
            code(
                &sus,
                StandingAction::Recommend {
                    review_date: days(1)
                }
            ),
            "invalid_transition"
        );
        let black = blacklisted(rec.clone(), TODAY, Some(days(5)));
        for action in [
            StandingAction::Recommend {
                review_date: days(1),
            },
            StandingAction::Suspend {
                rectify_by: days(1),
            },
            StandingAction::Restore { review_date: None },
        ] {
            assert_eq!(code(&black, action), "blacklisted");
        }
        assert_eq!(
            code(
                &black,
                StandingAction::Blacklist {
                    from: TODAY,
                    to: None,
                    reason: "x".into()
                }
            ),
            "already_blacklisted"
        );
        assert_eq!(
            code(
                &rec,
                StandingAction::Blacklist {
                    from: TODAY,
                    to: Some(days(-1)),
                    reason: "x".into()
                }
            ),
            "invalid_blacklist_period"
        );
        // A future-dated blacklisting already blocks a recommendation …
        let pending = blacklisted(rec.clone(), days(5), None);
        assert_eq!(pending.effective(TODAY), RosterStanding::Recommended);
        assert_eq!(
            code(
                &pending,
                StandingAction::Recommend {
                    review_date: days(30)
                }
            ),
            "blacklisted"
        );
        // … and ending it cancels it without touching the stage.
        assert_eq!(
            pending.apply(&StandingAction::EndBlacklist, TODAY).unwrap(),
            rec
        );
    }

    #[test]
    fn a_review_overdue_firm_may_be_recommended_again_or_suspended() {
        let overdue = recommended(days(-1));
        assert_eq!(overdue.effective(TODAY), RosterStanding::ReviewOverdue);
        assert!(
            overdue
                .apply(
                    &StandingAction::Recommend {
                        review_date: days(30)
                    },
                    TODAY
                )
                .is_ok()
        );
        assert!(
            overdue
                .apply(
                    &StandingAction::Suspend {
                        rectify_by: days(30)
                    },
                    TODAY
                )
                .is_ok()
        );
    }

    #[test]
    fn after_an_ended_blacklisting_the_firm_starts_again() {
        let record = blacklisted(recommended(days(100)), days(-20), Some(days(-1)));
        assert_eq!(record.effective(TODAY), RosterStanding::Applicant);
        let code = record
            .apply(
                &StandingAction::Suspend {
                    rectify_by: days(1),
                },
                TODAY,
            )
            .unwrap_err()
            .code;
        assert_eq!(code, "invalid_transition");
        assert_eq!(
            record
                .apply(&StandingAction::EndBlacklist, TODAY)
                .unwrap_err()
                .code,
            "not_blacklisted"
        );
        let rec = record
            .apply(
                &StandingAction::Recommend {
                    review_date: days(5),
                },
                TODAY,
            )
            .unwrap();
        assert_eq!(rec, recommended(days(5)));
    }

    #[test]
    fn a_snapshot_round_trips_through_json() {
        let snapshot = FirmSnapshot {
            id: "f1".into(),
            name: "锦城物业".into(),
            credit_code: CreditCode::parse("91350100M000100Y43").unwrap(),
            legal_representative: "王建国".into(),
            contact_phone: "13812345678".into(),
            ownership: Ownership::Soe,
            base_address: "成都市锦江区".into(),
            location: Coordinates::new(104.081, 30.658).unwrap(),
            office_street: Some(StreetCode::parse("510104017").unwrap()),
            districts_served: vec![DistrictCode::parse("510104").unwrap()],
            service_radius_km: 12.5,
            service_models: vec!["trust".into()],
            fee_models: vec![FeeModel::Commission],
            grades: vec![ServiceGrade::new(2).unwrap()],
            capacity_households: 1000,
            households_served: 1200,
            staff_count: 30,
            profile: "电梯维保".into(),
            low_profit_commitment: true,
            standing: RosterStanding::Recommended,
            standing_as_of: TODAY,
            standing_record: recommended(days(30)),
            credit: CreditSummary {
                score: 85,
                grade: CreditGrade::Aaa,
            },
            whitelisted: false,
            applied_at: 1,
            updated_at: 2,
            review_pending_since: None,
            rejection: None,
        };
        let json = serde_json::to_value(&snapshot).unwrap();
        assert_eq!(json["districts_served"][0], "510104");
        assert_eq!(json["office_street"], "510104017");
        assert_eq!(json["standing_as_of"], "2025-03-15");
        assert_eq!(json["credit"]["grade"], "AAA");
        let back: FirmSnapshot = serde_json::from_value(json).unwrap();
        assert_eq!(back, snapshot);
        assert_eq!(back.standing_on(days(31)), RosterStanding::ReviewOverdue);
        // Over capacity counts as none left, never negative.
        assert_eq!(back.capacity_left(), 0);
        // A snapshot written before the office street existed still reads.
        let mut old = serde_json::to_value(&snapshot).unwrap();
        old.as_object_mut().unwrap().remove("office_street");
        let old: FirmSnapshot = serde_json::from_value(old).unwrap();
        assert_eq!(old.office_street, None);
    }

    fn day() -> impl Strategy<Value = Date> {
        (-60i64..60).prop_map(days)
    }

    fn record() -> impl Strategy<Value = StandingRecord> {
        (
            proptest::sample::select(RosterStage::ALL.to_vec()),
            proptest::option::of(day()),
            proptest::option::of(day()),
            proptest::option::of((day(), proptest::option::of(day()))),
        )
            .prop_map(
                |(stage, review_date, rectify_by, blacklist)| StandingRecord {
                    stage,
                    review_date,
                    rectify_by,
                    blacklist_from: blacklist.map(|(from, _)| from),
                    blacklist_to: blacklist.and_then(|(_, to)| to),
                    blacklist_reason: blacklist.map(|_| "原因".to_string()),
                },
            )
    }

    fn action() -> impl Strategy<Value = StandingAction> {
        prop_oneof![
            day().prop_map(|review_date| StandingAction::Recommend { review_date }),
            day().prop_map(|rectify_by| StandingAction::Suspend { rectify_by }),
            proptest::option::of(day())
                .prop_map(|review_date| StandingAction::Restore { review_date }),
            (day(), proptest::option::of(day())).prop_map(|(from, to)| {
                StandingAction::Blacklist {
                    from,
                    to,
                    reason: "原因".into(),
                }
            }),
            Just(StandingAction::EndBlacklist),
        ]
    }

    proptest! {
        #[test]
        fn blacklisted_exactly_within_the_period(record in record(), on in day()) {
            let inside = record.blacklist_from.is_some_and(|from| {
                from <= on && record.blacklist_to.is_none_or(|to| on <= to)
            });
            prop_assert_eq!(record.effective(on) == RosterStanding::Blacklisted, inside);
        }

        #[test]
        fn only_a_current_recommendation_may_bid(record in record(), on in day()) {
            let may_bid = record.effective(on).may_bid();
            let expected = record.blacklist_state(on) != BlacklistState::Active
                && record.blacklist_state(on) != BlacklistState::Ended
                && record.stage == RosterStage::Recommended
                && record.review_date.is_some_and(|review| on <= review);
            prop_assert_eq!(may_bid, expected);
        }

        #[test]
        fn settling_never_changes_the_standing_from_that_day_on(
            record in record(), on in day(), later in 0i64..400,
        ) {
            let settled = record.settled(on);
            let then = Date::from_julian_day(on.to_julian_day() + later as i32).unwrap();
            prop_assert_eq!(settled.effective(then), record.effective(then));
        }

        #[test]
        fn a_blacklisted_firm_is_never_recommended(record in record(), review in day()) {
            let state = record.blacklist_state(TODAY);
            let result = record.apply(&StandingAction::Recommend { review_date: review }, TODAY);
            if matches!(state, BlacklistState::Active | BlacklistState::Pending) {
                prop_assert_eq!(result.unwrap_err().code, "blacklisted");
            }
        }

        #[test]
        fn transitions_land_where_they_say(record in record(), action in action()) {
            let before = record.effective(TODAY);
            match record.apply(&action, TODAY) {
                Ok(next) => {
                    let after = next.effective(TODAY);
                    match &action {
                        StandingAction::Recommend { review_date } => {
                            prop_assert!(before != RosterStanding::Blacklisted
                                && before != RosterStanding::Suspended);
                            let expected = if *review_date >= TODAY {
                                RosterStanding::Recommended
                            } else {
                                RosterStanding::ReviewOverdue
                            };
                            prop_assert_eq!(after, expected);
                        }
                        StandingAction::Suspend { .. } => {
                            prop_assert!(matches!(before,
                                RosterStanding::Recommended | RosterStanding::ReviewOverdue));
                            prop_assert_eq!(after, RosterStanding::Suspended);
                        }
                        StandingAction::Restore { .. } => {
                            prop_assert_eq!(before, RosterStanding::Suspended);
                            prop_assert!(matches!(after,
                                RosterStanding::Recommended | RosterStanding::ReviewOverdue));
                        }
                        StandingAction::Blacklist { from, to, .. } => {
                            prop_assert!(before != RosterStanding::Blacklisted);
                            let inside = *from <= TODAY && to.is_none_or(|to| TODAY <= to);
                            if inside {
                                prop_assert_eq!(after, RosterStanding::Blacklisted);
                            }
                        }
                        StandingAction::EndBlacklist => {
                            prop_assert!(after != RosterStanding::Blacklisted);
                            prop_assert!(next.blacklist_from.is_none());
                        }
                    }
                }
                Err(error) => {
                    prop_assert!(!error.message.is_empty());
                    // A refusal that does not concern a blacklisting is about the stage.
                    if error.code == "invalid_transition" {
                        prop_assert!(before != RosterStanding::Blacklisted);
                    }
                }
            }
        }

        #[test]
        fn records_round_trip_through_json(record in record()) {
            let json = serde_json::to_string(&record).unwrap();
            prop_assert_eq!(serde_json::from_str::<StandingRecord>(&json).unwrap(), record);
        }
    }
}

//! 物业服务企业 (property service firms) and the association's recommended supplier roster
//! (优选供应商推荐名录): applications and profiles, the roster standing with its audit
//! history ([`standing`]), credit and the whitelist ([`credit`]), and the service models a
//! firm may offer ([`models`]).
//!
//! A firm's whole current state is one [`FirmSnapshot`] (in `shared::domain::roster`): the
//! API answers it (with the phone masked for the public) and every change to a firm puts it
//! on the feed as topic [`TOPIC`], entity id = the firm's id.

pub mod credit;
pub mod models;
pub mod review;
pub mod standing;

use std::collections::BTreeMap;

use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::db::{Backend, Db};
use shared::domain::roster::{
    Date, FeeModel, FirmSnapshot, Ownership, RosterStage, RosterStanding, ServiceGrade,
    StandingRecord, format_date, parse_date,
};
use shared::domain::{Coordinates, CreditCode, DistrictCode, PhoneNumber, StreetCode};
use shared::error::{FieldError, Problem, Validation};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::error::{Error, Result};
use crate::policy::CatalogPolicy;

/// The feed topic of every change to a firm.
pub const TOPIC: &str = shared::events::catalog::FIRM;

/// Feed kinds of the `firm` topic.
pub mod kind {
    pub const APPLIED: &str = "applied";
    pub const PROFILE_UPDATED: &str = "profile_updated";
    pub const STANDING_CHANGED: &str = "standing_changed";
    pub const CREDIT_CHANGED: &str = "credit_changed";
    pub const WHITELIST_CHANGED: &str = "whitelist_changed";
    pub const PROFILE_REVIEWED: &str = "profile_reviewed";
    pub const APPLICATION_REJECTED: &str = "application_rejected";
}

/// Limits of a firm's profile.
pub mod limits {
    pub const PROFILE_MAX_CHARS: usize = 5000;
    pub const SERVICE_RADIUS_MAX_KM: f64 = 300.0;
    pub const CAPACITY_MAX: i64 = 10_000_000;
    pub const STAFF_MAX: i64 = 1_000_000;
}

/// Who did something: an account, or an anonymous applicant.
#[derive(Debug, Clone)]
pub struct Author {
    pub id: Option<String>,
    pub name: String,
}

impl Author {
    pub fn of(identity: &Identity) -> Self {
        Self {
            id: Some(identity.account_id.clone()),
            name: identity.name.clone(),
        }
    }

    pub fn of_applicant(identity: Option<&Identity>, firm_name: &str) -> Self {
        match identity {
            Some(identity) => Self::of(identity),
            None => Self {
                id: None,
                name: format!("申请企业：{firm_name}"),
            },
        }
    }
}

/// Whether the caller sees a firm's private details (the whole contact phone): the
/// association, services, and the firm's own accounts.
pub fn sees_private(identity: Option<&Identity>, firm_id: &str) -> bool {
    match identity {
        Some(i) => match i.role {
            Role::Association | Role::Service => true,
            Role::Firm => matches!(&i.scope, Scope::Firm(id) if id == firm_id),
            _ => false,
        },
        None => false,
    }
}

/// A firm as the caller may see it: the phone masked unless [`sees_private`].
pub fn view(mut firm: FirmSnapshot, identity: Option<&Identity>) -> FirmSnapshot {
    if !sees_private(identity, &firm.id) {
        firm.contact_phone = PhoneNumber::parse(&firm.contact_phone)
            .map(|p| p.masked())
            .unwrap_or_else(|_| "****".into());
    }
    firm
}

/// Whether the caller sees who recorded an audit event: the association only.
pub fn sees_authors(identity: Option<&Identity>) -> bool {
    identity.is_some_and(|i| i.role == Role::Association)
}

/// Who may read a firm's whole audit trail (`GET /catalog/firms/{id}/audit`): the
/// association, district and street officials (read-only), and the firm itself; 403 for
/// anyone else.
pub fn may_read_audit(identity: &Identity, firm_id: &str) -> std::result::Result<(), Problem> {
    match identity.role {
        Role::Association | Role::DistrictOfficial | Role::StreetOfficial => Ok(()),
        Role::Firm => identity.require_firm(firm_id),
        _ => Err(Problem::forbidden(
            "只有协会、区县和街道工作人员及企业本身可以查看企业的审计记录。",
        )),
    }
}

/// Whether the audit trail shows its authors: to the association and officials, not to
/// the firm itself.
pub fn audit_shows_authors(identity: &Identity) -> bool {
    matches!(
        identity.role,
        Role::Association | Role::DistrictOfficial | Role::StreetOfficial
    )
}

/// Coordinates as sent.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub struct PointInput {
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// A firm's application, and its profile as edited later (`PUT` takes the same body).
///
/// Every field is required and checked; all problems are answered at once (422, one
/// Chinese message per field). Any other field is refused with a message naming it:
/// standing, credit and whitelist are changed only by the association through their own
/// endpoints.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct FirmInput {
    /// 企业名称 (2–100 characters).
    pub name: Option<String>,
    /// 统一社会信用代码 (18 characters with check character); unique.
    pub credit_code: Option<String>,
    /// 法定代表人.
    pub legal_representative: Option<String>,
    /// 联系电话: mobile or landline.
    pub contact_phone: Option<String>,
    /// `soe` (国企), `private` (民营) or `other`.
    pub ownership: Option<String>,
    /// 注册/办公地址.
    pub base_address: Option<String>,
    /// Where the firm is based (WGS-84, inside China).
    pub location: Option<PointInput>,
    /// The street (街道/镇) code of the firm's office, 9 digits, optional: a firm whose office
    /// is in a tender's street scores `same_street` in matching.
    pub office_street: Option<String>,
    /// District codes it serves (at least one).
    pub districts_served: Option<Vec<String>>,
    /// Service radius around `location`, 0–300 km.
    pub service_radius_km: Option<f64>,
    /// Codes of existing service models (at least one).
    pub service_models: Option<Vec<String>>,
    /// `lump_sum`, `commission`, `trust` (at least one).
    pub fee_models: Option<Vec<String>>,
    /// Service grades it can deliver, 1–5 (at least one).
    pub grades: Option<Vec<i64>>,
    /// Households it can take on in total (≥ 1).
    pub capacity_households: Option<i64>,
    /// Households it serves now (0 to capacity).
    pub households_served: Option<i64>,
    /// Number of staff (≥ 1).
    pub staff_count: Option<i64>,
    /// 企业简介, Chinese free text, 1–5000 characters.
    pub profile: Option<String>,
    /// Commits to no- or low-profit service (无偿/微利) for old compounds.
    pub low_profit_commitment: Option<bool>,
    /// Any other field: refused.
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A checked [`FirmInput`].
#[derive(Debug, Clone)]
pub struct ValidFirm {
    pub name: String,
    pub credit_code: CreditCode,
    pub legal_representative: String,
    pub contact_phone: PhoneNumber,
    pub ownership: Ownership,
    pub base_address: String,
    pub location: Coordinates,
    pub office_street: Option<StreetCode>,
    pub districts_served: Vec<DistrictCode>,
    pub service_radius_km: f64,
    pub service_models: Vec<String>,
    pub fee_models: Vec<FeeModel>,
    pub grades: Vec<ServiceGrade>,
    pub capacity_households: i64,
    pub households_served: i64,
    pub staff_count: i64,
    pub profile: String,
    pub low_profit_commitment: bool,
}

/// Fields that belong to the association's own endpoints, not to a profile.
const MANAGED_FIELDS: &[&str] = &[
    "standing",
    "standing_record",
    "standing_as_of",
    "stage",
    "review_date",
    "rectify_by",
    "blacklist_from",
    "blacklist_to",
    "blacklist_reason",
    "credit",
    "credit_score",
    "credit_grade",
    "whitelisted",
    "whitelist",
];

/// Fields of a firm that are made by the catalog.
const READ_ONLY_FIELDS: &[&str] = &["id", "applied_at", "updated_at"];

fn required(v: &mut Validation, field: &str, label: &str) {
    v.push(FieldError::new(field, "required", format!("请填写{label}")));
}

/// A trimmed text of `min..=max` characters.
fn text(
    v: &mut Validation,
    field: &str,
    label: &str,
    value: Option<&str>,
    (min, max): (usize, usize),
) -> Option<String> {
    let Some(value) = value.map(str::trim) else {
        required(v, field, label);
        return None;
    };
    let n = value.chars().count();
    if n == 0 {
        required(v, field, label);
        None
    } else if n < min || n > max {
        v.push(FieldError::new(
            field,
            "length",
            format!("{label}应为 {min}–{max} 个字，当前为 {n} 个字"),
        ));
        None
    } else {
        Some(value.to_string())
    }
}

/// A whole number in `min..=max`.
fn count(
    v: &mut Validation,
    field: &str,
    label: &str,
    value: Option<i64>,
    (min, max): (i64, i64),
) -> Option<i64> {
    let Some(value) = value else {
        required(v, field, label);
        return None;
    };
    if value < 0 {
        v.push(FieldError::new(
            field,
            "negative",
            format!("{label}不能为负数"),
        ));
        None
    } else if value < min {
        v.push(FieldError::new(
            field,
            "range",
            format!("{label}必须大于 0"),
        ));
        None
    } else if value > max {
        v.push(FieldError::new(
            field,
            "range",
            format!("{label}不能超过 {max}"),
        ));
        None
    } else {
        Some(value)
    }
}

/// A non-empty list, each item parsed; duplicates dropped, sorted.
fn parse_list<T: Ord, I>(
    v: &mut Validation,
    field: &str,
    label: &str,
    value: Option<Vec<I>>,
    mut parse: impl FnMut(&I) -> std::result::Result<T, shared::domain::DomainError>,
) -> Option<Vec<T>> {
    let Some(items) = value else {
        required(v, field, label);
        return None;
    };
    if items.is_empty() {
        v.push(FieldError::new(
            field,
            "required",
            format!("请至少选择一项{label}"),
        ));
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match v.field(&format!("{field}[{i}]"), parse(item)) {
            Some(x) => out.push(x),
            None => ok = false,
        }
    }
    out.sort();
    out.dedup();
    ok.then_some(out)
}

impl FirmInput {
    /// Checks every field, reporting every problem at once. `known_models` are the codes of
    /// the service models that exist; `locked_credit_code`, when given, is the firm's
    /// registered code, which this caller may not change.
    pub fn check(
        self,
        known_models: &[String],
        locked_credit_code: Option<&CreditCode>,
    ) -> std::result::Result<ValidFirm, Problem> {
        let mut v = Validation::new();
        for key in self.other.keys() {
            if MANAGED_FIELDS.contains(&key.as_str()) {
                v.push(FieldError::new(
                    key,
                    "not_editable",
                    "名录状态、信用和白名单只能由协会通过专门的操作变更，不能随企业信息提交",
                ));
            } else if READ_ONLY_FIELDS.contains(&key.as_str()) {
                v.push(FieldError::new(
                    key,
                    "read_only",
                    "此项由系统生成，不能提交",
                ));
            } else {
                v.push(FieldError::new(
                    key,
                    "unknown_field",
                    format!("未知字段“{key}”"),
                ));
            }
        }
        let name = text(&mut v, "name", "企业名称", self.name.as_deref(), (2, 100));
        let credit_code = match self.credit_code.as_deref() {
            Some(code) => v.field("credit_code", CreditCode::parse(code)),
            None => {
                required(&mut v, "credit_code", "统一社会信用代码");
                None
            }
        };
        if let (Some(code), Some(locked)) = (&credit_code, locked_credit_code)
            && code != locked
        {
            v.push(FieldError::new(
                "credit_code",
                "not_editable",
                "统一社会信用代码登记后不能由企业自行修改，如需更正请联系协会",
            ));
        }
        let legal_representative = text(
            &mut v,
            "legal_representative",
            "法定代表人",
            self.legal_representative.as_deref(),
            (1, 50),
        );
        let contact_phone = match self.contact_phone.as_deref() {
            Some(phone) => v.field("contact_phone", PhoneNumber::parse(phone)),
            None => {
                required(&mut v, "contact_phone", "联系电话");
                None
            }
        };
        let ownership = match self.ownership.as_deref() {
            Some(o) => v.field("ownership", Ownership::parse(o)),
            None => {
                required(&mut v, "ownership", "企业性质");
                None
            }
        };
        let base_address = text(
            &mut v,
            "base_address",
            "企业地址",
            self.base_address.as_deref(),
            (2, 200),
        );
        let location = match self.location {
            Some(PointInput {
                lon: Some(lon),
                lat: Some(lat),
            }) => v.field("location", Coordinates::new(lon, lat)),
            _ => {
                v.push(FieldError::new(
                    "location",
                    "required",
                    "请填写企业所在位置的经度（lon）和纬度（lat）",
                ));
                None
            }
        };
        let office_street = match self.office_street.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => v.field("office_street", StreetCode::parse(code)),
        };
        let districts_served = parse_list(
            &mut v,
            "districts_served",
            "服务区县",
            self.districts_served,
            |d: &String| DistrictCode::parse(d),
        );
        let service_radius_km = match self.service_radius_km {
            None => {
                required(&mut v, "service_radius_km", "服务半径");
                None
            }
            Some(r) if !r.is_finite() => {
                v.push(FieldError::new(
                    "service_radius_km",
                    "invalid_number",
                    "服务半径必须是有效的数值",
                ));
                None
            }
            Some(r) if r < 0.0 => {
                v.push(FieldError::new(
                    "service_radius_km",
                    "negative",
                    "服务半径不能为负数",
                ));
                None
            }
            Some(r) if r > limits::SERVICE_RADIUS_MAX_KM => {
                v.push(FieldError::new(
                    "service_radius_km",
                    "range",
                    format!("服务半径不能超过 {} 公里", limits::SERVICE_RADIUS_MAX_KM),
                ));
                None
            }
            Some(r) => Some(r),
        };
        let service_models = parse_list(
            &mut v,
            "service_models",
            "物业服务方式",
            self.service_models,
            |m: &String| {
                let code = m.trim();
                if known_models.iter().any(|k| k == code) {
                    Ok(code.to_string())
                } else {
                    Err(shared::domain::DomainError::new(
                        "unknown_service_model",
                        format!(
                            "未知的物业服务方式“{code}”，可选：{}",
                            known_models.join("、")
                        ),
                    ))
                }
            },
        );
        let fee_models = parse_list(
            &mut v,
            "fee_models",
            "收费方式",
            self.fee_models,
            |m: &String| FeeModel::parse(m),
        );
        let grades = parse_list(&mut v, "grades", "服务等级", self.grades, |g: &i64| {
            ServiceGrade::new(*g)
        });
        let capacity_households = count(
            &mut v,
            "capacity_households",
            "可承接总户数",
            self.capacity_households,
            (1, limits::CAPACITY_MAX),
        );
        let households_served = count(
            &mut v,
            "households_served",
            "在管户数",
            self.households_served,
            (0, limits::CAPACITY_MAX),
        );
        if let (Some(capacity), Some(served)) = (capacity_households, households_served)
            && served > capacity
        {
            v.push(FieldError::new(
                "households_served",
                "exceeds_capacity",
                format!("在管户数不能超过可承接总户数（{capacity} 户）"),
            ));
        }
        let staff_count = count(
            &mut v,
            "staff_count",
            "员工人数",
            self.staff_count,
            (1, limits::STAFF_MAX),
        );
        let profile = match self.profile.as_deref().map(str::trim) {
            None | Some("") => {
                required(&mut v, "profile", "企业简介");
                None
            }
            Some(p) if p.chars().count() > limits::PROFILE_MAX_CHARS => {
                v.push(FieldError::new(
                    "profile",
                    "length",
                    format!(
                        "企业简介不能超过 {} 字，当前为 {} 字",
                        limits::PROFILE_MAX_CHARS,
                        p.chars().count()
                    ),
                ));
                None
            }
            Some(p) => Some(p.to_string()),
        };
        if self.low_profit_commitment.is_none() {
            v.push(FieldError::new(
                "low_profit_commitment",
                "required",
                "请说明是否承诺无偿/微利服务老旧小区（true 或 false）",
            ));
        }
        v.finish()?;
        const CHECKED: &str = "every field was checked above";
        Ok(ValidFirm {
            name: name.expect(CHECKED),
            credit_code: credit_code.expect(CHECKED),
            legal_representative: legal_representative.expect(CHECKED),
            contact_phone: contact_phone.expect(CHECKED),
            ownership: ownership.expect(CHECKED),
            base_address: base_address.expect(CHECKED),
            location: location.expect(CHECKED),
            office_street,
            districts_served: districts_served.expect(CHECKED),
            service_radius_km: service_radius_km.expect(CHECKED),
            service_models: service_models.expect(CHECKED),
            fee_models: fee_models.expect(CHECKED),
            grades: grades.expect(CHECKED),
            capacity_households: capacity_households.expect(CHECKED),
            households_served: households_served.expect(CHECKED),
            staff_count: staff_count.expect(CHECKED),
            profile: profile.expect(CHECKED),
            low_profit_commitment: self.low_profit_commitment.expect(CHECKED),
        })
    }
}

/// 409 for a credit code another firm already has.
pub fn duplicate_credit_code(code: &CreditCode) -> Problem {
    Problem::conflict(
        "duplicate_credit_code",
        format!("统一社会信用代码 {code} 已有企业登记，不能重复申请。"),
    )
    .with_errors(vec![FieldError::new(
        "credit_code",
        "duplicate",
        "该统一社会信用代码已登记",
    )])
}

/// The id of the firm holding `code`, if any.
pub async fn firm_with_credit_code(
    conn: &mut AnyConnection,
    code: &CreditCode,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM firm WHERE credit_code = $1")
            .bind(code.as_str())
            .fetch_optional(conn)
            .await?,
    )
}

/// Inserts a new firm (standing `applicant`) with its lists.
pub async fn insert(conn: &mut AnyConnection, id: &str, firm: &ValidFirm, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO firm (id, name, credit_code, legal_representative, contact_phone, ownership, \
         base_address, lon, lat, service_radius_km, capacity_households, households_served, \
         staff_count, profile, low_profit_commitment, stage, credit_net, whitelisted, created_at, updated_at, \
         office_street) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0, FALSE, $17, $17, $18)",
    )
    .bind(id)
    .bind(&firm.name)
    .bind(firm.credit_code.as_str())
    .bind(&firm.legal_representative)
    .bind(firm.contact_phone.as_str())
    .bind(firm.ownership.as_str())
    .bind(&firm.base_address)
    .bind(firm.location.lon())
    .bind(firm.location.lat())
    .bind(firm.service_radius_km)
    .bind(firm.capacity_households)
    .bind(firm.households_served)
    .bind(firm.staff_count)
    .bind(&firm.profile)
    .bind(firm.low_profit_commitment)
    .bind(RosterStage::Applicant.as_str())
    .bind(now)
    .bind(firm.office_street.map(|s| s.as_str().to_string()))
    .execute(&mut *conn)
    .await?;
    insert_lists(conn, id, firm).await
}

/// Replaces a firm's profile fields and lists (not its standing, credit or whitelist).
pub async fn update_profile(
    conn: &mut AnyConnection,
    id: &str,
    firm: &ValidFirm,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE firm SET name = $2, credit_code = $3, legal_representative = $4, contact_phone = $5, \
         ownership = $6, base_address = $7, lon = $8, lat = $9, service_radius_km = $10, \
         capacity_households = $11, households_served = $12, staff_count = $13, profile = $14, \
         low_profit_commitment = $15, updated_at = $16, office_street = $17 WHERE id = $1",
    )
    .bind(id)
    .bind(&firm.name)
    .bind(firm.credit_code.as_str())
    .bind(&firm.legal_representative)
    .bind(firm.contact_phone.as_str())
    .bind(firm.ownership.as_str())
    .bind(&firm.base_address)
    .bind(firm.location.lon())
    .bind(firm.location.lat())
    .bind(firm.service_radius_km)
    .bind(firm.capacity_households)
    .bind(firm.households_served)
    .bind(firm.staff_count)
    .bind(&firm.profile)
    .bind(firm.low_profit_commitment)
    .bind(now)
    .bind(firm.office_street.map(|s| s.as_str().to_string()))
    .execute(&mut *conn)
    .await?;
    for table in [
        "DELETE FROM firm_district WHERE firm_id = $1",
        "DELETE FROM firm_service_model WHERE firm_id = $1",
        "DELETE FROM firm_fee_model WHERE firm_id = $1",
        "DELETE FROM firm_grade WHERE firm_id = $1",
    ] {
        sqlx::query(table).bind(id).execute(&mut *conn).await?;
    }
    insert_lists(conn, id, firm).await
}

async fn insert_lists(conn: &mut AnyConnection, id: &str, firm: &ValidFirm) -> Result<()> {
    for d in &firm.districts_served {
        sqlx::query("INSERT INTO firm_district (firm_id, district_code) VALUES ($1, $2)")
            .bind(id)
            .bind(d.as_str())
            .execute(&mut *conn)
            .await?;
    }
    for m in &firm.service_models {
        sqlx::query("INSERT INTO firm_service_model (firm_id, model_code) VALUES ($1, $2)")
            .bind(id)
            .bind(m)
            .execute(&mut *conn)
            .await?;
    }
    for f in &firm.fee_models {
        sqlx::query("INSERT INTO firm_fee_model (firm_id, fee_model) VALUES ($1, $2)")
            .bind(id)
            .bind(f.as_str())
            .execute(&mut *conn)
            .await?;
    }
    for g in &firm.grades {
        sqlx::query("INSERT INTO firm_grade (firm_id, grade) VALUES ($1, $2)")
            .bind(id)
            .bind(i64::from(g.get()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks a firm changed now.
pub async fn touch(conn: &mut AnyConnection, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE firm SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A BOOLEAN column read as a BIGINT 0/1: the `Any` driver cannot decode a column SQLite
/// declares BOOLEAN, so flags are read through this (and decoded with [`flag`]).
macro_rules! bool_column {
    ($column:literal, $alias:literal) => {
        concat!(
            "CASE WHEN ",
            $column,
            " THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS ",
            $alias
        )
    };
}

pub(crate) use bool_column;

/// Decodes a flag read with [`bool_column!`].
pub(crate) fn flag(row: &AnyRow, alias: &str) -> std::result::Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(alias)? != 0)
}

const FIRM_COLUMNS: &str = concat!(
    "f.id, f.name, COALESCE(f.rejected_credit_code, f.credit_code) AS credit_code, \
     f.legal_representative, f.contact_phone, \
     f.ownership, f.base_address, f.lon, f.lat, f.service_radius_km, f.capacity_households, \
     f.households_served, f.staff_count, f.profile, f.stage, \
     f.review_date, f.rectify_by, f.blacklist_from, f.blacklist_to, f.blacklist_reason, \
     f.credit_net, f.created_at, f.updated_at, f.office_street, \
     f.review_pending_since, f.rejected_at, f.rejection_reason, ",
    bool_column!("f.low_profit_commitment", "low_profit_commitment"),
    ", ",
    bool_column!("f.whitelisted", "whitelisted")
);

/// Data that the database holds but the domain refuses: an internal error, never the
/// client's.
fn corrupt(what: &str, id: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("firm {id}: stored {what} is invalid: {e}"))
}

fn optional_date(row: &AnyRow, column: &str, id: &str) -> Result<Option<Date>> {
    let value: Option<String> = row.try_get(column)?;
    value
        .map(|s| parse_date(&s).map_err(|e| corrupt(column, id, e)))
        .transpose()
}

/// The stored standing record of a row.
fn standing_record(row: &AnyRow, id: &str) -> Result<StandingRecord> {
    let stage: String = row.try_get("stage")?;
    Ok(StandingRecord {
        stage: RosterStage::parse(&stage).map_err(|e| corrupt("stage", id, e))?,
        review_date: optional_date(row, "review_date", id)?,
        rectify_by: optional_date(row, "rectify_by", id)?,
        blacklist_from: optional_date(row, "blacklist_from", id)?,
        blacklist_to: optional_date(row, "blacklist_to", id)?,
        blacklist_reason: row.try_get("blacklist_reason")?,
    })
}

/// The lists of some firms, by firm id.
#[derive(Default)]
struct Lists {
    districts: BTreeMap<String, Vec<DistrictCode>>,
    models: BTreeMap<String, Vec<String>>,
    fee_models: BTreeMap<String, Vec<FeeModel>>,
    grades: BTreeMap<String, Vec<ServiceGrade>>,
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn pairs(
    conn: &mut AnyConnection,
    sql: String,
    ids: &[String],
) -> Result<Vec<(String, String)>> {
    let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id.as_str());
    }
    Ok(q.fetch_all(conn).await?)
}

async fn load_lists(conn: &mut AnyConnection, ids: &[String]) -> Result<Lists> {
    let mut lists = Lists::default();
    if ids.is_empty() {
        return Ok(lists);
    }
    let ph = placeholders(ids.len());
    for (id, code) in pairs(
        conn,
        format!("SELECT firm_id, district_code FROM firm_district WHERE firm_id IN ({ph}) ORDER BY firm_id, district_code"),
        ids,
    )
    .await?
    {
        let code = DistrictCode::parse(&code).map_err(|e| corrupt("district", &id, e))?;
        lists.districts.entry(id).or_default().push(code);
    }
    for (id, code) in pairs(
        conn,
        format!("SELECT firm_id, model_code FROM firm_service_model WHERE firm_id IN ({ph}) ORDER BY firm_id, model_code"),
        ids,
    )
    .await?
    {
        lists.models.entry(id).or_default().push(code);
    }
    for (id, code) in pairs(
        conn,
        format!("SELECT firm_id, fee_model FROM firm_fee_model WHERE firm_id IN ({ph}) ORDER BY firm_id, fee_model"),
        ids,
    )
    .await?
    {
        let fee = FeeModel::parse(&code).map_err(|e| corrupt("fee model", &id, e))?;
        lists.fee_models.entry(id).or_default().push(fee);
    }
    let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(format!(
        "SELECT firm_id, grade FROM firm_grade WHERE firm_id IN ({ph}) ORDER BY firm_id, grade"
    )));
    for id in ids {
        q = q.bind(id.as_str());
    }
    for (id, grade) in q.fetch_all(&mut *conn).await? {
        let grade = ServiceGrade::new(grade).map_err(|e| corrupt("grade", &id, e))?;
        lists.grades.entry(id).or_default().push(grade);
    }
    for fees in lists.fee_models.values_mut() {
        fees.sort();
    }
    Ok(lists)
}

fn snapshot(
    row: &AnyRow,
    lists: &mut Lists,
    policy: &CatalogPolicy,
    today: Date,
) -> Result<FirmSnapshot> {
    let id: String = row.try_get("id")?;
    let record = standing_record(row, &id)?;
    let credit_code: String = row.try_get("credit_code")?;
    let ownership: String = row.try_get("ownership")?;
    let location = Coordinates::new(row.try_get("lon")?, row.try_get("lat")?)
        .map_err(|e| corrupt("location", &id, e))?;
    let credit_net: i64 = row.try_get("credit_net")?;
    Ok(FirmSnapshot {
        name: row.try_get("name")?,
        credit_code: CreditCode::parse(&credit_code).map_err(|e| corrupt("credit code", &id, e))?,
        legal_representative: row.try_get("legal_representative")?,
        contact_phone: row.try_get("contact_phone")?,
        ownership: Ownership::parse(&ownership).map_err(|e| corrupt("ownership", &id, e))?,
        base_address: row.try_get("base_address")?,
        location,
        office_street: row
            .try_get::<Option<String>, _>("office_street")?
            .as_deref()
            .map(StreetCode::parse)
            .transpose()
            .map_err(|e| corrupt("office street", &id, e))?,
        districts_served: lists.districts.remove(&id).unwrap_or_default(),
        service_radius_km: row.try_get("service_radius_km")?,
        service_models: lists.models.remove(&id).unwrap_or_default(),
        fee_models: lists.fee_models.remove(&id).unwrap_or_default(),
        grades: lists.grades.remove(&id).unwrap_or_default(),
        capacity_households: row.try_get("capacity_households")?,
        households_served: row.try_get("households_served")?,
        staff_count: row.try_get("staff_count")?,
        profile: row.try_get("profile")?,
        low_profit_commitment: flag(row, "low_profit_commitment")?,
        standing: record.effective(today),
        standing_as_of: today,
        standing_record: record,
        credit: credit::summary(credit_net, &policy.credit),
        whitelisted: flag(row, "whitelisted")?,
        applied_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        review_pending_since: row.try_get("review_pending_since")?,
        rejection: match row.try_get::<Option<i64>, _>("rejected_at")? {
            Some(at) => Some(shared::domain::roster::Rejection {
                at,
                reason: row
                    .try_get::<Option<String>, _>("rejection_reason")?
                    .unwrap_or_default(),
            }),
            None => None,
        },
        id,
    })
}

/// Firms by id, in the order given (unknown ids are skipped).
pub async fn load_many(
    conn: &mut AnyConnection,
    ids: &[String],
    policy: &CatalogPolicy,
    today: Date,
) -> Result<Vec<FirmSnapshot>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {FIRM_COLUMNS} FROM firm f WHERE f.id IN ({})",
        placeholders(ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id.as_str());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut lists = load_lists(conn, ids).await?;
    let mut by_id = BTreeMap::new();
    for row in &rows {
        let firm = snapshot(row, &mut lists, policy, today)?;
        by_id.insert(firm.id.clone(), firm);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// One firm, if it exists.
pub async fn load(
    conn: &mut AnyConnection,
    id: &str,
    policy: &CatalogPolicy,
    today: Date,
) -> Result<Option<FirmSnapshot>> {
    Ok(load_many(conn, &[id.to_string()], policy, today)
        .await?
        .pop())
}

/// 404 for a firm that does not exist.
pub fn not_found() -> Problem {
    Problem::not_found("没有这个企业。")
}

/// One firm or 404.
pub async fn load_or_404(
    conn: &mut AnyConnection,
    id: &str,
    policy: &CatalogPolicy,
    today: Date,
) -> Result<FirmSnapshot> {
    load(conn, id, policy, today)
        .await?
        .ok_or_else(|| not_found().into())
}

/// Roster filters, already checked.
#[derive(Debug, Clone, Default)]
pub struct RosterFilter {
    /// Serves this district.
    pub district: Option<DistrictCode>,
    /// Has this standing today.
    pub standing: Option<RosterStanding>,
    /// Offers this service model.
    pub model: Option<String>,
    /// Offers this fee model.
    pub fee_model: Option<FeeModel>,
    /// Can deliver this grade.
    pub grade: Option<ServiceGrade>,
    /// Text in the name or the profile.
    pub q: Option<String>,
    /// Only firms with a material profile change awaiting review.
    pub review_pending: bool,
    /// Only rejected applications (else rejected applications are left out).
    pub rejected: bool,
}

/// A value bound to a dynamic query.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// The `WHERE` part of a dynamic query and its parameters, numbered as they are added.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    /// Adds a parameter, returning its number.
    pub(crate) fn param(&mut self, value: Bind) -> usize {
        self.binds.push(value);
        self.binds.len()
    }

    pub(crate) fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    pub(crate) fn binds(&self) -> &[Bind] {
        &self.binds
    }
}

pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: &[Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.clone()),
            Bind::Int(i) => q.bind(*i),
        };
    }
    q
}

/// The roster, filtered, by application order; and how many match in all.
pub async fn list(
    db: &Db,
    filter: &RosterFilter,
    (limit, offset): (i64, i64),
    policy: &CatalogPolicy,
    today: Date,
) -> Result<(Vec<FirmSnapshot>, i64)> {
    let mut c = Conditions::default();
    c.push(if filter.rejected {
        "f.rejected_at IS NOT NULL".into()
    } else {
        "f.rejected_at IS NULL".into()
    });
    if filter.review_pending {
        c.push("f.review_pending_since IS NOT NULL".into());
    }
    if let Some(d) = &filter.district {
        let n = c.param(Bind::Text(d.as_str().into()));
        c.push(format!(
            "EXISTS (SELECT 1 FROM firm_district x WHERE x.firm_id = f.id AND x.district_code = ${n})"
        ));
    }
    if let Some(m) = &filter.model {
        let n = c.param(Bind::Text(m.clone()));
        c.push(format!(
            "EXISTS (SELECT 1 FROM firm_service_model x WHERE x.firm_id = f.id AND x.model_code = ${n})"
        ));
    }
    if let Some(fm) = filter.fee_model {
        let n = c.param(Bind::Text(fm.as_str().into()));
        c.push(format!(
            "EXISTS (SELECT 1 FROM firm_fee_model x WHERE x.firm_id = f.id AND x.fee_model = ${n})"
        ));
    }
    if let Some(g) = filter.grade {
        let n = c.param(Bind::Int(i64::from(g.get())));
        c.push(format!(
            "EXISTS (SELECT 1 FROM firm_grade x WHERE x.firm_id = f.id AND x.grade = ${n})"
        ));
    }
    if let Some(s) = filter.standing {
        let n = c.param(Bind::Text(format_date(today)));
        c.push(standing::standing_sql(s, n));
    }
    if let Some(q) = &filter.q {
        let n = c.param(Bind::Text(q.clone()));
        let backend: Backend = db.backend;
        c.push(format!(
            "({} OR {})",
            shared::db::dialect::contains(backend, "f.name", n),
            shared::db::dialect::contains(backend, "f.profile", n)
        ));
    }
    let where_sql = c.sql();
    let mut conn = db.pool.acquire().await?;
    let total: i64 = {
        let sql = format!("SELECT COUNT(*) AS n FROM firm f{where_sql}");
        let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), c.binds())
            .fetch_one(&mut *conn)
            .await?;
        row.try_get("n")?
    };
    let lim = c.param(Bind::Int(limit));
    let off = c.param(Bind::Int(offset));
    let sql =
        format!("SELECT f.id FROM firm f{where_sql} ORDER BY f.id LIMIT ${lim} OFFSET ${off}");
    let ids: Vec<String> = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), c.binds())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<std::result::Result<_, _>>()?;
    let firms = load_many(&mut conn, &ids, policy, today).await?;
    Ok((firms, total))
}

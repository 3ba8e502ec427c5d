//! A firm's application and profile as sent ([`FirmInput`]) and checked ([`ValidFirm`]):
//! every field at once, one Chinese message per field.

use std::collections::BTreeMap;

use serde::Deserialize;
use shared::domain::roster::{FeeModel, Ownership, ServiceGrade};
use shared::domain::{Coordinates, CreditCode, DistrictCode, PhoneNumber, StreetCode};
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

/// Limits of a firm's profile.
pub mod limits {
    pub const PROFILE_MAX_CHARS: usize = 5000;
    pub const SERVICE_RADIUS_MAX_KM: f64 = 300.0;
    pub const CAPACITY_MAX: i64 = 10_000_000;
    pub const STAFF_MAX: i64 = 1_000_000;
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
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
pub struct FirmInput {
    /// 企业名称 (2–100 characters).
    #[validate(
        required(message = "请填写企业名称"),
        custom(function = "shared::validate::not_blank", message = "请填写企业名称"),
        custom(
            function = "shared::validate::chars_between::<2, 100>",
            message = "企业名称应为 {min}–{max} 个字，当前为 {chars} 个字"
        )
    )]
    pub name: Option<String>,
    /// 统一社会信用代码 (18 characters with check character); unique.
    #[validate(
        required(message = "请填写统一社会信用代码"),
        custom(function = "shared::validate::credit_code")
    )]
    pub credit_code: Option<String>,
    /// 法定代表人.
    #[validate(
        required(message = "请填写法定代表人"),
        custom(function = "shared::validate::not_blank", message = "请填写法定代表人"),
        custom(
            function = "shared::validate::chars_between::<1, 50>",
            message = "法定代表人应为 {min}–{max} 个字，当前为 {chars} 个字"
        )
    )]
    pub legal_representative: Option<String>,
    /// 联系电话: mobile or landline.
    #[validate(
        required(message = "请填写联系电话"),
        custom(function = "shared::validate::phone")
    )]
    pub contact_phone: Option<String>,
    /// `soe` (国企), `private` (民营) or `other`.
    #[validate(
        required(message = "请填写企业性质"),
        custom(function = "ownership_code")
    )]
    pub ownership: Option<String>,
    /// 注册/办公地址.
    #[validate(
        required(message = "请填写企业地址"),
        custom(function = "shared::validate::not_blank", message = "请填写企业地址"),
        custom(
            function = "shared::validate::chars_between::<2, 200>",
            message = "企业地址应为 {min}–{max} 个字，当前为 {chars} 个字"
        )
    )]
    pub base_address: Option<String>,
    /// Where the firm is based (WGS-84, inside China).
    pub location: Option<PointInput>,
    /// The street (街道/镇) code of the firm's office, 9 digits, optional: a firm whose office
    /// is in a tender's street scores `same_street` in matching.
    #[validate(custom(function = "shared::validate::street_code"))]
    pub office_street: Option<String>,
    /// District codes it serves (at least one).
    pub districts_served: Option<Vec<String>>,
    /// Service radius around `location`, 0–300 km.
    #[validate(
        required(message = "请填写服务半径"),
        custom(
            function = "finite",
            code = "invalid_number",
            message = "服务半径必须是有效的数值"
        ),
        custom(function = "radius_not_negative", message = "服务半径不能为负数"),
        custom(function = "radius_at_most", message = "服务半径不能超过 300 公里")
    )]
    pub service_radius_km: Option<f64>,
    /// Codes of existing service models (at least one).
    pub service_models: Option<Vec<String>>,
    /// `lump_sum`, `commission`, `trust` (at least one).
    pub fee_models: Option<Vec<String>>,
    /// Service grades it can deliver, 1–5 (at least one).
    pub grades: Option<Vec<i64>>,
    /// Households it can take on in total (≥ 1).
    #[validate(
        required(message = "请填写可承接总户数"),
        custom(
            function = "shared::validate::not_negative",
            message = "可承接总户数不能为负数"
        ),
        custom(
            function = "shared::validate::at_least::<1>",
            message = "可承接总户数必须大于 0"
        ),
        custom(
            function = "shared::validate::at_most::<10_000_000>",
            message = "可承接总户数不能超过 {max}"
        )
    )]
    pub capacity_households: Option<i64>,
    /// Households it serves now (0 to capacity).
    #[validate(
        required(message = "请填写在管户数"),
        custom(
            function = "shared::validate::not_negative",
            message = "在管户数不能为负数"
        ),
        custom(
            function = "shared::validate::at_most::<10_000_000>",
            message = "在管户数不能超过 {max}"
        )
    )]
    pub households_served: Option<i64>,
    /// Number of staff (≥ 1).
    #[validate(
        required(message = "请填写员工人数"),
        custom(
            function = "shared::validate::not_negative",
            message = "员工人数不能为负数"
        ),
        custom(
            function = "shared::validate::at_least::<1>",
            message = "员工人数必须大于 0"
        ),
        custom(
            function = "shared::validate::at_most::<1_000_000>",
            message = "员工人数不能超过 {max}"
        )
    )]
    pub staff_count: Option<i64>,
    /// 企业简介, Chinese free text, 1–5000 characters.
    #[validate(
        required(message = "请填写企业简介"),
        custom(function = "shared::validate::not_blank", message = "请填写企业简介"),
        custom(
            function = "shared::validate::max_chars::<5000>",
            message = "企业简介不能超过 {max} 字，当前为 {chars} 字"
        )
    )]
    pub profile: Option<String>,
    /// Commits to no- or low-profit service (无偿/微利) for old compounds.
    #[validate(required(message = "请说明是否承诺无偿/微利服务老旧小区（true 或 false）"))]
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

/// An ownership (企业性质) by its parser.
fn ownership_code(s: &str) -> Result<(), validator::ValidationError> {
    shared::validate::domain(Ownership::parse(s))
}

/// A number that is a number (not NaN nor infinite).
fn finite(r: f64) -> Result<(), validator::ValidationError> {
    if r.is_finite() {
        Ok(())
    } else {
        Err(validator::ValidationError::new("invalid_number"))
    }
}

/// A radius not below 0 km (NaN is `finite`'s to name).
fn radius_not_negative(r: f64) -> Result<(), validator::ValidationError> {
    if r < 0.0 {
        Err(validator::ValidationError::new("negative"))
    } else {
        Ok(())
    }
}

/// A finite radius of at most [`limits::SERVICE_RADIUS_MAX_KM`].
fn radius_at_most(r: f64) -> Result<(), validator::ValidationError> {
    if r.is_finite() && r > limits::SERVICE_RADIUS_MAX_KM {
        Err(validator::ValidationError::new("range"))
    } else {
        Ok(())
    }
}

/// The fields of a firm as declared: every problem is answered in this order.
const FIELDS: &[&str] = &[
    "name",
    "credit_code",
    "legal_representative",
    "contact_phone",
    "ownership",
    "base_address",
    "location",
    "office_street",
    "districts_served",
    "service_radius_km",
    "service_models",
    "fee_models",
    "grades",
    "capacity_households",
    "households_served",
    "staff_count",
    "profile",
    "low_profit_commitment",
];

fn trimmed(s: &Option<String>) -> Option<String> {
    Some(s.as_deref()?.trim().to_string())
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
        v.rules(&self, FIELDS);
        let credit_code = self
            .credit_code
            .as_deref()
            .and_then(|c| CreditCode::parse(c).ok());
        if let (Some(code), Some(locked)) = (&credit_code, locked_credit_code)
            && code != locked
        {
            v.push(FieldError::new(
                "credit_code",
                "not_editable",
                "统一社会信用代码登记后不能由企业自行修改，如需更正请联系协会",
            ));
        }
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
            None | Some("") => Some(None),
            Some(code) => StreetCode::parse(code).ok().map(Some),
        };
        let districts_served = parse_list(
            &mut v,
            "districts_served",
            "服务区县",
            self.districts_served,
            |d: &String| DistrictCode::parse(d),
        );
        let service_radius_km = self
            .service_radius_km
            .filter(|_| !v.has("service_radius_km"));
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
        // Counts that passed their field rules.
        let valid = |v: &Validation, field: &str, n: Option<i64>| n.filter(|_| !v.has(field));
        let capacity_households = valid(&v, "capacity_households", self.capacity_households);
        let households_served = valid(&v, "households_served", self.households_served);
        if let (Some(capacity), Some(served)) = (capacity_households, households_served)
            && served > capacity
        {
            v.push(FieldError::new(
                "households_served",
                "exceeds_capacity",
                format!("在管户数不能超过可承接总户数（{capacity} 户）"),
            ));
        }
        let staff_count = valid(&v, "staff_count", self.staff_count);
        v.in_order(FIELDS).finish_with(|| {
            Some(ValidFirm {
                name: trimmed(&self.name)?,
                credit_code: credit_code?,
                legal_representative: trimmed(&self.legal_representative)?,
                contact_phone: PhoneNumber::parse(self.contact_phone.as_deref()?).ok()?,
                ownership: Ownership::parse(self.ownership.as_deref()?).ok()?,
                base_address: trimmed(&self.base_address)?,
                location: location?,
                office_street: office_street?,
                districts_served: districts_served?,
                service_radius_km: service_radius_km?,
                service_models: service_models?,
                fee_models: fee_models?,
                grades: grades?,
                capacity_households: capacity_households?,
                households_served: households_served?,
                staff_count: staff_count?,
                profile: trimmed(&self.profile)?,
                low_profit_commitment: self.low_profit_commitment?,
            })
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

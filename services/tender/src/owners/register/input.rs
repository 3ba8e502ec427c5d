//! A unit as people send it (the API's body, a row of a register file) and the one check
//! both go through: building, unit and room into a [`UnitLabel`], the area into an
//! [`ExclusiveArea`] (square metres with at most two decimals, read as text, never as a
//! float), the owners or the developer into a [`Holder`].

use serde::{Deserialize, Serialize};
use shared::domain::{DomainError, ExclusiveArea, Holder, Owner, PhoneNumber, UnitLabel};
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

use crate::input::{refused, trimmed, trimmed_opt};

/// A unit of the register, as the committee or the street types it.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
pub struct UnitInput {
    /// 楼栋, e.g. `3栋` or `3`.
    #[serde(deserialize_with = "trimmed")]
    pub building: String,
    /// 单元, may be empty.
    #[serde(default, deserialize_with = "trimmed")]
    pub unit: String,
    /// 房号, e.g. `501`.
    #[serde(deserialize_with = "trimmed")]
    pub room: String,
    /// 专有部分面积 as registered, in square metres with at most two decimals, as text
    /// (`"89.57"`), so that it is never a float.
    #[serde(deserialize_with = "trimmed")]
    #[validate(custom(function = "area_rule"))]
    pub area: String,
    /// 未售: the developer (建设单位) still holds the unit (unsold or undelivered); then no
    /// owner is named.
    #[serde(default)]
    pub developer: bool,
    /// The owners (co-owners in the register's order), 1–10 unless `developer`.
    #[serde(default)]
    #[validate(length(max = 10, message = "一套房屋最多登记 10 名共有人"), nested)]
    pub owners: Vec<OwnerInput>,
    /// For a change (`PUT`): the version being changed, so that two people editing the
    /// same unit cannot overwrite each other (409 `stale_version`). Ignored on creation.
    #[serde(default)]
    pub version: Option<i64>,
}

/// One owner of a unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct OwnerInput {
    /// 业主姓名 (1–30 characters).
    #[serde(default, deserialize_with = "trimmed")]
    pub name: String,
    /// 联系电话 (mobile or landline), optional.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(custom(function = "phone_rule"))]
    pub phone: Option<String>,
}

fn area_rule(s: &str) -> Result<(), validator::ValidationError> {
    shared::validate::domain(ExclusiveArea::parse(s))
}

fn phone_rule(s: &str) -> Result<(), validator::ValidationError> {
    if s.trim().is_empty() {
        return Ok(());
    }
    shared::validate::phone(s)
}

/// A unit's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUnit {
    pub label: UnitLabel,
    pub area: ExclusiveArea,
    pub holder: Holder,
}

/// A unit's fields as text, wherever they come from.
#[derive(Debug, Clone, Default)]
pub struct UnitText<'a> {
    pub building: &'a str,
    pub unit: &'a str,
    pub room: &'a str,
    pub area: &'a str,
    pub developer: bool,
    /// Each owner's name and phone (empty: none).
    pub owners: Vec<(&'a str, &'a str)>,
}

/// Where a problem with a unit's text lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Building,
    Unit,
    Room,
    Area,
    /// The holder as a whole (no owner, too many, owners named on an unsold unit).
    Owners,
    /// The name of the owner at this index.
    Name(usize),
    /// The phone of the owner at this index.
    Phone(usize),
}

impl Part {
    /// The API field: `building`, `owners[1].phone`, …
    pub fn field(self) -> String {
        match self {
            Part::Building => "building".into(),
            Part::Unit => "unit".into(),
            Part::Room => "room".into(),
            Part::Area => "area".into(),
            Part::Owners => "owners".into(),
            Part::Name(i) => format!("owners[{i}].name"),
            Part::Phone(i) => format!("owners[{i}].phone"),
        }
    }
}

/// Checks a unit's text; every problem is named with its part, in the order of the parts.
pub fn check(text: &UnitText<'_>) -> Result<CheckedUnit, Vec<(Part, DomainError)>> {
    let mut errors = Vec::new();
    let label = UnitLabel::parse(text.building, text.unit, text.room)
        .map_err(|list| {
            for (field, e) in list {
                let part = match field {
                    "building" => Part::Building,
                    "unit" => Part::Unit,
                    _ => Part::Room,
                };
                errors.push((part, e));
            }
        })
        .ok();
    let area = ExclusiveArea::parse(text.area)
        .map_err(|e| errors.push((Part::Area, e)))
        .ok();
    let holder = holder(text, &mut errors);
    match (label, area, holder) {
        (Some(label), Some(area), Some(holder)) if errors.is_empty() => Ok(CheckedUnit {
            label,
            area,
            holder,
        }),
        _ => Err(errors),
    }
}

fn holder(text: &UnitText<'_>, errors: &mut Vec<(Part, DomainError)>) -> Option<Holder> {
    if text.developer {
        if text
            .owners
            .iter()
            .any(|(n, p)| !n.is_empty() || !p.is_empty())
        {
            errors.push((
                Part::Owners,
                DomainError::new(
                    "owners_on_unsold_unit",
                    "标记为未售（开发建设单位持有）的房屋不填写业主姓名和电话",
                ),
            ));
            return None;
        }
        return Some(Holder::Developer);
    }
    let mut owners = Vec::new();
    let mut ok = true;
    for (i, (name, phone)) in text.owners.iter().enumerate() {
        let phone = if phone.trim().is_empty() {
            None
        } else {
            match PhoneNumber::parse(phone) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push((Part::Phone(i), e));
                    ok = false;
                    None
                }
            }
        };
        match Owner::new(name, phone) {
            Ok(owner) => owners.push(owner),
            Err(e) => {
                errors.push((Part::Name(i), e));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    Holder::owners(owners)
        .map_err(|e| errors.push((Part::Owners, e)))
        .ok()
}

impl UnitInput {
    /// The declared field rules, then the unit's own check; every bad field at once.
    pub fn check(&self) -> Result<CheckedUnit, Problem> {
        let mut v = Validation::new();
        v.rules(self, &["building", "unit", "room", "area", "owners"]);
        let text = UnitText {
            building: &self.building,
            unit: &self.unit,
            room: &self.room,
            area: &self.area,
            developer: self.developer,
            owners: self
                .owners
                .iter()
                .map(|o| (o.name.as_str(), o.phone.as_deref().unwrap_or("")))
                .collect(),
        };
        match check(&text) {
            Ok(unit) if v.is_empty() => Ok(unit),
            Ok(_) => Err(refused(v)),
            Err(list) => {
                for (part, e) in list {
                    let field = part.field();
                    // A rule declared on the field already named it.
                    if !v.has(&field) {
                        v.push(FieldError::domain(&field, &e));
                    }
                }
                Err(refused(
                    v.in_order(&["building", "unit", "room", "area", "owners"]),
                ))
            }
        }
    }

    /// The version a change names: required for `PUT` (422 on `version`).
    pub fn version_required(&self) -> Result<i64, Problem> {
        match self.version {
            Some(v) if v >= 1 => Ok(v),
            _ => Err(Problem::validation(vec![FieldError::new(
                "version",
                "required",
                "请提供所修改记录的版本号（version），以免覆盖他人的修改",
            )])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> UnitInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_unit_with_co_owners_checks() {
        let u = input(serde_json::json!({
            "building": "3栋", "unit": "2单元", "room": " 501 ", "area": "89.57",
            "owners": [{"name": "张三", "phone": "138 0000 0001"}, {"name": "李四"}]
        }))
        .check()
        .unwrap();
        assert_eq!(u.label.to_string(), "3栋2单元501");
        assert_eq!(u.area.centi(), 8957);
        let Holder::Owners(owners) = &u.holder else {
            panic!("owners")
        };
        assert_eq!(owners[0].phone().unwrap().as_str(), "13800000001");
        assert!(owners[1].phone().is_none());
    }

    #[test]
    fn every_bad_field_is_named() {
        let p = input(serde_json::json!({
            "building": "", "room": "501", "area": "89.571",
            "owners": [{"name": "", "phone": "12345"}]
        }))
        .check()
        .unwrap_err();
        let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["building", "area", "owners[0].phone", "owners[0].name"],
            "{p:?}"
        );
        assert!(p.errors[1].message.contains("最多两位小数"));
    }

    #[test]
    fn a_unit_needs_owners_unless_unsold_and_unsold_has_none() {
        let none = input(serde_json::json!({"building": "1", "room": "1", "area": "50"}))
            .check()
            .unwrap_err();
        assert_eq!(none.errors[0].field, "owners");
        assert_eq!(none.errors[0].code, "owner_required");
        let unsold = input(serde_json::json!({
            "building": "1", "room": "1", "area": "50", "developer": true
        }))
        .check()
        .unwrap();
        assert_eq!(unsold.holder, Holder::Developer);
        let both = input(serde_json::json!({
            "building": "1", "room": "1", "area": "50", "developer": true,
            "owners": [{"name": "张三"}]
        }))
        .check()
        .unwrap_err();
        assert_eq!(both.errors[0].code, "owners_on_unsold_unit");
        let many: Vec<serde_json::Value> = (0..11)
            .map(|i| serde_json::json!({"name": format!("业主{i}")}))
            .collect();
        let too_many = input(serde_json::json!({
            "building": "1", "room": "1", "area": "50", "owners": many
        }))
        .check()
        .unwrap_err();
        assert_eq!(too_many.errors.len(), 1, "{too_many:?}");
        assert_eq!(too_many.errors[0].message, "一套房屋最多登记 10 名共有人");
    }
}

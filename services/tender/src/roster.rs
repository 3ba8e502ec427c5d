//! Whether a firm may bid: its roster standing (名录状态) on a given day, and the other
//! conditions a bid needs (model, fee model, grade, service area, capacity).
//!
//! Standing is derived from the dated record the catalog publishes (recommended until a
//! review date, suspended with a rectification deadline, blacklisted from/to), never from
//! a stored flag, so a blacklisting that has ended, or a recommendation whose review date
//! has passed, is seen as such on the day it happens without any new catalog change.

use serde_json::Value;
use shared::domain::roster::{RosterStanding, StandingRecord};
use time::Date;

use crate::replica::{CompoundCopy, FirmCopy};
use crate::terms::{FeeModel, ServiceGrade, Terms};

/// Why a firm may not bid: a stable code and a Chinese sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// THE place where tender decides a firm's standing: `Ok` only when it is recommended on
/// `today`, by the catalog's own rule (`StandingRecord::effective`) applied to the dated
/// record in the firm's feed payload. A payload without a readable record fails closed.
pub fn firm_may_bid(firm: &FirmCopy, today: Date) -> Result<(), Refusal> {
    match standing_on(&firm.payload, today) {
        RosterStanding::Recommended => Ok(()),
        RosterStanding::Applicant => Err(Refusal::new(
            "firm_not_recommended",
            "该企业尚未列入优选供应商推荐名录，不能投标。",
        )),
        RosterStanding::ReviewOverdue => Err(Refusal::new(
            "firm_not_recommended",
            "该企业的名录推荐已到复核日期，待协会复核后方可投标。",
        )),
        RosterStanding::Suspended => Err(Refusal::new(
            "firm_suspended",
            "该企业正处于重点监管（暂停推荐）期间，不能投标。",
        )),
        RosterStanding::Blacklisted => Err(Refusal::new(
            "firm_blacklisted",
            "该企业已被列入黑名单，不能投标。",
        )),
    }
}

/// A firm's standing on `day` from its feed payload's `standing_record`; an unreadable
/// record counts as an applicant (fails closed).
pub fn standing_on(payload: &Value, day: Date) -> RosterStanding {
    payload
        .get("standing_record")
        .and_then(|r| serde_json::from_value::<StandingRecord>(r.clone()).ok())
        .map_or(RosterStanding::Applicant, |r| r.effective(day))
}

/// What a tender asks of a bidder.
#[derive(Debug, Clone)]
pub struct Requirements<'a> {
    pub service_model: &'a str,
    pub fee_model: FeeModel,
    pub grade: ServiceGrade,
}

impl<'a> Requirements<'a> {
    /// What a tender's terms ask.
    pub fn of(terms: &'a Terms) -> Self {
        Self {
            service_model: terms.service_model.as_str(),
            fee_model: terms.fee_model,
            grade: terms.grade,
        }
    }
}

/// Every reason `firm` may not bid for a tender of `compound` on `today`; empty when it may.
/// The standing comes first. `on_platform` is the households the firm already holds on this
/// platform ([`crate::award::households_on_platform`]).
pub fn bid_refusals(
    firm: &FirmCopy,
    compound: &CompoundCopy,
    wants: &Requirements<'_>,
    today: Date,
    on_platform: i64,
) -> Vec<Refusal> {
    let mut out = Vec::new();
    if let Err(r) = firm_may_bid(firm, today) {
        out.push(r);
    }
    if !firm.service_models.iter().any(|m| m == wants.service_model) {
        out.push(Refusal::new(
            "service_model_not_offered",
            format!(
                "该企业未提供招标要求的物业服务方式（{}）。",
                wants.service_model
            ),
        ));
    }
    if !firm
        .fee_models
        .iter()
        .any(|m| m == wants.fee_model.as_str())
    {
        out.push(Refusal::new(
            "fee_model_not_offered",
            format!(
                "该企业未提供招标要求的收费方式（{}）。",
                wants.fee_model.as_str()
            ),
        ));
    }
    if !firm.grades.contains(&i64::from(wants.grade.get())) {
        out.push(Refusal::new(
            "grade_not_offered",
            format!(
                "该企业不能提供招标要求的服务等级（{} 级）。",
                wants.grade.get()
            ),
        ));
    }
    if !reaches(firm, compound) {
        out.push(Refusal::new(
            "outside_service_area",
            "该小区不在企业的服务区县内，也不在其服务半径范围内。",
        ));
    }
    if let Some(r) = capacity_refusal(firm, compound, on_platform) {
        out.push(r);
    }
    out
}

/// Capacity is cumulative (承接能力累计): the households in use are the firm's own declared
/// `households_served` plus `on_platform`, the households of the compounds it holds on this
/// platform (active contracts, and awards in their notice period); adding this compound's
/// households must not exceed the declared `capacity_households`. Checked when a bid is
/// submitted and again inside the award transaction.
pub fn capacity_refusal(
    firm: &FirmCopy,
    compound: &CompoundCopy,
    on_platform: i64,
) -> Option<Refusal> {
    let in_use = firm.households_served.saturating_add(on_platform.max(0));
    if in_use.saturating_add(compound.households) <= firm.capacity_households {
        return None;
    }
    Some(Refusal::new(
        "capacity_exceeded",
        format!(
            "承接能力不足：已服务 {in_use} 户（自报 {} 户＋本平台在服务及公示中的中标 {} 户）＋本小区 {} 户，超过申报能力 {} 户。",
            firm.households_served,
            on_platform.max(0),
            compound.households,
            firm.capacity_households
        ),
    ))
}

/// Serves the compound's district, or reaches the compound within its service radius.
fn reaches(firm: &FirmCopy, compound: &CompoundCopy) -> bool {
    if firm.districts_served.contains(&compound.district_code) {
        return true;
    }
    match (firm.location, compound.location) {
        (Some(base), Some(at)) => base.distance_km(&at) <= firm.service_radius_km,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shared::domain::Coordinates;
    use time::macros::date;

    fn firm(standing: Value) -> FirmCopy {
        FirmCopy {
            id: "f".into(),
            name: "某物业".into(),
            location: Coordinates::new(104.0, 30.6).ok(),
            service_radius_km: 5.0,
            districts_served: vec!["510104".into()],
            service_models: vec!["professional".into()],
            fee_models: vec!["lump_sum".into()],
            grades: vec![3],
            capacity_households: 1000,
            households_served: 600,
            payload: json!({ "standing_record": standing }),
        }
    }

    fn compound(district: &str, lon: f64, households: i64) -> CompoundCopy {
        CompoundCopy {
            id: "c".into(),
            name: "某小区".into(),
            district_code: district.into(),
            street_code: None,
            location: Coordinates::new(lon, 30.6).ok(),
            households,
            floor_area_m2: 30_000,
        }
    }

    const TODAY: Date = date!(2025 - 06 - 01);

    #[test]
    fn standing_follows_the_dates() {
        let code = |s: Value| firm_may_bid(&firm(s), TODAY).err().map(|r| r.code);
        let record = |stage: &str, extra: Value| {
            let mut r = json!({"stage": stage, "review_date": null, "rectify_by": null,
                "blacklist_from": null, "blacklist_to": null, "blacklist_reason": null});
            r.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            r
        };
        assert_eq!(
            code(record("recommended", json!({"review_date": "2025-06-01"}))),
            None
        );
        assert_eq!(
            code(record("recommended", json!({"review_date": "2025-05-31"}))),
            Some("firm_not_recommended")
        );
        assert_eq!(
            code(record("suspended", json!({"rectify_by": "2025-07-01"}))),
            Some("firm_suspended")
        );
        assert_eq!(
            code(record(
                "recommended",
                json!({"review_date": "2026-01-01", "blacklist_from": "2025-01-01"})
            )),
            Some("firm_blacklisted")
        );
        assert_eq!(
            code(record(
                "recommended",
                json!({"review_date": "2026-01-01", "blacklist_from": "2024-01-01", "blacklist_to": "2025-05-31"})
            )),
            Some("firm_not_recommended"),
            "an ended blacklisting leaves an applicant"
        );
        assert_eq!(
            code(record("applicant", json!({}))),
            Some("firm_not_recommended")
        );
        assert_eq!(code(Value::Null), Some("firm_not_recommended"));
    }

    #[test]
    fn every_condition_names_its_reason() {
        let f = firm(json!({"stage": "recommended", "review_date": "2030-01-01"}));
        let wants = Requirements {
            service_model: "professional",
            fee_model: FeeModel::LumpSum,
            grade: ServiceGrade::new(3).unwrap(),
        };
        assert!(bid_refusals(&f, &compound("510104", 104.0, 400), &wants, TODAY, 0).is_empty());
        // Another district but within 5 km.
        assert!(bid_refusals(&f, &compound("510105", 104.04, 400), &wants, TODAY, 0).is_empty());
        let far = bid_refusals(&f, &compound("510105", 104.2, 401), &wants, TODAY, 0);
        let codes: Vec<_> = far.iter().map(|r| r.code).collect();
        assert_eq!(codes, vec!["outside_service_area", "capacity_exceeded"]);
        assert!(
            far[1].message.contains("已服务 600 户")
                && far[1].message.contains("超过申报能力 1000 户"),
            "{}",
            far[1].message
        );
        // Households held on the platform count: 600 declared + 300 here + 101 > 1000.
        let near = compound("510104", 104.0, 101);
        assert!(bid_refusals(&f, &near, &wants, TODAY, 299).is_empty());
        let held = bid_refusals(&f, &near, &wants, TODAY, 300);
        assert_eq!(held[0].code, "capacity_exceeded");
        assert!(
            held[0].message.contains(
                "已服务 900 户（自报 600 户＋本平台在服务及公示中的中标 300 户）＋本小区 101 户"
            ),
            "{}",
            held[0].message
        );
        let other = Requirements {
            service_model: "trust",
            fee_model: FeeModel::Trust,
            grade: ServiceGrade::new(5).unwrap(),
        };
        let codes: Vec<_> = bid_refusals(&f, &compound("510104", 104.0, 1), &other, TODAY, 0)
            .iter()
            .map(|r| r.code)
            .collect();
        assert_eq!(
            codes,
            vec![
                "service_model_not_offered",
                "fee_model_not_offered",
                "grade_not_offered"
            ]
        );
    }
}

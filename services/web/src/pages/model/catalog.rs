//! What the catalog answers, as the pages read it (only the fields they show), with the
//! texts the templates print.

use serde::Deserialize;
use shared::domain::district;

use crate::format::{
    FEE_MODELS, GOVERNANCE, MANAGEMENT, beijing_date, label_of, model_label, place_label,
    standing_class, standing_label, street_name,
};

/// A district as `GET /catalog/districts` lists it.
#[derive(Debug, Deserialize)]
pub struct District {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub streets: i64,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Facilities {
    #[serde(default)]
    pub fire_safety: bool,
    #[serde(default)]
    pub video_surveillance: bool,
    #[serde(default)]
    pub access_control: bool,
    #[serde(default)]
    pub garbage_sorting_points: i64,
    #[serde(default)]
    pub parking_spaces: i64,
    #[serde(default)]
    pub elevators: i64,
}

/// A compound as `GET /catalog/compounds/{id}` (and the ledger's list) answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Compound {
    pub id: String,
    pub code: String,
    pub name: String,
    pub address: String,
    pub district: String,
    pub street: String,
    pub community: String,
    pub location: Point,
    pub year_built: i64,
    pub buildings: i64,
    pub households: i64,
    pub floor_area_m2: i64,
    pub management: String,
    pub facilities: Facilities,
    pub governance_body: String,
    pub governance_formed_on: Option<String>,
    pub eligible_and_willing: bool,
    #[serde(default)]
    pub is_old: bool,
}

impl Compound {
    pub fn place(&self) -> String {
        place_label(&self.district, Some(&self.street))
    }

    pub fn street_label(&self) -> String {
        street_name(&self.street)
    }

    pub fn management_label(&self) -> &str {
        label_of(&MANAGEMENT, &self.management)
    }

    pub fn governance_label(&self) -> &str {
        label_of(&GOVERNANCE, &self.governance_body)
    }

    pub fn facilities_label(&self) -> String {
        let f = &self.facilities;
        let yes = |b: bool| if b { "有" } else { "无" };
        format!(
            "消防设施{}、视频监控{}、门禁{}；垃圾分类投放点 {} 个，停车位 {} 个，电梯 {} 部",
            yes(f.fire_safety),
            yes(f.video_surveillance),
            yes(f.access_control),
            f.garbage_sorting_points,
            f.parking_spaces,
            f.elevators
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Credit {
    pub score: i64,
    pub grade: String,
}

/// A firm as the roster API answers anyone (the fields the pages show).
#[derive(Debug, Clone, Deserialize)]
pub struct Firm {
    pub id: String,
    pub name: String,
    pub contact_phone: String,
    pub ownership: String,
    pub base_address: String,
    pub districts_served: Vec<String>,
    pub service_radius_km: f64,
    pub service_models: Vec<String>,
    pub fee_models: Vec<String>,
    pub grades: Vec<i64>,
    pub capacity_households: i64,
    pub households_served: i64,
    pub staff_count: i64,
    pub profile: String,
    pub low_profit_commitment: bool,
    pub standing: String,
    pub credit: Credit,
    pub whitelisted: bool,
    /// The association rejected the application (驳回申请); public, with its reason.
    #[serde(default)]
    pub rejection: Option<Rejection>,
}

impl Firm {
    pub fn standing_label(&self) -> &'static str {
        standing_label(&self.standing)
    }

    pub fn districts_label(&self) -> String {
        self.districts_served
            .iter()
            .map(|c| district(c).map_or(c.as_str(), |d| d.name))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn models_label(&self) -> String {
        self.service_models
            .iter()
            .map(|m| model_label(m))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn fee_models_label(&self) -> String {
        self.fee_models
            .iter()
            .map(|m| label_of(&FEE_MODELS, m))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn grades_label(&self) -> String {
        self.grades
            .iter()
            .map(|g| format!("{g}级"))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn ownership_label(&self) -> &'static str {
        match self.ownership.as_str() {
            "soe" => "国有企业",
            "private" => "民营企业",
            _ => "其他",
        }
    }
}

/// The dates of a firm's standing record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Record {
    pub review_date: Option<String>,
    pub rectify_by: Option<String>,
    pub blacklist_from: Option<String>,
    pub blacklist_to: Option<String>,
    pub blacklist_reason: Option<String>,
}

/// A firm as the association and the firm itself see it: the roster's fields and the
/// private ones.
#[derive(Debug, Clone, Deserialize)]
pub struct FirmRecord {
    #[serde(flatten)]
    pub base: Firm,
    pub credit_code: String,
    pub legal_representative: String,
    pub location: Point,
    /// The office's street code, when the firm gave it.
    #[serde(default)]
    pub office_street: Option<String>,
    #[serde(default)]
    pub standing_record: Record,
    pub applied_at: i64,
    /// Since when a material profile change awaits review (ms).
    #[serde(default)]
    pub review_pending_since: Option<i64>,
}

/// Why and when an application was rejected.
#[derive(Debug, Clone, Deserialize)]
pub struct Rejection {
    pub reason: String,
    pub at: i64,
}

impl Rejection {
    pub fn on(&self) -> String {
        beijing_date(self.at)
    }
}

impl FirmRecord {
    pub fn applied_on(&self) -> String {
        beijing_date(self.applied_at)
    }

    /// The day its pending profile change was made, if one is pending.
    pub fn review_pending_on(&self) -> Option<String> {
        self.review_pending_since.map(beijing_date)
    }

    /// The badge class of its standing.
    pub fn standing_class(&self) -> &'static str {
        standing_class(&self.base.standing)
    }
}

/// One entry of a firm's audit trail (`GET /catalog/firms/{id}/audit`).
#[derive(Debug, Clone, Deserialize)]
pub struct FirmAudit {
    pub at: i64,
    pub action_label: String,
    pub reason: String,
    pub summary: String,
    pub author_name: Option<String>,
}

impl FirmAudit {
    pub fn on(&self) -> String {
        beijing_date(self.at)
    }
}

/// One change of a firm's roster standing (`GET /catalog/firms/{id}/standing-history`).
#[derive(Debug, Deserialize)]
pub struct StandingEvent {
    pub action: String,
    pub reason: String,
    pub on_date: String,
    pub standing_after: String,
    pub author_name: Option<String>,
}

impl StandingEvent {
    pub fn action_label(&self) -> &'static str {
        match self.action.as_str() {
            "apply" => "提交入库申请",
            "recommend" => "列入推荐名录",
            "suspend" => "列入重点监管",
            "restore" => "恢复推荐",
            "blacklist" => "列入黑名单",
            "end_blacklist" => "移出黑名单",
            _ => "变更",
        }
    }

    pub fn standing_label(&self) -> &'static str {
        standing_label(&self.standing_after)
    }
}

/// A credit event as the API lists it.
#[derive(Debug, Deserialize)]
pub struct CreditEvent {
    pub kind: String,
    pub points: i64,
    pub reason: String,
    pub source: String,
    pub date: String,
    pub author_name: Option<String>,
}

impl CreditEvent {
    pub fn signed(&self) -> String {
        if self.kind == "good" {
            format!("+{}", self.points)
        } else {
            format!("−{}", self.points)
        }
    }
}

/// A change of the inspection whitelist.
#[derive(Debug, Deserialize)]
pub struct WhitelistEvent {
    pub on: bool,
    pub reason: String,
    pub date: String,
    pub author_name: Option<String>,
}

/// A firm on the public blacklist (`GET /catalog/blacklist`).
#[derive(Debug, Deserialize)]
pub struct Blacklisted {
    pub firm_id: String,
    pub name: String,
    pub credit_code: String,
    pub reason: Option<String>,
    pub from: String,
    pub to: Option<String>,
}

/// A service model as `GET /catalog/service-models` lists it.
#[derive(Debug, Default, Deserialize)]
pub struct ServiceModel {
    pub code: String,
    pub name_zh: String,
    #[serde(default)]
    pub description_zh: String,
}

//! The documents the index holds: firms (物业服务企业), compounds (小区/院落) and tenders
//! (招标/服务需求). The matching service maps feed payloads onto these plain structs.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;

use crate::error::{IndexError, Result};
use crate::geo::{self, Cell};
use crate::schema::{DocKind, Fields, TextField, flags, term};

/// A firm as matching sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmDoc {
    /// Firm id.
    pub id: String,
    /// Registered name.
    pub name: String,
    /// Profile (企业简介), Chinese text matched against tender needs.
    pub profile: String,
    /// District of the firm's office (6-digit code).
    pub district_code: String,
    /// Street of the firm's office (9-digit code), if known.
    pub street_code: Option<String>,
    /// Longitude of the office.
    pub lon: f64,
    /// Latitude of the office.
    pub lat: f64,
    /// Districts the firm declares it serves (服务区域).
    pub districts_served: Vec<String>,
    /// Service radius around the office in km (reach outside the served districts).
    pub service_radius_km: f64,
    /// Service models offered (e.g. `professional`, `trust`, `community`, `self_managed`).
    pub service_models: Vec<String>,
    /// Fee models accepted (`lump_sum`, `commission`, `trust`).
    pub fee_models: Vec<String>,
    /// Service grades the firm can deliver (1–5, 一级 to 五级).
    pub grades: Vec<u8>,
    /// On the recommended roster today (the caller derives it from standing and dates;
    /// suspended or blacklisted firms are `false`).
    pub recommended: bool,
    /// Households the firm can still take on.
    pub capacity_left: u32,
    /// Credit score (信用分).
    pub credit_score: i64,
    /// Residents' satisfaction in its other compounds, 0–1, if rated.
    pub satisfaction: Option<f64>,
    /// On the inspection whitelist (检查白名单).
    pub whitelisted: bool,
    /// State-owned enterprise (国有企业).
    pub soe: bool,
    /// Committed to no- or low-profit service (微利/公益).
    pub low_profit: bool,
    /// Number of old compounds the firm serves or served.
    pub old_compound_experience: u32,
}

/// A residential compound (小区/院落) from the district ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundDoc {
    /// Compound id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// District code.
    pub district_code: String,
    /// Street code.
    pub street_code: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Households (户数).
    pub households: u32,
    /// Floor area in m².
    pub floor_area_m2: f64,
    /// Current management (e.g. `none`, `professional`, `self_managed`).
    pub management: String,
    /// Has an active service arrangement (covered for the coverage rate).
    pub covered: bool,
    /// An old compound that is eligible and whose owners are willing (符合条件、业主自愿).
    pub eligible: bool,
}

/// A tender: a compound's posted need for property service. Sealed bids never reach the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderDoc {
    /// Tender id.
    pub id: String,
    /// The compound's id.
    pub compound_id: String,
    /// The compound's name.
    pub compound_name: String,
    /// What the compound needs (服务需求), Chinese text matched against firm profiles.
    pub needs: String,
    /// District code.
    pub district_code: String,
    /// Street code.
    pub street_code: String,
    /// Longitude of the compound.
    pub lon: f64,
    /// Latitude of the compound.
    pub lat: f64,
    /// Households.
    pub households: u32,
    /// Floor area in m².
    pub floor_area_m2: f64,
    /// Wanted service model.
    pub service_model: String,
    /// Wanted fee model.
    pub fee_model: String,
    /// Wanted service grade (1–5).
    pub grade: u8,
    /// Budget in fen per m² per month.
    pub budget_fen_per_m2_month: i64,
    /// Open for bids (closed tenders are kept out of matching).
    pub open: bool,
}

// ---- validation ----------------------------------------------------------------------------

pub(crate) fn check_id(field: &'static str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
        return Err(IndexError::doc(field, "须为 1–128 个字符且不含控制字符"));
    }
    Ok(())
}

/// Parses a district code (区县, 6 digits, GB/T 2260).
pub(crate) fn parse_district(field: &'static str, code: &str) -> Result<u32> {
    parse_digits(field, code, 6, "区县代码")
}

/// Parses a street code (镇街道, 9 digits).
pub(crate) fn parse_street(field: &'static str, code: &str) -> Result<u32> {
    parse_digits(field, code, 9, "街道代码")
}

fn parse_digits(field: &'static str, code: &str, len: usize, what: &str) -> Result<u32> {
    if code.len() != len || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IndexError::doc(
            field,
            format!("“{code}”不是有效的{what}（{len} 位数字）"),
        ));
    }
    code.parse()
        .map_err(|_| IndexError::doc(field, format!("“{code}”不是有效的{what}")))
}

/// A model or fee-model code: lower-case ASCII letters, digits, `_` or `-`.
pub(crate) fn check_code_word(field: &'static str, code: &str) -> Result<()> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(IndexError::doc(
            field,
            format!("“{code}”不是有效的代码（小写字母、数字、下划线）"),
        ))
    }
}

pub(crate) fn check_grade(field: &'static str, grade: u8) -> Result<()> {
    if (1..=5).contains(&grade) {
        Ok(())
    } else {
        Err(IndexError::doc(
            field,
            format!("服务等级须为 1–5，收到 {grade}"),
        ))
    }
}

pub(crate) fn check_point(lon: f64, lat: f64) -> Result<()> {
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(IndexError::doc("lon", "经度须在 −180 到 180 之间"));
    }
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(IndexError::doc("lat", "纬度须在 −90 到 90 之间"));
    }
    Ok(())
}

fn check_area(area: f64) -> Result<()> {
    if area.is_finite() && area >= 0.0 {
        Ok(())
    } else {
        Err(IndexError::doc("floor_area_m2", "建筑面积须为非负数"))
    }
}

impl FirmDoc {
    /// Checks every field the index relies on.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        parse_district("district_code", &self.district_code)?;
        if let Some(street) = &self.street_code {
            parse_street("street_code", street)?;
        }
        check_point(self.lon, self.lat)?;
        for d in &self.districts_served {
            parse_district("districts_served", d)?;
        }
        if !self.service_radius_km.is_finite()
            || !(0.0..=geo::MAX_RADIUS_KM).contains(&self.service_radius_km)
        {
            return Err(IndexError::doc(
                "service_radius_km",
                format!("服务半径须在 0–{} 公里之间", geo::MAX_RADIUS_KM),
            ));
        }
        for m in &self.service_models {
            check_code_word("service_models", m)?;
        }
        for m in &self.fee_models {
            check_code_word("fee_models", m)?;
        }
        for g in &self.grades {
            check_grade("grades", *g)?;
        }
        let combos = self.service_models.len() * self.fee_models.len() * self.grades.len();
        if combos > 2_000 {
            return Err(IndexError::doc(
                "service_models",
                "服务方式 × 收费方式 × 等级的组合过多",
            ));
        }
        if let Some(s) = self.satisfaction
            && (!s.is_finite() || !(0.0..=1.0).contains(&s))
        {
            return Err(IndexError::doc("satisfaction", "满意度须在 0–1 之间"));
        }
        Ok(())
    }

    pub(crate) fn to_document(&self, f: &Fields) -> Result<TantivyDocument> {
        self.validate()?;
        let mut doc = TantivyDocument::new();
        let kind = DocKind::Firm;
        add_common(&mut doc, f, kind, &self.id, &self.name, "");
        doc.add_text(f.text(TextField::FirmName), &self.name);
        doc.add_text(f.text(TextField::FirmProfile), &self.profile);
        doc.add_u64(
            f.district,
            u64::from(parse_district("district_code", &self.district_code)?),
        );
        if let Some(street) = &self.street_code {
            doc.add_u64(f.street, u64::from(parse_street("street_code", street)?));
            doc.add_text(f.filter, term::firm_street(street));
        }
        doc.add_f64(f.lon, self.lon);
        doc.add_f64(f.lat, self.lat);
        doc.add_f64(f.radius, self.service_radius_km);
        doc.add_u64(f.capacity, u64::from(self.capacity_left));
        doc.add_i64(f.credit, self.credit_score);
        if let Some(s) = self.satisfaction {
            doc.add_f64(f.satisfaction, s);
        }
        doc.add_u64(f.experience, u64::from(self.old_compound_experience));
        let mut bits = 0;
        for (on, bit) in [
            (self.recommended, flags::RECOMMENDED),
            (self.whitelisted, flags::WHITELISTED),
            (self.soe, flags::SOE),
            (self.low_profit, flags::LOW_PROFIT),
        ] {
            if on {
                bits |= bit;
            }
        }
        doc.add_u64(f.flags, u64::from(bits));

        let models: BTreeSet<&str> = self.service_models.iter().map(String::as_str).collect();
        let fees: BTreeSet<&str> = self.fee_models.iter().map(String::as_str).collect();
        let grades: BTreeSet<u8> = self.grades.iter().copied().collect();
        let served: BTreeSet<&str> = self.districts_served.iter().map(String::as_str).collect();
        let mut terms: BTreeSet<String> = BTreeSet::new();
        terms.insert(term::firm_recommended(self.recommended));
        terms.insert(term::firm_district(&self.district_code));
        for d in &served {
            terms.insert(term::firm_district(d));
            terms.insert(term::firm_reach_district(d));
        }
        for m in &models {
            terms.insert(term::firm_model(m));
        }
        for fee in &fees {
            terms.insert(term::firm_fee(fee));
        }
        for g in &grades {
            terms.insert(term::firm_grade(*g));
        }
        if self.recommended {
            for m in &models {
                for fee in &fees {
                    for g in &grades {
                        terms.insert(term::firm_key(m, fee, *g));
                    }
                }
            }
        }
        let side = geo::grid_for_radius(self.service_radius_km);
        for cell in geo::cells_touched(self.lon, self.lat, self.service_radius_km, side) {
            terms.insert(if side == geo::FINE_CELL_DEG {
                term::firm_reach_fine(cell)
            } else {
                term::firm_reach_coarse(cell)
            });
        }
        for t in terms {
            doc.add_text(f.filter, t);
        }
        add_json(&mut doc, f, self)?;
        Ok(doc)
    }
}

impl CompoundDoc {
    /// Checks every field the index relies on.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        parse_district("district_code", &self.district_code)?;
        parse_street("street_code", &self.street_code)?;
        check_point(self.lon, self.lat)?;
        check_area(self.floor_area_m2)
    }

    pub(crate) fn to_document(&self, f: &Fields) -> Result<TantivyDocument> {
        self.validate()?;
        let mut doc = TantivyDocument::new();
        add_common(&mut doc, f, DocKind::Compound, &self.id, &self.name, "");
        doc.add_text(f.text(TextField::CompoundName), &self.name);
        doc.add_text(f.text(TextField::CompoundAddress), &self.address);
        doc.add_u64(
            f.district,
            u64::from(parse_district("district_code", &self.district_code)?),
        );
        doc.add_u64(
            f.street,
            u64::from(parse_street("street_code", &self.street_code)?),
        );
        doc.add_f64(f.lon, self.lon);
        doc.add_f64(f.lat, self.lat);
        doc.add_u64(f.capacity, u64::from(self.households));
        doc.add_f64(f.area, self.floor_area_m2);
        let mut bits = 0;
        if self.covered {
            bits |= flags::COVERED;
        }
        if self.eligible {
            bits |= flags::ELIGIBLE;
        }
        doc.add_u64(f.flags, u64::from(bits));
        for t in [
            term::compound_district(&self.district_code),
            term::compound_street(&self.street_code),
            term::compound_covered(self.covered),
            term::compound_eligible(self.eligible),
        ] {
            doc.add_text(f.filter, t);
        }
        add_json(&mut doc, f, self)?;
        Ok(doc)
    }
}

impl TenderDoc {
    /// Checks every field the index relies on.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        check_id("compound_id", &self.compound_id)?;
        parse_district("district_code", &self.district_code)?;
        parse_street("street_code", &self.street_code)?;
        check_point(self.lon, self.lat)?;
        check_area(self.floor_area_m2)?;
        check_code_word("service_model", &self.service_model)?;
        check_code_word("fee_model", &self.fee_model)?;
        check_grade("grade", self.grade)
    }

    pub(crate) fn to_document(&self, f: &Fields) -> Result<TantivyDocument> {
        self.validate()?;
        let mut doc = TantivyDocument::new();
        add_common(
            &mut doc,
            f,
            DocKind::Tender,
            &self.id,
            &self.compound_name,
            &self.compound_id,
        );
        doc.add_text(f.text(TextField::TenderName), &self.compound_name);
        doc.add_text(f.text(TextField::TenderNeeds), &self.needs);
        doc.add_u64(
            f.district,
            u64::from(parse_district("district_code", &self.district_code)?),
        );
        doc.add_u64(
            f.street,
            u64::from(parse_street("street_code", &self.street_code)?),
        );
        doc.add_f64(f.lon, self.lon);
        doc.add_f64(f.lat, self.lat);
        doc.add_u64(f.capacity, u64::from(self.households));
        doc.add_f64(f.area, self.floor_area_m2);
        doc.add_u64(f.flags, if self.open { u64::from(flags::OPEN) } else { 0 });
        let mut terms = vec![
            term::tender_district(&self.district_code),
            term::tender_street(&self.street_code),
            term::tender_fine(Cell::of(self.lon, self.lat, geo::FINE_CELL_DEG)),
            term::tender_coarse(Cell::of(self.lon, self.lat, geo::COARSE_CELL_DEG)),
            term::tender_model(&self.service_model),
            term::tender_fee(&self.fee_model),
            term::tender_grade(self.grade),
            term::tender_open(self.open),
        ];
        if self.open {
            terms.push(term::tender_key(
                &self.service_model,
                &self.fee_model,
                self.grade,
            ));
        }
        for t in terms {
            doc.add_text(f.filter, t);
        }
        add_json(&mut doc, f, self)?;
        Ok(doc)
    }
}

fn add_common(
    doc: &mut TantivyDocument,
    f: &Fields,
    kind: DocKind,
    id: &str,
    name: &str,
    ref_id: &str,
) {
    doc.add_text(f.filter, term::kind(kind));
    doc.add_text(f.filter, term::uid(kind, id));
    doc.add_u64(f.kind, kind.code());
    doc.add_text(f.id, id);
    doc.add_text(f.name, name);
    doc.add_text(f.ref_id, ref_id);
}

fn add_json<T: Serialize>(doc: &mut TantivyDocument, f: &Fields, value: &T) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| IndexError::Corrupt(e.to_string()))?;
    doc.add_text(f.doc, json);
    Ok(())
}

/// `text` with every occurrence of `name` (trimmed, if not empty) replaced by a space.
fn without(text: &str, name: &str) -> String {
    match name.trim() {
        "" => text.to_string(),
        name => text.replace(name, " "),
    }
}

impl TenderDoc {
    /// The needs a query of this tender reads: the compound's name taken out (the default
    /// title “〈compound〉物业服务招标” is part of the indexed needs), as a name states no need.
    pub fn needs_stated(&self) -> String {
        without(&self.needs, &self.compound_name)
    }
}

impl FirmDoc {
    /// The profile a query of this firm reads: its own name taken out
    /// (“成都某某物业服务有限公司成立于…”), as a name offers no service.
    pub fn services_stated(&self) -> String {
        without(&self.profile, &self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::firm;

    #[test]
    fn validation_names_the_bad_field() {
        let mut f = firm("f1", 104.06, 30.66);
        assert!(f.validate().is_ok());
        f.grades = vec![6];
        assert!(matches!(
            f.validate(),
            Err(IndexError::InvalidDocument {
                field: "grades",
                ..
            })
        ));
        let mut f = firm("f1", 104.06, 30.66);
        f.district_code = "51010x".into();
        assert!(matches!(
            f.validate(),
            Err(IndexError::InvalidDocument {
                field: "district_code",
                ..
            })
        ));
        let mut f = firm("f1", f64::NAN, 30.66);
        f.id = "f1".into();
        assert!(matches!(
            f.validate(),
            Err(IndexError::InvalidDocument { field: "lon", .. })
        ));
        let mut f = firm("f1", 104.06, 30.66);
        f.service_models = vec!["Pro|x".into()];
        assert!(matches!(
            f.validate(),
            Err(IndexError::InvalidDocument {
                field: "service_models",
                ..
            })
        ));
        let mut f = firm("f1", 104.06, 30.66);
        f.satisfaction = Some(1.5);
        assert!(f.validate().is_err());
        let mut f = firm("", 104.06, 30.66);
        f.id.clear();
        assert!(f.validate().is_err());
    }

    #[test]
    fn kind_codes_round_trip() {
        for kind in DocKind::ALL {
            assert_eq!(DocKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(DocKind::from_code(7), None);
    }
}

//! Coverage (覆盖率) of old compounds by a service arrangement, on any day.
//!
//! **Definition.** An old compound (`is_old`) whose owners are eligible and willing
//! (`eligible_and_willing`, 符合条件、业主自愿) counts towards coverage on day D as its
//! ledger stood on D (the latest version of the compound that had taken effect by D). It is
//! **covered** on D when, on D, it has an active service arrangement:
//!
//! - a contract (物业服务合同) with `start_date ≤ D ≤ end_date` that had not ended early
//!   by D: a terminated contract covers up to and including its `terminated_on`, which
//!   tender defines as the last day of service; or
//! - the ledger says the owners manage it themselves through a registered body
//!   (`management = self_managed` and a `governance_body` other than `none`: 业主自治管理);
//!   or
//! - the ledger says a property firm already serves it (`management = property_firm`).
//!
//! Coverage rate = covered ÷ counted, per street, per district and citywide, against the
//! target in force on D ([`crate::policy::MatchingPolicy::target_on`]).
//!
//! The ledger side is read as matching learnt it: a change takes effect on the (China)
//! day the catalog wrote it. The contract side is read from the contract's own dates.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use shared::domain::roster::{Date, parse_date};
use shared::domain::{DistrictCode, StreetCode};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::policy::{CoverageTarget, percent_of_basis_points};

/// The part of the city a figure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    City,
    District(DistrictCode),
    Street(StreetCode),
}

impl Area {
    /// Whether a compound in `street` of `district` lies in the area.
    pub fn contains(&self, district: &str, street: &str) -> bool {
        match self {
            Area::City => true,
            Area::District(d) => d.as_str() == district,
            Area::Street(s) => s.as_str() == street,
        }
    }

    /// Whether `other` lies wholly within the area (an official reading a part of it).
    pub fn covers(&self, other: &Area) -> bool {
        match (self, other) {
            (Area::City, _) => true,
            (Area::District(d), Area::District(a)) => d == a,
            (Area::District(d), Area::Street(s)) => s.district() == *d,
            (Area::Street(s), Area::Street(a)) => s == a,
            _ => false,
        }
    }
}

/// A compound as the ledger described it on some day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompoundState {
    pub district: String,
    pub street: String,
    pub management: String,
    pub governance_body: String,
    pub eligible_and_willing: bool,
    pub is_old: bool,
    /// Taken out of the ledger.
    pub removed: bool,
}

/// How a covered compound is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Arrangement {
    /// A contract in its term.
    Contract,
    /// 业主自治管理 with a registered body.
    SelfManaged,
    /// Served by a property firm, as the ledger records.
    PropertyFirm,
}

impl CompoundState {
    /// Counts towards coverage: an old compound, eligible and willing, in the ledger.
    pub fn counts(&self) -> bool {
        !self.removed && self.is_old && self.eligible_and_willing
    }

    /// The arrangement the ledger itself records, if it is one that covers.
    pub fn ledger_arrangement(&self) -> Option<Arrangement> {
        match self.management.as_str() {
            "self_managed" if self.governance_body != "none" => Some(Arrangement::SelfManaged),
            "property_firm" => Some(Arrangement::PropertyFirm),
            _ => None,
        }
    }
}

/// The days a contract serves its compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractSpan {
    pub start: Date,
    /// Last day of the term.
    pub end: Date,
    pub terminated: bool,
    /// Last day of service of a terminated contract.
    pub terminated_on: Option<Date>,
}

impl ContractSpan {
    /// Whether the contract serves its compound on `day`.
    pub fn covers(&self, day: Date) -> bool {
        let within_term = self.start <= day && day <= self.end;
        let not_ended_early = match (self.terminated, self.terminated_on) {
            (false, _) => true,
            (true, Some(last)) => day <= last,
            // Terminated without a date: fails closed.
            (true, None) => false,
        };
        within_term && not_ended_early
    }
}

/// Old, counted and covered compounds of one area on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Old compounds in the ledger.
    pub old: i64,
    /// Of those, eligible and willing (the denominator).
    pub eligible: i64,
    /// Of those, covered (the numerator).
    pub covered: i64,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.old += other.old;
        self.eligible += other.eligible;
        self.covered += other.covered;
    }

    /// Takes away what [`Tally::add`] added.
    pub fn sub(&mut self, other: Tally) {
        self.old -= other.old;
        self.eligible -= other.eligible;
        self.covered -= other.covered;
    }

    /// The rate in basis points, rounded half up; none without eligible compounds.
    pub fn rate_basis_points(&self) -> Option<i64> {
        (self.eligible > 0).then(|| (self.covered * 20_000 + self.eligible) / (2 * self.eligible))
    }
}

/// Everything needed to tally an area on any day up to some date: each compound's
/// versions and each compound's contracts.
#[derive(Debug, Default)]
pub struct History {
    /// By compound: `(effective_on, seq, state)`, ascending by seq.
    versions: HashMap<String, Vec<(Date, i64, CompoundState)>>,
    contracts: HashMap<String, Vec<ContractSpan>>,
}

impl History {
    pub fn add_version(&mut self, compound: &str, effective_on: Date, seq: i64, s: CompoundState) {
        let list = self.versions.entry(compound.to_string()).or_default();
        list.push((effective_on, seq, s));
        list.sort_by_key(|(_, seq, _)| *seq);
    }

    pub fn add_contract(&mut self, compound: &str, span: ContractSpan) {
        self.contracts
            .entry(compound.to_string())
            .or_default()
            .push(span);
    }

    /// Replaces every contract with `contracts`: `(compound id, span)`.
    pub fn replace_contracts<'a>(
        &mut self,
        contracts: impl Iterator<Item = (&'a str, ContractSpan)>,
    ) {
        self.contracts.clear();
        for (compound, span) in contracts {
            self.add_contract(compound, span);
        }
    }

    /// The compound's ledger state on `day`: its newest version effective by then.
    pub fn state_on(&self, compound: &str, day: Date) -> Option<&CompoundState> {
        self.versions
            .get(compound)?
            .iter()
            .rev()
            .find(|(effective_on, _, _)| *effective_on <= day)
            .map(|(_, _, s)| s)
    }

    /// How the compound is served on `day`, if it is covered: a contract first, else what
    /// the ledger records.
    pub fn arrangement_on(&self, compound: &str, day: Date) -> Option<Arrangement> {
        let by_contract = self
            .contracts
            .get(compound)
            .is_some_and(|spans| spans.iter().any(|s| s.covers(day)));
        if by_contract {
            return Some(Arrangement::Contract);
        }
        self.state_on(compound, day)?.ledger_arrangement()
    }

    /// The tally of every street of `area` that has old compounds on `day`, keyed by
    /// `(district code, street code)`.
    pub fn tally(&self, area: &Area, day: Date) -> BTreeMap<(String, String), Tally> {
        let mut out: BTreeMap<(String, String), Tally> = BTreeMap::new();
        for compound in self.versions.keys() {
            if let Some((street, t)) = self.contribution(compound, area, day) {
                out.entry(street).or_default().add(t);
            }
        }
        out
    }

    /// What one compound adds to [`History::tally`] of `area` on `day`: its street's key and
    /// a tally of one old compound (counted, covered), or nothing when it is not an old
    /// compound of the area in the ledger on that day.
    pub fn contribution(
        &self,
        compound: &str,
        area: &Area,
        day: Date,
    ) -> Option<((String, String), Tally)> {
        let state = self.state_on(compound, day)?;
        if state.removed || !state.is_old || !area.contains(&state.district, &state.street) {
            return None;
        }
        let counts = state.counts();
        let covered = counts && self.arrangement_on(compound, day).is_some();
        Some((
            (state.district.clone(), state.street.clone()),
            Tally {
                old: 1,
                eligible: i64::from(counts),
                covered: i64::from(covered),
            },
        ))
    }
}

/// Reads the history of every compound that was ever in `area`, as far as `until`.
pub async fn load(
    conn: &mut AnyConnection,
    area: &Area,
    until: Date,
) -> Result<History, sqlx::Error> {
    let (filter, code) = match area {
        Area::City => (String::new(), None),
        Area::District(d) => (
            "compound_id IN (SELECT compound_id FROM catalog_compound_version WHERE district_code = $2)"
                .to_string(),
            Some(d.as_str()),
        ),
        Area::Street(s) => (
            "compound_id IN (SELECT compound_id FROM catalog_compound_version WHERE street_code = $2)"
                .to_string(),
            Some(s.as_str()),
        ),
    };
    let flag = |c: &str| format!("CAST(CASE WHEN {c} THEN 1 ELSE 0 END AS BIGINT) AS {c}");
    let versions_sql = format!(
        "SELECT compound_id, seq, effective_on, district_code, street_code, management, governance_body, \
         {}, {}, {} FROM catalog_compound_version WHERE effective_on <= $1{}",
        flag("eligible_and_willing"),
        flag("is_old"),
        flag("removed"),
        if filter.is_empty() {
            String::new()
        } else {
            format!(" AND {filter}")
        }
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(versions_sql))
        .bind(shared::domain::roster::format_date(until));
    if let Some(code) = code {
        q = q.bind(code);
    }
    let mut history = History::default();
    for r in q.fetch_all(&mut *conn).await? {
        let Ok(effective_on) = parse_date(&r.try_get::<String, _>("effective_on")?) else {
            continue;
        };
        let compound: String = r.try_get("compound_id")?;
        history.add_version(
            &compound,
            effective_on,
            r.try_get("seq")?,
            CompoundState {
                district: r.try_get("district_code")?,
                street: r.try_get("street_code")?,
                management: r.try_get("management")?,
                governance_body: r.try_get("governance_body")?,
                eligible_and_willing: r.try_get::<i64, _>("eligible_and_willing")? != 0,
                is_old: r.try_get::<i64, _>("is_old")? != 0,
                removed: r.try_get::<i64, _>("removed")? != 0,
            },
        );
    }

    // Contracts starting after `until` cannot cover any day asked about.
    let contracts_sql = format!(
        "SELECT compound_id, start_date, end_date, status, terminated_on FROM tender_contract \
         WHERE start_date <= $1{}",
        if filter.is_empty() {
            String::new()
        } else {
            format!(" AND {filter}")
        }
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(contracts_sql))
        .bind(shared::domain::roster::format_date(until));
    if let Some(code) = code {
        q = q.bind(code);
    }
    for r in q.fetch_all(&mut *conn).await? {
        let date = |k: &str| -> Result<Option<Date>, sqlx::Error> {
            Ok(r.try_get::<Option<String>, _>(k)?
                .and_then(|s| parse_date(&s).ok()))
        };
        let (Some(start), Some(end)) = (date("start_date")?, date("end_date")?) else {
            continue;
        };
        let status: String = r.try_get("status")?;
        history.add_contract(
            &r.try_get::<String, _>("compound_id")?,
            ContractSpan {
                start,
                end,
                terminated: status == "terminated",
                terminated_on: date("terminated_on")?,
            },
        );
    }
    Ok(history)
}

/// Coverage figures of one area on one day, against the target in force.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    /// Old compounds in the ledger (老旧小区).
    pub old_compounds: i64,
    /// Of those, eligible and willing (符合条件、业主自愿): the denominator.
    pub eligible: i64,
    /// Of those, covered on the day: the numerator.
    pub covered: i64,
    /// covered ÷ eligible as a fraction with four decimals; `null` without eligible compounds.
    #[schema(example = 0.6667)]
    pub rate: Option<f64>,
    /// The same as a percentage, e.g. `66.67%`.
    #[schema(example = "66.67%")]
    pub percent: Option<String>,
    /// How far the rate is below the target in force (0 when it is reached), a fraction.
    pub gap: Option<f64>,
    /// How many more compounds must be covered to reach the target.
    pub gap_compounds: i64,
    /// Whether the target in force is reached.
    pub target_met: Option<bool>,
}

impl Figures {
    pub fn of(t: Tally, target: &CoverageTarget) -> Self {
        let target_bp = target.basis_points();
        let rate_bp = t.rate_basis_points();
        // ceil(target × eligible), in whole compounds.
        let needed = (target_bp * t.eligible + 9_999) / 10_000;
        Self {
            old_compounds: t.old,
            eligible: t.eligible,
            covered: t.covered,
            rate: rate_bp.map(|bp| bp as f64 / 10_000.0),
            percent: rate_bp.map(percent_of_basis_points),
            gap: rate_bp.map(|bp| (target_bp - bp).max(0) as f64 / 10_000.0),
            gap_compounds: (needed - t.covered).max(0),
            target_met: (t.eligible > 0).then(|| t.covered * 10_000 >= target_bp * t.eligible),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn state(
        street: &str,
        management: &str,
        body: &str,
        eligible: bool,
        old: bool,
    ) -> CompoundState {
        CompoundState {
            district: street[..6].to_string(),
            street: street.to_string(),
            management: management.into(),
            governance_body: body.into(),
            eligible_and_willing: eligible,
            is_old: old,
            removed: false,
        }
    }

    const S1: &str = "510104017";
    const S2: &str = "510104018";

    #[test]
    fn a_contract_covers_its_term_up_to_its_last_day_of_service() {
        let span = ContractSpan {
            start: date!(2024 - 03 - 01),
            end: date!(2027 - 02 - 28),
            terminated: false,
            terminated_on: None,
        };
        assert!(!span.covers(date!(2024 - 02 - 29)));
        assert!(span.covers(date!(2024 - 03 - 01)));
        assert!(span.covers(date!(2027 - 02 - 28)));
        assert!(!span.covers(date!(2027 - 03 - 01)));
        let ended = ContractSpan {
            terminated: true,
            terminated_on: Some(date!(2024 - 09 - 30)),
            ..span
        };
        assert!(ended.covers(date!(2024 - 09 - 30)));
        assert!(!ended.covers(date!(2024 - 10 - 01)));
        let undated = ContractSpan {
            terminated: true,
            terminated_on: None,
            ..span
        };
        assert!(!undated.covers(date!(2024 - 06 - 01)));
    }

    #[test]
    fn the_ledger_covers_self_management_with_a_body_and_property_firms() {
        let covered = |m: &str, b: &str| state(S1, m, b, true, true).ledger_arrangement();
        assert_eq!(
            covered("self_managed", "owners_committee"),
            Some(Arrangement::SelfManaged)
        );
        assert_eq!(covered("self_managed", "none"), None);
        assert_eq!(
            covered("property_firm", "none"),
            Some(Arrangement::PropertyFirm)
        );
        assert_eq!(covered("none", "owners_committee"), None);
        assert_eq!(covered("other", "owners_committee"), None);
    }

    #[test]
    fn tallies_read_each_compound_as_it_stood_that_day() {
        let mut h = History::default();
        h.add_version(
            "a",
            date!(2023 - 06 - 15),
            1,
            state(S1, "none", "owners_committee", true, true),
        );
        h.add_version(
            "b",
            date!(2023 - 06 - 15),
            2,
            state(S1, "none", "owners_committee", true, true),
        );
        h.add_version(
            "b",
            date!(2023 - 11 - 20),
            9,
            state(S1, "self_managed", "owners_committee", true, true),
        );
        h.add_version(
            "c",
            date!(2023 - 06 - 15),
            3,
            state(S2, "property_firm", "none", false, true),
        );
        h.add_version(
            "d",
            date!(2023 - 06 - 15),
            4,
            state(S2, "none", "none", true, false),
        );
        h.add_contract(
            "a",
            ContractSpan {
                start: date!(2024 - 03 - 01),
                end: date!(2027 - 02 - 28),
                terminated: false,
                terminated_on: None,
            },
        );
        let city = Area::City;
        assert!(h.tally(&city, date!(2023 - 06 - 14)).is_empty());
        let june = h.tally(&city, date!(2023 - 06 - 15));
        let s1 = june[&("510104".into(), S1.into())];
        assert_eq!(
            s1,
            Tally {
                old: 2,
                eligible: 2,
                covered: 0
            }
        );
        // c is not eligible, d is not old.
        assert_eq!(
            june[&("510104".into(), S2.into())],
            Tally {
                old: 1,
                eligible: 0,
                covered: 0
            }
        );
        let dec = h.tally(&city, date!(2023 - 12 - 31));
        assert_eq!(dec[&("510104".into(), S1.into())].covered, 1);
        let spring = h.tally(
            &Area::Street(StreetCode::parse(S1).unwrap()),
            date!(2024 - 03 - 01),
        );
        assert_eq!(spring.len(), 1);
        assert_eq!(spring[&("510104".into(), S1.into())].covered, 2);
        assert_eq!(
            h.arrangement_on("a", date!(2024 - 03 - 01)),
            Some(Arrangement::Contract)
        );
        assert_eq!(h.arrangement_on("b", date!(2023 - 11 - 19)), None);
    }

    #[test]
    fn figures_against_a_target() {
        let target = CoverageTarget {
            due: date!(2024 - 12 - 31),
            rate: 0.7,
        };
        let f = Figures::of(
            Tally {
                old: 4,
                eligible: 3,
                covered: 2,
            },
            &target,
        );
        assert_eq!(f.rate, Some(0.6667));
        assert_eq!(f.percent.as_deref(), Some("66.67%"));
        assert_eq!(f.gap, Some(0.0333));
        // ceil(0.7 × 3) = 3.
        assert_eq!(f.gap_compounds, 1);
        assert_eq!(f.target_met, Some(false));
        let f = Figures::of(
            Tally {
                old: 10,
                eligible: 10,
                covered: 3,
            },
            &CoverageTarget {
                rate: 0.3,
                ..target
            },
        );
        assert_eq!(
            (f.gap, f.gap_compounds, f.target_met),
            (Some(0.0), 0, Some(true))
        );
        let f = Figures::of(Tally::default(), &target);
        assert_eq!(
            (f.rate, f.percent, f.gap, f.target_met),
            (None, None, None, None)
        );
        assert_eq!(f.gap_compounds, 0);
    }
}

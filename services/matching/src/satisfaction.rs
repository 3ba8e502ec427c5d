//! Satisfaction ranking (满意度排名) of streets and districts per survey period.
//!
//! **Rate.** A unit's satisfaction rate (满意率) is (满意 + 基本满意) ÷ respondents, summed
//! over every survey record of its compounds in the period, so each compound weighs by its
//! respondents. Units without respondents in the period are not ranked.
//!
//! **Ranking.** The plan has each district government rank its streets (镇街道) and the
//! city rank the districts ("季度通报 … 对连续两次排名后三位的镇（街道）… 进行通报"), so a
//! street is ranked **within its district** and a district **citywide**. Rank = 1 + the
//! number of units of the group with a strictly higher rate (ties share a rank).
//!
//! **Bottom three (后三位).** A unit is in its group's bottom three when fewer than three
//! units of the group have a strictly lower rate (so ties at the boundary are all in), and
//! only in a group of more than three ranked units (in a smaller group everyone would be).
//! It is **notified** (连续两次排名后三位) when it is in the bottom three of its group in the
//! period and in the period before.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use shared::domain::DomainError;
use sqlx::{AnyConnection, Row};

/// A survey period: a quarter (季度), written `2026-Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    quarter: u8,
}

impl Period {
    /// Parses `YYYY-Qn` (n = 1–4; `q` accepted). Error code: `invalid_period`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let bad = || {
            DomainError::new(
                "invalid_period",
                format!("测评周期“{input}”无效，应为 YYYY-Qn 格式的季度，如 2026-Q3"),
            )
        };
        let (year, quarter) = input.trim().split_once('-').ok_or_else(bad)?;
        let quarter = quarter.strip_prefix(['Q', 'q']).ok_or_else(bad)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) || quarter.len() != 1 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let quarter: u8 = quarter.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&quarter) || year < 1900 {
            return Err(bad());
        }
        Ok(Self { year, quarter })
    }

    /// The four quarters of `year`.
    pub fn quarters(year: i32) -> [Self; 4] {
        [1, 2, 3, 4].map(|quarter| Self { year, quarter })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// The last quarter that has ended by `day` (the quarterly bulletin's default).
    pub fn last_ended(day: shared::domain::roster::Date) -> Self {
        let quarter = (u8::from(day.month()) - 1) / 3 + 1;
        Self {
            year: day.year(),
            quarter,
        }
        .previous()
    }

    /// The quarter before.
    pub fn previous(self) -> Self {
        if self.quarter == 1 {
            Self {
                year: self.year - 1,
                quarter: 4,
            }
        } else {
            Self {
                year: self.year,
                quarter: self.quarter - 1,
            }
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

/// The answers of a unit's residents in one period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Votes {
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    /// The compounds surveyed.
    pub compounds: BTreeSet<String>,
}

impl Votes {
    pub fn respondents(&self) -> i64 {
        self.satisfied + self.basically_satisfied + self.dissatisfied
    }

    fn content(&self) -> i64 {
        self.satisfied + self.basically_satisfied
    }

    /// Compares the rates exactly (no rounding): `Greater` when `self` is more satisfied.
    pub fn cmp_rate(&self, other: &Votes) -> Ordering {
        (i128::from(self.content()) * i128::from(other.respondents()))
            .cmp(&(i128::from(other.content()) * i128::from(self.respondents())))
    }

    /// The rate in basis points, rounded half up; none without respondents.
    pub fn rate_basis_points(&self) -> Option<i64> {
        let n = self.respondents();
        (n > 0).then(|| (self.content() * 20_000 + n) / (2 * n))
    }
}

/// Where a unit stands in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placing {
    /// 1 for the most satisfied; ties share a rank.
    pub rank: u32,
    /// How many units of the group were ranked.
    pub group_size: u32,
    pub bottom_three: bool,
}

/// Places each unit of one group (units without respondents must be left out).
pub fn place(group: &[&Votes]) -> Vec<Placing> {
    let size = group.len();
    group
        .iter()
        .map(|v| {
            let higher = group.iter().filter(|o| o.cmp_rate(v).is_gt()).count();
            let lower = group.iter().filter(|o| o.cmp_rate(v).is_lt()).count();
            Placing {
                rank: higher as u32 + 1,
                group_size: size as u32,
                bottom_three: size > 3 && lower < 3,
            }
        })
        .collect()
}

/// Which units are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Streets, each within its district.
    Street,
    /// Districts, citywide.
    District,
}

impl Level {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim() {
            "street" => Ok(Level::Street),
            "district" => Ok(Level::District),
            other => Err(DomainError::new(
                "invalid_level",
                format!("排名层级“{other}”无效，应为 street（街道）或 district（区县）"),
            )),
        }
    }
}

/// A unit: its group (the district code for streets, empty for districts) and its code.
pub type UnitKey = (String, String);

/// The units of one period with their votes.
pub type Units = BTreeMap<UnitKey, Votes>;

/// What the quarterly bulletin ranks by (the plan: "以群众满意率低、服务管理水平差的小区占比
/// 情况为标准").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The satisfaction rate: (满意 + 基本满意) ÷ respondents.
    Satisfaction,
    /// The share of surveyed compounds whose own rate is below the policy's threshold
    /// (a lower share ranks higher).
    LowSatisfaction,
}

impl Measure {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim() {
            "satisfaction" => Ok(Measure::Satisfaction),
            "low_satisfaction" => Ok(Measure::LowSatisfaction),
            other => Err(DomainError::new(
                "invalid_measure",
                format!(
                    "排名口径“{}”无效，应为 satisfaction（满意率）或 low_satisfaction（满意率低的小区占比）",
                    shared::domain::quoted(other)
                ),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Satisfaction => "satisfaction",
            Measure::LowSatisfaction => "low_satisfaction",
        }
    }
}

/// One compound's surveys added up over some periods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompoundVotes {
    pub district: String,
    pub street: String,
    pub votes: Votes,
}

/// Every surveyed compound's answers in `periods`, from the stored surveys.
pub async fn compounds(
    conn: &mut AnyConnection,
    periods: &[Period],
) -> Result<BTreeMap<String, CompoundVotes>, sqlx::Error> {
    let mut out: BTreeMap<String, CompoundVotes> = BTreeMap::new();
    for period in periods {
        let rows = sqlx::query(
            "SELECT compound_id, street_code, district_code, satisfied, basically_satisfied, dissatisfied \
             FROM tender_satisfaction WHERE period = $1",
        )
        .bind(period.to_string())
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            let id: String = r.try_get("compound_id")?;
            let c = out.entry(id.clone()).or_default();
            c.district = r.try_get("district_code")?;
            c.street = r.try_get("street_code")?;
            c.votes.satisfied += r.try_get::<i64, _>("satisfied")?;
            c.votes.basically_satisfied += r.try_get::<i64, _>("basically_satisfied")?;
            c.votes.dissatisfied += r.try_get::<i64, _>("dissatisfied")?;
            c.votes.compounds.insert(id);
        }
    }
    Ok(out)
}

/// The units of `level` with respondents, measured by `measure`. For the low-satisfaction
/// share a unit's votes count compounds: "satisfied" the compounds at or above
/// `low_percent`, "dissatisfied" those below, so the one ranking ([`place`]) ranks both.
pub fn aggregate(
    compounds: &BTreeMap<String, CompoundVotes>,
    level: Level,
    measure: Measure,
    low_percent: u32,
) -> Units {
    let mut out = Units::new();
    for (id, c) in compounds {
        if measure == Measure::LowSatisfaction && c.votes.respondents() == 0 {
            continue;
        }
        let key = match level {
            Level::Street => (c.district.clone(), c.street.clone()),
            Level::District => (String::new(), c.district.clone()),
        };
        let v = out.entry(key).or_default();
        match measure {
            Measure::Satisfaction => {
                v.satisfied += c.votes.satisfied;
                v.basically_satisfied += c.votes.basically_satisfied;
                v.dissatisfied += c.votes.dissatisfied;
            }
            Measure::LowSatisfaction => {
                // content ÷ respondents < low_percent ÷ 100, exactly.
                let low = c.votes.content() * 100 < i64::from(low_percent) * c.votes.respondents();
                if low {
                    v.dissatisfied += 1;
                } else {
                    v.satisfied += 1;
                }
            }
        }
        v.compounds.insert(id.clone());
    }
    out.retain(|_, v| v.respondents() > 0);
    out
}

/// The units of `level` with respondents in `period`, by satisfaction rate.
pub async fn units(
    conn: &mut AnyConnection,
    level: Level,
    period: Period,
) -> Result<Units, sqlx::Error> {
    Ok(aggregate(
        &compounds(conn, &[period]).await?,
        level,
        Measure::Satisfaction,
        0,
    ))
}

/// Places every unit within its group.
pub fn placings(units: &Units) -> BTreeMap<UnitKey, Placing> {
    let mut groups: BTreeMap<&str, Vec<(&UnitKey, &Votes)>> = BTreeMap::new();
    for (key, votes) in units {
        groups.entry(key.0.as_str()).or_default().push((key, votes));
    }
    let mut out = BTreeMap::new();
    for members in groups.values() {
        let votes: Vec<&Votes> = members.iter().map(|(_, v)| *v).collect();
        for ((key, _), placing) in members.iter().zip(place(&votes)) {
            out.insert((*key).clone(), placing);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(s: i64, b: i64, d: i64) -> Votes {
        Votes {
            satisfied: s,
            basically_satisfied: b,
            dissatisfied: d,
            compounds: BTreeSet::new(),
        }
    }

    #[test]
    fn the_last_quarter_ended() {
        let on = |d: &str| Period::last_ended(shared::domain::roster::parse_date(d).unwrap());
        assert_eq!(on("2026-12-07").to_string(), "2026-Q3");
        assert_eq!(on("2026-10-01").to_string(), "2026-Q3");
        assert_eq!(on("2026-09-30").to_string(), "2026-Q2");
        assert_eq!(on("2026-02-01").to_string(), "2025-Q4");
    }

    #[test]
    fn periods() {
        assert_eq!(Period::parse("2026-Q3").unwrap().to_string(), "2026-Q3");
        assert_eq!(
            Period::parse(" 2026-q1 ").unwrap().previous().to_string(),
            "2025-Q4"
        );
        assert_eq!(
            Period::parse("2026-Q3").unwrap().previous().to_string(),
            "2026-Q2"
        );
        for bad in [
            "2026-Q5", "2026-Q0", "2026Q3", "26-Q3", "2026-3", "2026-Q33", "", "abcd-Q1",
        ] {
            assert_eq!(
                Period::parse(bad).unwrap_err().code,
                "invalid_period",
                "{bad}"
            );
        }
    }

    #[test]
    fn rates_compare_exactly_and_round_half_up() {
        assert_eq!(votes(2, 0, 1).cmp_rate(&votes(4, 0, 2)), Ordering::Equal);
        assert_eq!(votes(2, 1, 0).cmp_rate(&votes(99, 0, 1)), Ordering::Greater);
        assert_eq!(votes(1, 1, 1).rate_basis_points(), Some(6667));
        assert_eq!(votes(0, 0, 0).rate_basis_points(), None);
    }

    #[test]
    fn ties_share_a_rank_and_the_bottom_three_takes_ties_at_the_boundary() {
        let (a, b, c, d, e) = (
            votes(9, 0, 1),
            votes(7, 0, 3),
            votes(7, 0, 3),
            votes(7, 0, 3),
            votes(6, 0, 4),
        );
        let p = place(&[&a, &b, &c, &d, &e]);
        let ranks: Vec<u32> = p.iter().map(|x| x.rank).collect();
        assert_eq!(ranks, vec![1, 2, 2, 2, 5]);
        let bottom: Vec<bool> = p.iter().map(|x| x.bottom_three).collect();
        assert_eq!(bottom, vec![false, true, true, true, true]);
        // Three or fewer: nobody is singled out.
        let p = place(&[&a, &b, &e]);
        assert!(p.iter().all(|x| !x.bottom_three && x.group_size == 3));
    }
}

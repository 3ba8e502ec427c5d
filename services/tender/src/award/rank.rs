//! Ranking the valid opened bids by the tender's evaluation method (pure):
//!
//! - `price_only` ranks the valid bids by fee (then annual price, then who was first).
//! - `rated` takes the committee's points per criterion (0 to the criterion's weight) and
//!   adds a price score of `price_weight × lowest fee ÷ this fee` (低价优先法); ranks by total.
//! - `owners_vote` puts first the bid a passing owners' vote chose.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::terms::Criterion;

/// A valid opened bid, as evaluation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub bid_id: String,
    pub firm_id: String,
    pub firm_name: String,
    pub fee: i64,
    pub annual_price_fen: i64,
}

/// Points per criterion per bid: `{bid_id: {criterion: points}}`.
pub type Scores = BTreeMap<String, BTreeMap<String, u32>>;

/// One line of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Ranked {
    /// 1 for the best.
    pub rank: u32,
    pub bid_id: String,
    pub firm_id: String,
    pub firm_name: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    /// `rated`: price score, two decimals.
    pub price_score: Option<f64>,
    /// `rated`: sum of the criterion points.
    pub quality_score: Option<f64>,
    /// `rated`: price + quality.
    pub total_score: Option<f64>,
    /// `owners_vote`: this is the bid the owners chose.
    pub chosen_by_vote: bool,
    /// The annual price exceeds the tender's annual budget (超出预算); shown to the
    /// committee, never a reason by itself to skip the bid.
    #[serde(default)]
    pub above_budget: bool,
}

fn ranked(c: &Candidate) -> Ranked {
    Ranked {
        rank: 0,
        bid_id: c.bid_id.clone(),
        firm_id: c.firm_id.clone(),
        firm_name: c.firm_name.clone(),
        fee: c.fee,
        annual_price_fen: c.annual_price_fen,
        price_score: None,
        quality_score: None,
        total_score: None,
        chosen_by_vote: false,
        above_budget: false,
    }
}

fn numbered(mut list: Vec<Ranked>) -> Vec<Ranked> {
    for (i, r) in list.iter_mut().enumerate() {
        r.rank = i as u32 + 1;
    }
    list
}

/// `price_only`: lowest fee first, then lowest annual price; the candidates' order (by
/// time received) breaks remaining ties.
pub fn rank_price_only(candidates: &[Candidate]) -> Vec<Ranked> {
    let mut list: Vec<(usize, &Candidate)> = candidates.iter().enumerate().collect();
    list.sort_by_key(|(i, c)| (c.fee, c.annual_price_fen, *i));
    numbered(list.into_iter().map(|(_, c)| ranked(c)).collect())
}

/// `rated`: every candidate needs points for every criterion; returns the Chinese list of
/// what is missing otherwise.
pub fn rank_rated(
    candidates: &[Candidate],
    price_weight: u32,
    criteria: &[Criterion],
    scores: &Scores,
) -> Result<Vec<Ranked>, Vec<String>> {
    let mut missing = Vec::new();
    for c in candidates {
        for k in criteria {
            if !scores
                .get(&c.bid_id)
                .is_some_and(|s| s.contains_key(&k.name))
            {
                missing.push(format!("{}的“{}”尚未评分", c.firm_name, k.name));
            }
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let lowest = candidates.iter().map(|c| c.fee).min().unwrap_or(1).max(1);
    let cents = |x: f64| (x * 100.0).round() as i64;
    let mut list: Vec<(i64, usize, Ranked)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let price = f64::from(price_weight) * lowest as f64 / c.fee.max(1) as f64;
            let quality: u32 = criteria
                .iter()
                .map(|k| scores[&c.bid_id][&k.name].min(k.weight))
                .sum();
            let total = cents(price) + i64::from(quality) * 100;
            let mut r = ranked(c);
            r.price_score = Some(cents(price) as f64 / 100.0);
            r.quality_score = Some(f64::from(quality));
            r.total_score = Some(total as f64 / 100.0);
            (total, i, r)
        })
        .collect();
    list.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.2.fee.cmp(&b.2.fee))
            .then(a.1.cmp(&b.1))
    });
    Ok(numbered(list.into_iter().map(|(_, _, r)| r).collect()))
}

/// `owners_vote`: the chosen bid first, the rest by price.
pub fn rank_by_vote(candidates: &[Candidate], chosen: Option<&str>) -> Vec<Ranked> {
    let mut list = rank_price_only(candidates);
    if let Some(pos) = chosen.and_then(|c| list.iter().position(|r| r.bid_id == c)) {
        let mut first = list.remove(pos);
        first.chosen_by_vote = true;
        list.insert(0, first);
    }
    numbered(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, fee: i64, price: i64) -> Candidate {
        Candidate {
            bid_id: id.into(),
            firm_id: format!("f-{id}"),
            firm_name: format!("{id}物业"),
            fee,
            annual_price_fen: price,
        }
    }

    #[test]
    fn price_only_ranks_by_fee_then_price_then_arrival() {
        let r = rank_price_only(&[
            c("a", 150, 100),
            c("b", 140, 200),
            c("c", 150, 90),
            c("d", 140, 200),
        ]);
        let order: Vec<_> = r.iter().map(|x| (x.rank, x.bid_id.as_str())).collect();
        assert_eq!(order, vec![(1, "b"), (2, "d"), (3, "c"), (4, "a")]);
    }

    #[test]
    fn rated_adds_price_and_quality() {
        let criteria = vec![
            Criterion {
                name: "方案".into(),
                weight: 40,
            },
            Criterion {
                name: "人员".into(),
                weight: 20,
            },
        ];
        let mut scores = Scores::new();
        scores.insert(
            "a".into(),
            BTreeMap::from([("方案".into(), 38), ("人员".into(), 18)]),
        );
        scores.insert(
            "b".into(),
            BTreeMap::from([("方案".into(), 30), ("人员".into(), 15)]),
        );
        // a: 40 × 120/150 = 32 + 56 = 88; b: 40 + 45 = 85.
        let r = rank_rated(&[c("a", 150, 1), c("b", 120, 1)], 40, &criteria, &scores).unwrap();
        assert_eq!(r[0].bid_id, "a");
        assert_eq!(r[0].price_score, Some(32.0));
        assert_eq!(r[0].total_score, Some(88.0));
        assert_eq!(r[1].total_score, Some(85.0));
        scores.remove("b");
        let missing =
            rank_rated(&[c("a", 150, 1), c("b", 120, 1)], 40, &criteria, &scores).unwrap_err();
        assert_eq!(missing.len(), 2);
        assert!(missing[0].contains("b物业"));
    }

    #[test]
    fn a_vote_puts_its_bid_first() {
        let r = rank_by_vote(&[c("a", 150, 1), c("b", 120, 1)], Some("a"));
        assert_eq!(
            (r[0].bid_id.as_str(), r[0].rank, r[0].chosen_by_vote),
            ("a", 1, true)
        );
        assert_eq!((r[1].bid_id.as_str(), r[1].rank), ("b", 2));
    }
}

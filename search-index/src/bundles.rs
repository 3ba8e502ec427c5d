//! Bundles (片区化): groups of nearby small compounds of one street, none of them served, that
//! are too small to attract a firm alone but reach a viable size together — suggested as one
//! joint tender, as the city's plan asks for neighbouring compounds to be entrusted together.

use serde::{Deserialize, Serialize};

use crate::docs::CompoundDoc;
use crate::geo::haversine_km;
use crate::places::place_label;

/// A suggested group of compounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Member compounds, in the order they were grouped (the seed first).
    pub compound_ids: Vec<String>,
    /// Households of all members.
    pub total_households: u32,
    /// Largest distance between two members.
    pub max_pair_distance_km: f64,
    /// Why (Chinese).
    pub reason: String,
}

/// Groups the street's uncovered, eligible compounds smaller than `viable_households` greedily:
/// seeds are taken largest first (ties by id); each seed gathers its nearest remaining
/// neighbours whose distance to every member stays within `max_distance_km`, until the group
/// reaches `viable_households`. Groups that cannot reach it are not suggested, and their
/// compounds stay available to later seeds. Deterministic for a given input set.
pub fn suggest_bundles(
    compounds: &[CompoundDoc],
    street: &str,
    viable_households: u32,
    max_distance_km: f64,
) -> Vec<Bundle> {
    let mut pool: Vec<&CompoundDoc> = compounds
        .iter()
        .filter(|c| {
            c.street_code == street && !c.covered && c.eligible && c.households < viable_households
        })
        .collect();
    pool.sort_by(|a, b| {
        b.households
            .cmp(&a.households)
            .then_with(|| a.id.cmp(&b.id))
    });
    let dist = |a: &CompoundDoc, b: &CompoundDoc| haversine_km(a.lon, a.lat, b.lon, b.lat);
    let mut used = vec![false; pool.len()];
    let mut bundles = Vec::new();
    for seed in 0..pool.len() {
        if used[seed] {
            continue;
        }
        let mut members = vec![seed];
        let mut total = pool[seed].households;
        let mut near: Vec<(f64, usize)> = (0..pool.len())
            .filter(|&i| i != seed && !used[i])
            .map(|i| (dist(pool[seed], pool[i]), i))
            .filter(|(d, _)| *d <= max_distance_km)
            .collect();
        near.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| pool[a.1].id.cmp(&pool[b.1].id))
        });
        for (_, i) in near {
            if total >= viable_households {
                break;
            }
            if members
                .iter()
                .all(|&m| dist(pool[m], pool[i]) <= max_distance_km)
            {
                members.push(i);
                total += pool[i].households;
            }
        }
        if total < viable_households || members.len() < 2 {
            continue;
        }
        let mut max_pair = 0.0f64;
        for (a, &i) in members.iter().enumerate() {
            for &j in &members[a + 1..] {
                max_pair = max_pair.max(dist(pool[i], pool[j]));
            }
        }
        for &m in &members {
            used[m] = true;
        }
        let names: Vec<&str> = members.iter().map(|&m| pool[m].name.as_str()).collect();
        let reason = format!(
            "{}内 {} 个相邻且尚无物业服务的小区（{}）单独规模不足 {viable_households} 户，\
             合计 {total} 户达到可行规模；两两相距不超过 {max_pair:.1} 公里（上限 {max_distance_km:.1} 公里），\
             建议片区化联合招标",
            place_label(street),
            members.len(),
            names.join("、"),
        );
        bundles.push(Bundle {
            compound_ids: members.iter().map(|&m| pool[m].id.clone()).collect(),
            total_households: total,
            max_pair_distance_km: max_pair,
            reason,
        });
    }
    bundles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::compound;

    const STREET: &str = "510104022";

    /// A point `east_km` east and `north_km` north of a base point near 春熙路.
    fn at(id: &str, households: u32, east_km: f64, north_km: f64) -> CompoundDoc {
        let lat = 30.655 + north_km / 111.195;
        let lon = 104.08 + east_km / (111.195 * 30.655f64.to_radians().cos());
        let mut c = compound(id, lon, lat);
        c.households = households;
        c.street_code = STREET.into();
        c
    }

    #[test]
    fn groups_nearby_small_compounds_until_viable() {
        let compounds = vec![
            at("a", 120, 0.0, 0.0),
            at("b", 100, 0.3, 0.0),
            at("c", 90, 0.0, 0.4),
            at("d", 80, 5.0, 5.0),  // far from everyone
            at("e", 150, 5.3, 5.0), // near d
            at("f", 80, 5.0, 5.3),  // near d and e
            at("g", 400, 0.1, 0.1), // viable alone: not bundled
        ];
        let mut covered = at("h", 100, 0.1, 0.0);
        covered.covered = true;
        let mut unwilling = at("i", 100, 0.2, 0.0);
        unwilling.eligible = false;
        let mut other_street = at("j", 100, 0.05, 0.0);
        other_street.street_code = "510104017".into();
        let mut all = compounds;
        all.extend([covered, unwilling, other_street]);

        let bundles = suggest_bundles(&all, STREET, 300, 1.0);
        assert_eq!(bundles.len(), 2, "{bundles:#?}");
        // Seeds go largest first: e (150) gathers d then f.
        assert_eq!(bundles[0].compound_ids, vec!["e", "d", "f"]);
        assert_eq!(bundles[0].total_households, 310);
        assert_eq!(bundles[1].compound_ids, vec!["a", "b", "c"]);
        assert_eq!(bundles[1].total_households, 310);
        for b in &bundles {
            assert!(b.max_pair_distance_km <= 1.0);
            assert!(b.reason.contains("春熙路街道"), "{}", b.reason);
            assert!(b.reason.contains("片区化"));
        }
        assert!(bundles[1].reason.contains("合计 310 户"));
        // a–c is 0.5 km, b–c is 0.5 km: the widest pair.
        assert!((bundles[1].max_pair_distance_km - 0.5).abs() < 0.01);
    }

    #[test]
    fn no_bundle_when_the_street_cannot_reach_the_viable_size_within_the_distance() {
        let compounds = vec![at("a", 120, 0.0, 0.0), at("b", 100, 3.0, 0.0)];
        assert!(suggest_bundles(&compounds, STREET, 200, 1.0).is_empty());
        // Within 5 km they can.
        let bundles = suggest_bundles(&compounds, STREET, 200, 5.0);
        assert_eq!(bundles.len(), 1);
        assert_eq!(bundles[0].compound_ids, vec!["a", "b"]);
        assert_eq!(bundles[0].total_households, 220);
        // The pairwise limit holds for every pair, not only to the seed.
        let chain = vec![
            at("a", 100, 0.0, 0.0),
            at("b", 100, 0.9, 0.0),
            at("c", 100, -0.9, 0.0),
        ];
        let bundles = suggest_bundles(&chain, STREET, 300, 1.0);
        assert!(bundles.is_empty(), "{bundles:#?}");
    }
}

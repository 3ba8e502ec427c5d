//! Judged relevance sets (评测集): tenders around Chengdu's old compounds with firms labelled
//! 0–3 by a committee's rule, and firms with tenders labelled the same way; NDCG@10 of the
//! matcher's ranking and the exactness of its hard filters, in both directions.
//!
//! The sets are made by a small seeded generator from two hand-written files:
//! `data/judged/services.tsv` (each service as a tender words it and the ways firms say it) and
//! `data/judged/compounds.tsv` (23 compounds). A firm's profile is built from the services it
//! offers, each in a randomly chosen wording, with boilerplate, and sometimes padded by
//! repeating one service or by unrelated services; the generator knows what each firm offers,
//! whatever the words, and the label comes from that knowledge by the rule below — never from
//! the matcher's score or thesaurus.
//!
//! ## The committee's rule (tender → firms)
//!
//! Firms failing a hard filter (not recommended, model/fee/grade not offered, district neither
//! served nor within the service radius, fewer households free than the compound has) must not
//! be listed at all. For the others, with `s` = the share of the tender's needs the firm
//! offers (by meaning, in any wording):
//!
//! - start from 3 if it offers every need, 2 if at least half, 1 if any, 0 if none;
//! - one less if the firm is more than 3 km away, one more less beyond 8 km;
//! - one less for a poor standing (credit below 65 or residents' satisfaction below 65 %);
//! - one less if taking the compound would leave it fewer than a tenth of its households
//!   free;
//! - never below 0 (a firm offering nothing needed is 0 wherever it is).
//!
//! ## The rule for firm → tenders
//!
//! The same, from the firm's side: tenders it may not bid for (closed, model/fee/grade it does
//! not offer, out of reach, more households than it can take) must not be listed; for the
//! others `s` is the share of the tender's needs the firm offers, and the distance and tight
//! capacity steps are as above (standing is the firm's own, the same for every tender).

use std::collections::{BTreeSet, HashMap};

use crate::docs::{FirmDoc, TenderDoc};
use crate::geo::haversine_km;
#[cfg(test)]
use crate::matching::{FirmQuery, TenderQuery};
#[cfg(test)]
use crate::rank::Weights;
#[cfg(test)]
use crate::tests::ram;

/// The seed of the tender → firms sets the tests and `BENCHMARKS.md` report.
pub const TENDER_SEED: u64 = 18;
/// The seed of the firm → tenders sets.
pub const FIRM_SEED: u64 = 1818;

const SERVICES_FILE: &str = include_str!("../data/judged/services.tsv");
const COMPOUNDS_FILE: &str = include_str!("../data/judged/compounds.tsv");

/// A service of the judged sets.
struct Service {
    /// Read by the tests (the ids are distinct).
    #[cfg_attr(not(test), allow(dead_code))]
    id: &'static str,
    tender_words: &'static str,
    firm_words: Vec<&'static str>,
}

/// A compound of the judged sets.
struct Compound {
    name: &'static str,
    district: &'static str,
    street: &'static str,
    lon: f64,
    lat: f64,
    households: u32,
}

fn rows(file: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    file.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

fn services() -> Vec<Service> {
    rows(SERVICES_FILE)
        .map(|f| Service {
            id: f[0],
            tender_words: f[1],
            firm_words: f[2].split('|').collect(),
        })
        .collect()
}

fn compounds() -> Vec<Compound> {
    rows(COMPOUNDS_FILE)
        .map(|f| Compound {
            name: f[0],
            district: f[1],
            street: f[2],
            lon: f[3].parse().unwrap(),
            lat: f[4].parse().unwrap(),
            households: f[5].parse().unwrap(),
        })
        .collect()
}

/// SplitMix64: a seeded generator, so the sets are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// `n` distinct indices below `len`, none in `avoid`.
    fn pick(&mut self, n: usize, len: usize, avoid: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        while out.len() < n {
            let i = self.below(len);
            if !out.contains(&i) && !avoid.contains(&i) {
                out.push(i);
            }
        }
        out
    }
}

/// The point `km` away from (lon, lat) on a bearing of `deg` degrees.
fn offset(lon: f64, lat: f64, km: f64, deg: f64) -> (f64, f64) {
    let (s, c) = deg.to_radians().sin_cos();
    let lat2 = lat + km * c / 111.195;
    let lon2 = lon + km * s / (111.195 * lat.to_radians().cos());
    (lon2, lat2)
}

const OPENERS: &[&str] = &[
    "本公司深耕成都老旧小区物业服务多年，主要提供",
    "【演示数据】本企业专注院落物业服务，擅长",
    "公司成立于2009年，现有员工120人，业务包括",
    "我们是一家专业物业服务企业，可以提供",
];
const CLOSERS: &[&str] = &[
    "，设有24小时报修热线，坚持收支公开。",
    "，实行酬金制，每季度公开收支，欢迎业主监督。",
    "，项目经理持证上岗，建立业主满意度回访制度。",
    "。",
];
const NEEDS_OPENERS: &[&str] = &[
    "本院落无物业管理，需要",
    "原物业已撤场，业委会经业主共同决定，希望物业服务企业提供",
    "老旧小区改造完成后，需要",
    "【演示数据】小区建于1992年，共8栋，需要",
];

/// A profile offering `offered` (service indices), each in a random wording (or the tender's
/// own words when `exact`), with boilerplate; `padding` repeats one service many times.
fn profile(
    rng: &mut Rng,
    all: &[Service],
    offered: &[usize],
    exact: bool,
    padding: bool,
) -> String {
    let words: Vec<&str> = offered
        .iter()
        .map(|&i| {
            let s = &all[i];
            if exact {
                s.tender_words
            } else {
                s.firm_words[rng.below(s.firm_words.len())]
            }
        })
        .collect();
    let mut text = format!(
        "{}{}{}",
        OPENERS[rng.below(OPENERS.len())],
        words.join("、"),
        CLOSERS[rng.below(CLOSERS.len())]
    );
    if padding && let Some(first) = words.first() {
        for _ in 0..12 {
            text.push_str(first);
            text.push('，');
        }
    }
    text
}

fn needs_text(rng: &mut Rng, all: &[Service], needed: &[usize]) -> String {
    let words: Vec<&str> = needed.iter().map(|&i| all[i].tender_words).collect();
    format!(
        "{}{}，希望响应及时、收支透明。",
        NEEDS_OPENERS[rng.below(NEEDS_OPENERS.len())],
        words.join("、")
    )
}

/// The committee's label (see the module documentation) of a pair that passes the hard
/// filters.
fn label(needed: &[usize], offered: &[usize], km: f64, poor: bool, tight: bool) -> u8 {
    let covered = needed.iter().filter(|n| offered.contains(n)).count();
    if covered == 0 {
        return 0;
    }
    let mut l: i32 = if covered == needed.len() {
        3
    } else if covered * 2 >= needed.len() {
        2
    } else {
        1
    };
    l -= i32::from(km > 3.0) + i32::from(km > 8.0) + i32::from(poor) + i32::from(tight);
    l.max(0) as u8
}

fn base_firm(id: String, lon: f64, lat: f64, c: &Compound) -> FirmDoc {
    FirmDoc {
        id: id.clone(),
        name: format!("评测物业{id}"),
        profile: String::new(),
        district_code: c.district.into(),
        street_code: Some(c.street.into()),
        lon,
        lat,
        districts_served: vec![c.district.into()],
        service_radius_km: 5.0,
        service_models: vec!["professional".into()],
        fee_models: vec!["lump_sum".into(), "commission".into()],
        grades: vec![1, 2, 3],
        recommended: true,
        capacity_left: 5_000,
        credit_score: 85,
        satisfaction: Some(0.85),
        whitelisted: false,
        soe: false,
        low_profit: false,
        old_compound_experience: 5,
    }
}

fn base_tender(id: String, c: &Compound, needs: String, lon: f64, lat: f64) -> TenderDoc {
    TenderDoc {
        id: id.clone(),
        compound_id: format!("c-{id}"),
        compound_name: c.name.into(),
        needs,
        district_code: c.district.into(),
        street_code: c.street.into(),
        lon,
        lat,
        households: c.households,
        floor_area_m2: f64::from(c.households) * 70.0,
        service_model: "professional".into(),
        fee_model: "lump_sum".into(),
        grade: 2,
        budget_fen_per_m2_month: 150,
        open: true,
    }
}

/// Another street of a Chengdu district than `street`, and another district than `district`.
fn elsewhere(rng: &mut Rng, district: &str, street: &str) -> (String, String) {
    let streets: Vec<_> = crate::places::streets()
        .iter()
        .filter(|s| s.district_code == district && s.code != street)
        .collect();
    let other_street = streets[rng.below(streets.len())].code.to_string();
    let districts: Vec<_> = crate::places::districts()
        .iter()
        .take(5)
        .filter(|d| d.code != district)
        .collect();
    (
        other_street,
        districts[rng.below(districts.len())].code.to_string(),
    )
}

/// One judged query: the labels of the documents that pass the hard filters, and the ids that
/// must not be listed.
pub struct Judged {
    /// The committee's label (0–3) of each document that passes the hard filters, by id.
    pub labels: HashMap<String, u8>,
    /// The ids that fail a hard filter and must not be listed.
    pub excluded: BTreeSet<String>,
}

/// NDCG@k of a ranking (ids in rank order) against labels (gain 2^label − 1, log2 discount).
pub fn ndcg_at(k: usize, ranked: &[String], labels: &HashMap<String, u8>) -> f64 {
    let gain = |l: u8| f64::from((1u32 << l) - 1);
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| gain(labels.get(id).copied().unwrap_or(0)) / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<u8> = labels.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &l)| gain(l) / ((i + 2) as f64).log2())
        .sum();
    if idcg == 0.0 { 1.0 } else { dcg / idcg }
}

/// A distance in a band: near (same street), mid (same district), far (another district
/// serving this one).
#[derive(Clone, Copy)]
enum Band {
    Near,
    Mid,
    Far,
}

impl Band {
    fn random(rng: &mut Rng) -> Self {
        match rng.below(10) {
            0..=3 => Band::Near,
            4..=6 => Band::Mid,
            _ => Band::Far,
        }
    }
    fn km(self, rng: &mut Rng) -> f64 {
        match self {
            Band::Near => rng.between(0.2, 2.6),
            Band::Mid => rng.between(3.4, 7.5),
            Band::Far => rng.between(8.6, 14.0),
        }
    }
}

/// Tender → firms: the judged tenders (one per compound of `compounds.tsv`), their firms,
/// and the committee's labels; the same sets for the same seed.
pub fn tender_sets(seed: u64) -> Vec<(TenderDoc, Vec<FirmDoc>, Judged)> {
    let all = services();
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for (ci, c) in compounds().iter().enumerate() {
        let n_needs = 2 + rng.below(3);
        let needed = rng.pick(n_needs, all.len(), &[]);
        let tender = base_tender(
            format!("t{ci:02}"),
            c,
            needs_text(&mut rng, &all, &needed),
            c.lon,
            c.lat,
        );
        let mut firms = Vec::new();
        let mut judged = Judged {
            labels: HashMap::new(),
            excluded: BTreeSet::new(),
        };
        let n = 12 + rng.below(17);
        for fi in 0..n {
            let id = format!("t{ci:02}-f{fi:02}");
            // The first firms are the hard cases every tender has; the rest are random.
            let (band, offered, exact) = match fi {
                // The pair: a near firm in other words, a far one in the tender's.
                0 => (Band::Near, needed.clone(), false),
                1 => (Band::Far, needed.clone(), true),
                // A near weak firm: one need at most, plus unrelated services.
                2 => {
                    let mut o = rng.pick(2, all.len(), &needed);
                    if rng.chance(0.5) {
                        o.push(needed[0]);
                    }
                    (Band::Near, o, false)
                }
                _ => {
                    let k = rng.below(needed.len() + 1);
                    let mut o: Vec<usize> = needed.iter().copied().take(k).collect();
                    let extra = rng.below(3);
                    o.extend(rng.pick(extra, all.len(), &needed));
                    if o.is_empty() {
                        o.extend(rng.pick(1, all.len(), &needed));
                    }
                    (Band::random(&mut rng), o, rng.chance(0.4))
                }
            };
            let km = band.km(&mut rng);
            let (lon, lat) = offset(c.lon, c.lat, km, rng.between(0.0, 360.0));
            let mut f = base_firm(id.clone(), lon, lat, c);
            let padding = rng.chance(0.15);
            f.profile = profile(&mut rng, &all, &offered, exact, padding);
            let (other_street, other_district) = elsewhere(&mut rng, c.district, c.street);
            match band {
                Band::Near => {}
                Band::Mid => f.street_code = Some(other_street),
                Band::Far => {
                    f.district_code = other_district.clone();
                    f.street_code = None;
                    f.districts_served = vec![other_district, c.district.into()];
                }
            }
            // Standing: good, fair or poor (the pair: good).
            let standing = if fi <= 1 { 0 } else { rng.below(10) };
            let poor = match standing {
                0..=5 => false,
                6..=7 => {
                    f.credit_score = 70 + rng.below(10) as i64;
                    f.satisfaction = Some(0.7 + 0.01 * rng.below(10) as f64);
                    false
                }
                _ => {
                    f.credit_score = 55 + rng.below(10) as i64;
                    f.satisfaction = Some(0.5 + 0.01 * rng.below(14) as f64);
                    true
                }
            };
            if fi > 2 && rng.chance(0.2) {
                f.satisfaction = None;
            }
            f.old_compound_experience = rng.below(15) as u32;
            // Capacity: the edge firm has exactly the compound's households free.
            let tight = fi == 3 || (fi > 3 && rng.chance(0.1));
            if tight {
                f.capacity_left = c.households + rng.below((c.households / 10) as usize) as u32;
            }
            // Hard-filter failures (a few per tender).
            let excluded = match fi {
                4 => {
                    f.capacity_left = c.households - 1;
                    true
                }
                5 => {
                    f.recommended = false;
                    true
                }
                6 => {
                    f.grades = vec![3, 4];
                    true
                }
                7 => {
                    // Out of reach: another district, not serving this one, radius too short.
                    f.districts_served = vec![f.district_code.clone()];
                    if f.district_code == c.district {
                        f.district_code = elsewhere(&mut rng, c.district, c.street).1;
                        f.street_code = None;
                        f.districts_served = vec![f.district_code.clone()];
                    }
                    let (lon, lat) = offset(c.lon, c.lat, rng.between(9.0, 14.0), 90.0);
                    (f.lon, f.lat) = (lon, lat);
                    f.service_radius_km = 4.0;
                    true
                }
                8 => {
                    f.fee_models = vec!["trust".into()];
                    true
                }
                _ => false,
            };
            if excluded {
                judged.excluded.insert(id);
            } else {
                let km = haversine_km(c.lon, c.lat, f.lon, f.lat);
                judged
                    .labels
                    .insert(id, label(&needed, &offered, km, poor, tight));
            }
            firms.push(f);
        }
        out.push((tender, firms, judged));
    }
    out
}

/// Firm → tenders: judged firms, the tenders around each, and the labels.
pub fn firm_sets(seed: u64) -> Vec<(FirmDoc, Vec<TenderDoc>, Judged)> {
    let all = services();
    let comps = compounds();
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for (fi, c) in comps.iter().enumerate().take(21) {
        let n_offered = 3 + rng.below(3);
        let offered = rng.pick(n_offered, all.len(), &[]);
        let mut firm = base_firm(format!("f{fi:02}"), c.lon, c.lat, c);
        let (exact, padding) = (rng.chance(0.3), rng.chance(0.2));
        firm.profile = profile(&mut rng, &all, &offered, exact, padding);
        firm.capacity_left = 400;
        firm.service_radius_km = 6.0;
        let mut tenders = Vec::new();
        let mut judged = Judged {
            labels: HashMap::new(),
            excluded: BTreeSet::new(),
        };
        let n = 12 + rng.below(17);
        for ti in 0..n {
            let id = format!("f{fi:02}-t{ti:02}");
            let k = 2 + rng.below(3);
            // Some of the firm's services (all, some or none), the rest from elsewhere.
            let mine = match ti {
                0 => k.min(offered.len()),
                1 => 0,
                _ => rng.below(k + 1).min(offered.len()),
            };
            let mut needed: Vec<usize> = rng
                .pick(mine, offered.len(), &[])
                .into_iter()
                .map(|i| offered[i])
                .collect();
            let others = rng.pick(k - mine, all.len(), &offered);
            needed.extend(others);
            let band = match ti {
                0 | 1 => Band::Near,
                _ => Band::random(&mut rng),
            };
            let km = band.km(&mut rng);
            let (lon, lat) = offset(c.lon, c.lat, km, rng.between(0.0, 360.0));
            let mut t = base_tender(id.clone(), c, needs_text(&mut rng, &all, &needed), lon, lat);
            t.households = 60 + rng.below(300) as u32;
            let (other_street, _) = elsewhere(&mut rng, c.district, c.street);
            match band {
                Band::Near => {}
                Band::Mid => t.street_code = other_street,
                Band::Far => {
                    // Still in the firm's district (served), but beyond its radius.
                    t.street_code = other_street;
                }
            }
            let tight = ti == 2 || (ti > 2 && rng.chance(0.1));
            if tight {
                t.households = firm.capacity_left - rng.below(30) as u32;
            }
            let excluded = match ti {
                3 => {
                    t.households = firm.capacity_left + 1;
                    true
                }
                4 => {
                    t.open = false;
                    true
                }
                5 => {
                    t.grade = 5;
                    true
                }
                6 => {
                    // Another district the firm does not serve, beyond its radius.
                    let (_, d) = elsewhere(&mut rng, c.district, c.street);
                    let street = crate::places::streets()
                        .iter()
                        .find(|s| s.district_code == d)
                        .unwrap();
                    t.district_code = d;
                    t.street_code = street.code.into();
                    let (lon, lat) = offset(c.lon, c.lat, rng.between(7.0, 12.0), 270.0);
                    (t.lon, t.lat) = (lon, lat);
                    true
                }
                7 => {
                    t.service_model = "trust".into();
                    t.fee_model = "trust".into();
                    true
                }
                _ => false,
            };
            if excluded {
                judged.excluded.insert(id);
            } else {
                let km = haversine_km(c.lon, c.lat, t.lon, t.lat);
                let tight = t.households * 10 > firm.capacity_left * 9;
                judged
                    .labels
                    .insert(id, label(&needed, &offered, km, false, tight));
            }
            tenders.push(t);
        }
        out.push((firm, tenders, judged));
    }
    out
}

/// Mean and minimum NDCG@10 of a direction, with the hard filters checked exactly.
#[cfg(test)]
struct Outcome {
    queries: usize,
    judged: usize,
    mean: f64,
    min: f64,
}

#[cfg(test)]
fn tender_to_firms(w: &Weights) -> Outcome {
    let sets = tender_sets(TENDER_SEED);
    let index = ram();
    for (t, firms, _) in &sets {
        index.upsert_tender(t).unwrap();
        firms.iter().for_each(|f| index.upsert_firm(f).unwrap());
    }
    index.commit(None).unwrap();
    let mut scores = Vec::new();
    let mut judged = 0;
    for (t, firms, j) in &sets {
        let hits = index
            .match_firms(&TenderQuery::from(t), 1_000, 0, w)
            .unwrap();
        // Firms of other tenders' sets may qualify too (nearby compounds): judge this set only.
        let own: BTreeSet<&str> = firms.iter().map(|f| f.id.as_str()).collect();
        let ranked: Vec<String> = hits
            .items
            .iter()
            .map(|m| m.firm_id.clone())
            .filter(|id| own.contains(id.as_str()))
            .collect();
        let listed: BTreeSet<&str> = ranked.iter().map(String::as_str).collect();
        let eligible: BTreeSet<&str> = j.labels.keys().map(String::as_str).collect();
        assert_eq!(listed, eligible, "hard filters of tender {}", t.id);
        assert!(j.excluded.iter().all(|id| !listed.contains(id.as_str())));
        judged += j.labels.len() + j.excluded.len();
        scores.push(ndcg_at(10, &ranked, &j.labels));
    }
    outcome(&scores, judged)
}

#[cfg(test)]
fn firm_to_tenders(w: &Weights) -> Outcome {
    let sets = firm_sets(FIRM_SEED);
    let index = ram();
    for (_, tenders, _) in &sets {
        tenders.iter().for_each(|t| index.upsert_tender(t).unwrap());
    }
    index.commit(None).unwrap();
    let mut scores = Vec::new();
    let mut judged = 0;
    for (f, tenders, j) in &sets {
        let hits = index
            .match_tenders(&FirmQuery::from(f), 1_000, 0, w)
            .unwrap();
        let own: BTreeSet<&str> = tenders.iter().map(|t| t.id.as_str()).collect();
        let ranked: Vec<String> = hits
            .items
            .iter()
            .map(|m| m.tender_id.clone())
            .filter(|id| own.contains(id.as_str()))
            .collect();
        let listed: BTreeSet<&str> = ranked.iter().map(String::as_str).collect();
        let eligible: BTreeSet<&str> = j.labels.keys().map(String::as_str).collect();
        assert_eq!(listed, eligible, "hard filters of firm {}", f.id);
        judged += j.labels.len() + j.excluded.len();
        scores.push(ndcg_at(10, &ranked, &j.labels));
    }
    outcome(&scores, judged)
}

#[cfg(test)]
fn outcome(scores: &[f64], judged: usize) -> Outcome {
    Outcome {
        queries: scores.len(),
        judged,
        mean: scores.iter().sum::<f64>() / scores.len() as f64,
        min: scores.iter().copied().fold(f64::INFINITY, f64::min),
    }
}

#[test]
fn ndcg_is_one_for_the_ideal_order_and_lower_otherwise() {
    let labels: HashMap<String, u8> = [("a", 3), ("b", 2), ("c", 0), ("d", 1)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!((ndcg_at(10, &ids(&["a", "b", "d", "c"]), &labels) - 1.0).abs() < 1e-12);
    let swapped = ndcg_at(10, &ids(&["b", "a", "d", "c"]), &labels);
    // DCG = 3 + 7/log2(3) + 1/2 against 7 + 3/log2(3) + 1/2.
    let expected = (3.0 + 7.0 / 3f64.log2() + 0.5) / (7.0 + 3.0 / 3f64.log2() + 0.5);
    assert!((swapped - expected).abs() < 1e-12);
    assert!(ndcg_at(10, &ids(&["c", "d", "b", "a"]), &labels) < swapped);
}

#[test]
fn the_committee_rule_labels_as_written() {
    // Every need, near, good standing, room to spare: 3.
    assert_eq!(label(&[1, 2, 3], &[1, 2, 3, 7], 1.0, false, false), 3);
    // The same firm 10 km away: two steps down.
    assert_eq!(label(&[1, 2, 3], &[1, 2, 3], 10.0, false, false), 1);
    // Half the needs, near: 2; poor standing: 1; and tight capacity: 0.
    assert_eq!(label(&[1, 2], &[2], 1.0, false, false), 2);
    assert_eq!(label(&[1, 2], &[2], 1.0, true, false), 1);
    assert_eq!(label(&[1, 2], &[2], 1.0, true, true), 0);
    // Nothing needed: 0 however near.
    assert_eq!(label(&[1, 2], &[3, 4], 0.1, false, false), 0);
}

#[test]
fn judged_sets_are_large_enough_and_varied() {
    let all = services();
    let ids: BTreeSet<&str> = all.iter().map(|s| s.id).collect();
    assert_eq!(ids.len(), all.len(), "service ids are distinct");
    assert!(all.iter().all(|s| s.firm_words[0] == s.tender_words));
    let sets = tender_sets(TENDER_SEED);
    assert!(sets.len() >= 20);
    for (t, firms, j) in &sets {
        assert!((10..=30).contains(&firms.len()), "{}", t.id);
        assert_eq!(j.labels.len() + j.excluded.len(), firms.len());
        assert!(
            j.labels.values().any(|&l| l == 3),
            "{} has a best firm",
            t.id
        );
        assert!(
            j.labels.values().any(|&l| l <= 1),
            "{} has weak firms",
            t.id
        );
    }
    let sets = firm_sets(FIRM_SEED);
    assert!(sets.len() >= 20);
    for (f, tenders, j) in &sets {
        assert!((10..=30).contains(&tenders.len()), "{}", f.id);
        assert!(
            j.labels.values().any(|&l| l >= 2),
            "{} has a good tender",
            f.id
        );
    }
}

#[test]
fn judged_tender_to_firms_reaches_ndcg_0_9_with_exact_hard_filters() {
    let o = tender_to_firms(&Weights::default());
    println!(
        "judged tender → firms: {} tenders, {} judged pairs, NDCG@10 mean {:.3}, min {:.3}",
        o.queries, o.judged, o.mean, o.min
    );
    assert!(o.mean >= 0.9, "mean NDCG@10 {:.3}", o.mean);
}

#[test]
fn judged_firm_to_tenders_reaches_ndcg_0_9_with_exact_hard_filters() {
    let o = firm_to_tenders(&Weights::default());
    println!(
        "judged firm → tenders: {} firms, {} judged pairs, NDCG@10 mean {:.3}, min {:.3}",
        o.queries, o.judged, o.mean, o.min
    );
    assert!(o.mean >= 0.9, "mean NDCG@10 {:.3}", o.mean);
}

//! Shared by the benchmarks: the seeded data sets, a fixed sample of queries, and building
//! an in-memory index once per size.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use search_index::synthetic::{Dataset, Scale, generate};
use search_index::{FirmDoc, IndexHandle, IndexLocation, TenderDoc};

/// The seed of every benchmark data set.
pub const SEED: u64 = 20_260_501;

/// The two sizes of the issue, with their labels.
pub fn scales() -> Vec<(&'static str, Scale)> {
    let wanted = std::env::var("WUYE_BENCH_SCALES").unwrap_or_else(|_| "chengdu,national".into());
    let mut out = Vec::new();
    for name in wanted.split(',').map(str::trim) {
        match name {
            "chengdu" => out.push(("chengdu", Scale::CHENGDU)),
            "national" => out.push(("national", Scale::NATIONAL)),
            "" => {}
            other => panic!("WUYE_BENCH_SCALES: unknown size {other} (chengdu, national)"),
        }
    }
    out
}

/// A fixed, spread-out sample of `n` items: indices `i * stride mod len` with a stride
/// coprime to `len`, so the same items are picked in every run.
pub fn sample<T>(items: &[T], n: usize) -> Vec<&T> {
    let len = items.len();
    let mut stride = 7_919 % len.max(1);
    while stride == 0 || gcd(stride, len) != 1 {
        stride += 1;
    }
    (0..n.min(len))
        .map(|i| &items[(i * stride) % len])
        .collect()
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The sampled tenders of a data set (200).
pub fn tender_sample(data: &Dataset) -> Vec<&TenderDoc> {
    sample(&data.tenders, 200)
}

/// The sampled recommended firms of a data set (200): a firm off the roster gets no tenders.
pub fn firm_sample(data: &Dataset) -> Vec<&FirmDoc> {
    let recommended: Vec<&FirmDoc> = data.firms.iter().filter(|f| f.recommended).collect();
    sample(&recommended, 200).into_iter().copied().collect()
}

/// Free-text queries for the search benchmark, each with the district filter it runs with.
pub fn search_sample() -> Vec<(&'static str, String)> {
    let texts = [
        "电梯维保",
        "垃圾分类",
        "消防设施维护",
        "二次供水水箱清洗",
        "适老化改造",
        "信托制物业",
        "楼道保洁 绿化养护",
        "24小时报修",
        "化粪池清掏",
        "红色物业",
    ];
    let districts = search_index::places::districts();
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, districts[(i * 3) % 12].code.to_string()))
        .collect()
}

/// Generates the data set of `scale`.
pub fn dataset(scale: Scale) -> Dataset {
    generate(scale, SEED)
}

/// Builds an in-memory index of the whole data set; returns it and the build time
/// (enqueue of every document plus the commit that makes them searchable).
pub fn build_index(data: &Dataset) -> (IndexHandle, Duration) {
    build_index_at(data, IndexLocation::Ram)
}

/// [`build_index`] at a given location (a directory for the on-disk figure).
pub fn build_index_at(data: &Dataset, location: IndexLocation) -> (IndexHandle, Duration) {
    let index = IndexHandle::open(location).expect("open index");
    let started = Instant::now();
    for f in &data.firms {
        index.upsert_firm(f).expect("firm");
    }
    for c in &data.compounds {
        index.upsert_compound(c).expect("compound");
    }
    for t in &data.tenders {
        index.upsert_tender(t).expect("tender");
    }
    index.commit(Some("bench")).expect("commit");
    (index, started.elapsed())
}

/// Percentile (nearest rank) of sorted durations, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

/// A line of /proc/self/status (e.g. `VmHWM`), in MiB.
pub fn proc_status_mib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

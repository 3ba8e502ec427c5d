//! Match-a-tender at the limit (issue 16), per size, on the 200 sampled tenders of the other
//! benchmarks:
//!
//! 1. **Answer identity.** The fast by-id path ([`Snapshot::match_tender`]: inputs kept with
//!    the snapshot) is asserted equal to the straightforward reference path (stored document →
//!    [`TenderQuery`] → [`Snapshot::match_firms`]) for every sampled tender, and the top-20
//!    firm ids and scores are asserted equal to the golden file `benches/golden/match-<size>.txt`,
//!    written by the code before issue 16. A change that means to change scores regenerates it:
//!    `WUYE_BENCH_WRITE_GOLDEN=1 cargo bench -p wuye-search-index --bench tail` (and says so).
//! 2. **Latency.** Each tender's top 20, 5 rounds over the sample (1,000 timings per path),
//!    the fast and the reference path alternating query by query: the thread's CPU time
//!    (`CLOCK_THREAD_CPUTIME_ID`, ns; preemption excluded) and wall time, p50 and p99,
//!    and the CPU time of the densest tender (most firms passing its filters; best of 5).
//!
//! `WUYE_BENCH_SCALES=national cargo bench -p wuye-search-index --bench tail`
//! (`WUYE_BENCH_ROUNDS=n`: n rounds instead of 5, e.g. under `perf record`;
//! `WUYE_BENCH_DENSEST_REPEAT=n`: then the densest tender alone n times, its CPU p50 reported)
mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use search_index::{FirmMatch, Hits, Snapshot, TenderQuery, Weights};

/// The answer the reference path gives: the stored document made a query, matched.
fn reference(snap: &Snapshot, id: &str, w: &Weights) -> Hits<FirmMatch> {
    let tender = snap.tender(id).expect("read").expect("indexed");
    snap.match_firms(&TenderQuery::from(&tender), 20, 0, w)
        .expect("match")
}

/// The answer the serving path gives. (To write the golden file with an older commit that
/// has no by-id match, make this call `reference`.)
fn fast(snap: &Snapshot, id: &str, w: &Weights) -> Hits<FirmMatch> {
    snap.match_tender(id, 20, 0, w)
        .expect("match")
        .expect("indexed")
        .1
}

/// The running thread's CPU time so far: `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, which
/// brings the scheduler's accounting up to date (ns). `/proc/thread-self/schedstat`, read by
/// the first version of this bench, is only updated at scheduler ticks and context switches
/// for a running thread, so a sub-millisecond query read 0 or a whole tick (4 ms here).
struct ThreadCpu;

impl ThreadCpu {
    fn new() -> Self {
        Self
    }

    fn now(&self) -> Duration {
        let ts = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }
}

fn golden_line(id: &str, hits: &Hits<FirmMatch>) -> String {
    let mut line = format!("{id} {}", hits.total);
    for m in &hits.items {
        write!(line, " {}:{:?}", m.firm_id, m.score).expect("write");
    }
    line
}

fn main() {
    let write = std::env::var("WUYE_BENCH_WRITE_GOLDEN").is_ok_and(|v| v == "1");
    let w = Weights::default();
    let clock = ThreadCpu::new();
    // More rounds for profiling (`perf record` on the bench binary); the figures use 5.
    let rounds: usize = std::env::var("WUYE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    println!(
        "| size | path | timed queries | CPU p50 (ms) | CPU p99 (ms) | wall p50 (ms) | wall p99 (ms) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut notes = Vec::new();
    for (label, scale) in common::scales() {
        let data = common::dataset(scale);
        let (index, _) = common::build_index(&data);
        let snap = index.snapshot();
        let sample = common::tender_sample(&data);

        let mut golden = String::new();
        let mut densest = (0, "");
        for t in &sample {
            let expected = reference(&snap, &t.id, &w);
            let got = fast(&snap, &t.id, &w);
            assert_eq!(
                got, expected,
                "{label}: fast ≠ reference for tender {}",
                t.id
            );
            golden.push_str(&golden_line(&t.id, &expected));
            golden.push('\n');
            if expected.total > densest.0 {
                densest = (expected.total, t.id.as_str());
            }
        }
        let path = format!(
            "{}/benches/golden/match-{label}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        if write {
            std::fs::write(&path, &golden).expect("write golden");
            notes.push(format!("{label}: golden file written to {path}"));
        } else {
            let want = std::fs::read_to_string(&path).expect("golden file (see the header)");
            for (i, (a, b)) in golden.lines().zip(want.lines()).enumerate() {
                assert_eq!(
                    a, b,
                    "{label}: sampled tender {i} differs from the golden file"
                );
            }
            assert_eq!(golden.lines().count(), want.lines().count());
            notes.push(format!(
                "{label}: top-20 ids and scores of {} sampled tenders identical to {path}, fast path = reference path",
                sample.len()
            ));
        }

        let mut times: [(Vec<Duration>, Vec<Duration>); 2] = Default::default();
        let mut densest_cpu = Duration::MAX;
        for _ in 0..rounds {
            for t in &sample {
                for (p, run) in [fast, reference].iter().enumerate() {
                    let (c0, w0) = (clock.now(), Instant::now());
                    let hits = run(&snap, &t.id, &w);
                    let (cpu, wall) = (clock.now() - c0, w0.elapsed());
                    std::hint::black_box(hits);
                    times[p].0.push(cpu);
                    times[p].1.push(wall);
                    if p == 0 && t.id == densest.1 {
                        densest_cpu = densest_cpu.min(cpu);
                    }
                }
            }
        }
        for (p, name) in ["by id (serving path)", "reference (stored doc)"]
            .iter()
            .enumerate()
        {
            let (cpu, wall) = &mut times[p];
            cpu.sort();
            wall.sort();
            println!(
                "| {label} | {name} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
                cpu.len(),
                common::percentile_ms(cpu, 50.0),
                common::percentile_ms(cpu, 99.0),
                common::percentile_ms(wall, 50.0),
                common::percentile_ms(wall, 99.0),
            );
        }
        // `WUYE_BENCH_DENSEST_REPEAT=n`: the densest tender n more times (to profile it alone).
        if let Some(n) = std::env::var("WUYE_BENCH_DENSEST_REPEAT")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            let mut cpu = Vec::with_capacity(n);
            for _ in 0..n {
                let c0 = clock.now();
                std::hint::black_box(fast(&snap, densest.1, &w));
                cpu.push(clock.now() - c0);
            }
            cpu.sort();
            if !cpu.is_empty() {
                notes.push(format!(
                    "{label}: densest sampled tender {} repeated alone {n} times (warm): CPU p50 {:.3} ms, min {:.3} ms",
                    densest.1,
                    common::percentile_ms(&cpu, 50.0),
                    cpu[0].as_secs_f64() * 1e3
                ));
            }
        }
        notes.push(format!(
            "{label}: densest sampled tender {} ({} firms pass its filters): {:.3} ms CPU (best of {rounds}, by id)",
            densest.1,
            densest.0,
            densest_cpu.as_secs_f64() * 1e3
        ));
    }
    for n in notes {
        println!("{n}");
    }
}

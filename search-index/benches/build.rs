//! Full index build at both sizes into an on-disk index (a temporary directory, as the
//! matching service keeps it): every firm, compound and open tender enqueued, then one commit
//! that makes them durable and searchable; reported in docs/s. A single timed run per size:
//! a build takes seconds, not microseconds.
//!
//! Memory: a fresh child process opens the national index from that directory, takes a
//! snapshot and answers 200 match-a-tender queries; its peak RSS (VmHWM) is the memory of a
//! process holding the national index, free of the data generator's and the writer's heap.
//!
//! `cargo bench -p wuye-search-index --bench build`

mod common;

use std::time::Instant;

use search_index::{IndexHandle, IndexLocation, TenderQuery, Weights};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list` / `cargo test --benches`
    }
    if let Some(pos) = args.iter().position(|a| a == "--hold") {
        hold(&args[pos + 1], &args[pos + 2], &args[pos + 3]);
        return;
    }
    let mut last = None;
    println!(
        "| size | documents | build to searchable (s) | docs/s | incl. background merges (s) | on disk (MiB) |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for (label, scale) in common::scales() {
        let data = common::dataset(scale);
        let docs = data.firms.len() + data.compounds.len() + data.tenders.len();
        let dir = tempfile::tempdir().expect("tempdir");
        let queries: Vec<TenderQuery> = common::tender_sample(&data)
            .into_iter()
            .map(TenderQuery::from)
            .collect();
        let sample = tempfile::NamedTempFile::new().expect("tempfile");
        std::fs::write(sample.path(), serde_json::to_vec(&queries).expect("json")).expect("write");
        let (index, took) = common::build_index_at(&data, IndexLocation::Dir(dir.path().into()));
        let merging = Instant::now();
        drop(index); // waits for the merges in flight
        let with_merges = took + merging.elapsed();
        drop(data);
        let secs = took.as_secs_f64();
        println!(
            "| {label} | {docs} | {secs:.1} | {:.0} | {:.1} | {:.0} |",
            docs as f64 / secs,
            with_merges.as_secs_f64(),
            dir_size(dir.path()) as f64 / 1048576.0
        );
        last = Some((label, dir, sample));
    }
    println!();
    println!(
        "builder process: peak RSS (VmHWM, data generation + build) {:.0} MiB",
        common::proc_status_mib("VmHWM").unwrap_or(f64::NAN)
    );
    if let Some((label, dir, sample)) = last {
        let status = std::process::Command::new(std::env::current_exe().expect("exe"))
            .args([
                "--hold",
                label,
                &dir.path().to_string_lossy(),
                &sample.path().to_string_lossy(),
            ])
            .status()
            .expect("child");
        assert!(status.success(), "holder process failed");
    }
}

/// The child: open the index, search, report memory.
fn hold(label: &str, dir: &str, sample: &str) {
    let queries: Vec<TenderQuery> =
        serde_json::from_slice(&std::fs::read(sample).expect("sample")).expect("sample json");
    let started = Instant::now();
    let index = IndexHandle::open(IndexLocation::Dir(dir.into())).expect("open");
    let opened = started.elapsed();
    let weights = Weights::default();
    let snap = index.snapshot();
    for q in &queries {
        std::hint::black_box(snap.match_firms(q, 20, 0, &weights).expect("match"));
    }
    println!(
        "process holding the {label} index (opened in {:.2} s, 200 queries answered): VmRSS {:.0} MiB, peak VmHWM {:.0} MiB",
        opened.as_secs_f64(),
        common::proc_status_mib("VmRSS").unwrap_or(f64::NAN),
        common::proc_status_mib("VmHWM").unwrap_or(f64::NAN),
    );
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

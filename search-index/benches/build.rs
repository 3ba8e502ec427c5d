//! Full index build at both sizes (every firm, compound and open tender enqueued, then one
//! commit that makes them searchable), reported in docs/s, then the memory of the process
//! holding the national index (VmHWM = peak RSS, which includes the generated data set;
//! VmRSS after the data set is dropped). Run once per invocation: a build takes seconds, not
//! microseconds, so a single timed run per size is the honest figure.
//!
//! `cargo bench -p wuye-search-index --bench build`

mod common;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` / `cargo test --benches`
    }
    let mut held = Vec::new();
    println!("| size | documents | build (s) | docs/s |");
    println!("| --- | --- | --- | --- |");
    for (label, scale) in common::scales() {
        let data = common::dataset(scale);
        let docs = data.firms.len() + data.compounds.len() + data.tenders.len();
        let (index, took) = common::build_index(&data);
        drop(data);
        let secs = took.as_secs_f64();
        println!(
            "| {label} | {docs} | {secs:.1} | {:.0} |",
            docs as f64 / secs
        );
        held.push((label, index));
    }
    // Keep only the largest index, so the RSS below is that of a process holding it.
    let last = held.pop();
    drop(held);
    if let Some((label, index)) = last {
        let snap = index.snapshot();
        std::hint::black_box(&snap);
        println!();
        println!(
            "memory holding the {label} index: peak RSS (VmHWM, incl. generation and build) {:.0} MiB; RSS now (VmRSS, index + snapshot only) {:.0} MiB",
            common::proc_status_mib("VmHWM").unwrap_or(f64::NAN),
            common::proc_status_mib("VmRSS").unwrap_or(f64::NAN),
        );
    }
}

//! In-process benchmarks of the search index at the Chengdu and national sizes of the seeded
//! synthetic data: match-a-tender (tender -> top 20 firms), match-a-firm (firm -> top 20 open
//! tenders) and free-text search with a district filter. Each size's index is built once; each
//! iteration runs the next query of a fixed sample (200 tenders, 200 recommended firms, 10
//! texts x kinds), so the figure is the mean over the sample.
//!
//! `cargo bench -p wuye-search-index --bench matching` (WUYE_BENCH_SCALES=chengdu to skip the
//! national size).

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use search_index::{DocKind, FirmQuery, SearchFilters, TenderQuery, Weights};

fn benches(c: &mut Criterion) {
    let weights = Weights::default();
    for (label, scale) in common::scales() {
        let data = common::dataset(scale);
        let (index, took) = common::build_index(&data);
        eprintln!(
            "{label}: {} firms, {} compounds, {} tenders indexed in {:.1} s",
            data.firms.len(),
            data.compounds.len(),
            data.tenders.len(),
            took.as_secs_f64()
        );
        let snap = index.snapshot();
        let tenders: Vec<TenderQuery> = common::tender_sample(&data)
            .into_iter()
            .map(TenderQuery::from)
            .collect();
        let firms: Vec<FirmQuery> = common::firm_sample(&data)
            .into_iter()
            .map(FirmQuery::from)
            .collect();
        let texts = common::search_sample();
        drop(data);

        let mut group = c.benchmark_group(format!("match_tender/{label}"));
        group
            .sample_size(50)
            .measurement_time(Duration::from_secs(8));
        group.bench_function("top20", |b| {
            let mut i = 0;
            b.iter(|| {
                let q = &tenders[i % tenders.len()];
                i += 1;
                black_box(snap.match_firms(q, 20, 0, &weights).expect("match_firms"))
            });
        });
        group.finish();

        let mut group = c.benchmark_group(format!("match_firm/{label}"));
        group
            .sample_size(50)
            .measurement_time(Duration::from_secs(8));
        group.bench_function("top20", |b| {
            let mut i = 0;
            b.iter(|| {
                let q = &firms[i % firms.len()];
                i += 1;
                black_box(
                    snap.match_tenders(q, 20, 0, &weights)
                        .expect("match_tenders"),
                )
            });
        });
        group.finish();

        let mut group = c.benchmark_group(format!("search_district/{label}"));
        group
            .sample_size(50)
            .measurement_time(Duration::from_secs(5));
        for kind in [DocKind::Firm, DocKind::Compound, DocKind::Tender] {
            group.bench_function(kind.as_str(), |b| {
                let mut i = 0;
                b.iter(|| {
                    let (text, district) = &texts[i % texts.len()];
                    i += 1;
                    let filters = SearchFilters {
                        district: Some(district.clone()),
                        ..SearchFilters::default()
                    };
                    black_box(snap.search(text, &filters, kind, 20, 0).expect("search"))
                });
            });
        }
        group.finish();
    }
}

criterion_group!(matching, benches);
criterion_main!(matching);

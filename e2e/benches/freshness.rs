//! Change-to-searchable latency (issue 5 target: p99 ≤ 1 s), measured end to end through the
//! real services on random ports: a write answered by the catalog or tender API, then
//! matching's long-poll consumer, the index commit, and a match answer that shows it.
//!
//! `cargo bench -p wuye-e2e --bench freshness` (SQLite; set `WUYE_TEST_POSTGRES_URL` to run
//! on PostgreSQL as well; `WUYE_FRESHNESS_SAMPLES` changes the 100 samples per kind).
//!
//! Kinds of change, each timed from the API's answer to the first match answer showing it
//! (polled every 2 ms):
//! - `firm profile`: a firm's profile gets a new word → `GET /match/search?q=<word>` finds it;
//! - `firm suspended`: the association suspends a recommended firm → it leaves the tender's
//!   matched firms (and is restored, untimed, for the next sample);
//! - `tender published`: a committee publishes a tender → it is among a firm's matched tenders.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{compound_body, firm_body};
use wuye_e2e::{Backend, TestApp, spawn_app};

const STREET: &str = "510104017"; // 锦官驿街道

fn merged(mut base: Value, overrides: Value) -> Value {
    if let (Some(b), Some(o)) = (base.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

fn rfc3339_in(ms: i64) -> String {
    let at = shared::db::now_ms() + ms;
    tender::clock::to_rfc3339(at)
}

async fn ok(app: &TestApp, method: Method, url: String, token: Option<&str>, body: Value) -> Value {
    let a = app.send(method, &url, token, Some(&body)).await;
    assert!(a.status.is_success(), "{url}: {} {}", a.status, a.body);
    a.json()
}

/// Polls `path` on matching until `done`; the time from `since`.
async fn visible(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    since: Instant,
    done: impl Fn(&Value) -> bool,
) -> Duration {
    let url = format!("{}/match{path}", app.matching_url);
    loop {
        let a = app.get(&url, token).await;
        if a.status == 200 && done(&a.json()) {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "{path} never showed the change"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn ids(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i[field].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn report(backend: &str, kind: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let q = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    println!(
        "| {backend} | {kind} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
        samples.len(),
        q(0.5),
        q(0.9),
        q(0.99),
        samples
            .last()
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    );
}

async fn run(backend: Backend, samples: usize) {
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres(_) => "PostgreSQL",
    };
    let app = spawn_app(backend).await;
    let association = app.token(Role::Association, Scope::City);
    let wants = json!({"service_models": ["professional"], "fee_models": ["lump_sum"],
        "grades": [3], "districts_served": ["510104"], "location": {"lon": 104.084, "lat": 30.653}});
    let mut firms = Vec::new();
    for n in 0..2u32 {
        let body = merged(firm_body(&format!("时效物业{n}"), 900 + n), wants.clone());
        let f = ok(
            &app,
            Method::POST,
            format!("{}/catalog/firms", app.catalog_url),
            None,
            body.clone(),
        )
        .await;
        let id = f["id"].as_str().unwrap().to_string();
        ok(
            &app,
            Method::POST,
            format!("{}/catalog/firms/{id}/standing", app.catalog_url),
            Some(&association),
            json!({"action": "recommend", "reason": "评审通过", "review_date": "2099-12-31"}),
        )
        .await;
        firms.push((id, body));
    }
    app.tender_follows_catalog().await;

    // Firm profile → free-text search.
    let (firm_id, firm_input) = firms[0].clone();
    let mut timings = Vec::new();
    for i in 0..samples {
        let word = format!("fresh{i:05}z");
        let body = merged(
            firm_input.clone(),
            json!({"profile": format!("专注老旧小区物业服务，{word}。")}),
        );
        let start = Instant::now();
        ok(
            &app,
            Method::PUT,
            format!("{}/catalog/firms/{firm_id}", app.catalog_url),
            Some(&association),
            body,
        )
        .await;
        let path = format!("/search?kind=firm&q={word}");
        let fid = firm_id.clone();
        timings.push(visible(&app, &path, None, start, |p| ids(p, "id").contains(&fid)).await);
    }
    report(name, "firm profile → search", timings);

    // Tender published → a firm's matched tenders.
    let mut timings = Vec::new();
    let firm_token = app.token(Role::Firm, Scope::Firm(firm_id.clone()));
    let mut last_tender = String::new();
    for i in 0..samples {
        let code = format!("f{i:04}");
        let c = ok(
            &app,
            Method::POST,
            format!("{}/catalog/compounds", app.catalog_url),
            Some(&association),
            merged(compound_body(&code, STREET), json!({})),
        )
        .await;
        let cid = c["id"].as_str().unwrap().to_string();
        app.tender_follows_catalog().await;
        let committee = app.token(Role::Committee, Scope::Compound(cid.clone()));
        let t = ok(
            &app,
            Method::POST,
            format!("{}/tenders", app.tender_url),
            Some(&committee),
            tender_body(&cid),
        )
        .await;
        let tid = t["id"].as_str().unwrap().to_string();
        let start = Instant::now();
        ok(
            &app,
            Method::POST,
            format!("{}/tenders/{tid}/publish", app.tender_url),
            Some(&committee),
            json!({}),
        )
        .await;
        let path = format!("/firms/{firm_id}/tenders?limit=200");
        let wanted = tid.clone();
        timings.push(
            visible(&app, &path, Some(&firm_token), start, |p| {
                ids(p, "tender_id").contains(&wanted)
            })
            .await,
        );
        last_tender = tid;
    }
    report(name, "tender published → firm's matches", timings);

    // Firm suspended → gone from the tender's matched firms.
    let mut timings = Vec::new();
    let (other, _) = firms[1].clone();
    let path = format!("/tenders/{last_tender}/firms?limit=200");
    for _ in 0..samples {
        let start = Instant::now();
        ok(
            &app,
            Method::POST,
            format!("{}/catalog/firms/{other}/standing", app.catalog_url),
            Some(&association),
            json!({"action": "suspend", "reason": "投诉核查", "rectify_by": "2099-01-01"}),
        )
        .await;
        let gone = other.clone();
        timings.push(
            visible(&app, &path, Some(&association), start, |p| {
                !ids(p, "firm_id").contains(&gone)
            })
            .await,
        );
        ok(
            &app,
            Method::POST,
            format!("{}/catalog/firms/{other}/standing", app.catalog_url),
            Some(&association),
            json!({"action": "restore", "reason": "核查完毕"}),
        )
        .await;
        let back = other.clone();
        visible(&app, &path, Some(&association), Instant::now(), |p| {
            ids(p, "firm_id").contains(&back)
        })
        .await;
    }
    report(name, "firm suspended → leaves tender's matches", timings);
    app.stop().await;
}

fn tender_body(compound: &str) -> Value {
    // The same terms as the e2e tests' tenders (e2e/tests/e2e/tender.rs).
    json!({
        "compound_id": compound, "service_model": "professional", "fee_model": "lump_sum",
        "grade": 3, "term_months": 36, "annual_budget_fen": 60_480_000, "proposed_fee": 180,
        "needs": "需要秩序维护、保洁、绿化养护和共用设施设备日常维护。",
        "enquiry_deadline": rfc3339_in(3_600_000), "bid_deadline": rfc3339_in(7_200_000),
        "opening_at": rfc3339_in(7_200_000), "evaluation_method": "price_only",
    })
}

fn main() {
    let samples = std::env::var("WUYE_FRESHNESS_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    println!(
        "load: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!("| backend | change | samples | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    runtime.block_on(run(Backend::Sqlite, samples));
    if let Some(pg) = Backend::postgres() {
        runtime.block_on(run(pg, samples));
    }
}

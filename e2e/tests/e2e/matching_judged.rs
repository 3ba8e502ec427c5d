//! The judged relevance sets of issue 18 (`search_index::judged`) through the real services:
//! the sets' compounds, firms and tenders are written as the services write them (the
//! compounds by the ledger import, the firms by the catalog's bulk application and
//! recommendation, credit by the association's credit events through the API, residents'
//! surveys and old-compound contracts on tender's feed, the tenders by tender's bulk
//! opening); matching builds its index from the feeds, and each judged query is asked of
//! `GET /match/tenders/{id}/firms` or `GET /match/firms/{id}/tenders`. Its NDCG@10 against
//! the committee's labels (the same labels as the in-RAM test) is at least 0.9 in each
//! direction, and the hard filters are exact: every eligible document is listed, none that
//! fails a filter is.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use catalog::bulk::BulkFirm;
use catalog::compounds::Reach;
use catalog::compounds::ledger::{self, ImportMode, LedgerFormat};
use reqwest::Method;
use search_index::judged::{FIRM_SEED, Judged, TENDER_SEED, firm_sets, ndcg_at, tender_sets};
use search_index::{CompoundDoc, FirmDoc, TenderDoc};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::db::Db;
use shared::feed::{Notifier, WriteTx};
use tender::bulk::BulkTender;
use wuye_e2e::fixtures::credit_code;
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(
    judged_tender_to_firms_through_the_services,
    judged_firm_to_tenders_through_the_services,
);

/// The base credit score of the catalog's default policy (a firm without credit events).
const CREDIT_BASE: i64 = 80;

/// Old compounds the judged firms have served (their contracts count as experience).
const SERVED_COMPOUNDS: usize = 15;

/// The real ids of the judged documents, by the generator's ids.
#[derive(Default)]
struct Ids {
    firms: HashMap<String, String>,
    tenders: HashMap<String, String>,
}

/// The compound of each tender (ledger code `SYN-{n}`), then the old compounds served.
fn compound_docs(tenders: &[TenderDoc]) -> Vec<CompoundDoc> {
    let mut out: Vec<CompoundDoc> = tenders
        .iter()
        .enumerate()
        .map(|(n, t)| CompoundDoc {
            id: format!("judged-{n}"),
            name: t.compound_name.clone(),
            address: format!("评测路 {n} 号"),
            district_code: t.district_code.clone(),
            street_code: t.street_code.clone(),
            lon: t.lon,
            lat: t.lat,
            households: t.households,
            floor_area_m2: t.floor_area_m2,
            management: "none".into(),
            covered: false,
            eligible: true,
        })
        .collect();
    if !out.is_empty() {
        for k in 0..SERVED_COMPOUNDS {
            let n = tenders.len() + k;
            out.push(CompoundDoc {
                id: format!("judged-{n}"),
                name: format!("评测已服务小区{k}"),
                address: format!("评测路 {n} 号"),
                households: 200,
                floor_area_m2: 14_000.0,
                ..out[0].clone()
            });
        }
    }
    out
}

/// A judged firm as an application, recommended when the generator says so.
fn bulk_firm(f: &FirmDoc, n: usize) -> BulkFirm {
    let input = serde_json::from_value(json!({
        "name": format!("评测物业{n}号"),
        "credit_code": credit_code(n as u32),
        "legal_representative": "王建国",
        "contact_phone": "13812345678",
        "ownership": if f.soe { "soe" } else { "private" },
        "base_address": format!("成都市评测路 {n} 号"),
        "office_street": f.street_code,
        "location": {"lon": f.lon, "lat": f.lat},
        "districts_served": f.districts_served,
        "service_radius_km": f.service_radius_km,
        "service_models": f.service_models,
        "fee_models": f.fee_models,
        "grades": f.grades,
        "capacity_households": f.capacity_left,
        "households_served": 0,
        "staff_count": 80,
        "profile": f.profile,
        "low_profit_commitment": f.low_profit,
    }))
    .expect("a judged firm's application");
    let recommend = f.recommended.then(|| {
        serde_json::from_value(json!({"action": "recommend", "reason": "年度评审通过",
            "review_date": "2099-12-31"}))
        .expect("a recommendation")
    });
    BulkFirm { input, recommend }
}

/// A judged tender's terms on its compound, deadlines a month away.
fn bulk_tender(t: &TenderDoc, compound_id: String) -> BulkTender {
    let day = 86_400_000;
    let deadline = shared::db::now_ms() + 31 * day;
    let at = tender::clock::to_rfc3339;
    let fee = t.budget_fen_per_m2_month;
    let terms = serde_json::from_value(json!({
        "service_model": t.service_model,
        "fee_model": t.fee_model,
        "grade": t.grade,
        "term_months": 36,
        "annual_budget_fen": fee * t.floor_area_m2 as i64 * 12,
        "proposed_fee": fee,
        "needs": t.needs,
        "enquiry_deadline": at(deadline - day),
        "bid_deadline": at(deadline),
        "opening_at": at(deadline),
        "evaluation_method": "price_only",
    }))
    .expect("a judged tender's terms");
    BulkTender {
        compound_id,
        terms,
        bids: Vec::new(),
    }
}

/// Writes the sets into the running services and waits until matching has followed it all.
async fn load(app: &TestApp, firms: &[FirmDoc], tenders: &[TenderDoc]) -> Ids {
    let catalog_db = shared::db::connect(&app.catalog_db).await.unwrap();
    let tender_db = shared::db::connect(&app.tender_db).await.unwrap();
    let notifier = Notifier::default();
    let compounds = compound_docs(tenders);
    let outcome = ledger::import(
        &catalog_db,
        &notifier,
        Reach::City,
        LedgerFormat::Csv,
        ImportMode::Strict,
        Bytes::from(wuye::synthetic::ledger_csv(&compounds)),
    )
    .await
    .expect("the judged ledger");
    assert!(!outcome.refused, "{:?}", outcome.report.errors);
    let compound_ids = wuye::synthetic::compound_ids(&catalog_db).await.unwrap();
    let compound_of = |n: usize| compound_ids[&format!("SYN-{n}")].clone();

    let mut ids = Ids::default();
    let by = wuye::synthetic::association();
    let policy = Default::default();
    for (b, chunk) in firms.chunks(100).enumerate() {
        let batch = chunk
            .iter()
            .enumerate()
            .map(|(i, f)| bulk_firm(f, b * 100 + i + 1))
            .collect();
        let made = catalog::bulk::apply_firms(&catalog_db, &notifier, &policy, &by, batch)
            .await
            .expect("the judged firms");
        ids.firms
            .extend(chunk.iter().map(|f| f.id.clone()).zip(made));
    }
    credit(app, firms, &ids).await;
    record(&tender_db, firms, &ids, &compound_of, tenders.len()).await;

    wuye::synthetic::wait_for_tender(&catalog_db, &tender_db, Duration::from_secs(60))
        .await
        .unwrap();
    let open: Vec<(usize, &TenderDoc)> =
        tenders.iter().enumerate().filter(|(_, t)| t.open).collect();
    for chunk in open.chunks(50) {
        let batch = chunk
            .iter()
            .map(|(n, t)| bulk_tender(t, compound_of(*n)))
            .collect();
        let loaded = tender::bulk::open_tenders(&tender_db, &notifier, &Default::default(), batch)
            .await
            .expect("the judged tenders");
        assert_eq!(loaded.tenders.len(), chunk.len());
        ids.tenders
            .extend(chunk.iter().map(|(_, t)| t.id.clone()).zip(loaded.tenders));
    }
    app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
        .await;
    app.wait_followed(&app.matching_db, "tender", &app.tender_url, "/tenders")
        .await;
    catalog_db.pool.close().await;
    tender_db.pool.close().await;
    ids
}

/// Each firm's credit score, reached from the policy's base by one credit event through the
/// association's API.
async fn credit(app: &TestApp, firms: &[FirmDoc], ids: &Ids) {
    let association = app.token(Role::Association, Scope::City);
    for f in firms {
        let delta = f.credit_score - CREDIT_BASE;
        if delta == 0 {
            continue;
        }
        let (kind, reason) = if delta > 0 {
            ("good", "街道检查表现良好")
        } else {
            ("bad", "业主投诉属实")
        };
        let body = json!({"kind": kind, "points": delta.abs(), "reason": reason,
            "source": "街道检查", "date": "2026-06-01"});
        let url = format!(
            "{}/catalog/firms/{}/credit-events",
            app.catalog_url, ids.firms[&f.id]
        );
        let a = app
            .send(Method::POST, &url, Some(&association), Some(&body))
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
}

/// Each firm's record in tender's feed, as tender writes it: a contract at each of the
/// first `old_compound_experience` served old compounds, and a residents' survey giving its
/// satisfaction rate.
async fn record(
    tender_db: &Db,
    firms: &[FirmDoc],
    ids: &Ids,
    compound_of: &dyn Fn(usize) -> String,
    first_served: usize,
) {
    let mut tx = WriteTx::begin(tender_db, &Notifier::default())
        .await
        .unwrap();
    for f in firms {
        let id = &ids.firms[&f.id];
        for k in 0..f.old_compound_experience as usize {
            let contract_id = format!("k-{id}-{k}");
            tx.emit(
                "contract",
                &contract_id,
                "signed",
                &contract(&contract_id, id, compound_of(first_served + k)),
            )
            .await
            .unwrap();
        }
        if let Some(rate) = f.satisfaction {
            let satisfied = (rate * 100.0).round() as i64;
            let survey_id = format!("s-{id}");
            let survey = json!({
                "id": survey_id, "compound_id": compound_of(first_served),
                "street_code": "510104017", "district_code": "510104",
                "contract_id": format!("k-{id}-survey"), "firm_id": id, "period": "2026-Q3",
                "satisfied": satisfied, "basically_satisfied": 0,
                "dissatisfied": 100 - satisfied,
                "recorded_at": tender::clock::to_rfc3339(shared::db::now_ms()),
            });
            tx.emit("satisfaction", &survey_id, "recorded", &survey)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

fn contract(id: &str, firm_id: &str, compound_id: String) -> tender::award::Contract {
    let date = |s| tender::clock::parse_date(s).unwrap();
    tender::award::Contract {
        id: id.into(),
        tender_id: format!("t-{id}"),
        compound_id,
        firm_id: firm_id.into(),
        firm_name: "评测物业".into(),
        service_model: "professional".into(),
        fee_model: "lump_sum".into(),
        fee: 150,
        annual_price_fen: 150 * 14_000 * 12,
        term_months: 36,
        start_date: date("2023-01-01"),
        end_date: date("2025-12-31"),
        signed_on: date("2022-12-20"),
        signed_at: "2022-12-20T04:00:00Z".into(),
        status: tender::award::ContractStatus::Active,
        terminated_on: None,
        termination_reason: None,
        termination_vote_id: None,
        termination_vote_kind: None,
        remuneration: None,
        fee_in_force: None,
    }
}

/// Every item of a match answer (all pages), its `field` in rank order; or the answer that
/// was not a 200 (a tender not yet in the index is 404 until the index commits).
async fn ranked(
    app: &TestApp,
    path: &str,
    token: &str,
    field: &str,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    loop {
        let url = format!(
            "{}/match{path}?limit=200&offset={}",
            app.matching_url,
            out.len()
        );
        let a = app.get(&url, Some(token)).await;
        if a.status != 200 {
            return Err(format!("{path}: {} {}", a.status, a.body));
        }
        let page: Value = a.json();
        let items = page["items"].as_array().unwrap();
        out.extend(items.iter().map(|i| i[field].as_str().unwrap().to_string()));
        if items.is_empty() || out.len() as i64 >= page["total"].as_i64().unwrap() {
            return Ok(out);
        }
    }
}

/// One judged query: polls until every eligible document is listed (the index commits after
/// the feeds' cursors), then checks the hard filters and answers NDCG@10.
async fn judge(
    app: &TestApp,
    path: &str,
    token: &str,
    field: &str,
    own: &HashMap<String, String>,
    judged: &Judged,
) -> f64 {
    let start = Instant::now();
    loop {
        let late = start.elapsed() > Duration::from_secs(20);
        let answer = ranked(app, path, token, field).await;
        if answer.is_err() && !late {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let listed: Vec<String> = answer
            .unwrap()
            .into_iter()
            .filter_map(|id| own.get(&id).cloned())
            .collect();
        let set: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
        let eligible: BTreeSet<&str> = judged.labels.keys().map(String::as_str).collect();
        if set.is_superset(&eligible) || late {
            assert_eq!(set, eligible, "hard filters of {path}");
            assert!(judged.excluded.iter().all(|id| !set.contains(id.as_str())));
            return ndcg_at(10, &listed, &judged.labels);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn report(direction: &str, backend: &Backend, scores: &[f64]) -> f64 {
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "judged {direction} through the services ({backend:?}): {} queries, NDCG@10 mean {mean:.3}, min {min:.3}",
        scores.len()
    );
    mean
}

async fn judged_tender_to_firms_through_the_services(backend: Backend) {
    let app = spawn_app(backend).await;
    let sets = tender_sets(TENDER_SEED);
    assert!(sets.len() >= 20);
    let tenders: Vec<TenderDoc> = sets.iter().map(|(t, _, _)| t.clone()).collect();
    let firms: Vec<FirmDoc> = sets.iter().flat_map(|(_, f, _)| f.clone()).collect();
    let ids = load(&app, &firms, &tenders).await;
    let association = app.token(Role::Association, Scope::City);
    let mut scores = Vec::new();
    for (t, firms, judged) in &sets {
        // Firms of other sets may qualify too (nearby compounds): judge this set's only.
        let own: HashMap<String, String> = firms
            .iter()
            .map(|f| (ids.firms[&f.id].clone(), f.id.clone()))
            .collect();
        let path = format!("/tenders/{}/firms", ids.tenders[&t.id]);
        scores.push(judge(&app, &path, &association, "firm_id", &own, judged).await);
    }
    let mean = report("tender → firms", &app.backend, &scores);
    assert!(mean >= 0.9, "mean NDCG@10 {mean:.3}");
    app.stop().await;
}

async fn judged_firm_to_tenders_through_the_services(backend: Backend) {
    let app = spawn_app(backend).await;
    let sets = firm_sets(FIRM_SEED);
    assert!(sets.len() >= 20);
    let firms: Vec<FirmDoc> = sets.iter().map(|(f, _, _)| f.clone()).collect();
    let tenders: Vec<TenderDoc> = sets.iter().flat_map(|(_, t, _)| t.clone()).collect();
    let ids = load(&app, &firms, &tenders).await;
    let mut scores = Vec::new();
    for (f, tenders, judged) in &sets {
        let own: HashMap<String, String> = tenders
            .iter()
            .filter_map(|t| ids.tenders.get(&t.id).map(|id| (id.clone(), t.id.clone())))
            .collect();
        let firm = &ids.firms[&f.id];
        let token = app.token(Role::Firm, Scope::Firm(firm.clone()));
        let path = format!("/firms/{firm}/tenders");
        scores.push(judge(&app, &path, &token, "tender_id", &own, judged).await);
    }
    let mean = report("firm → tenders", &app.backend, &scores);
    assert!(mean >= 0.9, "mean NDCG@10 {mean:.3}");
    app.stop().await;
}

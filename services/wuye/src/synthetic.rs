//! `wuye admin load-synthetic`: the seeded synthetic data set (`search_index::synthetic`,
//! every name marked （示例）) written into the catalog's and tender's databases through
//! each service's own checks, store functions and outbox, in batches of a few thousand rows
//! a transaction, so the feeds carry it and running followers (tender's copy of the
//! catalog, each matching replica's tables and index) build from it exactly as in
//! production. For load runs at national size, where the API took an hour.
//!
//! 1. Compounds: the ledger import (`catalog::compounds::ledger::import`, strict, CSV), one
//!    file of [`Batches::compounds`] rows a transaction, codes `SYN-000000`….
//! 2. Firms: `catalog::bulk::apply_firms` (an application, then the association's
//!    recommendation for the generator's recommended ones), [`Batches::firms`] a
//!    transaction. No accounts: synthetic firms are acted for with issued tokens (no
//!    password is hashed at all).
//! 3. Waits until tender's follower has applied the whole catalog feed (the tenders need
//!    tender's copy of the compounds and firms).
//! 4. Tenders: `tender::bulk::open_tenders`, each open for bids with its deadline
//!    [`Spec::bid_window_days`] away, on a distinct old, eligible, uncovered compound; every
//!    [`Spec::bids_every`]-th tender gets sealed bids from up to two firms that serve its
//!    district with its model, fee model and grade (the bidding rules decide; a refused
//!    bid is counted, not forced).
//!
//! Deterministic: the same seed and size give the same rows (ids are new UUIDv7s each run).
//! Running it again adds nothing already there (codes and credit codes are matched; a
//! compound with a tender in progress is skipped).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use catalog::bulk::BulkFirm;
use catalog::compounds::Reach;
use catalog::compounds::ledger::{self, ImportMode, LedgerFormat};
use search_index::synthetic::{self, Scale};
use search_index::{CompoundDoc, FirmDoc, TenderDoc};
use serde::Serialize;
use serde_json::json;
use shared::auth::{Identity, Role, Scope};
use shared::db::Db;
use shared::domain::check_char;
use shared::feed::Notifier;
use sqlx::Row;
use tender::bulk::BulkTender;

/// What to load, where.
#[derive(Debug, Clone)]
pub struct Spec {
    pub scale: Scale,
    pub seed: u64,
    /// The catalog's database URL.
    pub catalog_database: String,
    /// The tender service's database URL.
    pub tender_database: String,
    pub batches: Batches,
    /// Days from now to each tender's bid deadline (at least the policy's shortest window).
    pub bid_window_days: i64,
    /// One tender in this many gets sealed bids.
    pub bids_every: usize,
    /// How long to wait for tender's follower to copy the catalog.
    pub follow_timeout: Duration,
    pub catalog_policy: catalog::policy::CatalogPolicy,
    pub tender_policy: tender::TenderPolicy,
}

/// Rows per write transaction.
#[derive(Debug, Clone, Copy)]
pub struct Batches {
    pub compounds: usize,
    pub firms: usize,
    pub tenders: usize,
}

impl Default for Batches {
    fn default() -> Self {
        Self {
            compounds: 5_000,
            firms: 2_000,
            tenders: 1_000,
        }
    }
}

/// What a load did, and how long each part took (printed as JSON).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    pub compounds: usize,
    pub compounds_created: usize,
    pub compounds_secs: f64,
    pub firms: usize,
    pub recommended: usize,
    pub firms_secs: f64,
    pub tender_follow_secs: f64,
    pub tenders: usize,
    pub tenders_skipped: usize,
    pub bids: usize,
    pub bids_refused: usize,
    pub tenders_secs: f64,
    pub secs: f64,
    /// The opened tenders' ids (not printed).
    #[serde(skip)]
    pub tender_ids: Vec<String>,
}

/// The loader's identity: the association for the catalog's rows.
pub fn association() -> Identity {
    Identity {
        account_id: "synthetic-loader".into(),
        name: "合成数据加载（示例）".into(),
        role: Role::Association,
        scope: Scope::City,
        token_id: String::new(),
    }
}

/// The ledger code of a synthetic compound: `SYN-` and its number.
pub fn compound_code(doc: &CompoundDoc) -> String {
    let n = doc.id.rsplit('-').next().unwrap_or_default();
    format!("SYN-{n}")
}

/// A unified social credit code with a valid check character, `91510100MB` + 7 digits (the
/// load scripts' own firms use `MA`).
pub fn credit_code(n: usize) -> String {
    let prefix = format!("91510100MB{n:07}");
    let check = check_char(&prefix).expect("17 characters of the code's alphabet");
    format!("{prefix}{check}")
}

async fn open(url: &str, migrator: &sqlx::migrate::Migrator) -> anyhow::Result<Db> {
    let db = shared::db::connect(url).await?;
    db.migrate(migrator).await?;
    Ok(db)
}

/// Loads the data set of `spec`; see the module docs.
pub async fn load(spec: &Spec) -> anyhow::Result<Report> {
    let started = Instant::now();
    let data = synthetic::generate(spec.scale, spec.seed);
    let catalog_db = open(&spec.catalog_database, &catalog::MIGRATOR).await?;
    let tender_db = open(&spec.tender_database, &tender::MIGRATOR).await?;
    let notifier = Notifier::default();
    let mut report = Report::default();

    let t = Instant::now();
    for chunk in data.compounds.chunks(spec.batches.compounds.max(1)) {
        let csv = ledger_csv(chunk);
        let outcome = ledger::import(
            &catalog_db,
            &notifier,
            Reach::City,
            LedgerFormat::Csv,
            ImportMode::Strict,
            Bytes::from(csv),
        )
        .await
        .map_err(|e| anyhow::anyhow!("importing synthetic compounds: {e:?}"))?;
        anyhow::ensure!(
            !outcome.refused,
            "the synthetic ledger was refused: {:?}",
            outcome.report.errors
        );
        report.compounds += chunk.len();
        report.compounds_created += outcome.report.created;
        progress("compounds", report.compounds, data.compounds.len(), t);
    }
    report.compounds_secs = secs(t);

    let t = Instant::now();
    let by = association();
    let review = review_date();
    let mut firm_ids = Vec::with_capacity(data.firms.len());
    for (b, chunk) in data.firms.chunks(spec.batches.firms.max(1)).enumerate() {
        let first = b * spec.batches.firms.max(1);
        let batch = chunk
            .iter()
            .enumerate()
            .map(|(i, f)| bulk_firm(f, first + i, &review))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let ids =
            catalog::bulk::apply_firms(&catalog_db, &notifier, &spec.catalog_policy, &by, batch)
                .await
                .map_err(|e| anyhow::anyhow!("loading synthetic firms: {e:?}"))?;
        firm_ids.extend(ids);
        progress("firms", firm_ids.len(), data.firms.len(), t);
    }
    report.firms = firm_ids.len();
    report.recommended = data.firms.iter().filter(|f| f.recommended).count();
    report.firms_secs = secs(t);

    let t = Instant::now();
    wait_for_tender(&catalog_db, &tender_db, spec.follow_timeout).await?;
    report.tender_follow_secs = secs(t);

    let t = Instant::now();
    let compound_ids = compound_ids(&catalog_db).await?;
    let plan = tender_plan(&data.tenders, &data.compounds, &data.firms, &firm_ids, spec);
    let total = plan.len();
    let mut done = 0;
    let mut plan = plan.into_iter().peekable();
    while plan.peek().is_some() {
        let batch = plan
            .by_ref()
            .take(spec.batches.tenders.max(1))
            .map(|(doc, bids)| bulk_tender(doc, bids, &compound_ids, spec))
            .collect::<anyhow::Result<Vec<_>>>()?;
        done += batch.len();
        let loaded = tender::bulk::open_tenders(&tender_db, &notifier, &spec.tender_policy, batch)
            .await
            .map_err(|e| anyhow::anyhow!("opening synthetic tenders: {e:?}"))?;
        report.tenders += loaded.tenders.len();
        report.tenders_skipped += loaded.skipped;
        report.bids += loaded.bids;
        report.bids_refused += loaded.bids_refused;
        report.tender_ids.extend(loaded.tenders);
        progress("tenders", done, total, t);
    }
    report.tenders_secs = secs(t);
    report.secs = secs(started);
    catalog_db.pool.close().await;
    tender_db.pool.close().await;
    Ok(report)
}

fn secs(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 10.0).round() / 10.0
}

fn progress(what: &str, done: usize, total: usize, since: Instant) {
    tracing::info!(
        what,
        done,
        total,
        per_sec = (done as f64 / since.elapsed().as_secs_f64().max(0.001)).round(),
        "synthetic load"
    );
}

/// A recommendation's review date: a year from today.
fn review_date() -> String {
    let today = shared::clock::china_today();
    shared::domain::roster::format_date(today.saturating_add(time::Duration::days(365)))
}

/// The ledger header, in the catalog's column order.
fn ledger_header() -> String {
    ledger::COLUMNS
        .iter()
        .map(|c| c.header)
        .collect::<Vec<_>>()
        .join(",")
}

/// One ledger file of synthetic compounds (old ones built 1985–2004, the others later).
pub fn ledger_csv(compounds: &[CompoundDoc]) -> String {
    let mut out = ledger_header();
    out.push('\n');
    for c in compounds {
        let n: usize =
            c.id.rsplit('-')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
        let old = c.eligible || c.management == "none";
        let cells: HashMap<&str, String> = HashMap::from([
            ("小区编码", compound_code(c)),
            ("小区名称", c.name.clone()),
            ("地址", c.address.clone()),
            ("区县代码", c.district_code.clone()),
            ("街道代码", c.street_code.clone()),
            ("社区", "示例社区".into()),
            ("经度", format!("{:.6}", c.lon)),
            ("纬度", format!("{:.6}", c.lat)),
            (
                "建成年份",
                if old { 1985 + n % 20 } else { 2005 + n % 15 }.to_string(),
            ),
            ("楼栋数", (c.households / 60).max(1).to_string()),
            ("户数", c.households.to_string()),
            ("建筑面积", (c.floor_area_m2 as i64).to_string()),
            (
                "管理方式",
                if c.management == "professional" {
                    "物业企业"
                } else {
                    "无物业"
                }
                .into(),
            ),
            ("消防设施", yes(!n.is_multiple_of(3))),
            ("视频监控", yes(!n.is_multiple_of(2))),
            ("门禁", yes(false)),
            ("垃圾分类投放点", (n % 4).to_string()),
            ("停车位", (n % 60).to_string()),
            ("电梯", "0".into()),
            ("自治组织", "无".into()),
            ("自治组织成立日期", String::new()),
            ("符合条件且业主自愿", yes(c.eligible)),
            ("是否老旧小区", yes(old)),
        ]);
        let row = ledger::COLUMNS
            .iter()
            .map(|col| csv_cell(cells.get(col.header).map_or("", String::as_str)))
            .collect::<Vec<_>>()
            .join(",");
        out.push_str(&row);
        out.push('\n');
    }
    out
}

fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.into()
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The `n`-th synthetic firm as an application, recommended when the generator says so.
fn bulk_firm(f: &FirmDoc, n: usize, review_date: &str) -> anyhow::Result<BulkFirm> {
    let input = serde_json::from_value(json!({
        "name": f.name,
        "credit_code": credit_code(n),
        "legal_representative": "王建国",
        "contact_phone": "13812345678",
        "ownership": if f.soe { "soe" } else { "private" },
        "base_address": format!("成都市示例路 {} 号", n % 900 + 1),
        "location": {"lon": f.lon, "lat": f.lat},
        "districts_served": f.districts_served,
        "service_radius_km": f.service_radius_km,
        "service_models": f.service_models,
        "fee_models": f.fee_models,
        "grades": f.grades,
        "capacity_households": 1200 + f.capacity_left * 100,
        "households_served": 1200,
        "staff_count": 80,
        "profile": f.profile,
        "low_profit_commitment": f.low_profit,
    }))
    .context("a synthetic firm's application")?;
    let recommend = f
        .recommended
        .then(|| {
            serde_json::from_value(json!({
                "action": "recommend",
                "reason": "示例数据评审通过",
                "review_date": review_date,
            }))
        })
        .transpose()
        .context("a synthetic recommendation")?;
    Ok(BulkFirm { input, recommend })
}

/// Waits until tender's follower has applied every change of the catalog's feed.
pub async fn wait_for_tender(catalog: &Db, tender: &Db, timeout: Duration) -> anyhow::Result<()> {
    let head = shared::feed::head(catalog).await?;
    let deadline = Instant::now() + timeout;
    let mut last_log = Instant::now();
    loop {
        let cursor: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM feed_cursor WHERE source = $1")
                .bind("catalog")
                .fetch_optional(&tender.pool)
                .await?;
        let cursor = cursor.unwrap_or(0);
        if cursor >= head {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "tender's follower reached catalog change {cursor} of {head} in {timeout:?}: is a tender service running and following this catalog?"
        );
        if last_log.elapsed() > Duration::from_secs(10) {
            tracing::info!(cursor, head, "waiting for tender to follow the catalog");
            last_log = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The catalog ids of the synthetic compounds, by ledger code.
pub async fn compound_ids(catalog: &Db) -> anyhow::Result<HashMap<String, String>> {
    let rows = sqlx::query("SELECT id, code FROM compound WHERE code LIKE 'SYN-%'")
        .fetch_all(&catalog.pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("id")?)))
        .collect()
}

/// The tenders to open, each on a distinct compound (the generator may draw one twice:
/// the second takes the next free candidate), with the firms that are to bid on it.
fn tender_plan(
    tenders: &[TenderDoc],
    compounds: &[CompoundDoc],
    firms: &[FirmDoc],
    firm_ids: &[String],
    spec: &Spec,
) -> Vec<(TenderDoc, Vec<String>)> {
    let candidates: Vec<&CompoundDoc> = compounds
        .iter()
        .filter(|c| c.eligible && !c.covered)
        .collect();
    let mut by_district: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in firms.iter().enumerate() {
        if f.recommended {
            for d in &f.districts_served {
                by_district.entry(d.as_str()).or_default().push(i);
            }
        }
    }
    let mut taken = HashSet::new();
    let mut next_free = 0;
    let mut bids_used: HashMap<usize, u32> = HashMap::new();
    let mut out = Vec::with_capacity(tenders.len());
    for (i, t) in tenders.iter().enumerate() {
        let mut doc = t.clone();
        if !taken.insert(doc.compound_id.clone()) {
            while next_free < candidates.len() && taken.contains(&candidates[next_free].id) {
                next_free += 1;
            }
            let Some(c) = candidates.get(next_free) else {
                continue;
            };
            taken.insert(c.id.clone());
            doc.compound_id = c.id.clone();
            doc.compound_name = c.name.clone();
            doc.district_code = c.district_code.clone();
            doc.street_code = c.street_code.clone();
            doc.households = c.households;
            doc.floor_area_m2 = c.floor_area_m2;
        }
        let mut bidders = Vec::new();
        if spec.bids_every > 0 && i.is_multiple_of(spec.bids_every) {
            let pool = by_district
                .get(doc.district_code.as_str())
                .map_or(&[][..], Vec::as_slice);
            let start = if pool.is_empty() { 0 } else { i % pool.len() };
            for &f in pool.iter().cycle().skip(start).take(pool.len()) {
                let firm = &firms[f];
                let fits = firm.service_models.contains(&doc.service_model)
                    && firm.fee_models.contains(&doc.fee_model)
                    && firm.grades.contains(&doc.grade)
                    && bids_used.get(&f).copied().unwrap_or(0) < 3;
                if fits && let Some(id) = firm_ids.get(f) {
                    *bids_used.entry(f).or_default() += 1;
                    bidders.push(id.clone());
                    if bidders.len() == 2 {
                        break;
                    }
                }
            }
        }
        out.push((doc, bidders));
    }
    out
}

/// A tender's terms and bids, deadlines [`Spec::bid_window_days`] from now.
fn bulk_tender(
    doc: TenderDoc,
    bidders: Vec<String>,
    compound_ids: &HashMap<String, String>,
    spec: &Spec,
) -> anyhow::Result<BulkTender> {
    let n = doc.compound_id.rsplit('-').next().unwrap_or_default();
    let code = format!("SYN-{n}");
    let compound_id = compound_ids
        .get(&code)
        .with_context(|| format!("the synthetic compound {code} is not in the catalog"))?
        .clone();
    let day = 86_400_000;
    let window = spec
        .tender_policy
        .min_bid_window_ms()
        .max(spec.bid_window_days * day);
    let deadline = shared::clock::now_ms() + window + day;
    let at = tender::clock::to_rfc3339;
    let area = doc.floor_area_m2 as i64;
    let fee = doc.budget_fen_per_m2_month;
    let terms = serde_json::from_value(json!({
        "service_model": doc.service_model,
        "fee_model": doc.fee_model,
        "grade": doc.grade,
        "term_months": 36,
        "annual_budget_fen": fee * area * 12,
        "proposed_fee": fee,
        "needs": doc.needs,
        "enquiry_deadline": at(deadline - day),
        "bid_deadline": at(deadline),
        "opening_at": at(deadline),
        "evaluation_method": "price_only",
    }))
    .context("a synthetic tender's terms")?;
    let bids = bidders
        .into_iter()
        .enumerate()
        .map(|(i, firm)| {
            let bid = serde_json::from_value(json!({
                "fee": (fee - 5 * i as i64).max(1),
                "staffing_plan": "（示例）项目经理 1 人，秩序维护 4 人，保洁 3 人，维修 1 人。",
                "service_plan": "（示例）按合同等级服务；报修 30 分钟响应；每季度公开收支。",
            }))
            .context("a synthetic bid")?;
            Ok((firm, bid))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(BulkTender {
        compound_id,
        terms,
        bids,
    })
}

//! The demo's past year (issue 17): three compounds of 锦官驿街道 served since the first day of
//! the month a year ago, one per fee model, each with twelve months of records:
//!
//! - **包干制** (`lump_sum`): the firm's budget for the year and its quarterly accounts, and
//!   the owners' satisfaction survey each quarter;
//! - **酬金制** (`commission`): the service fund month by month — fee income, common revenue
//!   pooled (parking, advertising), spending by category and the firm's remuneration at the
//!   8 % of fee income its contract agrees; in August a lift overhaul takes the fund into a
//!   deficit it has not left by November, so the compound carries the deficit flag officials
//!   follow;
//! - **信托制** (`trust`): the owners' common account — the balance carried in from the old
//!   account, every movement with the bank's reference, the trustee's fixed remuneration
//!   drawn month by month, one wrong entry corrected by a reversal, and the bank's statement
//!   of each quarter imported and reconciled.
//!
//! Everything goes through the services' API as the committee, the firms and the association
//! would have done it at the time: the loader and the services run on a runtime whose clock
//! is moved ([`Travel`]) — to three weeks before the first month for the roster, the ledger,
//! the tenders, their bids, the opening, the award and the contracts, then to the first day
//! of each following month for the month's records — and back to now at the end. Loaded once
//! (skipped when the first of the three compounds exists).

use anyhow::Context;
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::TokenKeys;
use shared::clock::{CHINA, Travel, ms_of, now_ms};
use shared::domain::roster::format_date;
use shared::domain::{Fen, check_char, streets_of};
use time::{Date, PrimitiveDateTime, Time};

use super::kit::{
    Bases, CLOSED_BID_WINDOW_MS, Demo, LEDGER_HEADER, demo_bid, demo_money, demo_terms,
    first_district, post_csv, quarter_of,
};

/// The fee models, in the order of the three compounds.
const MODELS: [(&str, &str); 3] = [
    ("lump_sum", "包干制"),
    ("commission", "酬金制"),
    ("trust", "信托制"),
];

/// The fee collected each month of the year, % of the month's fee (收缴率).
const COLLECTED: [i64; 12] = [93, 91, 95, 90, 92, 94, 89, 93, 92, 96, 91, 94];

/// The column mapping of the demo bank's statement export.
const BANK_MAPPING: &str = "date=交易日期&debit=借方发生额&credit=贷方发生额&counterparty=对方户名\
&memo=摘要&reference=流水号&balance=余额";

/// The first day of the month `months` after `d`'s month.
fn month_start(d: Date, months: i32) -> Date {
    let index = d.year() * 12 + i32::from(u8::from(d.month())) - 1 + months;
    let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1))
        .unwrap_or(time::Month::January);
    Date::from_calendar_date(index.div_euclid(12), month, 1).unwrap_or(d)
}

/// `day` at `hour`:00 in China, in ms since the epoch.
fn at(day: Date, hour: u8) -> i64 {
    ms_of(
        PrimitiveDateTime::new(day, Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
            .assume_offset(CHINA),
    )
}

/// The day `n` of the month starting `first` (clamped to its last day).
fn day_of(first: Date, n: u8) -> Date {
    let last = month_start(first, 1).previous_day().unwrap_or(first);
    Date::from_calendar_date(first.year(), first.month(), n.min(last.day())).unwrap_or(first)
}

/// The three compounds' ledger codes: 11, 12 and 13 on the first demo street.
fn codes() -> [String; 3] {
    let street = first_street();
    [11, 12, 13].map(|n| format!("DEMO-{street}-{n}"))
}

fn first_street() -> String {
    let district = first_district();
    streets_of(&district.code)
        .next()
        .map(|s| s.code.as_str().to_string())
        .expect("a street")
}

/// The ledger of the three compounds, as the district office imported it.
fn ledger() -> String {
    let district = first_district();
    let street = streets_of(&district.code).next().expect("a street");
    let short = street.name.trim_end_matches("街道");
    let mut out = LEDGER_HEADER.join(",");
    out.push('\n');
    for (i, (code, (_, zh))) in codes().iter().zip(MODELS).enumerate() {
        let households = 320 + 90 * i as i64;
        let row = [
            code.clone(),
            format!("【演示】{short}{zh}示范小区"),
            format!("{}{}示范巷 {} 号", district.name, street.name, 2 + 2 * i),
            district.code.as_str().to_string(),
            street.code.as_str().to_string(),
            format!("{short}社区"),
            format!("{:.5}", district.seat.lon() + 0.004 * (i as f64 + 1.0)),
            format!("{:.5}", district.seat.lat() - 0.003 * (i as f64 + 1.0)),
            (1988 + 3 * i as i64).to_string(),
            (1 + households / 60).to_string(),
            households.to_string(),
            (households * 70).to_string(),
            "无物业".to_string(),
            "是".to_string(),
            "是".to_string(),
            "否".to_string(),
            "2".to_string(),
            "40".to_string(),
            "0".to_string(),
            "业主委员会".to_string(),
            "2021-09-20".to_string(),
            "是".to_string(),
            "是".to_string(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The four firms that bid for the three compounds a year ago (each offers every fee model).
fn firm_body(i: u32) -> Value {
    let district = first_district();
    let prefix = format!("91510100MA7{i:06}");
    let words = ["锦里", "宽窄", "合江", "东门"];
    json!({
        "name": format!("【演示】成都{}物业服务有限公司", words[i as usize % words.len()]),
        "credit_code": format!("{prefix}{}", check_char(&prefix).expect("a valid prefix")),
        "legal_representative": "李演示",
        "contact_phone": format!("139{:08}", 20_000_000 + i),
        "ownership": "private",
        "base_address": format!("{}演示大道 {} 号", district.name, 100 + i),
        "location": {"lon": district.seat.lon() - 0.01 * f64::from(i), "lat": district.seat.lat() + 0.008},
        "districts_served": [district.code.as_str()],
        "service_radius_km": 12.0,
        "service_models": ["professional", "trust"],
        "fee_models": ["lump_sum", "commission", "trust"],
        "grades": [1, 2, 3],
        "capacity_households": 4000,
        "households_served": 800,
        "staff_count": 120,
        "profile": "【演示数据】专注老旧小区物业服务，秩序维护、保洁、绿化养护和共用设施设备维护；酬金制、信托制项目资金全部进入业主共有账户，按月公开收支。",
        "low_profit_commitment": true,
    })
}

/// One movement of the trust account as the bank shows it (income +, spending −).
#[derive(Debug, Clone)]
struct BankLine {
    day: Date,
    signed_fen: i64,
    counterparty: String,
    memo: String,
    reference: String,
}

/// A compound of the history: its id, floor area, households, contract and the tokens.
struct Served {
    id: String,
    model: &'static str,
    households: i64,
    contract: String,
    annual_fen: i64,
    /// The fixed remuneration a year (信托制), 分.
    remuneration_fen: i64,
    firm_id: String,
    /// Tokens of the firm and the committee, issued afresh each month (they expire).
    firm: String,
    committee: String,
}

impl Served {
    fn sign_in(&mut self, demo: &Demo<'_>) -> anyhow::Result<()> {
        self.firm = demo.firm(&self.firm_id)?;
        self.committee = demo.committee(&self.id)?;
        Ok(())
    }
}

/// Loads the past year; `travel` is the clock of the runtime the services and this loader
/// run on (see the module documentation). Leaves the clock at now.
pub async fn load_history(bases: &Bases, keys: &TokenKeys, travel: &Travel) -> anyhow::Result<()> {
    let loaded = load_year(bases, keys, travel).await;
    travel.back_to_now();
    loaded
}

async fn load_year(bases: &Bases, keys: &TokenKeys, travel: &Travel) -> anyhow::Result<()> {
    travel.back_to_now();
    let demo = Demo::new(bases, keys)?;
    let codes = codes();
    let found = demo
        .catalog_get(&format!("/compounds?q={}", codes[0]))
        .await?;
    if found["items"]
        .as_array()
        .is_some_and(|items| items.iter().any(|c| c["code"] == codes[0].as_str()))
    {
        return Ok(());
    }
    let today = shared::clock::china_today();
    let first = month_start(today, -12);
    // Three weeks before the first month: the roster, the ledger, the tenders.
    travel.set_to(at(first - time::Duration::days(21), 10));
    let mut served = tender_and_contract(&demo, first).await?;

    let mut trust_lines = Vec::new();
    let (mut stated, mut opening) = (0, 0);
    for m in 0..12 {
        let month = month_start(first, m);
        // The month's records are made on the first day of the next month.
        travel.set_to(at(month_start(month, 1), 9));
        for s in &mut served {
            s.sign_in(&demo)?;
        }
        if m == 0 {
            // The budgets of the year that begins (disclosed by each firm).
            for s in &served {
                let year = month_start(month, 1).year().to_string();
                let mut budget = demo_money("budget", &year, s.annual_fen, 0);
                budget["note"] = json!(note(s.model));
                demo.tender(
                    Method::POST,
                    &format!("/contracts/{}/disclosures", s.contract),
                    &s.firm,
                    Some(&budget),
                )
                .await?;
            }
        }
        for s in &served {
            let fee = s.annual_fen / 12 * COLLECTED[m as usize] / 100;
            match s.model {
                "commission" => commission_month(&demo, s, month, m, fee).await?,
                "trust" => trust_month(&demo, s, month, m, fee, &mut trust_lines).await?,
                _ => {}
            }
        }
        let quarter_ends = u8::from(month.month()) % 3 == 0;
        if quarter_ends || m == 11 {
            let trust = served
                .iter()
                .find(|s| s.model == "trust")
                .context("the trust compound")?;
            import_statement(&demo, trust, &trust_lines, stated).await?;
            stated = trust_lines.len();
        }
        if quarter_ends {
            opening = quarter_records(&demo, &served, (month, m), opening).await?;
        }
    }
    Ok(())
}

/// The roster's four firms, the three compounds, a tender on each (price only, three bids),
/// opened, awarded and contracted from `first`.
async fn tender_and_contract(demo: &Demo<'_>, first: Date) -> anyhow::Result<Vec<Served>> {
    let import = format!(
        "{}/catalog/compounds/import?format=csv&mode=strict",
        demo.bases.catalog
    );
    post_csv(&demo.http, &import, &demo.association, ledger())
        .await
        .context("the history's ledger")?;
    let review = format_date(first + time::Duration::days(730));
    let mut firms = Vec::new();
    for i in 0..4 {
        let url = format!("{}/catalog/firms", demo.bases.catalog);
        let (status, firm) = demo
            .call(Method::POST, &url, &demo.association, Some(&firm_body(i)))
            .await?;
        anyhow::ensure!(status.is_success(), "{url} answered {status}: {firm}");
        let id = firm["id"].as_str().context("a firm id")?.to_string();
        let url = format!("{}/catalog/firms/{id}/standing", demo.bases.catalog);
        let body =
            json!({"action": "recommend", "reason": "【演示】协会审核", "review_date": review});
        let (status, v) = demo
            .call(Method::POST, &url, &demo.association, Some(&body))
            .await?;
        anyhow::ensure!(status.is_success(), "{url} answered {status}: {v}");
        firms.push(id);
    }

    let mut tenders = Vec::new();
    for (k, (code, (model, _))) in codes().iter().zip(MODELS).enumerate() {
        let (compound, area) = demo.compound(code).await?;
        let deadline = now_ms() + CLOSED_BID_WINDOW_MS;
        let mut terms = demo_terms(area, deadline, deadline - 1_000);
        terms["fee_model"] = json!(model);
        if let Some(r) = remuneration(model, area * 150 * 12) {
            terms["remuneration"] = r;
        }
        let id = demo.open_tender(&compound, terms).await?;
        for j in 0..3 {
            let firm = &firms[(j + k) % 4];
            let fee = 140 + 10 * ((j + k) % 3) as i64;
            demo.bid(&id, firm, &demo_bid(fee, area, false))
                .await?
                .with_context(|| format!("a history bid of {firm}"))?;
        }
        tenders.push((compound, id, model, area));
    }
    let mut served = Vec::new();
    for (compound, id, model, area) in tenders {
        demo.opened(&id).await?;
        let awarded = demo.award_top(&id, &compound).await?;
        let notice_ends = tender::clock::parse_rfc3339(
            awarded["award"]["notice_ends_at"]
                .as_str()
                .unwrap_or_default(),
        )?;
        let wait = notice_ends - now_ms() + 100;
        if wait > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
        }
        let committee = demo.committee(&compound)?;
        let mut body = json!({"start_date": format_date(first)});
        let agreed = remuneration(model, area * 150 * 12);
        if let Some(r) = &agreed {
            body["remuneration"] = r.clone();
        }
        let contract = demo
            .tender(
                Method::POST,
                &format!("/{id}/contract"),
                &committee,
                Some(&body),
            )
            .await?;
        served.push(Served {
            households: demo.households(&compound).await?,
            id: compound,
            model,
            contract: contract["id"].as_str().context("a contract id")?.into(),
            annual_fen: contract["annual_price_fen"].as_i64().unwrap_or(0),
            remuneration_fen: agreed.and_then(|r| r["annual_fen"].as_i64()).unwrap_or(0),
            firm_id: contract["firm_id"].as_str().unwrap_or_default().into(),
            firm: String::new(),
            committee,
        });
    }
    Ok(served)
}

/// The remuneration of a fee model: 8 % of fee income under 酬金制, a fixed yearly amount
/// (7 % of the annual budget, in whole hundreds of 元) under 信托制, none under 包干制.
fn remuneration(model: &str, annual_budget_fen: i64) -> Option<Value> {
    match model {
        "commission" => Some(json!({"kind": "percentage", "basis_points": 800})),
        "trust" => Some(
            json!({"kind": "fixed", "annual_fen": (annual_budget_fen * 7 / 100 / 10_000).max(1) * 10_000}),
        ),
        _ => None,
    }
}

/// The note of a fee model's budget or accounts.
fn note(model: &str) -> &'static str {
    match model {
        "lump_sum" => {
            "【演示数据】包干制：物业费由企业包干使用，盈余或亏损由企业享有或承担；每季度公开收支。"
        }
        "trust" => {
            "【演示数据】信托制：物业服务资金存入业主共有账户，每笔收支按月公开，受托企业按约定提取固定酬金。"
        }
        _ => {
            "【演示数据】酬金制：物业服务资金属全体业主所有，企业按物业费收入 8% 提取酬金，结余滚存下期使用。"
        }
    }
}

/// Records one movement of a compound's fund; answers the transaction's id.
async fn record(
    demo: &Demo<'_>,
    s: &Served,
    token: &str,
    (day, category, amount_fen): (Date, &str, i64),
    (counterparty, reference): (&str, Option<&str>),
) -> anyhow::Result<String> {
    let mut body = json!({
        "day": format_date(day), "category": category, "amount_fen": amount_fen,
        "counterparty": counterparty, "memo": "【演示数据】",
    });
    if let Some(r) = reference {
        body["bank_reference"] = json!(r);
    }
    let t = demo
        .tender(
            Method::POST,
            &format!("/compounds/{}/fund/transactions", s.id),
            token,
            Some(&body),
        )
        .await?;
    Ok(t["id"].as_str().unwrap_or_default().to_string())
}

/// A month of the 酬金制 fund: fee income, parking and advertising, spending, remuneration
/// (8 % of the fee income); a lift overhaul in the month index 8 (August a year on).
async fn commission_month(
    demo: &Demo<'_>,
    s: &Served,
    month: Date,
    m: i32,
    fee: i64,
) -> anyhow::Result<()> {
    let (firm, committee) = (s.firm.as_str(), s.committee.as_str());
    let day = |n| day_of(month, n);
    record(
        demo,
        s,
        firm,
        (day(28), "fee", fee),
        ("业主缴费（本月汇总）", None),
    )
    .await?;
    record(
        demo,
        s,
        committee,
        (day(10), "parking", fee * 6 / 100),
        ("【演示】停车管理公司", None),
    )
    .await?;
    record(
        demo,
        s,
        committee,
        (day(12), "advertising", fee * 2 / 100),
        ("【演示】电梯广告公司", None),
    )
    .await?;
    for (n, category, share, payee) in [
        (5, "personnel", 46, "物业服务人员工资"),
        (15, "cleaning", 14, "【演示】保洁公司"),
        (16, "greening", 5, "【演示】园林绿化公司"),
        (18, "security", 15, "【演示】保安服务公司"),
        (20, "energy", 6, "国网成都供电公司"),
        (22, "maintenance", 4, "【演示】共用设施维修"),
    ] {
        record(
            demo,
            s,
            firm,
            (day(n), category, fee * share / 100),
            (payee, None),
        )
        .await?;
    }
    if m == 8 {
        record(
            demo,
            s,
            firm,
            (day(25), "maintenance", fee * 4),
            ("【演示】电梯维保公司（曳引机大修）", None),
        )
        .await?;
    }
    record(
        demo,
        s,
        firm,
        (day(28), "remuneration", fee * 8 / 100),
        ("物业服务企业酬金", None),
    )
    .await?;
    Ok(())
}

/// A month of the 信托制 account: the carry-in on the first day, fee income, common revenue
/// (parking, advertising, the parcel lockers' site fee), spending and a twelfth of the
/// trustee's fixed remuneration; in the month index 4 a cleaning bill entered with the
/// wrong amount is reversed and entered again. Every movement the bank made goes to `lines`.
async fn trust_month(
    demo: &Demo<'_>,
    s: &Served,
    month: Date,
    m: i32,
    fee: i64,
    lines: &mut Vec<BankLine>,
) -> anyhow::Result<()> {
    let (firm, committee) = (s.firm.as_str(), s.committee.as_str());
    let tag = format!("{}{:02}", month.year(), u8::from(month.month()));
    let remuneration = s.remuneration_fen / 12;
    let mut moves: Vec<(u8, &str, i64, &str, &str)> = Vec::new();
    if m == 0 {
        moves.push((
            1,
            "carried_in",
            fee * 3 / 2,
            "原物业服务资金账户",
            committee,
        ));
    }
    moves.extend([
        (5, "personnel", fee * 42 / 100, "物业服务人员工资", firm),
        (
            8,
            "parking",
            fee * 6 / 100,
            "【演示】停车管理公司",
            committee,
        ),
        (
            12,
            "advertising",
            fee * 2 / 100,
            "【演示】电梯广告公司",
            committee,
        ),
        (
            14,
            "other_common",
            fee / 200,
            "【演示】快递柜运营商（场地费）",
            committee,
        ),
        (15, "cleaning", fee * 13 / 100, "【演示】保洁公司", firm),
        (16, "greening", fee * 5 / 100, "【演示】园林绿化公司", firm),
        (18, "security", fee * 14 / 100, "【演示】保安服务公司", firm),
        (20, "energy", fee * 6 / 100, "国网成都供电公司", firm),
        (
            22,
            "maintenance",
            fee * (4 + m as i64 % 3) / 100,
            "【演示】共用设施维修",
            firm,
        ),
        (25, "fee", fee, "业主缴费（本月汇总）", firm),
        (
            28,
            "remuneration",
            remuneration,
            "受托物业服务企业酬金",
            firm,
        ),
    ]);
    for (n, (d, category, amount, counterparty, token)) in moves.into_iter().enumerate() {
        let day = day_of(month, d);
        let reference = format!("HX{tag}{n:03}");
        if m == 4 && category == "cleaning" {
            // Entered with a digit too many, then reversed; the bank paid the right amount.
            let wrong = record(
                demo,
                s,
                token,
                (day, category, amount * 10),
                (counterparty, None),
            )
            .await?;
            demo.tender(
                Method::POST,
                &format!("/compounds/{}/fund/transactions/{wrong}/reversal", s.id),
                token,
                Some(&json!({"reason": "【演示】金额多录一位，冲正后按银行回单重录", "day": format_date(day)})),
            )
            .await?;
        }
        record(
            demo,
            s,
            token,
            (day, category, amount),
            (counterparty, Some(&reference)),
        )
        .await?;
        let income = matches!(
            category,
            "carried_in" | "fee" | "parking" | "advertising" | "other_common"
        );
        lines.push(BankLine {
            day,
            signed_fen: if income { amount } else { -amount },
            counterparty: counterparty.to_string(),
            memo: category.to_string(),
            reference,
        });
    }
    Ok(())
}

/// Imports the bank's statement of the trust account's lines from `from` on (with the
/// running balance of every line before them) and requires it reconciled.
async fn import_statement(
    demo: &Demo<'_>,
    s: &Served,
    lines: &[BankLine],
    from: usize,
) -> anyhow::Result<()> {
    let mut ordered: Vec<&BankLine> = lines.iter().collect();
    ordered.sort_by_key(|l| (l.day, l.reference.clone()));
    let mut balance = 0;
    let mut csv = String::from(
        "账号：6228 4800 2026 0001,,,,,,\n交易日期,摘要,对方户名,借方发生额,贷方发生额,余额,流水号\n",
    );
    let new: std::collections::HashSet<&str> =
        lines[from..].iter().map(|l| l.reference.as_str()).collect();
    for l in ordered {
        balance += l.signed_fen;
        if !new.contains(l.reference.as_str()) {
            continue;
        }
        let yuan = |f: i64| Fen::new(f).to_yuan_string();
        let (debit, credit) = if l.signed_fen < 0 {
            (yuan(-l.signed_fen), String::new())
        } else {
            (String::new(), yuan(l.signed_fen))
        };
        csv.push_str(&format!(
            "{},{},{},{debit},{credit},{},{}\n",
            format_date(l.day),
            l.memo,
            l.counterparty,
            yuan(balance),
            l.reference
        ));
    }
    let url = format!(
        "{}/tenders/compounds/{}/fund/bank-statements?mode=apply&{BANK_MAPPING}",
        demo.bases.tender, s.id
    );
    let report = post_csv(&demo.http, &url, &s.committee, csv).await?;
    anyhow::ensure!(
        report["reconciled"] == true,
        "the history's bank statement is not reconciled: {report}"
    );
    Ok(())
}

/// At a quarter's end: the owners' satisfaction survey of every compound, and the 包干制
/// firm's accounts of the quarter (fee income as collected, common revenue, spending) from
/// the `opening` balance; answers the closing balance.
async fn quarter_records(
    demo: &Demo<'_>,
    served: &[Served],
    (month, m): (Date, i32),
    mut opening: i64,
) -> anyhow::Result<i64> {
    let quarter = quarter_of(month);
    for (i, s) in served.iter().enumerate() {
        let asked = s.households * 3 / 5;
        let satisfied = asked * (55 + 5 * i as i64 + i64::from(m % 3)) / 100;
        let basic = asked * 30 / 100;
        demo.tender(
            Method::POST,
            "/satisfaction",
            &s.committee,
            Some(&json!({"compound_id": s.id, "period": quarter,
                "satisfied": satisfied, "basically_satisfied": basic,
                "dissatisfied": asked - satisfied - basic})),
        )
        .await?;
        if s.model == "lump_sum" && m >= 3 {
            let collected: i64 = (m - 2..=m)
                .map(|k| s.annual_fen / 12 * COLLECTED[k as usize] / 100)
                .sum();
            let mut accounts = demo_money("accounts", &quarter, collected, opening);
            accounts["note"] = json!(note(s.model));
            demo.tender(
                Method::POST,
                &format!("/contracts/{}/disclosures", s.contract),
                &s.firm,
                Some(&accounts),
            )
            .await?;
            opening = accounts["closing_balance_fen"].as_i64().unwrap_or(0);
        }
    }
    Ok(opening)
}

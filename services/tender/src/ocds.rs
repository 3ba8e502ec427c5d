//! Open Contracting Data Standard 1.1 (OCDS) releases of every tender.
//!
//! Each published step of a tender's contracting process is one release, built from the
//! process as it stands and stored in the write transaction of the step itself (table
//! `ocds_release`), so a release never changes after it is published and never says more
//! than was public at its date:
//!
//! | step | tag |
//! |---|---|
//! | published (open) | `planning`, `tender` |
//! | terms changed while open | `tenderAmendment` |
//! | bids opened / no valid bid | `tenderUpdate` |
//! | cancelled | `tenderCancellation` |
//! | awarded (in notice) | `award` |
//! | award revoked after a complaint | `awardUpdate` |
//! | contract signed | `contract` |
//! | budget or accounts published | `implementation` |
//! | contract terminated | `contractTermination` |
//!
//! Codes come from the official code lists in `services/tender/ocds/codelists/`: the
//! tender `status` (`active`, `complete`, `cancelled`, `unsuccessful`) with our own state
//! in `statusDetails` (`open`, `evaluation`, `awarded`, …, the OCDS 1.2 field name),
//! award statuses (`pending` while in notice, `active`, `cancelled`), contract statuses
//! (`active`, `terminated`), party roles (`buyer`, `procuringEntity`, `tenderer`,
//! `supplier`), `procurementMethod` `open`, `mainProcurementCategory` `services`, currency
//! `CNY`. Amounts are yuan as JSON numbers, converted from 分 exactly (a value over a
//! contract term is the annual amount × months ÷ 12, to the fen).
//!
//! **Sealed bids**: tenderers appear only from the release of the opening on, built from
//! the opening record; nothing before it mentions a bid, a bidder or their number.
//!
//! **Documents**: the tender's, the opened bids' (from the opening on) and the signed
//! contract's files, as OCDS `documents` (`crate::ocds_documents`).

use serde_json::{Value, json};
use shared::clock::now_ms;
use sqlx::{AnyConnection, Row};

use shared::domain::Fen;

use crate::award::records::{self, Award, AwardStatus, Contract, ContractStatus};
use crate::bids::{self, OpeningRecord};
use crate::clock::{format_date, to_rfc3339};
use crate::config::TenderPolicy;
use crate::disclosure::figures::DisclosureKind;
use crate::disclosure::store::{self as disclosures, Disclosure};
use crate::documents::Document;
use crate::money::fund::category::{Category, Direction};
use crate::money::fund::ledger::Transaction as FundTransaction;
use crate::money::fund::store as fund;
use crate::ocds_documents;
use crate::tenders::store;
use crate::tenders::tender::Tender;
use crate::terms::{EvaluationMethod, TenderStatus};

/// The OCDS version the releases follow.
pub const VERSION: &str = "1.1";

/// The URL the release package schema refers to the release schema by.
pub const RELEASE_SCHEMA_URL: &str =
    "https://standard.open-contracting.org/schema/1__1__5/release-schema.json";

/// The publisher named in every package.
pub const PUBLISHER: &str = "成都市老旧小区物业服务平台（wuye 物业通）";

/// Release tags (closed code list `releaseTag`).
pub mod tag {
    pub const PLANNING: &str = "planning";
    pub const TENDER: &str = "tender";
    pub const TENDER_AMENDMENT: &str = "tenderAmendment";
    pub const TENDER_UPDATE: &str = "tenderUpdate";
    pub const TENDER_CANCELLATION: &str = "tenderCancellation";
    pub const AWARD: &str = "award";
    pub const AWARD_UPDATE: &str = "awardUpdate";
    pub const CONTRACT: &str = "contract";
    pub const IMPLEMENTATION: &str = "implementation";
    pub const IMPLEMENTATION_UPDATE: &str = "implementationUpdate";
    pub const CONTRACT_TERMINATION: &str = "contractTermination";
}

/// Everything a release is built from: the process as it stands.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub tender: Tender,
    /// The compound's floor area, m², from tender's copy of the catalog.
    pub floor_area_m2: Option<i64>,
    /// Only once the bids are opened.
    pub opening: Option<OpeningRecord>,
    /// Every award, newest first (revoked ones included).
    pub awards: Vec<Award>,
    pub contract: Option<Contract>,
    pub disclosures: Vec<Disclosure>,
    /// The service fund's transactions recorded under the contract (酬金制, 信托制).
    pub fund: Vec<FundTransaction>,
    /// Unified social credit codes of the firms named, by firm id.
    pub credit_codes: std::collections::BTreeMap<String, String>,
    /// The tender's documents as they stand (its own, its bids', its contract's, …): what
    /// a release may list is chosen by `ocds_documents`.
    pub documents: Vec<Document>,
}

/// What is being published.
#[derive(Debug, Clone)]
pub struct Meta {
    pub ocid: String,
    pub release_id: String,
    pub date: i64,
    pub tags: Vec<&'static str>,
    /// The tender's amendments so far (carried from the previous release), to which a
    /// `tenderAmendment` adds one.
    pub amendments: Vec<Value>,
}

/// 分 → yuan as a JSON number, exactly: `fen / 100` is correctly rounded, and the
/// shortest representation of that double is the two-decimal amount itself.
pub fn yuan(fen: i64) -> Value {
    json!(fen as f64 / 100.0)
}

fn money(fen: i64) -> Value {
    json!({ "amount": yuan(fen), "currency": "CNY" })
}

/// An annual amount over a term of `months`, to the fen (half up).
pub fn over_term(annual_fen: i64, months: i64) -> i64 {
    let total = i128::from(annual_fen) * i128::from(months);
    let rounded = (2 * total + 12) / 24;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

fn day_start(date: &str) -> String {
    format!("{date}T00:00:00+08:00")
}

fn day_end(date: &str) -> String {
    format!("{date}T23:59:59+08:00")
}

fn buyer_id(t: &Tender) -> String {
    format!("compound-{}", t.compound_id)
}

fn firm_party_id(firm_id: &str) -> String {
    format!("firm-{firm_id}")
}

fn buyer_ref(t: &Tender) -> Value {
    json!({ "id": buyer_id(t), "name": buyer_name(t) })
}

fn buyer_name(t: &Tender) -> String {
    format!("{}全体业主", t.compound_name)
}

fn firm_ref(id: &str, name: &str) -> Value {
    json!({ "id": firm_party_id(id), "name": name })
}

/// Tender status (code list `tenderStatus`) for our state.
pub fn tender_status(s: TenderStatus) -> &'static str {
    match s {
        TenderStatus::Draft => "planning",
        TenderStatus::Open | TenderStatus::Evaluation | TenderStatus::Awarded => "active",
        TenderStatus::Contracted => "complete",
        TenderStatus::Cancelled => "cancelled",
        TenderStatus::Unsuccessful => "unsuccessful",
    }
}

/// Award status (code list `awardStatus`).
pub fn award_status(s: AwardStatus) -> &'static str {
    match s {
        AwardStatus::InNotice => "pending",
        AwardStatus::Final => "active",
        AwardStatus::Revoked => "cancelled",
    }
}

/// Contract status (code list `contractStatus`).
pub fn contract_status(s: ContractStatus) -> &'static str {
    match s {
        ContractStatus::Active => "active",
        ContractStatus::Terminated => "terminated",
    }
}

fn award_criteria(method: EvaluationMethod) -> (Option<&'static str>, String) {
    match method {
        EvaluationMethod::PriceOnly => (
            Some("priceOnly"),
            "最低价法：按报价（元/㎡·月）由低到高排序".into(),
        ),
        EvaluationMethod::Rated => (
            Some("ratedCriteria"),
            "综合评分法：价格分加各评分项得分，总分由高到低排序".into(),
        ),
        // No code of the list fits a choice by the owners' vote; the details say it.
        EvaluationMethod::OwnersVote => (None, "业主表决：由业主共同决定选定中标投标".into()),
    }
}

/// Builds one release from a snapshot (pure; see the module docs for what goes in).
pub fn build(s: &Snapshot, meta: &Meta) -> Value {
    let t = &s.tender;
    let district = shared::domain::district(&t.district_code).map(|d| d.name.to_string());

    // Parties: the buyer, and firms once they are public (opened bids, awards).
    let mut parties = vec![json!({
        "id": buyer_id(t),
        "name": buyer_name(t),
        "roles": ["buyer", "procuringEntity"],
        "address": {
            "streetAddress": t.compound_name,
            "locality": "成都市",
            "region": district,
            "countryName": "中国",
        },
    })];
    let mut firms: Vec<(String, String)> = Vec::new();
    if let Some(o) = &s.opening {
        for b in &o.bids {
            if !firms.iter().any(|(id, _)| id == &b.firm_id) {
                firms.push((b.firm_id.clone(), b.firm_name.clone()));
            }
        }
    }
    for a in &s.awards {
        if !firms.iter().any(|(id, _)| id == &a.firm_id) {
            firms.push((a.firm_id.clone(), a.firm_name.clone()));
        }
    }
    for (id, name) in &firms {
        let mut roles = Vec::new();
        if s.opening
            .as_ref()
            .is_some_and(|o| o.bids.iter().any(|b| &b.firm_id == id))
        {
            roles.push("tenderer");
        }
        if s.awards
            .iter()
            .any(|a| &a.firm_id == id && a.status != AwardStatus::Revoked)
        {
            roles.push("supplier");
        }
        let mut party = json!({ "id": firm_party_id(id), "name": name, "roles": roles });
        if let Some(code) = s.credit_codes.get(id) {
            party["identifier"] = json!({ "scheme": "CN-SAIC", "id": code, "legalName": name });
        }
        parties.push(party);
    }

    // The tender.
    let terms = &t.terms;
    let (criteria, criteria_details) = award_criteria(terms.evaluation.method);
    let mut item = json!({
        "id": "1",
        "description": format!("物业服务：服务方式 {}，{}，{}，服务期限 {} 个月", terms.service_model.as_str(), terms.grade, terms.fee_model.label_zh(), terms.term_months),
        "classification": {
            "scheme": "CPV",
            "id": "70330000",
            "description": "Property management services of real estate on a fee or contract basis",
        },
        "unit": {
            "name": "平方米·月（拟定物业费单价）",
            "value": money(i64::from(terms.proposed_fee.get())),
        },
    });
    if let Some(area) = s.floor_area_m2 {
        item["quantity"] = json!(area);
    }
    let mut tender = json!({
        "id": t.id,
        "title": t.title,
        "description": terms.needs,
        "status": tender_status(t.status),
        "statusDetails": t.status.as_str(),
        "procuringEntity": buyer_ref(t),
        "items": [item],
        "value": money(over_term(terms.annual_budget.get(), terms.term_months)),
        "procurementMethod": "open",
        "procurementMethodDetails": "公开招标（物业服务）",
        "mainProcurementCategory": "services",
        "awardCriteriaDetails": criteria_details,
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": "通过本平台在线提交密封投标，开标前任何人不能查看。",
        "tenderPeriod": {
            "startDate": t.published_at.map(to_rfc3339),
            "endDate": to_rfc3339(terms.bid_deadline),
        },
        "enquiryPeriod": {
            "startDate": t.published_at.map(to_rfc3339),
            "endDate": to_rfc3339(terms.enquiry_deadline),
        },
        "awardPeriod": { "startDate": to_rfc3339(terms.opening_at) },
        "eligibilityCriteria": "列入优选供应商推荐名录（未暂停、未列入黑名单），提供招标要求的服务方式、收费方式和服务等级，服务区域覆盖本小区，且剩余服务能力足以承接本小区。",
    });
    if let Some(c) = criteria {
        tender["awardCriteria"] = json!(c);
    }
    if let Some(o) = &s.opening {
        let tenderers: Vec<Value> = firms
            .iter()
            .filter(|(id, _)| o.bids.iter().any(|b| &b.firm_id == id))
            .map(|(id, name)| firm_ref(id, name))
            .collect();
        tender["numberOfTenderers"] = json!(o.bids.len());
        tender["tenderers"] = json!(tenderers);
    }
    if let Some(a) = s.awards.iter().find(|a| a.status != AwardStatus::Revoked) {
        tender["awardPeriod"]["endDate"] = json!(a.awarded_at);
    }
    if !meta.amendments.is_empty() {
        tender["amendments"] = json!(meta.amendments);
    }
    let mut documents = ocds_documents::of_tender(&s.documents, s.opening.as_ref());
    if t.status == TenderStatus::Cancelled {
        documents.push(json!({
            "id": format!("{}-cancellation", t.id),
            "documentType": "cancellationDetails",
            "title": "招标终止公告",
            "description": t.cancel_reason.clone().unwrap_or_default(),
            "datePublished": t.closed_at.map(to_rfc3339),
            "language": "zh",
        }));
    }
    if !documents.is_empty() {
        tender["documents"] = json!(documents);
    }

    let mut release = json!({
        "ocid": meta.ocid,
        "id": meta.release_id,
        "date": to_rfc3339(meta.date),
        "tag": meta.tags,
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": buyer_ref(t),
        "planning": {
            "rationale": format!("{}依业主共同决定公开选聘物业服务企业。", t.compound_name),
            "budget": {
                "id": format!("{}-budget", t.id),
                "description": format!(
                    "年度预算 {} × 服务期限 {} 个月",
                    terms.annual_budget,
                    terms.term_months
                ),
                "amount": money(over_term(terms.annual_budget.get(), terms.term_months)),
            },
        },
        "tender": tender,
    });

    if !s.awards.is_empty() {
        let awards: Vec<Value> = s
            .awards
            .iter()
            .rev()
            .map(|a| {
                let mut award = json!({
                    "id": a.id,
                    "title": format!("定标结果：{}", a.firm_name),
                    "description": format!(
                        "中标报价 {}/㎡·月，年度报价 {}；公示期至 {}。",
                        Fen::new(a.fee),
                        Fen::new(a.annual_price_fen),
                        a.notice_ends_at
                    ),
                    "status": award_status(a.status),
                    "date": a.awarded_at,
                    "value": money(over_term(a.annual_price_fen, terms.term_months)),
                    "suppliers": [firm_ref(&a.firm_id, &a.firm_name)],
                });
                if let Some(c) = s
                    .contract
                    .as_ref()
                    .filter(|_| a.status == AwardStatus::Final)
                {
                    award["contractPeriod"] = json!({
                        "startDate": day_start(&format_date(c.start_date)),
                        "endDate": day_end(&format_date(c.end_date)),
                    });
                }
                award
            })
            .collect();
        release["awards"] = json!(awards);
    }

    if let Some(c) = &s.contract {
        let award_id = s
            .awards
            .iter()
            .find(|a| a.status == AwardStatus::Final)
            .map(|a| a.id.clone())
            .unwrap_or_default();
        let end = c.terminated_on.unwrap_or(c.end_date);
        let mut contract = json!({
            "id": c.id,
            "awardID": award_id,
            "title": format!("物业服务合同：{}", c.firm_name),
            "description": format!(
                "物业费 {}/㎡·月，年度合同金额 {}，服务期限 {} 个月。",
                Fen::new(c.fee),
                Fen::new(c.annual_price_fen),
                c.term_months
            ),
            "status": contract_status(c.status),
            "period": { "startDate": day_start(&format_date(c.start_date)), "endDate": day_end(&format_date(end)) },
            "value": money(over_term(c.annual_price_fen, c.term_months)),
            "dateSigned": c.signed_at,
        });
        if let Some(reason) = &c.termination_reason {
            contract["description"] = json!(format!(
                "{} 已于 {} 提前终止：{}",
                contract["description"].as_str().unwrap_or_default(),
                end,
                reason
            ));
        }
        let files = ocds_documents::of_contract(&s.documents, &c.id);
        if !files.is_empty() {
            contract["documents"] = json!(files);
        }
        if !s.disclosures.is_empty() || !s.fund.is_empty() {
            contract["implementation"] = implementation(t, c, &s.disclosures, &s.fund);
            let corrections = corrections(&s.disclosures);
            if !corrections.is_empty() {
                contract["amendments"] = json!(corrections);
            }
        }
        release["contracts"] = json!([contract]);
    }
    release
}

/// Corrections of published budgets and accounts (更正), as the contract's amendments.
fn corrections(disclosures: &[Disclosure]) -> Vec<Value> {
    disclosures
        .iter()
        .filter_map(|d| {
            let old = d.supersedes.as_ref()?;
            Some(json!({
                "id": format!("{}-correction", d.id),
                "date": d.published_at,
                "rationale": d.correction_reason,
                "description": format!(
                    "更正 {} {}：第 {} 版（文件 {}）取代第 {} 版（文件 {}）。",
                    d.period, d.kind.label(), d.version, d.id, d.version - 1, old
                ),
            }))
        })
        .collect()
}

/// The implementation of a contract: its published budgets and accounts as documents
/// (every version: a corrected one is titled 已更正 and names its successor), and the fee
/// income of every current accounts period as a transaction from the buyer (the owners) to
/// the supplier; then every payment out of the service fund under the contract (its
/// spending and the firm's remuneration, a reversal as a negative amount; fee income and
/// common revenue are the fund's income, not payments, and name no owner).
fn implementation(
    t: &Tender,
    c: &Contract,
    disclosures: &[Disclosure],
    fund: &[FundTransaction],
) -> Value {
    let mut transactions: Vec<Value> = disclosures
        .iter()
        .filter(|d| d.kind == DisclosureKind::Accounts && d.superseded_by.is_none())
        .map(|d| {
            json!({
                "id": format!("{}-fee", d.id),
                "date": day_end(&d.period_end),
                "value": money(d.income.fee_fen),
                "payer": buyer_ref(t),
                "payee": firm_ref(&c.firm_id, &c.firm_name),
            })
        })
        .collect();
    transactions.extend(fund_payments(t, c, fund));
    let documents: Vec<Value> = disclosures
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "documentType": match d.kind {
                    DisclosureKind::Accounts => "financialProgressReport",
                    DisclosureKind::Budget => "contractSchedule",
                },
                "title": match &d.superseded_by {
                    Some(_) => format!("{} {}（第 {} 版，已更正）", d.period, d.kind.label(), d.version),
                    None if d.version > 1 => format!("{} {}（第 {} 版，更正后）", d.period, d.kind.label(), d.version),
                    None => format!("{} {}", d.period, d.kind.label()),
                },
                "description": format!(
                    "收入合计 {}（物业服务费 {}，公共收益 {}）；支出合计 {}；期初结余 {}，期末结余 {}。{}",
                    Fen::new(d.total_income_fen),
                    Fen::new(d.income.fee_fen),
                    Fen::new(d.common_revenue_fen),
                    Fen::new(d.total_spending_fen),
                    Fen::new(d.opening_balance_fen),
                    Fen::new(d.closing_balance_fen),
                    match &d.superseded_by {
                        Some(by) => format!("已被文件 {by} 更正。"),
                        None => String::new(),
                    }
                ),
                "datePublished": d.published_at,
                "language": "zh",
            })
        })
        .collect();
    json!({ "transactions": transactions, "documents": documents })
}

/// The fund's payments under the contract as OCDS transactions (see [`implementation`]).
fn fund_payments<'a>(
    t: &'a Tender,
    c: &'a Contract,
    fund: &'a [FundTransaction],
) -> impl Iterator<Item = Value> + 'a {
    fund.iter()
        .filter(|f| f.category.direction() == Direction::Spending)
        .map(move |f| {
            let amount = match f.direction {
                Direction::Spending => f.amount_fen,
                Direction::Income => -f.amount_fen,
            };
            let payee = if f.category == Category::Remuneration {
                firm_ref(&c.firm_id, &c.firm_name)
            } else {
                json!({ "name": f.counterparty })
            };
            json!({
                "id": f.id,
                "date": day_end(&f.day),
                "value": money(amount),
                "payer": buyer_ref(t),
                "payee": payee,
            })
        })
}

/// Loads the process as it stands, inside the caller's transaction.
pub async fn snapshot(conn: &mut AnyConnection, tender_id: &str) -> anyhow::Result<Snapshot> {
    let tender = store::load(conn, tender_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("tender {tender_id} not found"))?;
    let floor_area_m2 = crate::replica::compound(conn, &tender.compound_id)
        .await?
        .map(|c| c.floor_area_m2);
    let opening = if tender.opened_at.is_some() {
        bids::opening_record(conn, &tender.id).await?
    } else {
        None
    };
    let awards = records::all_of(conn, &tender.id).await?;
    let contract = records::contract_of_tender(conn, &tender.id).await?;
    let disclosures = match &contract {
        Some(c) => disclosures::of_contract(conn, &c.id).await?,
        None => Vec::new(),
    };
    let fund = match &contract {
        Some(c) => fund::of_compound(conn, &c.compound_id)
            .await?
            .into_iter()
            .filter(|f| f.contract_id == c.id)
            .collect(),
        None => Vec::new(),
    };
    let mut credit_codes = std::collections::BTreeMap::new();
    let mut firm_ids: Vec<String> = awards.iter().map(|a| a.firm_id.clone()).collect();
    if let Some(o) = &opening {
        firm_ids.extend(o.bids.iter().map(|b| b.firm_id.clone()));
    }
    for id in firm_ids {
        if credit_codes.contains_key(&id) {
            continue;
        }
        if let Some(f) = crate::replica::firm(conn, &id).await?
            && let Some(code) = f.payload.get("credit_code").and_then(Value::as_str)
        {
            credit_codes.insert(id.clone(), code.to_string());
        }
    }
    let documents = crate::documents::rows_of_tender(conn, &tender.id).await?;
    Ok(Snapshot {
        tender,
        floor_area_m2,
        opening,
        awards,
        contract,
        disclosures,
        fund,
        credit_codes,
        documents,
    })
}

/// Records and publishes an OCDS release of the tender's process for the step just taken,
/// inside the step's write transaction (which holds the feed-head lock, so `seq` is
/// monotonic). A draft has no release.
pub async fn release(
    conn: &mut AnyConnection,
    policy: &TenderPolicy,
    tender_id: &str,
    tags: &[&'static str],
    amendment_rationale: Option<&str>,
) -> anyhow::Result<()> {
    let s = snapshot(conn, tender_id).await?;
    if s.tender.status == TenderStatus::Draft {
        return Ok(());
    }
    let ocid = policy.ocid(tender_id);
    let previous = sqlx::query(
        "SELECT release_id, release FROM ocds_release WHERE ocid = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(&ocid)
    .fetch_optional(&mut *conn)
    .await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ocds_release WHERE ocid = $1")
        .bind(&ocid)
        .fetch_one(&mut *conn)
        .await?;
    let release_id = format!("{ocid}-{:03}", count + 1);
    let date = now_ms();
    let mut amendments: Vec<Value> = Vec::new();
    let mut previous_id = None;
    if let Some(row) = &previous {
        let text: String = row.try_get("release")?;
        let prev: Value = serde_json::from_str(&text)?;
        if let Some(list) = prev["tender"]["amendments"].as_array() {
            amendments.clone_from(list);
        }
        previous_id = Some(row.try_get::<String, _>("release_id")?);
    }
    if let Some(rationale) = amendment_rationale {
        amendments.push(json!({
            "id": format!("{}-amendment-{}", s.tender.id, amendments.len() + 1),
            "date": to_rfc3339(date),
            "rationale": rationale,
            "amendsReleaseID": previous_id,
            "releaseID": release_id,
        }));
    }
    let meta = Meta {
        ocid: ocid.clone(),
        release_id: release_id.clone(),
        date,
        tags: tags.to_vec(),
        amendments,
    };
    let release = build(&s, &meta);
    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM ocds_release")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO ocds_release (seq, ocid, release_id, tender_id, tag, date, release) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(&ocid)
    .bind(&release_id)
    .bind(tender_id)
    .bind(tags.join(" "))
    .bind(date)
    .bind(serde_json::to_string(&release)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A stored release with its cursor.
#[derive(Debug, Clone)]
pub struct Stored {
    pub seq: i64,
    pub date: i64,
    pub release: Value,
}

fn stored(rows: Vec<sqlx::any::AnyRow>) -> anyhow::Result<Vec<Stored>> {
    rows.iter()
        .map(|r| {
            let text: String = r.try_get("release")?;
            Ok(Stored {
                seq: r.try_get("seq")?,
                date: r.try_get("date")?,
                release: serde_json::from_str(&text)?,
            })
        })
        .collect()
}

/// Releases after cursor `after`, oldest first, at most `limit`.
pub async fn page(conn: &mut AnyConnection, after: i64, limit: i64) -> anyhow::Result<Vec<Stored>> {
    let rows = sqlx::query(
        "SELECT seq, date, release FROM ocds_release WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    stored(rows)
}

/// Every release of one process, oldest first.
pub async fn of_process(conn: &mut AnyConnection, ocid: &str) -> anyhow::Result<Vec<Stored>> {
    let rows =
        sqlx::query("SELECT seq, date, release FROM ocds_release WHERE ocid = $1 ORDER BY seq")
            .bind(ocid)
            .fetch_all(&mut *conn)
            .await?;
    stored(rows)
}

/// A release package (`release-package-schema.json`) of `releases` read through `origin`
/// (`https://host`: the documents' URLs are made full with it); `uri` identifies it.
pub fn package(origin: &str, uri: &str, releases: &[Stored], next: Option<String>) -> Value {
    let published = releases.iter().map(|r| r.date).max().unwrap_or_else(now_ms);
    let mut p = json!({
        "uri": uri,
        "version": VERSION,
        "publishedDate": to_rfc3339(published),
        "publisher": { "name": PUBLISHER },
        "releases": releases
            .iter()
            .map(|r| {
                let mut release = r.release.clone();
                ocds_documents::absolute(&mut release, origin);
                release
            })
            .collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        p["links"] = json!({ "next": next });
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_are_exact() {
        for fen in [
            0,
            1,
            10,
            99,
            100,
            12_345,
            60_480_000,
            181_440_003,
            -5,
            9_007_199_254_740,
        ] {
            let text = yuan(fen).to_string();
            assert_eq!(
                shared::domain::Fen::parse_yuan(&text).unwrap().get(),
                fen,
                "{fen} → {text}"
            );
        }
        assert_eq!(yuan(60_480_000).to_string(), "604800.0");
        assert_eq!(yuan(12_345).to_string(), "123.45");
    }

    #[test]
    fn term_values_round_to_the_fen() {
        assert_eq!(over_term(60_480_000, 36), 181_440_000);
        assert_eq!(over_term(100, 1), 8); // 8.33 → 8
        assert_eq!(over_term(100, 5), 42); // 41.67 → 42
        assert_eq!(over_term(6, 1), 1); // 0.5 → 1
    }

    #[test]
    fn statuses_map_to_the_code_lists() {
        assert_eq!(tender_status(TenderStatus::Open), "active");
        assert_eq!(tender_status(TenderStatus::Contracted), "complete");
        assert_eq!(tender_status(TenderStatus::Cancelled), "cancelled");
        assert_eq!(tender_status(TenderStatus::Unsuccessful), "unsuccessful");
        assert_eq!(award_status(AwardStatus::InNotice), "pending");
        assert_eq!(award_status(AwardStatus::Revoked), "cancelled");
        assert_eq!(contract_status(ContractStatus::Terminated), "terminated");
    }
}

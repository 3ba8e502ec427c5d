//! 协会工作台: the association's review queue (applications, material profile changes awaiting review, firms under watch), a firm's full record with its audit trail, and the roster actions (recommend, suspend, restore, blacklist, credit event, whitelist, reject an application, confirm a profile change), each with a reason.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::auth::Role;
use shared::domain::roster::{china_today, format_date};

use super::roster::{Firm, StandingEvent, standing_label};
use super::{Chrome, WebState, require_role};
use crate::api::{self, ApiError};
use crate::csrf::{CsrfForm, CsrfToken};
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::session::Session;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/association", get(queue))
        .route("/association/firms/{id}", get(record))
        .route("/association/firms/{id}/standing", post(change_standing))
        .route("/association/firms/{id}/credit", post(add_credit))
        .route("/association/firms/{id}/whitelist", post(set_whitelist))
        .route("/association/firms/{id}/reject", post(reject))
        .route("/association/firms/{id}/review", post(confirm_review))
}

const ROLES: &[Role] = &[Role::Association];

/// The dates of a firm's standing record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Record {
    pub review_date: Option<String>,
    pub rectify_by: Option<String>,
    pub blacklist_from: Option<String>,
    pub blacklist_to: Option<String>,
    pub blacklist_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
}

/// A firm as the association sees it: the roster's fields and the private ones.
#[derive(Debug, Clone, Deserialize)]
pub struct FirmRecord {
    #[serde(flatten)]
    pub base: Firm,
    pub credit_code: String,
    pub legal_representative: String,
    pub location: Point,
    /// The office's street code, when the firm gave it.
    #[serde(default)]
    pub office_street: Option<String>,
    #[serde(default)]
    pub standing_record: Record,
    pub applied_at: i64,
    /// Since when a material profile change awaits review (ms).
    #[serde(default)]
    pub review_pending_since: Option<i64>,
    /// The application was rejected.
    #[serde(default)]
    pub rejection: Option<RejectionView>,
}

/// Why and when an application was rejected.
#[derive(Debug, Clone, Deserialize)]
pub struct RejectionView {
    pub reason: String,
    pub at: i64,
}

impl RejectionView {
    pub fn on(&self) -> String {
        beijing_date(self.at)
    }
}

/// One entry of a firm's audit trail (`GET /catalog/firms/{id}/audit`).
#[derive(Debug, Clone, Deserialize)]
pub struct FirmAudit {
    pub at: i64,
    pub action_label: String,
    pub reason: String,
    pub summary: String,
    pub author_name: Option<String>,
}

impl FirmAudit {
    pub fn on(&self) -> String {
        beijing_date(self.at)
    }
}

impl FirmRecord {
    pub fn applied_on(&self) -> String {
        beijing_date(self.applied_at)
    }

    /// The day its pending profile change was made, if one is pending.
    pub fn review_pending_on(&self) -> Option<String> {
        self.review_pending_since.map(beijing_date)
    }

    /// The badge class of its standing.
    pub fn standing_class(&self) -> &'static str {
        standing_class(&self.base.standing)
    }
}

pub fn standing_class(standing: &str) -> &'static str {
    match standing {
        "recommended" => "badge",
        "suspended" | "review_overdue" => "badge warn",
        "blacklisted" => "badge bad",
        _ => "badge plain",
    }
}

/// `ms` since the epoch as a Beijing date.
pub fn beijing_date(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    format_date(at.date())
}

#[derive(Debug, Deserialize)]
struct Page<T> {
    items: Vec<T>,
    total: i64,
}

/// One line of the counts per standing.
pub struct Count {
    pub standing: &'static str,
    pub label: &'static str,
    pub total: i64,
}

/// A firm under supervision, and why.
pub struct Supervised {
    pub firm: FirmRecord,
    pub why: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "association_queue.html")]
pub struct QueuePage {
    chrome: Chrome,
    done: Option<String>,
    counts: Vec<Count>,
    applicants: Vec<FirmRecord>,
    /// Firms on the roster whose material profile change awaits review (资料变更待复核).
    changed: Vec<FirmRecord>,
    supervised: Vec<Supervised>,
}

const STANDINGS: [&str; 5] = [
    "applicant",
    "recommended",
    "review_overdue",
    "suspended",
    "blacklisted",
];

async fn firms(
    app: &WebState,
    token: &str,
    standing: &str,
    limit: i64,
) -> Result<Page<FirmRecord>, ApiError> {
    app.api
        .catalog_get(
            &format!("/catalog/firms?standing={standing}&limit={limit}"),
            Some(token),
        )
        .await
}

/// Days of notice before a recommendation's review date.
const REVIEW_NOTICE_DAYS: i64 = 30;

pub async fn queue(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Query(flash): Query<Flash>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let (_, token) = match require_role(&session, ROLES, &chrome, "/association") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lists = futures::future::join_all(
        STANDINGS
            .iter()
            .map(|s| firms(&app, &token, s, if *s == "blacklisted" { 1 } else { 200 })),
    )
    .await;
    let mut pages = BTreeMap::new();
    for (s, page) in STANDINGS.iter().zip(lists) {
        match page {
            Ok(p) => {
                pages.insert(*s, p);
            }
            Err(e) => return PageError::from_api(e, chrome).into_response(),
        }
    }
    let changed = match app
        .api
        .catalog_get::<Page<FirmRecord>>("/catalog/firms?review=pending&limit=200", Some(&token))
        .await
    {
        Ok(p) => p.items,
        Err(e) => return PageError::from_api(e, chrome).into_response(),
    };
    let counts = STANDINGS
        .iter()
        .map(|s| Count {
            standing: s,
            label: standing_label(s),
            total: pages.get(s).map_or(0, |p| p.total),
        })
        .collect();
    let today = china_today();
    let soon = format_date(today + time::Duration::days(REVIEW_NOTICE_DAYS));
    let mut take = |s: &str| pages.remove(s).map(|p| p.items).unwrap_or_default();
    let applicants = take("applicant");
    let mut supervised = Vec::new();
    for firm in take("suspended") {
        let why = match &firm.standing_record.rectify_by {
            Some(d) => format!("重点监管，整改期限 {d}"),
            None => "重点监管".to_string(),
        };
        supervised.push(Supervised { firm, why });
    }
    for firm in take("review_overdue") {
        let why = match &firm.standing_record.review_date {
            Some(d) => format!("复核日期 {d} 已过，待复核"),
            None => "待复核".to_string(),
        };
        supervised.push(Supervised { firm, why });
    }
    for firm in take("recommended") {
        if let Some(d) = firm.standing_record.review_date.clone()
            && d <= soon
        {
            supervised.push(Supervised {
                firm,
                why: format!("复核日期临近：{d}"),
            });
        }
    }
    QueuePage {
        chrome,
        done: flash.done,
        counts,
        applicants,
        changed,
        supervised,
    }
    .into_response()
}

/// A credit event as the API lists it.
#[derive(Debug, Deserialize)]
pub struct CreditEvent {
    pub kind: String,
    pub points: i64,
    pub reason: String,
    pub source: String,
    pub date: String,
    pub author_name: Option<String>,
}

impl CreditEvent {
    pub fn signed(&self) -> String {
        if self.kind == "good" {
            format!("+{}", self.points)
        } else {
            format!("−{}", self.points)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct WhitelistEvent {
    pub on: bool,
    pub reason: String,
    pub date: String,
    pub author_name: Option<String>,
}

/// A contract of the firm (from tender).
#[derive(Debug, Clone, Deserialize)]
pub struct Contract {
    pub id: String,
    pub compound_id: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    pub term_months: i64,
    pub start_date: String,
    pub end_date: String,
    pub status: String,
    #[serde(default)]
    pub terminated_on: Option<String>,
    #[serde(skip)]
    pub compound_name: String,
}

impl Contract {
    pub fn fee_label(&self) -> String {
        yuan(self.fee)
    }
    pub fn price_label(&self) -> String {
        yuan(self.annual_price_fen)
    }
    pub fn status_label(&self) -> &'static str {
        if self.status == "active" {
            "履行中"
        } else {
            "已终止"
        }
    }
}

/// 分 as 元 with two decimals.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    let digits = (f / 100).to_string();
    let mut whole = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            whole.push(',');
        }
        whole.push(c);
    }
    format!("{sign}{whole}.{:02}", f % 100)
}

#[derive(Debug, Deserialize)]
struct CompoundName {
    name: String,
}

/// The firm's contracts (newest first) with their compounds' names.
pub async fn contracts_of(
    app: &WebState,
    token: Option<&str>,
    firm_id: &str,
) -> Result<Vec<Contract>, ApiError> {
    let mut page: Page<Contract> = app
        .api
        .get(
            &format!(
                "{}/tenders/contracts?{}",
                app.api.tender,
                api::query(&[("firm", firm_id), ("limit", "200")])
            ),
            token,
        )
        .await?;
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for c in &page.items {
        if !names.contains_key(&c.compound_id) {
            let name = app
                .api
                .catalog_get::<CompoundName>(
                    &api::path(&["catalog", "compounds", &c.compound_id]),
                    token,
                )
                .await
                .map(|c| c.name)
                .unwrap_or_else(|_| c.compound_id.clone());
            names.insert(c.compound_id.clone(), name);
        }
    }
    for c in &mut page.items {
        c.compound_name = names.get(&c.compound_id).cloned().unwrap_or_default();
    }
    Ok(page.items)
}

#[derive(Template, WebTemplate)]
#[template(path = "association_firm.html")]
pub struct RecordPage {
    chrome: Chrome,
    done: Option<String>,
    firm: FirmRecord,
    history: Vec<StandingEvent>,
    /// The whole audit trail, newest first.
    audit: Vec<FirmAudit>,
    credits: Vec<CreditEvent>,
    whitelist: Vec<WhitelistEvent>,
    contracts: Vec<Contract>,
    /// Names of the compounds it serves now (active contracts).
    compounds: Vec<String>,
    today: String,
    /// Which form was refused (`recommend`, `suspend`, `credit`, …), if any.
    failed: String,
    errors: FormErrors,
    typed: BTreeMap<String, String>,
}

impl RecordPage {
    /// What the user typed into `field` of `form` (when that form was refused).
    pub fn val(&self, form: &str, field: &str) -> String {
        if self.failed == form {
            self.typed.get(field).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    /// The error beside `field` of `form`.
    pub fn err(&self, form: &str, field: &str) -> Option<String> {
        if self.failed == form {
            self.errors.get(field).map(str::to_string)
        } else {
            None
        }
    }

    /// The general message of `form`, when it was refused.
    pub fn alert(&self, form: &str) -> Option<String> {
        if self.failed == form {
            self.errors.general.clone()
        } else {
            None
        }
    }

    /// Whether a form applies to the firm's standing now.
    pub fn offers(&self, form: &str) -> bool {
        if self.firm.rejection.is_some() {
            return false;
        }
        let s = self.firm.base.standing.as_str();
        match form {
            "reject" => s == "applicant" && self.firm.standing_record.blacklist_from.is_none(),
            "review" => self.firm.review_pending_since.is_some(),
            "recommend" => matches!(s, "applicant" | "review_overdue"),
            "suspend" => matches!(s, "recommended" | "review_overdue"),
            "restore" => s == "suspended",
            "blacklist" => s != "blacklisted",
            "end_blacklist" => s == "blacklisted",
            _ => true,
        }
    }
}

async fn load_record(
    app: &WebState,
    token: &str,
    id: &str,
    chrome: Chrome,
) -> Result<RecordPage, PageError> {
    let t = Some(token);
    let firm: FirmRecord = app
        .api
        .catalog_get(&api::path(&["catalog", "firms", id]), t)
        .await
        .map_err(|e| PageError::from_api(e, chrome.clone()))?;
    let (history_url, credits_url, whitelist_url, audit_url) = (
        format!(
            "{}?limit=200",
            api::path(&["catalog", "firms", id, "standing-history"])
        ),
        format!(
            "{}?limit=200",
            api::path(&["catalog", "firms", id, "credit-events"])
        ),
        format!(
            "{}?limit=200",
            api::path(&["catalog", "firms", id, "whitelist"])
        ),
        format!(
            "{}?limit=200",
            api::path(&["catalog", "firms", id, "audit"])
        ),
    );
    let (history, audit, credits, whitelist, contracts) = tokio::join!(
        app.api.catalog_get::<Page<StandingEvent>>(&history_url, t),
        app.api.catalog_get::<Page<FirmAudit>>(&audit_url, t),
        app.api.catalog_get::<Page<CreditEvent>>(&credits_url, t),
        app.api
            .catalog_get::<Page<WhitelistEvent>>(&whitelist_url, t),
        contracts_of(app, t, id),
    );
    let err = |e| PageError::from_api(e, chrome.clone());
    let contracts = contracts.map_err(err)?;
    let mut compounds: Vec<String> = contracts
        .iter()
        .filter(|c| c.status == "active")
        .map(|c| c.compound_name.clone())
        .collect();
    compounds.dedup();
    Ok(RecordPage {
        done: None,
        history: history.map_err(err)?.items,
        audit: audit.map_err(err)?.items,
        credits: credits.map_err(err)?.items,
        whitelist: whitelist.map_err(err)?.items,
        contracts,
        compounds,
        firm,
        today: format_date(china_today()),
        failed: String::new(),
        errors: FormErrors::none(),
        typed: BTreeMap::new(),
        chrome,
    })
}

pub async fn record(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/association/firms/{id}");
    let (_, token) = match require_role(&session, ROLES, &chrome, &path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match load_record(&app, &token, &id, chrome).await {
        Ok(mut page) => {
            page.done = flash.done;
            page.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Posts `body` to the catalog; on success back to the record with `done`, else the record
/// again with the form's values and the API's errors.
#[allow(clippy::too_many_arguments)]
async fn act(
    app: &WebState,
    session: &Session,
    csrf: &CsrfToken,
    id: &str,
    endpoint: &str,
    body: Value,
    form: &str,
    typed: BTreeMap<String, String>,
    done: &str,
) -> Response {
    let chrome = Chrome::new(session, csrf);
    let path = format!("/association/firms/{id}");
    let (_, token) = match require_role(session, ROLES, &chrome, &path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let url = format!(
        "{}{}",
        app.api.catalog,
        api::path(&["catalog", "firms", id, endpoint])
    );
    let answer: Result<Value, ApiError> =
        app.api.send(Method::POST, &url, Some(&token), &body).await;
    match answer {
        Ok(_) => see_other_with(&path, done),
        Err(e) => {
            let status = FormErrors::status(&e);
            if status == StatusCode::NOT_FOUND {
                return PageError::from_api(e, chrome).into_response();
            }
            match load_record(app, &token, id, chrome).await {
                Ok(mut page) => {
                    page.failed = form.to_string();
                    page.errors = FormErrors::from_api(&e);
                    page.typed = typed;
                    (status, page).into_response()
                }
                Err(e) => e.into_response(),
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StandingForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    review_date: String,
    #[serde(default)]
    rectify_by: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn change_standing(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StandingForm>,
) -> Response {
    let mut body = json!({"action": form.action, "reason": form.reason});
    let mut typed = BTreeMap::from([("reason".to_string(), form.reason.clone())]);
    for (k, v) in [
        ("review_date", &form.review_date),
        ("rectify_by", &form.rectify_by),
        ("from", &form.from),
        ("to", &form.to),
    ] {
        typed.insert(k.to_string(), v.clone());
        if !v.trim().is_empty() {
            body[k] = json!(v.trim());
        }
    }
    let done = match form.action.as_str() {
        "recommend" => "已列入推荐名录。",
        "suspend" => "已列为重点监管。",
        "restore" => "已恢复推荐。",
        "blacklist" => "已列入黑名单。",
        "end_blacklist" => "已解除黑名单。",
        _ => "已变更名录状态。",
    };
    let form_name = form.action.clone();
    act(
        &app, &session, &csrf, &id, "standing", body, &form_name, typed, done,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    date: String,
}

pub async fn add_credit(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CreditForm>,
) -> Response {
    let points = form.points.trim();
    let points_value = if points.is_empty() {
        Value::Null
    } else {
        points.parse::<i64>().map(Value::from).unwrap_or(json!(-1))
    };
    let mut body = json!({
        "kind": form.kind, "points": points_value, "reason": form.reason, "source": form.source,
    });
    if !form.date.trim().is_empty() {
        body["date"] = json!(form.date.trim());
    }
    let typed = BTreeMap::from([
        ("kind".to_string(), form.kind.clone()),
        ("points".to_string(), form.points.clone()),
        ("reason".to_string(), form.reason.clone()),
        ("source".to_string(), form.source.clone()),
        ("date".to_string(), form.date.clone()),
    ]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "credit-events",
        body,
        "credit",
        typed,
        "已记录信用事件。",
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct WhitelistForm {
    #[serde(default)]
    on: String,
    #[serde(default)]
    reason: String,
}

pub async fn set_whitelist(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<WhitelistForm>,
) -> Response {
    let on = match form.on.as_str() {
        "true" => json!(true),
        "false" => json!(false),
        _ => Value::Null,
    };
    let done = if form.on == "true" {
        "已列入检查白名单。"
    } else {
        "已移出检查白名单。"
    };
    let body = json!({"on": on, "reason": form.reason});
    let typed = BTreeMap::from([
        ("on".to_string(), form.on.clone()),
        ("reason".to_string(), form.reason.clone()),
    ]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "whitelist",
        body,
        "whitelist",
        typed,
        done,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// Rejects a pending application (驳回申请), with a reason.
pub async fn reject(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Response {
    let body = json!({"reason": form.reason});
    let typed = BTreeMap::from([("reason".to_string(), form.reason.clone())]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "rejection",
        body,
        "reject",
        typed,
        "已驳回该入库申请，企业账号已停用，信用代码可由真实企业重新申请。",
    )
    .await
}

/// Confirms a firm's material profile changes (复核通过).
pub async fn confirm_review(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Response {
    let body = if form.reason.trim().is_empty() {
        json!({})
    } else {
        json!({"reason": form.reason})
    };
    let typed = BTreeMap::from([("reason".to_string(), form.reason.clone())]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "profile-review",
        body,
        "review",
        typed,
        "资料变更已复核。",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_dates_read_as_people_write_them() {
        assert_eq!(yuan(180), "1.80");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(60_480_000), "604,800.00");
        assert_eq!(yuan(100_000), "1,000.00");
        assert_eq!(yuan(99_999), "999.99");
        // 2026-01-01T00:30+08:00 is still 2025-12-31 in UTC.
        assert_eq!(beijing_date(1_767_198_600_000), "2026-01-01");
    }
}

//! 物业服务资金 (酬金制, 信托制): the public page of a compound's fund (the account, a chart of
//! income, spending and balance by month, and a month's statement, no owner's name), and
//! the ledger page where the fund contract's firm and the committee record transactions,
//! reverse them and import the bank's statement (dry run, then apply). The API decides who
//! may do what: the ledger page shows the API's refusal to anyone else.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::model::Page;
use super::super::model::fund::{BankReport, FundAccount, LedgerLine, Statement};
use crate::api::{self, ApiError};
use crate::charts::{MoneyMonth, money_chart};
use crate::chrome::Chrome;
use crate::csrf::{self, CsrfForm};
use crate::error::PageError;
use crate::format::today;
use crate::forms::{Flash, FormErrors, Keys, see_other_with};
use crate::roles::SignedInUser;
use crate::state::WebState;

/// The compound's name, or 小区 when the catalog does not answer.
async fn compound_name(app: &WebState, id: &str) -> String {
    let c: Option<Value> = app
        .api
        .catalog_get(&api::path(&["catalog", "compounds", id]), None)
        .await
        .ok();
    c.as_ref()
        .and_then(|c| c["name"].as_str())
        .unwrap_or("小区")
        .to_string()
}

fn fund_url(app: &WebState, id: &str, rest: &[&str]) -> String {
    let mut segments = vec!["tenders", "compounds", id, "fund"];
    segments.extend_from_slice(rest);
    format!("{}{}", app.api.tender, api::path(&segments))
}

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "money_fund.html")]
pub struct PublicPage {
    chrome: Chrome,
    compound_id: String,
    name: String,
    account: FundAccount,
    chart: String,
    statement: Option<Statement>,
    month: String,
}

/// `GET /compounds/{id}/fund`: everyone, anonymously to the API.
pub async fn public_page(
    State(app): State<WebState>,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<PublicPage, PageError> {
    let account: FundAccount = app.api.get(&fund_url(&app, &id, &[]), None).await?;
    let latest = account
        .latest_with_movements()
        .map(|m| m.month.clone())
        .unwrap_or_default();
    let month = q.month.filter(|m| !m.trim().is_empty()).unwrap_or(latest);
    let statement = if month.is_empty() {
        None
    } else {
        Some(
            app.api
                .get(&fund_url(&app, &id, &["statements", &month]), None)
                .await?,
        )
    };
    let months: Vec<MoneyMonth> = account
        .months
        .iter()
        .map(|m| MoneyMonth {
            label: m.month.clone(),
            income_fen: m.income_fen,
            spending_fen: m.spending_fen + m.remuneration_fen,
            balance_fen: m.closing_balance_fen,
        })
        .collect();
    let chart = money_chart(
        "fund-chart",
        "物业服务资金收支与结余",
        "按月的收入、支出（含酬金）和月末结余",
        &months,
    );
    Ok(PublicPage {
        chrome,
        name: compound_name(&app, &id).await,
        compound_id: id,
        account,
        chart,
        statement,
        month,
    })
}

/// The record form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    counterparty: String,
    #[serde(default)]
    memo: String,
    #[serde(default)]
    bank_reference: String,
}

/// The bank import form as typed: the file's text and the column mapping.
#[derive(Debug, Clone, Deserialize)]
pub struct BankForm {
    #[serde(default)]
    csv: String,
    #[serde(default = "default_date")]
    date: String,
    #[serde(default)]
    amount: String,
    #[serde(default = "default_debit")]
    debit: String,
    #[serde(default = "default_credit")]
    credit: String,
    #[serde(default = "default_counterparty")]
    counterparty: String,
    #[serde(default = "default_memo")]
    memo: String,
    #[serde(default = "default_reference")]
    reference: String,
    #[serde(default = "default_balance")]
    balance: String,
    #[serde(default)]
    mode: String,
}

fn default_date() -> String {
    "交易日期".into()
}
fn default_debit() -> String {
    "借方发生额".into()
}
fn default_credit() -> String {
    "贷方发生额".into()
}
fn default_counterparty() -> String {
    "对方户名".into()
}
fn default_memo() -> String {
    "摘要".into()
}
fn default_reference() -> String {
    "流水号".into()
}
fn default_balance() -> String {
    "余额".into()
}

impl Default for BankForm {
    fn default() -> Self {
        Self {
            csv: String::new(),
            date: default_date(),
            amount: String::new(),
            debit: default_debit(),
            credit: default_credit(),
            counterparty: default_counterparty(),
            memo: default_memo(),
            reference: default_reference(),
            balance: default_balance(),
            mode: String::new(),
        }
    }
}

impl BankForm {
    /// The mapping as the API's query (blank columns left out).
    fn query(&self, mode: &str) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("mode", mode),
            ("date", self.date.trim()),
            ("amount", self.amount.trim()),
            ("debit", self.debit.trim()),
            ("credit", self.credit.trim()),
            ("counterparty", self.counterparty.trim()),
            ("memo", self.memo.trim()),
            ("reference", self.reference.trim()),
            ("balance", self.balance.trim()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// The categories the form offers, income first.
pub const CATEGORIES: [(&str, &str); 13] = [
    ("fee", "收入：物业服务费"),
    ("parking", "收入：停车收益"),
    ("advertising", "收入：广告收益"),
    ("other_common", "收入：其他公共收益"),
    ("carried_in", "收入：上期结转"),
    ("personnel", "支出：人员费用"),
    ("cleaning", "支出：保洁"),
    ("greening", "支出：绿化"),
    ("security", "支出：秩序维护"),
    ("maintenance", "支出：维修养护"),
    ("energy", "支出：能耗"),
    ("other_spending", "支出：其他支出"),
    ("remuneration", "支出：酬金（物业服务企业提取）"),
];

#[derive(Template, WebTemplate)]
#[template(path = "money_fund_ledger.html")]
pub struct LedgerPage {
    chrome: Chrome,
    compound_id: String,
    name: String,
    account: FundAccount,
    ledger: Page<LedgerLine>,
    flash: Flash,
    form: RecordForm,
    errors: FormErrors,
    categories: &'static [(&'static str, &'static str)],
    bank: BankForm,
    report: Option<BankReport>,
    bank_error: Option<String>,
}

/// The ledger page's parts read with the user's token (the API's 403/404 is the page's).
async fn ledger_parts(
    app: &WebState,
    user: &SignedInUser,
    id: &str,
) -> Result<(String, FundAccount, Page<LedgerLine>), PageError> {
    let ledger: Page<LedgerLine> = app
        .api
        .get(
            &format!("{}?limit=200", fund_url(app, id, &["transactions"])),
            Some(&user.token),
        )
        .await?;
    let account: FundAccount = app.api.get(&fund_url(app, id, &[]), None).await?;
    Ok((compound_name(app, id).await, account, ledger))
}

/// The ledger page with these forms and answers.
async fn ledger_with(
    app: &WebState,
    (chrome, user, id): (Chrome, &SignedInUser, String),
    (form, errors, flash): (RecordForm, FormErrors, Flash),
    (bank, report, bank_error): (BankForm, Option<BankReport>, Option<String>),
) -> Result<LedgerPage, PageError> {
    let (name, account, ledger) = ledger_parts(app, user, &id).await?;
    Ok(LedgerPage {
        chrome,
        compound_id: id,
        name,
        account,
        ledger,
        flash,
        form,
        errors,
        categories: &CATEGORIES,
        bank,
        report,
        bank_error,
    })
}

/// `GET /compounds/{id}/fund/ledger`: the parties and the compound's officials.
pub async fn ledger_page(
    State(app): State<WebState>,
    chrome: Chrome,
    user: SignedInUser,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<LedgerPage, PageError> {
    let form = RecordForm {
        day: today(),
        ..RecordForm::default()
    };
    ledger_with(
        &app,
        (chrome, &user, id),
        (form, FormErrors::none(), flash),
        (BankForm::default(), None, None),
    )
    .await
}

/// A refusal in one line: the problem's message and each field's.
fn explain(e: &ApiError) -> String {
    let mut out = e.message();
    for m in FormErrors::messages(e) {
        if !out.contains(&m) {
            out.push('；');
            out.push_str(&m);
        }
    }
    out
}

/// A refusal to show on the page in one line, or, for one the user may not see at all (403,
/// 404), the error page itself.
fn shown(e: ApiError) -> Result<String, PageError> {
    if matches!(
        e.status(),
        Some(StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
    ) {
        return Err(e.into());
    }
    Ok(explain(&e))
}

fn ledger_path(id: &str) -> String {
    format!(
        "/compounds/{}/fund/ledger",
        api::path(&[id]).trim_start_matches('/')
    )
}

/// Records a transaction; a refusal shows the form again with the API's messages.
pub async fn record(
    State(app): State<WebState>,
    chrome: Chrome,
    user: SignedInUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RecordForm>,
) -> Result<Response, PageError> {
    let mut errors = FormErrors::none();
    let amount = errors.yuan("amount_fen", form.amount.trim());
    if let Some(amount_fen) = amount {
        let memo = form.memo.trim();
        let body = json!({
            "day": form.day, "category": form.category, "amount_fen": amount_fen,
            "counterparty": form.counterparty,
            "memo": if memo.is_empty() { Value::Null } else { json!(memo) },
            "bank_reference": form.bank_reference,
        });
        let url = fund_url(&app, &id, &["transactions"]);
        let answer: Result<Value, ApiError> = app
            .api
            .send(Method::POST, &url, Some(&user.token), &body)
            .await;
        match answer {
            Ok(_) => return Ok(see_other_with(&ledger_path(&id), "已记账。")),
            Err(e) => errors = FormErrors::from_api_as(&e, Keys::Path, &[]),
        }
    }
    let page = ledger_with(
        &app,
        (chrome, &user, id),
        (form, errors, Flash::default()),
        (BankForm::default(), None, None),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReverseForm {
    #[serde(default)]
    reason: String,
}

/// Reverses (冲正) a transaction with a reason; back to the ledger with the outcome.
pub async fn reverse(
    State(app): State<WebState>,
    user: SignedInUser,
    Path((id, tid)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReverseForm>,
) -> Result<Response, PageError> {
    let url = fund_url(&app, &id, &["transactions", &tid, "reversal"]);
    let answer: Result<Value, ApiError> = app
        .api
        .send(
            Method::POST,
            &url,
            Some(&user.token),
            &json!({"reason": form.reason}),
        )
        .await;
    let message = match answer {
        Ok(_) => "已冲正。".to_string(),
        Err(e) => format!("未能冲正：{}", shown(e)?),
    };
    Ok(see_other_with(&ledger_path(&id), &message))
}

/// A spreadsheet's content type.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Neither text nor file was given.
const NOTHING_TO_IMPORT: &str = "请粘贴对账单内容，或选择银行导出的对账单文件（CSV 或 .xlsx）。";

/// The largest statement file the page forwards (the API refuses more than 4 MiB itself,
/// naming the limit).
pub const MAX_BANK_FILE_BYTES: usize = 8 * 1024 * 1024;

/// The bank form from its multipart body: the typed fields and the file chosen (its name
/// in lower case and its bytes), if any; the CSRF token checked.
async fn read_bank_form(
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<(BankForm, Option<(String, Bytes)>), PageError> {
    let (mut fields, mut sent_csrf, mut file) = (Vec::new(), None, None);
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "_csrf" => sent_csrf = field.text().await.ok(),
            "file" => {
                let file_name = field.file_name().unwrap_or("").to_lowercase();
                if let Ok(b) = field.bytes().await
                    && !b.is_empty()
                {
                    file = Some((file_name, b));
                }
            }
            _ => {
                if let Ok(v) = field.text().await {
                    fields.push((name, v));
                }
            }
        }
    }
    csrf::check(headers, sent_csrf.as_deref())?;
    let form = serde_urlencoded::to_string(&fields)
        .ok()
        .and_then(|q| serde_urlencoded::from_str::<BankForm>(&q).ok())
        .unwrap_or_default();
    Ok((form, file))
}

/// Imports the bank statement pasted into the form or chosen as a file (CSV or .xlsx): the
/// dry run shows the report with an apply button (a pasted or UTF-8 CSV text is carried in
/// the form; a spreadsheet is chosen again); apply imports and shows what was imported.
pub async fn import_bank(
    State(app): State<WebState>,
    chrome: Chrome,
    user: SignedInUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut bank, file) = read_bank_form(&headers, multipart).await?;
    let mode = if bank.mode == "apply" {
        "apply"
    } else {
        "dry_run"
    };
    let (body, format, content_type) = match file {
        Some((name, bytes)) if name.ends_with(".xlsx") => (bytes.to_vec(), "xlsx", XLSX),
        Some((_, bytes)) => {
            if let Ok(text) = std::str::from_utf8(&bytes) {
                bank.csv = text.to_string();
            }
            (bytes.to_vec(), "csv", "text/csv")
        }
        None => (bank.csv.clone().into_bytes(), "csv", "text/csv"),
    };
    let (report, error) = if body.iter().all(u8::is_ascii_whitespace) {
        (None, Some(NOTHING_TO_IMPORT.to_string()))
    } else {
        let url = format!(
            "{}?{}&format={format}",
            fund_url(&app, &id, &["bank-statements"]),
            bank.query(mode)
        );
        let answer: Result<BankReport, ApiError> = app
            .api
            .post_bytes(&url, &user.token, content_type, body)
            .await;
        match answer {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(shown(e)?)),
        }
    };
    let form = RecordForm {
        day: today(),
        ..RecordForm::default()
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ledger_with(
        &app,
        (chrome, &user, id),
        (form, FormErrors::none(), Flash::default()),
        (bank, report, error),
    )
    .await?;
    Ok((status, page).into_response())
}

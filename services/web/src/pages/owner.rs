//! 业主表决码 (`/o`, no sign-in): an owner types the one-time code printed on the unit's
//! notice and sees what that unit may do: the question and its options, vote (同意 / 反对 /
//! 弃权, or the firm), a receipt, which units took part and how (never their choices), an
//! objection, the result once the vote is closed, the unit's survey when the code is for
//! one, and the unit's requests to inspect (查阅) with their answers (part of the code's
//! lookup, so one call per page counts once against the throttle): the files an answer
//! gave open with the code (`POST /o/documents/{id}`, streamed from tender's
//! `POST /tenders/owner-code/documents/{id}/content`).
//!
//! The code travels only in form bodies (POST, CSRF-checked like every form, with the
//! double-submit cookie a visitor has without a session), never in a URL, and every answer
//! is `Cache-Control: no-store`. The API decides everything (a wrong, used or late code,
//! the per-address throttle); the page shows its Chinese message.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::forms::FormErrors;
use crate::pages::choice::Choice;
use crate::pages::model::owners::{CodeLookup, Participation, Receipt};
use crate::state::WebState;

/// A code is 12 letters and digits (with dashes); anything much longer is no code.
const CODE_MAX: usize = 40;
/// The longest objection the API takes.
const OBJECTION_MAX: usize = 1000;
/// The longest survey comment the page sends.
const COMMENT_MAX: usize = 500;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/o", get(form).post(lookup))
        .route("/o/ballot", post(ballot))
        .route("/o/participation", post(participation))
        .route("/o/objection", post(objection))
        .route("/o/survey", post(survey))
        .route("/o/documents/{id}", post(document))
}

/// Every form of these pages: the code, and what the action needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    /// A ballot: `approve`, `oppose`, `abstain` or `option:<id>`.
    #[serde(default)]
    pick: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

impl CodeForm {
    /// The code as the API takes it: upper case, without spaces.
    fn code(&self) -> Option<String> {
        let code: String = self
            .code
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        (!code.is_empty() && code.chars().count() <= CODE_MAX).then_some(code)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "owner_code.html")]
pub struct CodePage {
    chrome: Chrome,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "owner_unit.html")]
pub struct UnitPage {
    chrome: Chrome,
    code: String,
    look: CodeLookup,
    receipt: Option<Receipt>,
    participation: Option<Participation>,
    /// A green notice (the objection or survey answer was recorded).
    done: Option<String>,
    /// Refusals, keyed by section: `ballot`, `objection`, `survey`, `participation`.
    errors: FormErrors,
    form: CodeForm,
}

impl UnitPage {
    /// The vote's choices for the ballot form.
    pub fn picks(&self) -> Vec<Choice> {
        let Some(v) = &self.look.vote else {
            return Vec::new();
        };
        let mut table: Vec<(String, String)> = if v.has_options() {
            v.options
                .iter()
                .map(|o| (format!("option:{}", o.id), o.label.clone()))
                .collect()
        } else {
            vec![
                ("approve".into(), "同意".into()),
                ("oppose".into(), "反对".into()),
            ]
        };
        table.push(("abstain".into(), "弃权".into()));
        table
            .into_iter()
            .map(|(value, label)| Choice {
                selected: value == self.form.pick,
                value,
                label,
            })
            .collect()
    }

    pub fn ratings(&self) -> Vec<Choice> {
        Choice::list(
            &[
                ("satisfied", "满意"),
                ("basically_satisfied", "基本满意"),
                ("dissatisfied", "不满意"),
            ],
            &self.form.rating,
        )
    }
}

/// Nothing the browser keeps: the page holds a code.
fn no_store(status: StatusCode, page: impl IntoResponse) -> Response {
    let mut r = (status, page).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The API's refusal as people read it; the throttle politely, with the wait.
fn message(e: &ApiError) -> String {
    match e {
        ApiError::Refused {
            status,
            retry_after,
            ..
        } if status.as_u16() == 429 => match retry_after {
            Some(s) => format!("查询过于频繁，为保护表决码安全，请 {s} 秒后再试。"),
            None => "查询过于频繁，为保护表决码安全，请稍后再试。".into(),
        },
        e => e.message(),
    }
}

fn status_of(e: &ApiError) -> StatusCode {
    FormErrors::status(e)
}

/// The code form again, with why.
fn code_page(chrome: Chrome, e: &ApiError) -> Response {
    no_store(
        status_of(e),
        CodePage {
            chrome,
            error: Some(message(e)),
        },
    )
}

pub async fn form(chrome: Chrome) -> Response {
    no_store(
        StatusCode::OK,
        CodePage {
            chrome,
            error: None,
        },
    )
}

async fn call<T: serde::de::DeserializeOwned>(
    app: &WebState,
    path: &str,
    body: &Value,
) -> Result<T, ApiError> {
    let url = format!("{}/tenders/owner-code{path}", app.api.tender);
    app.api.send(Method::POST, &url, None, body).await
}

/// What the unit's page shows besides the lookup.
#[derive(Default)]
struct Extra {
    receipt: Option<Receipt>,
    participation: Option<Participation>,
    done: Option<String>,
    errors: FormErrors,
}

/// Looks the code up and shows the unit's page with `extra`, or the code form with the
/// API's message.
async fn show(
    app: &WebState,
    chrome: Chrome,
    code: String,
    form: CodeForm,
    extra: Extra,
    status: StatusCode,
) -> Response {
    match call::<CodeLookup>(app, "", &json!({ "code": code })).await {
        Ok(look) => no_store(
            status,
            UnitPage {
                chrome,
                code,
                look,
                receipt: extra.receipt,
                participation: extra.participation,
                done: extra.done,
                errors: extra.errors,
                form,
            },
        ),
        Err(e) => code_page(chrome, &e),
    }
}

/// The code of a form, or the code form again.
fn code_of(chrome: &Chrome, form: &CodeForm) -> Result<String, Response> {
    form.code().ok_or_else(|| {
        no_store(
            StatusCode::UNPROCESSABLE_ENTITY,
            CodePage {
                chrome: chrome.clone(),
                error: Some(
                    "请填写表决通知上的表决码（12 位字母和数字，如 ABCD-EFGH-JKLM）。".into(),
                ),
            },
        )
    })
}

/// A refusal shown in `section` of the unit's page; a wrong code shows the code form.
/// Sends an owner's action (`POST /tenders/owner-code/<section>`): on success the unit's
/// page again with what `shown` makes of the answer, else the refusal beside the
/// section's form.
async fn act<T: serde::de::DeserializeOwned>(
    app: &WebState,
    chrome: Chrome,
    code: String,
    form: CodeForm,
    section: &str,
    body: &Value,
    shown: impl FnOnce(T) -> Extra,
) -> Response {
    match call::<T>(app, &format!("/{section}"), body).await {
        Ok(answer) => {
            show(
                app,
                chrome,
                code,
                CodeForm::default(),
                shown(answer),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => refused(app, chrome, code, form, section, e).await,
    }
}

async fn refused(
    app: &WebState,
    chrome: Chrome,
    code: String,
    form: CodeForm,
    section: &str,
    e: ApiError,
) -> Response {
    if matches!(e.status(), Some(s) if s == StatusCode::NOT_FOUND || s == StatusCode::TOO_MANY_REQUESTS)
    {
        return code_page(chrome, &e);
    }
    let mut errors = FormErrors::from_api(&e);
    errors.set(section, message(&e));
    let status = status_of(&e);
    show(
        app,
        chrome,
        code,
        form,
        Extra {
            errors,
            ..Default::default()
        },
        status,
    )
    .await
}

pub async fn lookup(
    State(app): State<WebState>,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let code = match code_of(&chrome, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    show(
        &app,
        chrome,
        code,
        CodeForm::default(),
        Extra::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn ballot(
    State(app): State<WebState>,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let code = match code_of(&chrome, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut body = json!({ "code": code });
    match form.pick.as_str() {
        c @ ("approve" | "oppose" | "abstain") => body["choice"] = json!(c),
        p => match p.strip_prefix("option:") {
            Some(id) if !id.is_empty() => {
                body["choice"] = json!("approve");
                body["option_id"] = json!(id);
            }
            _ => {
                let mut errors = FormErrors::none();
                errors.set("ballot", "请选择表决意见后再提交。");
                let extra = Extra {
                    errors,
                    ..Default::default()
                };
                return show(
                    &app,
                    chrome,
                    code,
                    form,
                    extra,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    }
    act(
        &app,
        chrome,
        code,
        form,
        "ballot",
        &body,
        |receipt: Receipt| Extra {
            receipt: Some(receipt),
            ..Default::default()
        },
    )
    .await
}

pub async fn participation(
    State(app): State<WebState>,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let code = match code_of(&chrome, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = json!({ "code": code });
    act(
        &app,
        chrome,
        code,
        form,
        "participation",
        &body,
        |p: Participation| Extra {
            participation: Some(p),
            ..Default::default()
        },
    )
    .await
}

pub async fn objection(
    State(app): State<WebState>,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let code = match code_of(&chrome, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let text = form.text.trim();
    let local = if text.is_empty() {
        Some("请写明异议的内容。".to_string())
    } else if text.chars().count() > OBJECTION_MAX {
        Some(format!("异议最多 {OBJECTION_MAX} 个字。"))
    } else {
        None
    };
    if let Some(m) = local {
        let mut errors = FormErrors::none();
        errors.set("objection", m);
        let extra = Extra {
            errors,
            ..Default::default()
        };
        return show(
            &app,
            chrome,
            code,
            form,
            extra,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let body = json!({ "code": code, "text": text });
    act(&app, chrome, code, form, "objection", &body, |_: Value| {
        Extra {
            done: Some("您的异议已记录，并已送达所在街道（乡镇）。".into()),
            ..Default::default()
        }
    })
    .await
}

pub async fn survey(
    State(app): State<WebState>,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let code = match code_of(&chrome, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let comment = form.comment.trim();
    if comment.chars().count() > COMMENT_MAX {
        let mut errors = FormErrors::none();
        errors.set("survey", format!("意见最多 {COMMENT_MAX} 个字。"));
        let extra = Extra {
            errors,
            ..Default::default()
        };
        return show(
            &app,
            chrome,
            code,
            form,
            extra,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let mut body = json!({ "code": code, "rating": form.rating.trim() });
    if !comment.is_empty() {
        body["comment"] = json!(comment);
    }
    act(&app, chrome, code, form, "survey", &body, |_: Value| {
        Extra {
            done: Some("感谢您的评价，已记录。".into()),
            ..Default::default()
        }
    })
    .await
}

/// A file an answer to the unit's request gave, opened with the code: its bytes as tender
/// serves them (type, attachment name), never stored by the browser; a refusal shows the
/// unit's page with why.
pub async fn document(
    State(app): State<WebState>,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let code = match code_of(&chrome, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let url = format!(
        "{}{}",
        app.api.tender,
        crate::api::path(&["tenders", "owner-code", "documents", &id, "content"])
    );
    match app.api.post_for_file(&url, &json!({ "code": code })).await {
        Ok(file) => {
            let mut r = no_store(StatusCode::OK, file.bytes);
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&file.content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            if let Some(v) = file
                .disposition
                .and_then(|d| HeaderValue::from_str(&d).ok())
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            r
        }
        Err(e) => refused(&app, chrome, code, CodeForm::default(), "inspection", e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_as_the_api_takes_it() {
        let form = |code: &str| CodeForm {
            code: code.into(),
            ..Default::default()
        };
        assert_eq!(
            form(" abcd-efgh-jkm2 ").code().as_deref(),
            Some("ABCD-EFGH-JKM2")
        );
        assert_eq!(form("ab cd").code().as_deref(), Some("ABCD"));
        assert_eq!(form("   ").code(), None);
        assert_eq!(form(&"A".repeat(CODE_MAX + 1)).code(), None);
    }

    #[test]
    fn the_throttle_is_explained_politely() {
        let problem = shared::error::Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "请求过多",
        );
        let e = ApiError::Refused {
            status: StatusCode::TOO_MANY_REQUESTS,
            problem: Box::new(problem),
            retry_after: Some("42".into()),
        };
        assert!(message(&e).contains("请 42 秒后再试"));
        assert_eq!(status_of(&e), StatusCode::TOO_MANY_REQUESTS);
    }
}

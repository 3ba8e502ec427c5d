//! The association's roster actions on a firm, each a form of the record page posted to
//! the catalog: on success back to the record with a notice, on refusal the record again
//! with the form's values and the API's message beside each field.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::record::{Refused, load_record};
use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{FormErrors, see_other_with};
use crate::roles::AssociationUser;
use crate::state::WebState;

/// One roster action: the catalog endpoint under `/catalog/firms/{id}/`, its body, the
/// record page's form it came from with what was typed there, and the notice on success.
struct RosterAction {
    endpoint: &'static str,
    body: Value,
    form: String,
    typed: BTreeMap<String, String>,
    done: &'static str,
}

/// Posts the action to the catalog and answers the page.
async fn act(
    app: &WebState,
    user: &AssociationUser,
    chrome: Chrome,
    id: &str,
    action: RosterAction,
) -> Result<Response, PageError> {
    let path = format!("/association/firms/{id}");
    let url = format!(
        "{}{}",
        app.api.catalog,
        api::path(&["catalog", "firms", id, action.endpoint])
    );
    let answer: Result<Value, ApiError> = app
        .api
        .send(Method::POST, &url, Some(&user.token), &action.body)
        .await;
    let e = match answer {
        Ok(_) => return Ok(see_other_with(&path, action.done)),
        Err(e) => e,
    };
    let status = FormErrors::status(&e);
    if status == StatusCode::NOT_FOUND {
        return Err(e.into());
    }
    let refused = Refused {
        form: action.form,
        errors: FormErrors::from_api(&e),
        typed: action.typed,
    };
    let page = load_record(app, user, id, chrome, None, refused).await?;
    Ok((status, page).into_response())
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
    user: AssociationUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StandingForm>,
) -> Result<Response, PageError> {
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
    let action = RosterAction {
        endpoint: "standing",
        body,
        form: form.action,
        typed,
        done,
    };
    act(&app, &user, chrome, &id, action).await
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
    user: AssociationUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CreditForm>,
) -> Result<Response, PageError> {
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
        ("kind".to_string(), form.kind),
        ("points".to_string(), form.points),
        ("reason".to_string(), form.reason),
        ("source".to_string(), form.source),
        ("date".to_string(), form.date),
    ]);
    let action = RosterAction {
        endpoint: "credit-events",
        body,
        form: "credit".into(),
        typed,
        done: "已记录信用事件。",
    };
    act(&app, &user, chrome, &id, action).await
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
    user: AssociationUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<WhitelistForm>,
) -> Result<Response, PageError> {
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
        ("on".to_string(), form.on),
        ("reason".to_string(), form.reason),
    ]);
    let action = RosterAction {
        endpoint: "whitelist",
        body,
        form: "whitelist".into(),
        typed,
        done,
    };
    act(&app, &user, chrome, &id, action).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// Rejects a pending application (驳回申请), with a reason.
pub async fn reject(
    State(app): State<WebState>,
    user: AssociationUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, PageError> {
    let action = RosterAction {
        endpoint: "rejection",
        body: json!({"reason": form.reason}),
        form: "reject".into(),
        typed: BTreeMap::from([("reason".to_string(), form.reason)]),
        done: "已驳回该入库申请，企业账号已停用，信用代码可由真实企业重新申请。",
    };
    act(&app, &user, chrome, &id, action).await
}

/// Confirms a firm's material profile changes (复核通过).
pub async fn confirm_review(
    State(app): State<WebState>,
    user: AssociationUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<Response, PageError> {
    let body = if form.reason.trim().is_empty() {
        json!({})
    } else {
        json!({"reason": form.reason})
    };
    let action = RosterAction {
        endpoint: "profile-review",
        body,
        form: "review".into(),
        typed: BTreeMap::from([("reason".to_string(), form.reason)]),
        done: "资料变更已复核。",
    };
    act(&app, &user, chrome, &id, action).await
}

//! The workbench's actions (publish, cancel, answer a question, invite a firm, scores,
//! award, answer a complaint, contract, terminate the contract): each checks the tender is the committee's, calls the tender API and
//! answers the page: back to the workbench at the action's section with a notice, or the
//! workbench again with the refusal beside the action's form and what was typed kept.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::workbench::{Refused, load_page, own_tender};
use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{
    Flash, FormErrors, Keys, REMUNERATION_KIND, REMUNERATION_RENAMES, REMUNERATION_VALUE,
    see_other_at,
};
use crate::pages::model::tender::{Ranked, TenderView};
use crate::roles::CommitteeUser;
use crate::state::WebState;

/// One action of the workbench: its form (also the section the page returns to), what was
/// typed in it, how API fields become its inputs (`keys`, then `renames`), and the notice
/// on success.
struct Action {
    form: &'static str,
    typed: BTreeMap<String, String>,
    keys: Keys,
    renames: &'static [(&'static str, &'static str)],
    done: String,
}

impl Action {
    fn new(form: &'static str, typed: BTreeMap<String, String>, done: impl Into<String>) -> Self {
        Self {
            form,
            typed,
            keys: Keys::Top,
            renames: &[],
            done: done.into(),
        }
    }
}

/// The page answering an action on tender `t`, given the API's answer.
async fn answer_page(
    app: &WebState,
    c: &CommitteeUser,
    chrome: Chrome,
    t: TenderView,
    action: Action,
    answer: Result<(), ApiError>,
) -> Result<Response, PageError> {
    let path = format!("/committee/tenders/{}", t.id);
    let e = match answer {
        Ok(()) => return Ok(see_other_at(&path, &action.done, action.form)),
        Err(e) => e,
    };
    let refused = Refused {
        form: action.form,
        errors: FormErrors::from_api_as(&e, action.keys, action.renames),
        messages: FormErrors::messages(&e),
        typed: action.typed,
    };
    // Show the tender as it is now (the refusal may be about its state).
    let t = own_tender(app, c, &t.id).await.unwrap_or(t);
    let page = load_page(app, c, t, chrome, Flash::default(), refused).await;
    Ok((FormErrors::status(&e), page).into_response())
}

/// A write to the tender API as the committee; only success or the refusal matters.
async fn send(
    app: &WebState,
    c: &CommitteeUser,
    method: Method,
    path: &str,
    body: &Value,
) -> Result<(), ApiError> {
    app.api
        .send::<Value>(
            method,
            &format!("{}{path}", app.api.tender),
            Some(&c.token),
            body,
        )
        .await
        .map(|_| ())
}

/// A form that carries only the CSRF field.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// A posted form, field by field.
type Form = BTreeMap<String, String>;

fn field(form: &Form, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

pub async fn publish(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let path = api::path(&["tenders", &id, "publish"]);
    let answer = send(&app, &c, Method::POST, &path, &json!({})).await;
    let action = Action::new(
        "publish",
        Form::new(),
        "已发布招标公告，企业现在可以提问和投标",
    );
    answer_page(&app, &c, chrome, t, action, answer).await
}

pub async fn cancel(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let path = api::path(&["tenders", &id, "cancel"]);
    let body = json!({"reason": field(&form, "reason")});
    let answer = send(&app, &c, Method::POST, &path, &body).await;
    let action = Action::new("cancel", form, "已终止招标项目");
    answer_page(&app, &c, chrome, t, action, answer).await
}

pub async fn answer(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path((id, qid)): Path<(String, String)>,
    CsrfForm(mut form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let text = field(&form, "answer");
    // Which question the typed answer belongs to.
    form.insert(format!("answer:{qid}"), text.clone());
    let path = api::path(&["tenders", &id, "questions", &qid, "answer"]);
    let answer = send(&app, &c, Method::POST, &path, &json!({"answer": text})).await;
    let action = Action::new("qa", form, "已答复，答复内容已公开");
    answer_page(&app, &c, chrome, t, action, answer).await
}

pub async fn invite(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let firm_name = field(&form, "firm_name");
    let done = if firm_name.is_empty() {
        "已发出投标邀请".to_string()
    } else {
        format!("已邀请{firm_name}投标")
    };
    let path = api::path(&["tenders", &id, "invitations"]);
    let body = json!({"firm_id": field(&form, "firm_id")});
    let answer = send(&app, &c, Method::POST, &path, &body).await;
    answer_page(
        &app,
        &c,
        chrome,
        t,
        Action::new("matched", form, done),
        answer,
    )
    .await
}

/// The scores body from the score table's `pts:<bid>:<criterion index>` inputs:
/// `{bid: {criterion: points}}`; a refusal naming each criterion whose points are no
/// whole number.
fn scores_body(form: &Form, t: &TenderView) -> Result<Value, ApiError> {
    let mut by_bid: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for (k, v) in form {
        let Some((bid, i)) = k
            .strip_prefix("pts:")
            .and_then(|rest| rest.rsplit_once(':'))
        else {
            continue;
        };
        let Some(criterion) = i
            .parse::<usize>()
            .ok()
            .and_then(|i| t.evaluation.criteria.get(i))
        else {
            continue;
        };
        let entry = by_bid.entry(bid.to_string()).or_default();
        match v.trim().parse::<i64>() {
            Ok(p) => {
                entry.insert(criterion.name.clone(), json!(p));
            }
            Err(_) => unreadable.push(criterion.name.clone()),
        }
    }
    if !unreadable.is_empty() {
        let mut problem = shared::error::Problem::validation(
            unreadable
                .iter()
                .map(|n| {
                    shared::error::FieldError::new(
                        "scores",
                        "invalid",
                        format!("“{n}”的得分应为整数"),
                    )
                })
                .collect(),
        );
        problem.detail = Some("评分表有误，请按提示修改。".into());
        return Err(ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: Box::new(problem),
            retry_after: None,
        });
    }
    let scores: Vec<Value> = by_bid
        .into_iter()
        .map(|(bid, points)| json!({"bid_id": bid, "points": points}))
        .collect();
    Ok(json!({"scores": scores}))
}

pub async fn scores(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let path = api::path(&["tenders", &id, "scores"]);
    let answer = match scores_body(&form, &t) {
        Ok(body) => send(&app, &c, Method::PUT, &path, &body).await,
        Err(e) => Err(e),
    };
    let action = Action::new("scores", form, "已保存评分，排名已更新");
    answer_page(&app, &c, chrome, t, action, answer).await
}

/// Awards `bid_id`, passing over every valid bid ranked above it with `reason`.
async fn award_bid(
    app: &WebState,
    c: &CommitteeUser,
    id: &str,
    bid_id: &str,
    reason: &str,
) -> Result<(), ApiError> {
    let ranking: Vec<Ranked> = app
        .api
        .get(
            &format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", id, "ranking"])
            ),
            Some(&c.token),
        )
        .await?;
    let rank = ranking
        .iter()
        .find(|r| r.bid_id == bid_id)
        .map_or(i64::MAX, |r| r.rank);
    let skipped: Vec<Value> = ranking
        .iter()
        .filter(|r| r.rank < rank)
        .map(|r| json!({"bid_id": r.bid_id, "reason": reason.trim()}))
        .collect();
    let path = api::path(&["tenders", id, "award"]);
    let body = json!({"bid_id": bid_id, "skipped": skipped});
    send(app, c, Method::POST, &path, &body).await
}

pub async fn award(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let (bid_id, reason) = (field(&form, "bid_id"), field(&form, "reason"));
    let answer = award_bid(&app, &c, &id, &bid_id, &reason).await;
    let action = Action {
        renames: &[("skipped", "reason")],
        ..Action::new("award", form, "已定标，定标结果进入公示期")
    };
    answer_page(&app, &c, chrome, t, action, answer).await
}

/// `POST /committee/tenders/{id}/complaints/{cid}/answer`: upheld (`upheld=true`) revokes
/// the award and reopens evaluation.
pub async fn answer_complaint(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path((id, cid)): Path<(String, String)>,
    CsrfForm(mut form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let upheld = field(&form, "upheld") == "true";
    let body = json!({"upheld": upheld, "answer": field(&form, "answer")});
    form.insert("cid".into(), cid.clone());
    let path = api::path(&["tenders", &id, "complaints", &cid, "answer"]);
    let answer = send(&app, &c, Method::POST, &path, &body).await;
    let done = if upheld {
        "已答复：质疑成立，定标已撤销，项目回到评标"
    } else {
        "已答复质疑，答复内容已公开"
    };
    answer_page(
        &app,
        &c,
        chrome,
        t,
        Action::new("complaints", form, done),
        answer,
    )
    .await
}

/// `POST /committee/tenders/{id}/terminate`: ends the tender's contract on the owners'
/// passing decision chosen (`vote_id`).
pub async fn terminate(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let Some(cid) = t.contract.as_ref().map(|k| k.id.clone()) else {
        return Err(PageError::not_found("该项目没有合同。"));
    };
    let mut body = json!({"reason": field(&form, "reason"), "vote_id": field(&form, "vote_id")});
    let on = field(&form, "terminated_on");
    if !on.trim().is_empty() {
        body["terminated_on"] = json!(on.trim());
    }
    let path = api::path(&["tenders", "contracts", &cid, "terminate"]);
    let answer = send(&app, &c, Method::POST, &path, &body).await;
    let action = Action::new("terminate", form, "已依据业主决定解除物业服务合同");
    answer_page(&app, &c, chrome, t, action, answer).await
}

pub async fn contract(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    let t = own_tender(&app, &c, &id).await?;
    let (start, signed) = (field(&form, "start_date"), field(&form, "signed_on"));
    let mut body = json!({"start_date": start.trim()});
    if !signed.trim().is_empty() {
        body["signed_on"] = json!(signed.trim());
    }
    // 酬金: only when the committee states one; else the API takes the awarded bid's.
    let mut local = FormErrors::none();
    let stated = local.remuneration(
        &field(&form, REMUNERATION_KIND),
        &field(&form, REMUNERATION_VALUE),
    );
    if let Some(r) = stated {
        body["remuneration"] = r;
    }
    let answer = if local.is_empty() {
        let path = api::path(&["tenders", &id, "contract"]);
        send(&app, &c, Method::POST, &path, &body).await
    } else {
        Err(refusal(local))
    };
    let action = Action {
        keys: Keys::Path,
        renames: &REMUNERATION_RENAMES,
        ..Action::new("contract", form, "已签订物业服务合同，小区纳入物业服务覆盖")
    };
    answer_page(&app, &c, chrome, t, action, answer).await
}

/// The page's own refusal of what was typed, shown as the API's would be.
fn refusal(local: FormErrors) -> ApiError {
    let fields = local
        .fields
        .into_iter()
        .map(|(field, message)| shared::error::FieldError::new(field, "invalid", message))
        .collect();
    ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        problem: Box::new(shared::error::Problem::validation(fields)),
        retry_after: None,
    }
}

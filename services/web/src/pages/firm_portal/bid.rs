//! 投标 (`/firm/tenders/{id}`): a tender's terms and the firm's sealed bid — place,
//! replace, confirm or withdraw it until the deadline, with a countdown; afterwards the
//! opening record and the firm's result. The firm's questions and complaints on the same
//! page are sent by `voice.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};
use shared::clock::now_ms;

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::{parse_yuan, remuneration_inputs, yuan_plain};
use crate::forms::{
    Fields, Flash, FormErrors, Keys, REMUNERATION_KIND, REMUNERATION_RENAMES, REMUNERATION_VALUE,
    see_other_with,
};
use crate::pages::model::complaints::Complaint;
use crate::pages::model::tender::{Bid, Question, TenderView};
use crate::roles::FirmUser;
use crate::state::WebState;

/// A refused bid form: which one (`place`, `replace`, `withdraw`, `confirm`), what was typed
/// and why.
#[derive(Debug, Default)]
pub struct Refused {
    pub form: &'static str,
    pub typed: Fields,
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_tender.html")]
pub struct BidPage {
    chrome: Chrome,
    done: Option<String>,
    tender: TenderView,
    bid: Option<Bid>,
    firm: String,
    /// Server time when rendered (ms), for the countdown script.
    now: i64,
    /// Which form was refused, if any.
    failed: &'static str,
    typed: Fields,
    errors: FormErrors,
    /// The public answered questions and the firm's own (who asked is never shown).
    questions: Vec<Question>,
    /// The firm's own complaints and the decided ones of others (without the complainant).
    complaints: Vec<Complaint>,
}

impl BidPage {
    /// What was typed in `field` of the refused form `form`.
    pub fn typed_in(&self, form: &str, field: &str) -> String {
        if self.failed == form {
            self.typed.get(field)
        } else {
            String::new()
        }
    }

    /// The error of the refused form `form` for `field`.
    pub fn err_in(&self, form: &str, field: &str) -> Option<String> {
        (self.failed == form)
            .then(|| self.errors.get(field).map(str::to_string))
            .flatten()
    }

    /// Whether this complaint is the firm's own.
    pub fn own(&self, c: &Complaint) -> bool {
        c.firm_id.as_deref() == Some(self.firm.as_str())
    }

    /// The firm may lodge a complaint: it bid and the award is in its notice period.
    pub fn may_complain(&self) -> bool {
        self.own_opened()
            && self.tender.is_awarded()
            && self
                .tender
                .award
                .as_ref()
                .is_some_and(|a| a.notice_left().is_some())
    }

    /// The value of a bid field: as typed when refused, else the current bid's.
    pub fn val(&self, field: &str) -> String {
        if self.failed == "place" || self.failed == "replace" {
            return self.typed.get(field);
        }
        let Some(b) = &self.bid else {
            return String::new();
        };
        match field {
            "fee" => yuan_plain(b.fee),
            "annual_price" => yuan_plain(b.annual_price_fen),
            "staffing_plan" => b.staffing_plan.clone(),
            "service_plan" => b.service_plan.clone(),
            REMUNERATION_KIND => remuneration_inputs(b.remuneration).0,
            REMUNERATION_VALUE => remuneration_inputs(b.remuneration).1,
            _ => String::new(),
        }
    }

    /// The tender's proposed remuneration, shown beside the bid's.
    pub fn proposed_remuneration(&self) -> String {
        match self.tender.remuneration_text() {
            Some(r) => format!("招标方拟定酬金：{r}。"),
            None => "招标方未拟定酬金。".into(),
        }
    }

    /// The answer to the `i`th criterion.
    pub fn answer(&self, i: &usize, name: &str) -> String {
        if self.failed == "place" || self.failed == "replace" {
            return self.typed.get(&format!("answer_{i}"));
        }
        self.bid
            .as_ref()
            .and_then(|b| b.criteria_answers.iter().find(|a| a.name == name))
            .map(|a| a.answer.clone())
            .unwrap_or_default()
    }

    pub fn err(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(str::to_string)
    }

    /// The opening record's line of this firm, if it bid.
    pub fn own_opened(&self) -> bool {
        self.tender
            .opening
            .as_ref()
            .is_some_and(|o| o.bids.iter().any(|b| b.firm_id == self.firm))
    }
}

pub(super) async fn load(
    app: &WebState,
    user: &FirmUser,
    id: &str,
    chrome: Chrome,
    done: Option<String>,
    refused: Refused,
) -> Result<BidPage, PageError> {
    let token = Some(user.token.as_str());
    let tender_url = format!("{}{}", app.api.tender, api::path(&["tenders", id]));
    let tender: TenderView = app.api.get(&tender_url, token).await?;
    let bid_url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", id, "bids", "mine"])
    );
    let bid = match app.api.get::<Bid>(&bid_url, token).await {
        Ok(b) => Some(b),
        Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => None,
        Err(e) => return Err(e.into()),
    };
    let list = |what: &str| format!("{}{}", app.api.tender, api::path(&["tenders", id, what]));
    let (questions_url, complaints_url) = (list("questions"), list("complaints"));
    let (questions, complaints) = futures::join!(
        app.api.get::<Vec<Question>>(&questions_url, token),
        app.api.get::<Vec<Complaint>>(&complaints_url, token),
    );
    Ok(BidPage {
        chrome,
        done,
        tender,
        bid,
        firm: user.firm_id.clone(),
        now: now_ms(),
        failed: refused.form,
        typed: refused.typed,
        errors: refused.errors,
        questions: questions.unwrap_or_default(),
        complaints: complaints.unwrap_or_default(),
    })
}

pub async fn page(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<BidPage, PageError> {
    load(&app, &user, &id, chrome, flash.done, Refused::default()).await
}

/// The bid body from the form; amounts typed in 元, the remuneration (酬金制, 信托制) only
/// when a kind is chosen.
fn bid_body(fields: &Fields, local: &mut FormErrors) -> Value {
    let mut money = |name: &str, api: &str, message: &str| -> i64 {
        match parse_yuan(&fields.get(name)) {
            Some(v) => v,
            None => {
                local.set(api, message);
                0
            }
        }
    };
    let fee = money("fee", "fee", "请填写物业费单价（元/㎡·月），如 1.80");
    let price = money(
        "annual_price",
        "annual_price_fen",
        "请填写年度报价（元），最多两位小数",
    );
    let answers: Vec<Value> = fields
        .0
        .iter()
        .filter_map(|(k, v)| {
            let i = k.strip_prefix("criterion_")?;
            Some(json!({"name": v, "answer": fields.get(&format!("answer_{i}"))}))
        })
        .collect();
    let mut body = json!({
        "fee": fee,
        "annual_price_fen": price,
        "staffing_plan": fields.get("staffing_plan"),
        "service_plan": fields.get("service_plan"),
        "criteria_answers": answers,
    });
    let asked = local.remuneration(
        &fields.get(REMUNERATION_KIND),
        &fields.get(REMUNERATION_VALUE),
    );
    if let Some(r) = asked {
        body["remuneration"] = r;
    }
    body
}

/// What the firm does with its bid; each is a form of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BidAction {
    Place,
    Replace,
    Withdraw,
    Confirm,
}

impl BidAction {
    /// The form's name on the page.
    fn form(self) -> &'static str {
        match self {
            BidAction::Place => "place",
            BidAction::Replace => "replace",
            BidAction::Withdraw => "withdraw",
            BidAction::Confirm => "confirm",
        }
    }
}

/// Sends a bid action as the firm; success → back to the page with a notice; refusal → the
/// page again with what was typed and why.
async fn act(
    app: &WebState,
    user: &FirmUser,
    chrome: Chrome,
    id: &str,
    action: BidAction,
    fields: Fields,
) -> Result<Response, PageError> {
    let path = format!("/firm/tenders/{id}");
    let base = format!("{}{}", app.api.tender, api::path(&["tenders", id, "bids"]));
    let mut local = FormErrors::none();
    let (method, url, body, done) = match action {
        BidAction::Place => (
            Method::POST,
            base,
            Some(bid_body(&fields, &mut local)),
            "已密封提交投标。开标前任何人都看不到投标内容。",
        ),
        BidAction::Replace => (
            Method::PUT,
            format!("{base}/mine"),
            Some(bid_body(&fields, &mut local)),
            "已替换投标，以最新一版为准。",
        ),
        BidAction::Confirm => (
            Method::POST,
            format!("{base}/mine/confirm"),
            Some(json!({})),
            "已确认投标响应最新的招标条件。",
        ),
        BidAction::Withdraw => (
            Method::DELETE,
            format!("{base}/mine"),
            None,
            "已撤回投标。截止前可重新投标。",
        ),
    };
    let (status, errors) = if local.is_empty() {
        let answer: Result<Value, ApiError> = app
            .api
            .call(method, &url, Some(&user.token), body.as_ref(), None)
            .await;
        match answer {
            Ok(_) => return Ok(see_other_with(&path, done)),
            Err(e)
                if matches!(
                    e.status(),
                    Some(StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                ) && action == BidAction::Place =>
            {
                return Err(e.into());
            }
            Err(e) => (
                FormErrors::status(&e),
                FormErrors::from_api_as(&e, Keys::Path, &REMUNERATION_RENAMES),
            ),
        }
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, local)
    };
    let refused = Refused {
        form: action.form(),
        typed: fields,
        errors,
    };
    let page = load(app, user, id, chrome, None, refused).await?;
    Ok((status, page).into_response())
}

pub async fn place(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    act(&app, &user, chrome, &id, BidAction::Place, Fields(fields)).await
}

/// `…/bid/replace`, `…/bid/withdraw`, `…/bid/confirm`.
pub async fn change(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let action = match action.as_str() {
        "replace" => BidAction::Replace,
        "withdraw" => BidAction::Withdraw,
        "confirm" => BidAction::Confirm,
        _ => return Err(PageError::not_found("没有这个投标操作。")),
    };
    act(&app, &user, chrome, &id, action, Fields(fields)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_bid_asks_a_remuneration_only_when_a_kind_is_chosen() {
        let plain = [
            ("fee", "1.80"),
            ("annual_price", "604800"),
            ("staffing_plan", "12 人"),
            ("service_plan", "保洁"),
        ];
        let mut local = FormErrors::none();
        let body = bid_body(&typed(&plain), &mut local);
        assert!(body.get("remuneration").is_none() && local.is_empty());
        let mut with = plain.to_vec();
        with.extend([
            ("remuneration_kind", "percentage"),
            ("remuneration_value", "8"),
        ]);
        let body = bid_body(&typed(&with), &mut local);
        assert_eq!(
            body["remuneration"],
            json!({"kind": "percentage", "basis_points": 800})
        );
        assert!(local.is_empty());
        let mut bad = plain.to_vec();
        bad.extend([("remuneration_kind", "fixed"), ("remuneration_value", "")]);
        bid_body(&typed(&bad), &mut local);
        assert_eq!(
            local.get("remuneration_value"),
            Some("请填写每年的固定酬金（元）")
        );
    }
}

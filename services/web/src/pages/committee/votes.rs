//! 业主表决 typed as totals (`/committee/typed-votes…`): only for decisions taken before the
//! compound had a register. The committee records the counts and areas of Civil Code
//! art. 278 and sees the result with each condition of the double majority; such a vote is
//! shown everywhere as 未经名册核验 and is never enough to award (votes from ballots are in
//! `votes_open.rs` and `votes_one.rs`). Not linked from the committee's navigation.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::{MATTERS, today};
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::model::Created;
use crate::pages::model::owners::Vote;
use crate::roles::CommitteeUser;
use crate::state::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct VoteInput {
    #[serde(default)]
    matter: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    total_owners: String,
    #[serde(default)]
    total_area_m2: String,
    #[serde(default)]
    participating_owners: String,
    #[serde(default)]
    participating_area_m2: String,
    #[serde(default)]
    approving_owners: String,
    #[serde(default)]
    approving_area_m2: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    document_ref: String,
    /// For `choose_firm` on an `owners_vote` tender: the opened bid the owners chose.
    #[serde(default)]
    chosen_bid_id: String,
}

/// `?matter=choose_firm&chosen_bid_id=…`: the form opened from a tender's bid.
#[derive(Debug, Default, Deserialize)]
pub struct VoteQuery {
    #[serde(default)]
    matter: Option<String>,
    #[serde(default)]
    chosen_bid_id: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_vote_form.html")]
pub struct VoteFormPage {
    chrome: Chrome,
    v: VoteInput,
    errors: FormErrors,
    matters: Vec<(&'static str, &'static str)>,
}

impl VoteFormPage {
    fn new(chrome: Chrome, v: VoteInput, errors: FormErrors) -> Self {
        Self {
            chrome,
            v,
            errors,
            matters: MATTERS.to_vec(),
        }
    }
}

pub async fn form(_c: CommitteeUser, chrome: Chrome, Query(q): Query<VoteQuery>) -> VoteFormPage {
    let matter = q
        .matter
        .filter(|m| MATTERS.iter().any(|(code, _)| code == m))
        .unwrap_or_else(|| "choose_service_model".into());
    let v = VoteInput {
        matter,
        held_on: today(),
        chosen_bid_id: q.chosen_bid_id.unwrap_or_default(),
        ..Default::default()
    };
    VoteFormPage::new(chrome, v, FormErrors::none())
}

pub async fn submit(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    CsrfForm(v): CsrfForm<VoteInput>,
) -> Result<Response, PageError> {
    let mut errors = FormErrors::none();
    let counts = [
        ("total_owners", &v.total_owners),
        ("total_area_m2", &v.total_area_m2),
        ("participating_owners", &v.participating_owners),
        ("participating_area_m2", &v.participating_area_m2),
        ("approving_owners", &v.approving_owners),
        ("approving_area_m2", &v.approving_area_m2),
    ]
    .map(|(field, raw)| (field, errors.int(field, raw)));
    if !errors.is_empty() {
        let page = VoteFormPage::new(chrome, v, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let mut body = json!({
        "compound_id": c.compound_id,
        "matter": v.matter,
        "held_on": v.held_on.trim(),
        "document_ref": v.document_ref,
    });
    if !v.subject.trim().is_empty() {
        body["subject"] = json!(v.subject.trim());
    }
    if !v.chosen_bid_id.trim().is_empty() {
        body["chosen_bid_id"] = json!(v.chosen_bid_id.trim());
    }
    for (k, value) in counts {
        body[k] = json!(value);
    }
    let answer: Result<Created, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/tenders/votes", app.api.tender),
            Some(&c.token),
            &body,
        )
        .await;
    Ok(match answer {
        Ok(vote) => see_other_with(
            &format!("/committee/typed-votes{}", api::path(&[&vote.id])),
            "已录入业主表决结果",
        ),
        Err(e) => {
            let status = FormErrors::status(&e);
            let page = VoteFormPage::new(chrome, v, FormErrors::from_api(&e));
            (status, page).into_response()
        }
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_vote_result.html")]
pub struct VoteResultPage {
    chrome: Chrome,
    v: Vote,
    flash: Flash,
}

pub async fn result(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<VoteResultPage, PageError> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "votes", &id])
    );
    let v: Vote = app.api.get(&url, Some(&c.token)).await?;
    if v.compound_id != c.compound_id {
        return Err(PageError::forbidden("这是其他小区的表决记录。"));
    }
    Ok(VoteResultPage { chrome, v, flash })
}

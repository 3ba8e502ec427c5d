//! 业主表决 (from ballots): the committee's list of its compound's votes (`/committee/votes`)
//! with the typed votes of before the register marked 未经名册核验, and the form that opens
//! a vote (`/committee/votes/new`): the matter, the question, the period and, to choose a
//! firm, the tender in evaluation whose opened bids are the options.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::{beijing_now, local_text};
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::choice::Choice;
use crate::pages::model::owners::{BALLOT_MATTERS, BallotVote, Vote};
use crate::pages::model::register::Summary;
use crate::pages::model::tender::TenderView;
use crate::pages::model::{Created, Page};
use crate::pages::public::{ballot_votes, register_summary};
use crate::roles::CommitteeUser;
use crate::state::WebState;

/// The longest question the API takes.
const QUESTION_MAX: usize = 500;

#[derive(Template, WebTemplate)]
#[template(path = "committee_votes.html")]
pub struct VotesPage {
    chrome: Chrome,
    votes: Vec<BallotVote>,
    typed: Vec<Vote>,
    register: Option<Summary>,
    flash: Flash,
}

pub async fn list(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<VotesPage, PageError> {
    let q = api::query(&[("compound", &c.compound_id), ("limit", "50")]);
    let typed_url = format!("{}/tenders/votes?{q}", app.api.tender);
    let (votes, typed, register) = futures::join!(
        ballot_votes(&app, &c.compound_id, Some(&c.token)),
        app.api.get::<Page<Vote>>(&typed_url, None),
        register_summary(&app, &c.compound_id),
    );
    Ok(VotesPage {
        chrome,
        votes: votes?,
        typed: typed.map(|p| p.items).unwrap_or_default(),
        register,
        flash,
    })
}

/// The form as typed: instants in Beijing time `YYYY-MM-DD HH:MM`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    matter: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    opens_at: String,
    #[serde(default)]
    closes_at: String,
    #[serde(default)]
    tender_id: String,
}

impl OpenForm {
    /// The API's body, or the messages of what the page cannot read.
    fn body(&self) -> Result<serde_json::Value, FormErrors> {
        let mut errors = FormErrors::none();
        let question = self.question.trim();
        if question.is_empty() {
            errors.add("question", "请填写表决的问题");
        } else if question.chars().count() > QUESTION_MAX {
            errors.add("question", format!("问题最多 {QUESTION_MAX} 个字"));
        }
        let mut instant = |field: &str, raw: &str| match parse_local(raw) {
            Ok(v) => Some(v),
            Err(m) => {
                errors.add(field, m);
                None
            }
        };
        let opens = instant("opens_at", &self.opens_at);
        let closes = instant("closes_at", &self.closes_at);
        if self.matter == "choose_firm" && self.tender_id.trim().is_empty() {
            errors.add("tender_id", "选聘物业服务企业须选择已开标的招标项目");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut body = json!({
            "matter": self.matter.trim(),
            "question": question,
            "opens_at": opens,
            "closes_at": closes,
        });
        if self.matter == "choose_firm" {
            body["tender_id"] = json!(self.tender_id.trim());
        }
        Ok(body)
    }
}

/// A typed Beijing time as RFC 3339, or a message.
pub(super) fn parse_local(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().replace('T', " ");
    if s.is_empty() {
        return Err("此项必填");
    }
    let (date, clock) = s.split_once(' ').ok_or("时间格式应为 2026-12-01 18:00")?;
    let mut parts = clock.trim().split(':');
    let h = parts.next().unwrap_or_default();
    let m = parts.next().unwrap_or_default();
    let text = format!("{}T{h:0>2}:{m:0>2}:00+08:00", date.trim());
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
        .map(|_| text)
        .map_err(|_| "时间格式应为 2026-12-01 18:00")
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_vote_open.html")]
pub struct OpenPage {
    chrome: Chrome,
    v: OpenForm,
    errors: FormErrors,
    matters: Vec<Choice>,
    /// The compound's tenders in evaluation (bids opened): the options of a firm choice.
    tenders: Vec<Choice>,
    register: Option<Summary>,
}

impl OpenPage {
    async fn new(
        app: &WebState,
        c: &CommitteeUser,
        chrome: Chrome,
        v: OpenForm,
        errors: FormErrors,
    ) -> Self {
        let q = api::query(&[
            ("compound", &c.compound_id),
            ("status", "evaluation"),
            ("limit", "20"),
        ]);
        let url = format!("{}/tenders?{q}", app.api.tender);
        let (tenders, register) = futures::join!(
            app.api.get::<Page<TenderView>>(&url, Some(&c.token)),
            register_summary(app, &c.compound_id),
        );
        let tenders = tenders
            .map(|p| p.items)
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.status == "evaluation")
            .map(|t| Choice {
                selected: t.id == v.tender_id,
                value: t.id,
                label: t.title,
            })
            .collect();
        Self {
            chrome,
            matters: Choice::list(&BALLOT_MATTERS, &v.matter),
            v,
            errors,
            tenders,
            register,
        }
    }
}

/// `?matter=choose_firm&tender=…`: the form opened from a tender's page.
#[derive(Debug, Default, Deserialize)]
pub struct OpenQuery {
    #[serde(default)]
    matter: Option<String>,
    #[serde(default)]
    tender: Option<String>,
}

pub async fn new_form(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Query(q): Query<OpenQuery>,
) -> OpenPage {
    let now = beijing_now();
    let matter = q
        .matter
        .filter(|m| BALLOT_MATTERS.iter().any(|(code, _)| code == m))
        .unwrap_or_else(|| "choose_service_model".into());
    let v = OpenForm {
        matter,
        question: String::new(),
        opens_at: local_text(now + time::Duration::minutes(10)),
        closes_at: local_text(now + time::Duration::days(14)),
        tender_id: q.tender.unwrap_or_default(),
    };
    OpenPage::new(&app, &c, chrome, v, FormErrors::none()).await
}

pub async fn open(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    CsrfForm(v): CsrfForm<OpenForm>,
) -> Result<Response, PageError> {
    let body = match v.body() {
        Ok(body) => body,
        Err(errors) => {
            let page = OpenPage::new(&app, &c, chrome, v, errors).await;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "compounds", &c.compound_id, "ballot-votes"])
    );
    match app
        .api
        .send::<Created>(Method::POST, &url, Some(&c.token), &body)
        .await
    {
        Ok(vote) => Ok(see_other_with(
            &format!("/committee/votes{}", api::path(&[&vote.id])),
            "已发起业主表决。请通知街道（乡镇）打印各户的表决通知（含表决码）。",
        )),
        Err(e) => {
            let status = FormErrors::status(&e);
            let page = OpenPage::new(&app, &c, chrome, v, FormErrors::from_api(&e)).await;
            Ok((status, page).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_the_api_body() {
        let form = OpenForm {
            matter: "choose_firm".into(),
            question: " 选聘哪家物业服务企业？ ".into(),
            opens_at: "2026-12-01 08:00".into(),
            closes_at: "2026-12-15T18:30".into(),
            tender_id: "t-1".into(),
        };
        let body = form.body().unwrap();
        assert_eq!(body["question"], "选聘哪家物业服务企业？");
        assert_eq!(body["opens_at"], "2026-12-01T08:00:00+08:00");
        assert_eq!(body["closes_at"], "2026-12-15T18:30:00+08:00");
        assert_eq!(body["tender_id"], "t-1");
        let other = OpenForm {
            matter: "amend_covenant".into(),
            ..form.clone()
        };
        assert!(other.body().unwrap().get("tender_id").is_none());
    }

    #[test]
    fn what_the_page_cannot_read_is_named_beside_its_field() {
        let form = OpenForm {
            matter: "choose_firm".into(),
            question: "问".repeat(QUESTION_MAX + 1),
            opens_at: "明天".into(),
            closes_at: String::new(),
            tender_id: String::new(),
        };
        let errors = form.body().unwrap_err();
        assert!(errors.get("question").unwrap().contains("500"));
        assert!(errors.has("opens_at") && errors.get("closes_at") == Some("此项必填"));
        assert!(errors.has("tender_id"));
    }
}

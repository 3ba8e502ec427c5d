//! 业主意见 (`/firm/comments`): the comments residents left on the surveys per unit of the
//! compounds the firm has (or had) a contract with (tender's `GET /tenders/unit-surveys`
//! for a firm), each with the firm's public reply or a form to give it once
//! (`POST /firm/comments/{sid}/{comment_id}`, forwarded to tender, which decides whether
//! the firm served the survey's quarter).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{FormErrors, see_other_with};
use crate::pages::model::Page;
use crate::pages::model::owners::AreaSurvey;
use crate::roles::FirmUser;
use crate::state::WebState;

/// Surveys per page.
const PAGE: i64 = 20;

/// A reply refused: to which comment, what was typed, why.
#[derive(Debug, Default)]
pub struct Refused {
    comment_id: String,
    text: String,
    message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_comments.html")]
pub struct CommentsPage {
    chrome: Chrome,
    done: Option<String>,
    surveys: Page<AreaSurvey>,
    refused: Refused,
}

impl CommentsPage {
    /// Whether comment `id` is on this page still waiting for a reply (its form shown).
    fn open_here(&self, id: &str) -> bool {
        self.surveys
            .items
            .iter()
            .any(|a| a.s.comments.iter().any(|m| m.id == id && m.reply.is_none()))
    }

    /// The error shown beside a comment's form.
    pub fn error_of(&self, comment_id: &str) -> Option<&str> {
        (self.refused.comment_id == comment_id && !self.refused.message.is_empty())
            .then_some(self.refused.message.as_str())
    }

    /// A refusal about a comment whose form is not on this page (another firm's compound,
    /// or already answered): shown on top.
    pub fn error_elsewhere(&self) -> Option<&str> {
        (!self.refused.message.is_empty() && !self.open_here(&self.refused.comment_id))
            .then_some(self.refused.message.as_str())
    }

    /// Whether there are more surveys than this page shows.
    pub fn more(&self) -> bool {
        self.surveys.total > self.surveys.items.len() as i64
    }

    /// The reply as typed, when that comment's form was refused.
    pub fn typed(&self, comment_id: &str) -> &str {
        if self.refused.comment_id == comment_id {
            &self.refused.text
        } else {
            ""
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn load(
    app: &WebState,
    user: &FirmUser,
    chrome: Chrome,
    done: Option<String>,
    refused: Refused,
) -> Result<CommentsPage, PageError> {
    let url = format!("{}/tenders/unit-surveys?limit={PAGE}", app.api.tender);
    let surveys: Page<AreaSurvey> = app.api.get(&url, Some(&user.token)).await?;
    Ok(CommentsPage {
        chrome,
        done,
        surveys,
        refused,
    })
}

pub async fn page(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
) -> Result<CommentsPage, PageError> {
    load(&app, &user, chrome, q.done, Refused::default()).await
}

#[derive(Debug, serde::Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    text: String,
}

/// Forwards the reply; refused, the page again with the message beside that comment.
pub async fn reply(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Path((sid, comment_id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Result<Response, PageError> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&[
            "tenders",
            "unit-surveys",
            &sid,
            "comments",
            &comment_id,
            "reply"
        ])
    );
    let answer = app
        .api
        .send::<serde_json::Value>(
            reqwest::Method::POST,
            &url,
            Some(&user.token),
            &json!({"text": form.text}),
        )
        .await;
    let e = match answer {
        Ok(_) => return Ok(see_other_with("/firm/comments", "已公开回复该意见。")),
        Err(e) => e,
    };
    let errors = FormErrors::from_api_as(&e, crate::forms::Keys::Top, &[]);
    let message = errors
        .get("text")
        .map_or_else(|| e.message(), str::to_string);
    let refused = Refused {
        comment_id,
        text: form.text,
        message,
    };
    let page = load(&app, &user, chrome, None, refused).await?;
    Ok((FormErrors::status(&e), page).into_response())
}

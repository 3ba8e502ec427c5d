//! 质疑复核 for officials (`/official/complaints`): the complaints escalated to the
//! official's level in their area — a street official's street, a district official's
//! district — with the complaint, the committee's answer and any earlier decision, and the
//! form to decide the pending ones (upheld or not, with reasons). A city official reads
//! both levels citywide and decides nothing. The API decides who may decide
//! (`POST /tenders/{id}/complaints/{cid}/decide`); this page only shows the form where it
//! would be accepted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};

use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Fields, Flash, FormErrors, Keys, see_other_at};
use crate::pages::model::complaints::Complaint;
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

#[derive(Template, WebTemplate)]
#[template(path = "official_complaints.html")]
pub struct ComplaintsPage {
    chrome: Chrome,
    area_name: String,
    /// `street`, `district`, or empty (a city official decides nothing).
    level: &'static str,
    complaints: Vec<Complaint>,
    flash: Flash,
    /// The complaint whose decision was refused, what was typed and why.
    failed: String,
    typed: Fields,
    errors: FormErrors,
}

impl ComplaintsPage {
    /// Whether the official decides `c` now.
    pub fn decides(&self, c: &Complaint) -> bool {
        !self.level.is_empty() && c.pending_level() == self.level
    }

    pub fn typed_for(&self, cid: &str, field: &str) -> String {
        if self.failed == cid {
            self.typed.get(field)
        } else {
            String::new()
        }
    }

    pub fn err_for(&self, cid: &str, field: &str) -> Option<String> {
        (self.failed == cid)
            .then(|| self.errors.get(field).map(str::to_string))
            .flatten()
    }

    pub fn general_for(&self, cid: &str) -> Option<String> {
        (self.failed == cid)
            .then(|| self.errors.general.clone())
            .flatten()
    }
}

fn level_of(o: &OfficialUser) -> &'static str {
    match o.area {
        Area::Street(_) => "street",
        Area::District(_) => "district",
        Area::City => "",
    }
}

async fn load(
    app: &WebState,
    o: &OfficialUser,
    chrome: Chrome,
    flash: Flash,
    refused: (String, Fields, FormErrors),
) -> Result<ComplaintsPage, PageError> {
    let url = format!("{}/tenders/complaints/escalated", app.api.tender);
    let complaints: Vec<Complaint> = app.api.get(&url, Some(&o.token)).await?;
    let (failed, typed, errors) = refused;
    Ok(ComplaintsPage {
        chrome,
        area_name: o.area.name(),
        level: level_of(o),
        complaints,
        flash,
        failed,
        typed,
        errors,
    })
}

pub async fn list(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<ComplaintsPage, PageError> {
    load(
        &app,
        &o,
        chrome,
        flash,
        (String::new(), Fields(Vec::new()), FormErrors::none()),
    )
    .await
}

/// `POST /official/complaints/{id}/{cid}/decide` (tender, complaint).
pub async fn decide(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    Path((id, cid)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields(fields);
    let upheld = fields.get("upheld") == "true";
    let body = json!({"upheld": upheld, "decision": fields.get("decision")});
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", &id, "complaints", &cid, "decide"])
    );
    let answer: Result<Value, _> = app
        .api
        .call(Method::POST, &url, Some(&o.token), Some(&body), None)
        .await;
    let e = match answer {
        Ok(_) => {
            let done = if upheld {
                "已作出复核决定：质疑成立，定标已撤销，项目回到评标"
            } else {
                "已作出复核决定：质疑不成立"
            };
            return Ok(see_other_at(
                "/official/complaints",
                done,
                &format!("complaint-{cid}"),
            ));
        }
        Err(e) => e,
    };
    let errors = FormErrors::from_api_as(&e, Keys::Path, &[]);
    let page = load(&app, &o, chrome, Flash::default(), (cid, fields, errors)).await?;
    Ok((FormErrors::status(&e), page).into_response())
}

//! One vote of the committee's compound (`/committee/votes/{vid}`): its state, turnout and
//! register totals; a paper ballot recorded for a unit picked from the register (search by
//! building and room) with its 纸质表决票编号; the ballot list for checking; the owners'
//! objections; the close once the period is over; the result with each art. 278 condition.

use std::collections::HashSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_at};
use crate::pages::choice::Choice;
use crate::pages::model::owners::{Ballot, BallotVote, Listed, Objection};
use crate::pages::model::register::{Register, Unit};
use crate::roles::CommitteeUser;
use crate::state::WebState;

/// Units the picker shows at a time.
const PICK: i64 = 20;

/// The unit picker's search: a building and/or a room (or part of a label).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Pick {
    #[serde(default)]
    building: String,
    #[serde(default)]
    q: String,
}

/// The paper ballot as typed: `pick` is `approve`, `oppose`, `abstain` or `option:<id>`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PaperForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    pick: String,
    #[serde(default)]
    paper_ref: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    q: String,
}

impl PaperForm {
    /// The API's body, or what is missing.
    fn body(&self) -> Result<serde_json::Value, FormErrors> {
        let mut errors = FormErrors::none();
        if self.unit_id.trim().is_empty() {
            errors.add("unit_id", "请先查找并选择投票的房屋");
        }
        let (choice, option) = match self.pick.trim() {
            c @ ("approve" | "oppose" | "abstain") => (c, None),
            p => match p.strip_prefix("option:") {
                Some(id) if !id.is_empty() => ("approve", Some(id)),
                _ => {
                    errors.add("pick", "请选择表决意见");
                    ("", None)
                }
            },
        };
        if self.paper_ref.trim().is_empty() {
            errors.add("paper_ref", "请填写纸质表决票编号");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut body = json!({
            "unit_id": self.unit_id.trim(),
            "choice": choice,
            "paper_ref": self.paper_ref.trim(),
        });
        if let Some(id) = option {
            body["option_id"] = json!(id);
        }
        Ok(body)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_vote.html")]
pub struct VotePage {
    chrome: Chrome,
    v: BallotVote,
    ballots: Vec<Ballot>,
    objections: Vec<Objection>,
    /// The register's buildings (the picker's filter) and the units found.
    buildings: Vec<Choice>,
    units: Vec<Unit>,
    units_total: i64,
    searched: bool,
    voted: HashSet<String>,
    paper: PaperForm,
    errors: FormErrors,
    close_error: Option<String>,
    flash: Flash,
}

impl VotePage {
    /// A ballot's choice as the list shows it (the option's label for a firm choice).
    pub fn choice_of(&self, b: &Ballot) -> String {
        b.choice_text(&self.v)
    }

    /// The picker found more units than it lists.
    pub fn more_units(&self) -> bool {
        self.units_total > self.units.len() as i64
    }

    pub fn has_voted(&self, unit_id: &str) -> bool {
        self.voted.contains(unit_id)
    }

    /// The choices of a ballot: 同意 / 反对 / 弃权, or each option and 弃权.
    pub fn picks(&self) -> Vec<Choice> {
        let mut table: Vec<(String, String)> = if self.v.has_options() {
            self.v
                .options
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
                selected: value == self.paper.pick,
                value,
                label,
            })
            .collect()
    }
}

/// Loads the page of vote `vid` for its committee (another compound's vote: 403).
async fn load(
    app: &WebState,
    c: &CommitteeUser,
    vid: &str,
    pick: &Pick,
) -> Result<(BallotVote, Vec<Ballot>, Vec<Objection>, Option<Register>), PageError> {
    let t = &app.api.tender;
    let v: BallotVote = app
        .api
        .get(
            &format!("{t}{}", api::path(&["tenders", "ballot-votes", vid])),
            Some(&c.token),
        )
        .await?;
    if v.compound_id != c.compound_id {
        return Err(PageError::forbidden("这是其他小区的表决。"));
    }
    let mut params = vec![("limit", PICK.to_string())];
    for (k, value) in [("building", &pick.building), ("q", &pick.q)] {
        if !value.trim().is_empty() {
            params.push((k, value.trim().to_string()));
        }
    }
    let register_url = format!(
        "{t}{}?{}",
        api::path(&["tenders", "compounds", &c.compound_id, "register"]),
        serde_urlencoded::to_string(&params).unwrap_or_default()
    );
    let ballots_url = format!(
        "{t}{}",
        api::path(&["tenders", "ballot-votes", vid, "ballots"])
    );
    let objections_url = format!(
        "{t}{}",
        api::path(&["tenders", "ballot-votes", vid, "objections"])
    );
    let (ballots, objections, register) = futures::join!(
        app.api.get::<Listed<Ballot>>(&ballots_url, Some(&c.token)),
        app.api
            .get::<Listed<Objection>>(&objections_url, Some(&c.token)),
        app.api.get::<Register>(&register_url, Some(&c.token)),
    );
    Ok((
        v,
        ballots?.into_vec(),
        objections.map(Listed::into_vec).unwrap_or_default(),
        register.ok(),
    ))
}

#[allow(clippy::too_many_arguments)]
async fn render(
    app: &WebState,
    c: &CommitteeUser,
    chrome: Chrome,
    vid: &str,
    paper: PaperForm,
    errors: FormErrors,
    close_error: Option<String>,
    flash: Flash,
) -> Result<VotePage, PageError> {
    let pick = Pick {
        building: paper.building.clone(),
        q: paper.q.clone(),
    };
    let (v, ballots, objections, register) = load(app, c, vid, &pick).await?;
    let voted = ballots.iter().map(|b| b.unit_id.clone()).collect();
    let searched = !pick.building.trim().is_empty() || !pick.q.trim().is_empty();
    let (buildings, units, units_total) = match register {
        Some(r) => {
            let mut buildings = vec![Choice {
                value: String::new(),
                label: "全部楼栋".into(),
                selected: pick.building.is_empty(),
            }];
            buildings.extend(r.buildings.iter().map(|b| Choice {
                value: b.clone(),
                label: b.clone(),
                selected: *b == pick.building,
            }));
            (buildings, r.units.items, r.units.total)
        }
        None => (Vec::new(), Vec::new(), 0),
    };
    Ok(VotePage {
        chrome,
        v,
        ballots,
        objections,
        buildings,
        units,
        units_total,
        searched,
        voted,
        paper,
        errors,
        close_error,
        flash,
    })
}

pub async fn page(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(vid): Path<String>,
    Query(pick): Query<Pick>,
    Query(flash): Query<Flash>,
) -> Result<VotePage, PageError> {
    let paper = PaperForm {
        building: pick.building,
        q: pick.q,
        ..Default::default()
    };
    render(
        &app,
        &c,
        chrome,
        &vid,
        paper,
        FormErrors::none(),
        None,
        flash,
    )
    .await
}

/// The vote page's own address (`/committee/votes/{vid}`).
fn vote_path(vid: &str) -> String {
    format!("/committee/votes{}", api::path(&[vid]))
}

pub async fn paper(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(vid): Path<String>,
    CsrfForm(form): CsrfForm<PaperForm>,
) -> Result<Response, PageError> {
    let (errors, status) = match form.body() {
        Err(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Ok(body) => {
            let url = format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", "ballot-votes", &vid, "paper-ballots"])
            );
            match app
                .api
                .send::<serde_json::Value>(Method::POST, &url, Some(&c.token), &body)
                .await
            {
                Ok(_) => {
                    return Ok(see_other_at(
                        &vote_path(&vid),
                        &format!("已录入纸质表决票 {}", form.paper_ref.trim()),
                        "paper",
                    ));
                }
                Err(e) => (FormErrors::from_api(&e), FormErrors::status(&e)),
            }
        }
    };
    let page = render(&app, &c, chrome, &vid, form, errors, None, Flash::default()).await?;
    Ok((status, page).into_response())
}

/// A form that carries only the CSRF field.
#[derive(Debug, Deserialize)]
pub struct Empty {}

pub async fn close(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(vid): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "ballot-votes", &vid, "close"])
    );
    match app
        .api
        .send::<serde_json::Value>(Method::POST, &url, Some(&c.token), &json!({}))
        .await
    {
        Ok(_) => Ok(see_other_at(
            &vote_path(&vid),
            "已计票并封存：此后不能再录入或更改表决票。",
            "result",
        )),
        Err(e) => {
            let status = FormErrors::status(&e);
            let page = render(
                &app,
                &c,
                chrome,
                &vid,
                PaperForm::default(),
                FormErrors::none(),
                Some(e.message()),
                Flash::default(),
            )
            .await?;
            Ok((status, page).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paper_ballot_becomes_the_api_body() {
        let form = PaperForm {
            unit_id: "u-1".into(),
            pick: "option:bid-2".into(),
            paper_ref: " 纸-007 ".into(),
            ..Default::default()
        };
        let body = form.body().unwrap();
        assert_eq!(body["choice"], "approve");
        assert_eq!(body["option_id"], "bid-2");
        assert_eq!(body["paper_ref"], "纸-007");
        let oppose = PaperForm {
            pick: "oppose".into(),
            ..form.clone()
        };
        let body = oppose.body().unwrap();
        assert_eq!(body["choice"], "oppose");
        assert!(body.get("option_id").is_none());
        let empty = PaperForm::default().body().unwrap_err();
        assert!(empty.has("unit_id") && empty.has("pick") && empty.has("paper_ref"));
        let bad = PaperForm {
            pick: "option:".into(),
            ..form
        };
        assert!(bad.body().unwrap_err().has("pick"));
    }
}

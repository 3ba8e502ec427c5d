//! 黑名单企业服务的小区 for the street (`/official/blacklisted`): the compounds of the
//! official's area whose live contract is with a blacklisted firm (matching's attention
//! list: firm standing and live contracts, nothing typed), each with the guided steps and
//! their state from tender's records (`GET /tenders/contracts/{cid}/guidance`): the
//! committee notified (the street records it here), the owners' decision to dismiss the
//! firm, the termination. A compound leaves the list once its contract is terminated.

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
use crate::pages::model::contract::Guidance;
use crate::pages::model::matching::{Attention, BlacklistedFirmCompound};
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

/// One compound to guide, with its steps' state (none when tender could not say).
pub struct Item {
    pub c: BlacklistedFirmCompound,
    pub guidance: Option<Guidance>,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_blacklisted.html")]
pub struct BlacklistedPage {
    chrome: Chrome,
    area_name: String,
    /// A street official records notices; others read.
    street: bool,
    items: Vec<Item>,
    flash: Flash,
    failed: String,
    typed: Fields,
    errors: FormErrors,
}

impl BlacklistedPage {
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

async fn load(
    app: &WebState,
    o: &OfficialUser,
    chrome: Chrome,
    flash: Flash,
    refused: (String, Fields, FormErrors),
) -> Result<BlacklistedPage, PageError> {
    let attention: Attention = app
        .api
        .get(
            &format!("{}/match/attention", app.api.matching),
            Some(&o.token),
        )
        .await?;
    let guidance = attention.compounds_with_blacklisted_firm.iter().map(|c| {
        let url = format!(
            "{}{}",
            app.api.tender,
            api::path(&["tenders", "contracts", &c.contract_id, "guidance"])
        );
        async move { app.api.get::<Guidance>(&url, Some(&o.token)).await.ok() }
    });
    let guidance = futures::future::join_all(guidance).await;
    let items = attention
        .compounds_with_blacklisted_firm
        .into_iter()
        .zip(guidance)
        .map(|(c, guidance)| Item { c, guidance })
        .collect();
    let (failed, typed, errors) = refused;
    Ok(BlacklistedPage {
        chrome,
        area_name: o.area.name(),
        street: matches!(o.area, Area::Street(_)),
        items,
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
) -> Result<BlacklistedPage, PageError> {
    load(
        &app,
        &o,
        chrome,
        flash,
        (String::new(), Fields(Vec::new()), FormErrors::none()),
    )
    .await
}

/// `POST /official/blacklisted/{cid}/notices`: the street records that it notified the
/// committee.
pub async fn notify(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    Path(cid): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields(fields);
    let body = json!({"note": fields.get("note")});
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "contracts", &cid, "committee-notices"])
    );
    let answer: Result<Value, _> = app
        .api
        .call(Method::POST, &url, Some(&o.token), Some(&body), None)
        .await;
    let e = match answer {
        Ok(_) => {
            let done = "已登记：已通知小区自治组织";
            return Ok(see_other_at(
                "/official/blacklisted",
                done,
                &format!("contract-{cid}"),
            ));
        }
        Err(e) => e,
    };
    let errors = FormErrors::from_api_as(&e, Keys::Path, &[]);
    let page = load(&app, &o, chrome, Flash::default(), (cid, fields, errors)).await?;
    Ok((FormErrors::status(&e), page).into_response())
}

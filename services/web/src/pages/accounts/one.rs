//! One managed account (`/accounts/{id}`): who it is, its changes (who, when, old → new),
//! and what its manager may do: rename, disable or enable, reset the password. A reset
//! answers the one-time password on the page itself, once (`Cache-Control: no-store`);
//! the catalog keeps only its hash. An account beyond the manager's reach is the
//! catalog's 403, shown as the 403 page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::model::Page;
use crate::pages::model::accounts::{Account, AccountEvent, PasswordReset};
use crate::roles::AccountManager;
use crate::state::WebState;

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    chrome: Chrome,
    account: Account,
    events: Vec<AccountEvent>,
    /// The manager's own account: it neither disables nor resets itself here.
    own: bool,
    done: Option<String>,
    /// The one-time password of a reset just made, shown once.
    one_time_password: Option<String>,
    display_name: String,
    errors: FormErrors,
}

/// The account and its latest changes, as the manager may read them.
async fn load(
    app: &WebState,
    manager: &AccountManager,
    id: &str,
) -> Result<(Account, Vec<AccountEvent>), PageError> {
    let account: Account = app
        .api
        .catalog_get(
            &api::path(&["catalog", "accounts", id]),
            Some(&manager.token),
        )
        .await?;
    let events: Page<AccountEvent> = app
        .api
        .catalog_get(
            &format!(
                "{}?limit=100",
                api::path(&["catalog", "accounts", id, "events"])
            ),
            Some(&manager.token),
        )
        .await?;
    Ok((account, events.items))
}

async fn page(
    app: &WebState,
    manager: &AccountManager,
    chrome: Chrome,
    id: &str,
    done: Option<String>,
    one_time_password: Option<String>,
    errors: FormErrors,
) -> Result<AccountPage, PageError> {
    let (account, events) = load(app, manager, id).await?;
    Ok(AccountPage {
        chrome,
        own: account.id == manager.identity.account_id,
        display_name: account.display_name.clone(),
        account,
        events,
        done,
        one_time_password,
        errors,
    })
}

pub async fn show(
    State(app): State<WebState>,
    manager: AccountManager,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<AccountPage, PageError> {
    page(
        &app,
        &manager,
        chrome,
        &id,
        flash.done,
        None,
        FormErrors::none(),
    )
    .await
}

/// `PATCH /catalog/accounts/{id}` as the manager.
async fn patch(
    app: &WebState,
    manager: &AccountManager,
    id: &str,
    body: Value,
) -> Result<Value, ApiError> {
    app.api
        .send(
            Method::PATCH,
            &format!(
                "{}{}",
                app.api.catalog,
                api::path(&["catalog", "accounts", id])
            ),
            Some(&manager.token),
            &body,
        )
        .await
}

#[derive(Debug, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    display_name: String,
}

/// Renames the account; a refused name is shown beside the field.
pub async fn rename(
    State(app): State<WebState>,
    manager: AccountManager,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Result<Response, PageError> {
    let body = json!({"display_name": form.display_name});
    match patch(&app, &manager, &id, body).await {
        Ok(_) => Ok(see_other_with(
            &api::path(&["accounts", &id]),
            "显示名称已修改。",
        )),
        Err(e) if e.status() == Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY) => {
            let mut p = page(
                &app,
                &manager,
                chrome,
                &id,
                None,
                None,
                FormErrors::from_api(&e),
            )
            .await?;
            p.display_name = form.display_name;
            Ok((FormErrors::status(&e), p).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    /// `disable` or `enable`.
    #[serde(default)]
    action: String,
}

/// Disables or enables the account.
pub async fn set_status(
    State(app): State<WebState>,
    manager: AccountManager,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    let disabled = match form.action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => {
            return Err(PageError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "请求有误",
                "请选择停用或启用。",
            ));
        }
    };
    patch(&app, &manager, &id, json!({"disabled": disabled})).await?;
    Ok(see_other_with(
        &api::path(&["accounts", &id]),
        if disabled {
            "账号已停用，其所有登录已失效。"
        } else {
            "账号已启用。"
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {}

/// Resets the password and shows the one-time password on this answer only.
pub async fn reset(
    State(app): State<WebState>,
    manager: AccountManager,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(_form): CsrfForm<ResetForm>,
) -> Result<Response, PageError> {
    let reset: PasswordReset = app
        .api
        .send(
            Method::POST,
            &format!(
                "{}{}",
                app.api.catalog,
                api::path(&["catalog", "accounts", &id, "password-reset"])
            ),
            Some(&manager.token),
            &json!({}),
        )
        .await?;
    let p = page(
        &app,
        &manager,
        chrome,
        &reset.account.id,
        Some("密码已重置。请将下面的一次性密码告知账号本人；对方登录后须立即修改。".into()),
        Some(reset.one_time_password),
        FormErrors::none(),
    )
    .await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], p).into_response())
}

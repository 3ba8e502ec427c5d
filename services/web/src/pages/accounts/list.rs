//! 账号管理: the accounts the signed-in manager manages (paged, filtered by role and
//! status, searched by username), and the form that creates one. What each may create is
//! offered here; the catalog decides (`POST /catalog/accounts`), and its refusal is shown
//! beside the form's fields.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use shared::auth::{Role, Scope};
use shared::domain::{StreetCode, districts, streets_of};

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::choice::Choice;
use crate::pages::model::accounts::Account;
use crate::pages::model::catalog::Compound;
use crate::pages::model::{Created, Page, Pager, empty_page};
use crate::roles::AccountManager;
use crate::state::WebState;

const PAGE: i64 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    role: String,
    /// `active`, `disabled` or empty.
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: Option<i64>,
}

/// What the form creates: its fields as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct NewAccountForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub scope_id: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts.html")]
pub struct AccountsPage {
    chrome: Chrome,
    accounts: Vec<Account>,
    total: i64,
    q: String,
    role_choices: Vec<Choice>,
    status_choices: Vec<Choice>,
    prev: Option<String>,
    next: Option<String>,
    done: Option<String>,
    /// The create form: roles and scopes this manager may give.
    new_roles: Vec<Choice>,
    scope_label: &'static str,
    scope_choices: Vec<Choice>,
    form: NewAccountForm,
    errors: FormErrors,
}

/// The roles a manager creates, and what their scope is chosen from.
fn creatable(manager: &AccountManager) -> &'static [(&'static str, &'static str)] {
    match manager.identity.role {
        Role::Association => &[
            ("district_official", "区县工作人员"),
            ("city_official", "市级工作人员（市住建局、市委社治委）"),
        ],
        Role::DistrictOfficial => &[
            ("street_official", "街道工作人员"),
            ("committee", "小区自治组织"),
        ],
        _ => &[("committee", "小区自治组织")],
    }
}

/// The roles a manager's list may be filtered by.
fn listed_roles(manager: &AccountManager) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("", "全部角色")];
    out.extend_from_slice(match manager.identity.role {
        Role::Association => &[
            ("association", "物业管理协会"),
            ("city_official", "市级工作人员"),
            ("district_official", "区县工作人员"),
            ("street_official", "街道工作人员"),
            ("committee", "小区自治组织"),
            ("firm", "物业服务企业"),
        ][..],
        Role::DistrictOfficial => &[
            ("street_official", "街道工作人员"),
            ("committee", "小区自治组织"),
        ][..],
        _ => &[("committee", "小区自治组织")][..],
    });
    out
}

/// A page of compounds (at most 200) of a street or district, for the form's choices.
async fn compounds(
    app: &WebState,
    manager: &AccountManager,
    filter: (&str, &str),
) -> Result<Vec<Compound>, PageError> {
    let page: Page<Compound> = app
        .api
        .catalog_get(
            &format!(
                "/catalog/compounds?{}",
                api::query(&[filter, ("limit", "200")])
            ),
            Some(&manager.token),
        )
        .await?;
    Ok(page.items)
}

/// The scopes the form offers: districts (association), the district's streets and its
/// compounds (a district official creates street officials and committee accounts), the
/// street's compounds.
async fn scope_choices(
    app: &WebState,
    manager: &AccountManager,
    current: &str,
) -> Result<(&'static str, Vec<Choice>), PageError> {
    let choice = |value: String, label: String| Choice {
        selected: value == current,
        value,
        label,
    };
    let mut out = vec![choice(String::new(), "请选择".into())];
    let label = match &manager.identity.scope {
        Scope::District(d) if manager.identity.role == Role::DistrictOfficial => {
            let code = shared::domain::DistrictCode::parse(d)
                .map_err(|_| PageError::forbidden("账号的管辖范围无效，请联系管理员。"))?;
            out.extend(
                streets_of(&code)
                    .map(|s| choice(s.code.as_str().into(), format!("街道：{}", s.name))),
            );
            out.extend(
                compounds(app, manager, ("district", code.as_str()))
                    .await?
                    .into_iter()
                    .map(|c| choice(c.id.clone(), format!("小区：{}（{}）", c.name, c.code))),
            );
            "街道（镇）或小区"
        }
        Scope::Street(s) if manager.identity.role == Role::StreetOfficial => {
            let street = StreetCode::parse(s)
                .map_err(|_| PageError::forbidden("账号的管辖范围无效，请联系管理员。"))?;
            out.extend(
                compounds(app, manager, ("street", street.as_str()))
                    .await?
                    .into_iter()
                    .map(|c| choice(c.id.clone(), format!("{}（{}）", c.name, c.code))),
            );
            "小区"
        }
        _ => {
            out[0].label = "市级账号无需选择".into();
            out.extend(
                districts()
                    .iter()
                    .map(|d| choice(d.code.as_str().into(), d.name.to_string())),
            );
            "区县"
        }
    };
    Ok((label, out))
}

/// The list page with the form (empty, or as typed with its errors).
async fn render(
    app: &WebState,
    manager: &AccountManager,
    chrome: Chrome,
    q: ListQuery,
    done: Option<String>,
    form: NewAccountForm,
    errors: FormErrors,
) -> Result<AccountsPage, PageError> {
    let offset = q.offset.unwrap_or(0).max(0);
    let mut params = vec![("limit", PAGE.to_string()), ("offset", offset.to_string())];
    let roles = listed_roles(manager);
    let role = roles
        .iter()
        .find(|(v, _)| !v.is_empty() && *v == q.role)
        .map(|(v, _)| *v)
        .unwrap_or_default();
    if !role.is_empty() {
        params.push(("role", role.to_string()));
    }
    match q.status.as_str() {
        "active" => params.push(("disabled", "false".into())),
        "disabled" => params.push(("disabled", "true".into())),
        _ => {}
    }
    let text: String = q.q.trim().chars().take(64).collect();
    if !text.is_empty() {
        params.push(("q", text.clone()));
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let page: Page<Account> = match app
        .api
        .catalog_get(&format!("/catalog/accounts?{query}"), Some(&manager.token))
        .await
    {
        Ok(p) => p,
        Err(e) if e.status() == Some(StatusCode::UNPROCESSABLE_ENTITY) => empty_page(PAGE),
        Err(e) => return Err(e.into()),
    };
    let (prev, next) = page.pager(
        "/accounts",
        &[("role", role), ("status", &q.status), ("q", &text)],
    );
    let (scope_label, scope_choices) = scope_choices(app, manager, &form.scope_id).await?;
    let new_role = if form.role.is_empty() {
        creatable(manager)[0].0
    } else {
        form.role.as_str()
    };
    Ok(AccountsPage {
        chrome,
        total: page.total,
        accounts: page.items,
        q: text,
        role_choices: Choice::list(&roles, role),
        status_choices: Choice::list(
            &[("", "全部状态"), ("active", "正常"), ("disabled", "已停用")],
            &q.status,
        ),
        prev,
        next,
        done,
        new_roles: Choice::list(creatable(manager), new_role),
        scope_label,
        scope_choices,
        form,
        errors,
    })
}

pub async fn list(
    State(app): State<WebState>,
    manager: AccountManager,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
    Query(flash): Query<Flash>,
) -> Result<AccountsPage, PageError> {
    render(
        &app,
        &manager,
        chrome,
        q,
        flash.done,
        NewAccountForm::default(),
        FormErrors::none(),
    )
    .await
}

/// Creates the account; on a refusal the page again with the typed fields (never the
/// password) and the catalog's message beside each.
pub async fn create(
    State(app): State<WebState>,
    manager: AccountManager,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<NewAccountForm>,
) -> Result<Response, PageError> {
    let role = if creatable(&manager).iter().any(|(r, _)| *r == form.role) {
        form.role.clone()
    } else {
        creatable(&manager)[0].0.to_string()
    };
    let scope = (!form.scope_id.trim().is_empty()).then(|| form.scope_id.trim().to_string());
    let body = json!({
        "username": form.username.trim(),
        "display_name": form.display_name,
        "password": form.password,
        "role": role,
        "scope_id": scope,
    });
    let answer: Result<Created, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.api.catalog),
            Some(&manager.token),
            &body,
        )
        .await;
    match answer {
        Ok(created) => Ok(see_other_with(
            &api::path(&["accounts", &created.id]),
            "账号已创建。",
        )),
        Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
            let status = FormErrors::status(&e);
            let errors = FormErrors::from_api(&e);
            let typed = NewAccountForm {
                password: String::new(),
                ..form
            };
            let page = render(
                &app,
                &manager,
                chrome,
                ListQuery::default(),
                None,
                typed,
                errors,
            )
            .await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

//! 小区台账: the official's compounds with filters and pagination, and the export.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::chrome::Chrome;
use crate::error::PageError;
use crate::format::MANAGEMENT;
use crate::forms::Flash;
use crate::pages::choice::Choice;
use crate::pages::model::catalog::Compound;
use crate::pages::model::{Page, Pager, empty_page};
use crate::roles::OfficialUser;
use crate::state::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    street: String,
    #[serde(default)]
    management: String,
    #[serde(default)]
    eligible: String,
    #[serde(default)]
    old: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_ledger.html")]
pub struct LedgerPage {
    chrome: Chrome,
    area_name: String,
    is_district: bool,
    compounds: Vec<Compound>,
    total: i64,
    first: i64,
    last: i64,
    q: String,
    street_choices: Vec<Choice>,
    management_choices: Vec<Choice>,
    eligible_choices: Vec<Choice>,
    old_choices: Vec<Choice>,
    prev: Option<String>,
    next: Option<String>,
    error: Option<String>,
    done: Option<String>,
}

const PAGE: i64 = 20;

pub async fn list(
    State(app): State<WebState>,
    OfficialUser { token, area, .. }: OfficialUser,
    chrome: Chrome,
    Query(q): Query<LedgerQuery>,
    Query(flash): Query<Flash>,
) -> Result<LedgerPage, PageError> {
    // Only the official's own streets: another street in the query is ignored.
    let street = if !q.street.is_empty() && area.covers(&q.street) {
        q.street.clone()
    } else {
        String::new()
    };
    let offset = q.offset.unwrap_or(0).max(0);
    let mut params: Vec<(&str, String)> =
        vec![("limit", PAGE.to_string()), ("offset", offset.to_string())];
    if street.is_empty() {
        if let Some((k, v)) = area.param() {
            params.push((k, v.to_string()));
        }
    } else {
        params.push(("street", street.clone()));
    }
    for (k, v) in [
        ("management", &q.management),
        ("eligible", &q.eligible),
        ("old", &q.old),
        ("q", &q.q),
    ] {
        if !v.trim().is_empty() {
            params.push((k, v.trim().to_string()));
        }
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let answer = app
        .api
        .catalog_get::<Page<Compound>>(&format!("/catalog/compounds?{query}"), Some(&token))
        .await;
    let (page, error) = match answer {
        Ok(p) => (p, None),
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => {
            (empty_page(PAGE), Some(e.message()))
        }
        Err(e) => return Err(e.into()),
    };
    let (prev, next) = page.pager(
        "/official/ledger",
        &[
            ("street", &street),
            ("management", &q.management),
            ("eligible", &q.eligible),
            ("old", &q.old),
            ("q", &q.q),
        ],
    );
    let mut street_choices = vec![Choice {
        value: String::new(),
        label: "全部街道（镇）".into(),
        selected: street.is_empty(),
    }];
    street_choices.extend(area.streets().into_iter().map(|s| Choice {
        value: s.as_str().to_string(),
        label: s.name().to_string(),
        selected: s.as_str() == street,
    }));
    let mut management = vec![("", "全部管理方式")];
    management.extend_from_slice(&MANAGEMENT);
    Ok(LedgerPage {
        area_name: area.name(),
        is_district: area.is_district(),
        first: if page.items.is_empty() {
            0
        } else {
            page.offset + 1
        },
        last: page.offset + page.items.len() as i64,
        total: page.total,
        compounds: page.items,
        q: q.q.clone(),
        street_choices,
        management_choices: Choice::list(&management, &q.management),
        eligible_choices: Choice::list(
            &[
                ("", "全部"),
                ("true", "符合条件且业主自愿"),
                ("false", "其他"),
            ],
            &q.eligible,
        ),
        old_choices: Choice::list(
            &[("", "全部"), ("true", "老旧小区"), ("false", "非老旧小区")],
            &q.old,
        ),
        prev,
        next,
        error,
        done: flash.done,
        chrome,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

/// The catalog's ledger export of the official's area, passed through as a download.
pub async fn export(
    State(app): State<WebState>,
    user: OfficialUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let format = if q.format == "xlsx" { "xlsx" } else { "csv" };
    let url = format!(
        "{}/catalog/compounds/export?format={format}",
        app.api.catalog
    );
    let answer = app.api.http.get(&url).bearer_auth(&user.token).send().await;
    let res = match answer {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => {
            let status = r.status();
            let message = r
                .json::<shared::error::Problem>()
                .await
                .map(|p| p.detail.unwrap_or(p.title))
                .unwrap_or_else(|_| "导出失败，请稍后再试。".into());
            let status = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            return Err(PageError::new(status, "无法导出", message));
        }
        Err(e) => {
            tracing::error!(error = ?e, "exporting the ledger");
            return Err(PageError::unavailable("服务暂时不可用，请稍后再试。"));
        }
    };
    let content_type = res.headers().get(header::CONTENT_TYPE).cloned();
    let disposition = res.headers().get(header::CONTENT_DISPOSITION).cloned();
    let bytes = res
        .bytes()
        .await
        .map_err(|_| PageError::unavailable("导出中断，请重试。"))?;
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        content_type.unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(d) = disposition {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    Ok(response)
}

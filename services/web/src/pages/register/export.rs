//! 导出业主名册: the register as CSV or XLSX, names and phones whole (for the committee and
//! the compound's street only: the API refuses anyone else), with the import's columns.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::desk::Desk;
use crate::error::PageError;
use crate::state::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

pub async fn export(
    State(app): State<WebState>,
    desk: Desk,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let format = if q.format == "xlsx" { "xlsx" } else { "csv" };
    let url = format!(
        "{}{}?format={format}",
        app.api.tender,
        desk.api(&["export"])
    );
    let answer = app.api.http.get(&url).bearer_auth(&desk.token).send().await;
    let res = match answer {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => {
            let status =
                StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let message = r
                .json::<shared::error::Problem>()
                .await
                .map(|p| p.detail.unwrap_or(p.title))
                .unwrap_or_else(|_| "导出失败，请稍后再试。".into());
            return Err(PageError::new(status, "无法导出", message));
        }
        Err(e) => {
            tracing::error!(error = ?e, "exporting the register");
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
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

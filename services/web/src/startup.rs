//! Builds the pages: an API client for the three services and the routes at the site root.

use std::sync::Arc;

use axum::middleware;
use shared::http::Check;
use shared::service::Service;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::{self, Api};
use crate::config::WebConfig;
use crate::security::{self, CookiePolicy, DemoStatus};
use crate::state::WebState;
use crate::{chrome, csrf, pages};

/// The pages hold no data and start no background work; `_cancel` is taken for the same
/// shape as the services.
pub async fn build(config: WebConfig, _cancel: CancellationToken) -> anyhow::Result<Service> {
    let api = Api::new(
        &config.catalog_url,
        &config.tender_url,
        &config.matching_url,
    );
    let cookies = CookiePolicy {
        secure_site: config.secure_cookies,
    };
    let state = WebState {
        api: api.clone(),
        keys: config.keys.clone(),
        imports: Default::default(),
        cookies,
    };
    let demo = (Arc::new(DemoStatus::default()), api.clone());
    let unread = (config.keys.clone(), api.clone());
    let ready: shared::http::Readiness = Arc::new(move || {
        let api = api.clone();
        Box::pin(async move {
            let url = format!("{}/catalog/healthz", api.catalog);
            let ok = api
                .http
                .get(&url)
                .send()
                .await
                .map(|r| r.status().is_success())
                .map_err(anyhow::Error::new);
            vec![Check::from_result(
                "web.catalog",
                ok,
                "the catalog does not answer",
            )]
        })
    });
    let trusted = Arc::new(config.trusted_proxies.clone());
    let router = pages::router()
        .layer(middleware::from_fn_with_state(
            config.keys.clone(),
            chrome::error_pages,
        ))
        .with_state(state)
        .merge(security::static_routes())
        .layer(middleware::from_fn_with_state(cookies, csrf::ensure_token))
        .layer(middleware::from_fn_with_state(
            unread,
            security::unread_count,
        ))
        .layer(middleware::from_fn_with_state(demo, security::demo_mode))
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn_with_state(trusted, api::forward_client));
    Ok(Service {
        name: "web",
        prefix: "",
        router,
        ready,
        tasks: TaskTracker::new(),
        metrics: shared::metrics::Metrics::new("web"),
    })
}

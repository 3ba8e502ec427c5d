//! 账号管理 and 修改密码: the accounts a manager (the association, a district or street
//! official) creates and manages (`list.rs`: `/accounts`; `one.rs`: `/accounts/{id}` and
//! its posts), and any account's own password (`password.rs`: `/account/password`).

mod list;
mod one;
mod password;

use axum::Router;
use axum::routing::{get, post};

use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/accounts", get(list::list).post(list::create))
        .route("/accounts/{id}", get(one::show))
        .route("/accounts/{id}/name", post(one::rename))
        .route("/accounts/{id}/status", post(one::set_status))
        .route("/accounts/{id}/password-reset", post(one::reset))
        .route(
            "/account/password",
            get(password::form).post(password::submit),
        )
}

//! wuye's pages (物业通网页): server-rendered Simplified Chinese pages for every role.
//!
//! The pages are a client of the three services' APIs, not a fourth owner of data: every
//! page asks catalog, tender or matching for what it shows, forwarding the signed-in user's
//! token, so a page can never show more than the API would give that user. The session is
//! the catalog's token in an HttpOnly, SameSite=Lax cookie; every form carries a CSRF token
//! (double-submit cookie, see [`csrf`]).

pub mod api;
pub mod charts;
pub mod chrome;
pub mod config;
pub mod csrf;
pub mod error;
pub mod format;
pub mod forms;
pub mod jobs;
pub mod next;
pub mod pages;
pub mod roles;
pub mod security;
pub mod session;
pub mod startup;
pub mod state;

pub use config::WebConfig;
pub use startup::build;

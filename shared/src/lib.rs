//! wuye's shared kernel.
//!
//! Everything the three services (catalog, tender, matching) have in common lives here:
//! domain newtypes that cannot hold invalid values ([`domain`]), the RFC 9457 problem
//! type ([`error`]), database access that runs the same queries on SQLite and PostgreSQL
//! ([`db`]), who the caller is ([`identity`]), signed tokens ([`keys`]) and the extractor
//! and session guard that check them ([`auth`]), sessions that end early ([`session`]),
//! the change-feed outbox, endpoint and consumer ([`feed`]) and the HTTP plumbing every
//! service uses ([`http`], [`telemetry`]).

pub mod auth;
pub mod client_addr;
pub mod clock;
pub mod config;
pub mod control_chars;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod extract;
pub mod feed;
pub mod follow;
pub mod http;
pub mod identity;
pub mod keys;
pub mod metrics;
pub mod openapi;
pub mod service;
pub mod session;
pub mod sheet;
pub mod telemetry;
pub mod validate;

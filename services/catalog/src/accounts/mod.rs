//! Accounts (账号): argon2 password hashes, roles and scopes, sessions (登录凭证) and
//! their revocation, and the bootstrap of the first association account. Every hash and
//! verification goes through the one argon2 gate (`crate::passwords`); sign-in throttling
//! (登录限流) is `crate::throttle::login`.
//!
//! An account has one [`Role`] acting on one [`Scope`]: association staff on the city, a
//! district official on a district, a street official on a street, a compound committee
//! on one compound, a firm on one firm. Signing in issues a signed token (see
//! `shared::auth`) that every service verifies locally. Signing out lists the token's id
//! in `revoked_token`; a password change or disabling sets the account's
//! `sessions_valid_after`. Both are published on the feed (topic `session`, see
//! `shared::session`), so tender and matching refuse those tokens within moments too; the
//! catalog checks its own tables ([`DbSessions`]).
//!
//! | module | what |
//! | --- | --- |
//! | `record.rs` | the account as the API and the feed show it, roles and scopes as stored |
//! | `rules.rs` | what a username, display name, password and scope must be |
//! | `store.rs` | reading, listing and creating accounts; the first association account |
//! | `sessions.rs` | ended sessions: revoked tokens, cutoffs, their feed facts, the catalog's `SessionCheck` |
//! | `reach.rs` | whose accounts an account creates and manages |
//! | `manage.rs` | disabling, enabling, renaming, a password reset to a one-time password |
//! | `events.rs` | every change to an account, append-only: who, when, old → new |

mod events;
mod manage;
mod reach;
mod record;
mod rules;
mod sessions;
mod store;

pub use events::{AccountEvent, kind as event_kind, list as list_events, record as record_event};
pub use manage::{
    Changes, apply as apply_changes, must_change_password, one_time_password,
    password_change_required, reset_password,
};
pub use reach::Managed;

pub use record::{
    Account, AccountChange, DISPLAY_NAME_MAX, NewAccount, PASSWORD_MAX, PASSWORD_MIN,
    StoredAccount, TOPIC, USERNAME_MAX, USERNAME_MIN, account_role, role_str, scope_columns,
    scope_from_columns,
};

pub use rules::{
    check_new_account, credentials_across, display_name, new_password, normalise_username,
    password_is_username, scope_for, username,
};
pub use sessions::{
    DbSessions, end_sessions, publish_cutoff, publish_session_backlog, revoke_token,
};
pub use store::{
    CreateAccountError, ListFilter, bootstrap_association, create, find_by_id, find_by_username,
    insert_account, list, username_exists,
};

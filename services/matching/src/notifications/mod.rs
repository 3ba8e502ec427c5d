//! Notifications (站内通知): what each organisation must not miss, derived from the feeds
//! (`derive.rs`, a sink of the follower: exactly once, with the cursor) and from a
//! periodic sweep over matching's tables (`sweep.rs`: deadlines, idempotent by key; the
//! officials' overdue stages, rectifications and bottom-three streets in `officials.rs`); kept
//! per organisation (`recipient.rs`) with read state per account (`store.rs`); read in the
//! inbox API (`crate::routes::inbox`), in each account's private Atom feed (`atom.rs`) and
//! delivered to webhooks (`webhooks.rs`, `delivery.rs`, signed with `secret.rs`); carried
//! across `wuye admin rebuild-index` (`carry.rs`).

pub mod atom;
pub mod carry;
pub mod delivery;
pub mod derive;
pub mod officials;
pub mod recipient;
pub mod secret;
pub mod store;
pub mod sweep;
pub mod webhooks;

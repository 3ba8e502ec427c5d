//! Work plans (工作方案): per street and year the target, the compounds planned, each
//! stage's due date, and the stages only people know (动员, 自治组织) recorded by the street.
//!
//! - [`PlanInput`] / [`StageInput`] are what a street official sends; `check` turns them
//!   into [`ValidPlan`] / [`ValidStage`], every bad field at once.
//! - [`store`] keeps the plan (`migrations/catalog/0012_work_plans.sql`) and publishes it
//!   whole on the feed (topic `work_plan`, payload `shared::domain::plan::WorkPlan`), from
//!   which matching computes the progress list.
//!
//! Who: the street's own officials write it; officials whose reach covers the street (its
//! district, the association, a city-wide official) read it.

mod input;
pub mod store;

pub use input::{PlanDues, PlanInput, StageInput, ValidPlan, ValidStage};
pub use shared::domain::plan::{Stage, StageDue, StageRecord, WorkPlan};

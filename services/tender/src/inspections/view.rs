//! An inspection request as the API answers it, and as the feed publishes it.

use serde::{Deserialize, Serialize};
use shared::events::tender::InspectionPublished;
use utoipa::ToSchema;

use super::store::Request;
use super::terms::{AskedBy, State, What};
use crate::clock::to_rfc3339;

/// An inspection request (查阅申请) and where it stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InspectionView {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub what: What,
    /// What in Chinese.
    pub what_label: String,
    pub disclosure_id: Option<String>,
    pub asked_by: AskedBy,
    /// The unit, when an owner asked with its code.
    pub unit_id: Option<String>,
    pub text: String,
    /// RFC 3339.
    pub asked_at: String,
    /// The last day to answer, `YYYY-MM-DD` (Beijing).
    pub due_on: String,
    /// Today (Beijing): `open`, `overdue` (逾期未答复) or `answered`.
    pub state: State,
    pub state_label: String,
    pub answered_at: Option<String>,
    /// `committee` or `firm`.
    pub answered_by_role: Option<String>,
    pub answer: Option<String>,
    /// Documents given with the answer (`GET /tenders/documents/{id}`).
    pub answer_documents: Vec<String>,
}

impl InspectionView {
    /// The request as it stands on `today` (`YYYY-MM-DD`).
    pub fn of(r: &Request, today: &str) -> Self {
        let state = State::of(r.answered_at.is_some(), &r.due_on, today);
        Self {
            id: r.id.clone(),
            compound_id: r.compound_id.clone(),
            compound_name: r.compound_name.clone(),
            district_code: r.district_code.clone(),
            street_code: r.street_code.clone(),
            what: r.what,
            what_label: r.what.label().to_string(),
            disclosure_id: r.disclosure_id.clone(),
            asked_by: r.asked_by,
            unit_id: r.unit_id.clone(),
            text: r.text.clone(),
            asked_at: to_rfc3339(r.asked_at),
            due_on: r.due_on.clone(),
            state,
            state_label: state.label().to_string(),
            answered_at: r.answered_at.map(to_rfc3339),
            answered_by_role: r.answered_by_role.clone(),
            answer: r.answer.clone(),
            answer_documents: r.answer_documents.clone(),
        }
    }
}

/// The request as topic `inspection` publishes it: no owner, unit or text. `None` when its
/// stored due date is unreadable (never written so).
pub fn published(r: &Request) -> Option<InspectionPublished> {
    Some(InspectionPublished {
        id: r.id.clone(),
        compound_id: r.compound_id.clone(),
        compound_name: r.compound_name.clone(),
        district_code: r.district_code.clone(),
        street_code: r.street_code.clone(),
        what: r.what.as_str().to_string(),
        what_label: r.what.label().to_string(),
        asked_by: r.asked_by.as_str().to_string(),
        asked_at: to_rfc3339(r.asked_at),
        due_on: crate::clock::parse_date(&r.due_on).ok()?,
        answered_at: r.answered_at.map(to_rfc3339),
    })
}

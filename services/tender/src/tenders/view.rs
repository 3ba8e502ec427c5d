//! What everyone allowed to see a tender sees of it ([`TenderView`]): the API's answer and
//! the payload of the `tender` topic of the feed.

use serde::{Deserialize, Serialize};
use shared::clock::now_ms;
use sqlx::AnyConnection;
use utoipa::ToSchema;

use super::tender::Tender;
use crate::award::records::{self, Award, Contract};
use crate::bids::{self, OpeningRecord};
use crate::clock::to_rfc3339;
use crate::terms::{Evaluation, TenderStatus};

/// A tender as everyone allowed to see it sees it. Never says anything about bids before
/// they are opened: not even how many there are.
///
/// The number of bids received is deliberately **not** public before opening (not to the
/// public, the committee or the association): a count reveals the state of competition,
/// so a lone bidder could raise its price and a ring could check that its members
/// stayed out. 《招标投标法》第二十二条 forbids the tenderer to disclose the number of
/// potential bidders, and many e-procurement systems hide the count until opening for
/// the same reason. After opening, the [`OpeningRecord`] lists every bid.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TenderView {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub title: String,
    pub status: TenderStatus,
    /// The status in Chinese.
    pub status_label: String,
    pub service_model: String,
    pub fee_model: String,
    /// Service grade wanted, 1–5.
    pub grade: i64,
    pub term_months: i64,
    /// 年度预算, 分.
    pub annual_budget_fen: i64,
    /// The fee the committee proposes, 分/㎡·月.
    pub proposed_fee: i64,
    /// 需求说明.
    pub needs: String,
    /// 答疑截止时间.
    pub enquiry_deadline: String,
    /// 投标截止时间.
    pub bid_deadline: String,
    /// 开标时间.
    pub opening_at: String,
    pub evaluation: Evaluation,
    /// 酬金 the committee proposes (commission and trust tenders), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remuneration: Option<crate::money::fund::terms::Remuneration>,
    /// Bumped whenever the terms change while open; bids answering an older version need
    /// re-confirmation.
    pub terms_version: i64,
    /// As of `as_of`: bids are accepted now.
    pub accepting_bids: bool,
    /// As of `as_of`: firms may ask questions now.
    pub accepting_questions: bool,
    pub cancel_reason: Option<String>,
    pub created_at: String,
    pub published_at: Option<String>,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
    pub updated_at: String,
    /// The opening record, once the bids are opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening: Option<OpeningRecord>,
    /// The standing award (in notice or final), once awarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award: Option<Award>,
    /// The signed contract, once contracted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<Contract>,
    /// When this view was made.
    pub as_of: String,
}

impl TenderView {
    /// The view of `t` at `now`, with its opening record when it has one (award and
    /// contract are added by [`view`]).
    pub fn of(t: &Tender, opening: Option<OpeningRecord>, now: i64) -> Self {
        let terms = &t.terms;
        Self {
            id: t.id.clone(),
            compound_id: t.compound_id.clone(),
            compound_name: t.compound_name.clone(),
            district_code: t.district_code.clone(),
            street_code: t.street_code.clone(),
            title: t.title.clone(),
            status: t.status,
            status_label: t.status.label().to_string(),
            service_model: terms.service_model.as_str().to_string(),
            fee_model: terms.fee_model.as_str().to_string(),
            grade: i64::from(terms.grade.get()),
            term_months: terms.term_months,
            annual_budget_fen: terms.annual_budget.get(),
            proposed_fee: i64::from(terms.proposed_fee.get()),
            needs: terms.needs.clone(),
            enquiry_deadline: to_rfc3339(terms.enquiry_deadline),
            bid_deadline: to_rfc3339(terms.bid_deadline),
            opening_at: to_rfc3339(terms.opening_at),
            evaluation: terms.evaluation.clone(),
            remuneration: terms.remuneration,
            terms_version: t.terms_version,
            accepting_bids: t.accepting_bids(now),
            accepting_questions: t.accepting_questions(now),
            cancel_reason: t.cancel_reason.clone(),
            created_at: to_rfc3339(t.created_at),
            published_at: t.published_at.map(to_rfc3339),
            opened_at: t.opened_at.map(to_rfc3339),
            closed_at: t.closed_at.map(to_rfc3339),
            updated_at: to_rfc3339(t.updated_at),
            opening,
            award: None,
            contract: None,
            as_of: to_rfc3339(now),
        }
    }
}

/// The full view of a tender, with its opening record, award and contract when it has them.
pub async fn view(conn: &mut AnyConnection, t: &Tender) -> Result<TenderView, sqlx::Error> {
    let record = if t.opened_at.is_some() {
        bids::opening_record(conn, &t.id).await?
    } else {
        None
    };
    let mut v = TenderView::of(t, record, now_ms());
    if matches!(
        t.status,
        TenderStatus::Awarded | TenderStatus::Contracted | TenderStatus::Cancelled
    ) {
        v.award = records::current(conn, &t.id).await?.map(|a| a.view);
        v.contract = records::contract_of_tender(conn, &t.id).await?;
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::events::tender::TenderPublished;

    use crate::terms::Terms;

    /// The `tender` topic carries the whole view; what followers read of it is
    /// `shared::events::tender::TenderPublished`, decoded from exactly that payload.
    #[test]
    fn the_published_view_decodes_as_the_followers_type() {
        let t = Tender {
            id: "t1".into(),
            compound_id: "c1".into(),
            compound_name: "锦江小区".into(),
            district_code: "510104".into(),
            street_code: None,
            title: "物业服务招标".into(),
            status: TenderStatus::Open,
            terms: Terms::sample(),
            terms_version: 1,
            cancel_reason: None,
            created_by: "a1".into(),
            created_at: 0,
            published_at: Some(0),
            opened_at: None,
            closed_at: None,
            updated_at: 0,
        };
        let payload = serde_json::to_value(TenderView::of(&t, None, 0)).unwrap();
        let read: TenderPublished = serde_json::from_value(payload).unwrap();
        assert_eq!(
            read,
            TenderPublished {
                id: "t1".into(),
                compound_id: "c1".into(),
                compound_name: "锦江小区".into(),
                title: "物业服务招标".into(),
                status: "open".into(),
                service_model: "professional".into(),
                fee_model: "lump_sum".into(),
                grade: 3,
                proposed_fee: 150,
                needs: "保洁、绿化、秩序维护".into(),
            }
        );
    }
}

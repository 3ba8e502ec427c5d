//! Following the catalog and tender feeds.
//!
//! A [`Follower`] decodes each change ONCE into an [`Event`], through the payload types the
//! services publish (`shared::events`: `firm`, `compound`, `contract`, `satisfaction`,
//! `tender`, `inspection`, plus the places), then hands the event to every [`Sink`] in turn, inside
//! the consumer's transaction: [`crate::replica::Tables`] keeps matching's own tables (the
//! statistics read them), then [`crate::index::IndexSink`] feeds the search index (its
//! `after_batch` commits the index with the feed cursors).
//!
//! A payload that cannot be read is logged and skipped: one malformed change must not stop
//! the follower (and with it every later change) for ever. Sinks apply idempotently by
//! entity, guarded by the change's `seq`, so a replayed page changes nothing.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;
use shared::domain::roster::StandingRecord;
use shared::domain::roster::{Date, parse_date};
use shared::events::catalog::{Compound, FirmSummary, SubsidyPublished, WorkPlan};
use shared::events::tender::{
    BallotVoteDecided, ContractPublished, FundMonth, InspectionPublished, SurveyPublished,
    TenderPublished, VoteDecided,
};
use shared::events::{decode, is_removal};
use shared::feed::{Apply, Change};
use sqlx::AnyConnection;

use crate::satisfaction::Period;

/// Which feed a follower reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `/catalog/feed`: places, firms, compounds.
    Catalog,
    /// `/tenders/feed`: contracts, satisfaction surveys, tenders, inspection requests.
    Tender,
}

/// A firm as matching keeps it in its tables: the summary every follower relies on
/// (`shared::events::catalog::FirmSummary`, failing closed to an applicant), and the whole
/// payload, which the index reads as a `FirmSnapshot`.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmRecord {
    pub id: String,
    pub name: String,
    pub districts_served: Vec<String>,
    /// Decides the standing on any day (`StandingRecord::effective`).
    pub standing_record: StandingRecord,
    /// The whole snapshot, as published.
    pub payload: Value,
}

/// A compound as matching needs it: the catalog's [`Compound`], decoded once.
#[derive(Debug, Clone, PartialEq)]
pub struct CompoundRecord {
    pub id: String,
    pub compound: Compound,
}

/// A contract as matching needs it (tender's published contract).
pub type ContractRecord = ContractPublished;

/// A tender (招标) as matching needs it: tender's public view (sealed bids are never part
/// of it), decoded, and the payload as published (kept in `tender_tender`).
#[derive(Debug, Clone, PartialEq)]
pub struct TenderRecord {
    pub id: String,
    pub tender: TenderPublished,
    /// The whole view.
    pub payload: Value,
}

/// One satisfaction survey record (满意度测评) of a compound for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct SatisfactionRecord {
    pub id: String,
    pub compound_id: String,
    pub street_code: String,
    pub district_code: String,
    pub contract_id: Option<String>,
    pub firm_id: Option<String>,
    pub period: Period,
    /// 满意.
    pub satisfied: i64,
    /// 基本满意.
    pub basically_satisfied: i64,
    /// 不满意.
    pub dissatisfied: i64,
    pub recorded_at: Option<String>,
}

/// A decided owners' vote (业主表决): a typed vote, or a vote from ballots once closed.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteRecord {
    pub id: String,
    pub compound_id: String,
    pub matter: String,
    pub passed: bool,
    /// The day of the vote, or the day the committee closed it.
    pub decided_on: Date,
}

/// What kind of entity a removal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Firm,
    Compound,
    Contract,
    Satisfaction,
    Tender,
    WorkPlan,
    Vote,
    Inspection,
    Subsidy,
    FundMonth,
}

/// What a change means to matching.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A `district` or `street` change.
    Place,
    Firm(FirmRecord),
    Compound(Box<CompoundRecord>),
    Contract(ContractRecord),
    Satisfaction(SatisfactionRecord),
    Tender(TenderRecord),
    /// A street's work plan (工作方案) as it now is.
    WorkPlan(Box<WorkPlan>),
    Vote(VoteRecord),
    /// A request to inspect (查阅申请), as it stands.
    Inspection(InspectionPublished),
    /// A 以奖代补 subsidy or a correction of one.
    Subsidy(SubsidyPublished),
    /// A compound's service fund in one month.
    FundMonth(Box<FundMonth>),
    /// The entity was deleted at its source.
    Removed {
        entity: Entity,
        id: String,
    },
    /// A topic matching does not keep, or a payload it could not read (logged).
    Ignored,
}

impl Event {
    /// Reads a change of `source`'s feed.
    pub fn read(source: Source, change: &Change) -> Self {
        use shared::events::{catalog, tender};
        let entity = match (source, change.topic.as_str()) {
            (Source::Catalog, catalog::DISTRICT | catalog::STREET) => return Event::Place,
            (Source::Catalog, catalog::FIRM) => Entity::Firm,
            (Source::Catalog, catalog::COMPOUND) => Entity::Compound,
            (Source::Catalog, catalog::WORK_PLAN) => Entity::WorkPlan,
            (Source::Catalog, catalog::SUBSIDY) => Entity::Subsidy,
            (Source::Tender, tender::VOTE | tender::BALLOT_VOTE) => Entity::Vote,
            (Source::Tender, tender::CONTRACT) => Entity::Contract,
            (Source::Tender, tender::SATISFACTION) => Entity::Satisfaction,
            (Source::Tender, tender::TENDER) => Entity::Tender,
            (Source::Tender, tender::INSPECTION) => Entity::Inspection,
            (Source::Tender, tender::FUND_MONTH) => Entity::FundMonth,
            _ => return Event::Ignored,
        };
        if is_removal(change) {
            return Event::Removed {
                entity,
                id: change.entity_id.clone(),
            };
        }
        let read = match entity {
            Entity::Firm => firm(change).map(Event::Firm),
            Entity::Compound => decode::<Compound>(change)
                .map(|compound| {
                    Event::Compound(Box::new(CompoundRecord {
                        id: change.entity_id.clone(),
                        compound,
                    }))
                })
                .map_err(|e| e.to_string()),
            Entity::Contract => decode::<ContractPublished>(change)
                .map(Event::Contract)
                .map_err(|e| e.to_string()),
            Entity::Satisfaction => satisfaction(change).map(Event::Satisfaction),
            Entity::WorkPlan => decode::<WorkPlan>(change)
                .map(|p| Event::WorkPlan(Box::new(p)))
                .map_err(|e| e.to_string()),
            Entity::Vote => match vote(change) {
                Ok(Some(v)) => Ok(Event::Vote(v)),
                Ok(None) => Ok(Event::Ignored),
                Err(e) => Err(e),
            },
            Entity::Tender => decode::<TenderPublished>(change)
                .map(|tender| {
                    Event::Tender(TenderRecord {
                        id: change.entity_id.clone(),
                        tender,
                        payload: change.payload.clone(),
                    })
                })
                .map_err(|e| e.to_string()),
            Entity::Inspection => decode::<InspectionPublished>(change)
                .map(Event::Inspection)
                .map_err(|e| e.to_string()),
            Entity::Subsidy => decode::<SubsidyPublished>(change)
                .map(Event::Subsidy)
                .map_err(|e| e.to_string()),
            Entity::FundMonth => decode::<FundMonth>(change)
                .map(|m| Event::FundMonth(Box::new(m)))
                .map_err(|e| e.to_string()),
        };
        read.unwrap_or_else(|problem| {
            tracing::warn!(seq = change.seq, topic = %change.topic, entity = %change.entity_id,
                %problem, "feed change skipped: payload not readable");
            Event::Ignored
        })
    }
}

fn firm(change: &Change) -> Result<FirmRecord, String> {
    let s: FirmSummary = decode(change).map_err(|e| e.to_string())?;
    Ok(FirmRecord {
        id: change.entity_id.clone(),
        name: s.name,
        districts_served: s.districts_served,
        standing_record: s.standing_record,
        payload: change.payload.clone(),
    })
}

/// A typed vote, or a closed vote from ballots; `None` for a vote not yet decided.
fn vote(change: &Change) -> Result<Option<VoteRecord>, String> {
    if change.topic == shared::events::tender::VOTE {
        let v: VoteDecided = decode(change).map_err(|e| e.to_string())?;
        let decided_on = parse_date(&v.held_on).map_err(|e| e.message)?;
        return Ok(Some(VoteRecord {
            id: v.id,
            compound_id: v.compound_id,
            matter: v.matter,
            passed: v.passed,
            decided_on,
        }));
    }
    let v: BallotVoteDecided = decode(change).map_err(|e| e.to_string())?;
    let (Some(closed_at), Some(result)) = (v.closed_at, v.result) else {
        return Ok(None);
    };
    let at =
        time::OffsetDateTime::parse(&closed_at, &time::format_description::well_known::Rfc3339)
            .map_err(|e| format!("closed_at: {e}"))?;
    Ok(Some(VoteRecord {
        id: v.id,
        compound_id: v.compound_id,
        matter: v.matter,
        passed: result.passed,
        decided_on: shared::clock::china_date(shared::clock::ms_of(at)),
    }))
}

fn satisfaction(change: &Change) -> Result<SatisfactionRecord, String> {
    let s: SurveyPublished = decode(change).map_err(|e| e.to_string())?;
    if s.satisfied < 0 || s.basically_satisfied < 0 || s.dissatisfied < 0 {
        return Err("negative respondent count".into());
    }
    Ok(SatisfactionRecord {
        period: Period::parse(&s.period).map_err(|e| e.message)?,
        street_code: s.street_code.ok_or("no `street_code`")?,
        id: s.id,
        compound_id: s.compound_id,
        district_code: s.district_code,
        contract_id: s.contract_id,
        firm_id: s.firm_id,
        satisfied: s.satisfied,
        basically_satisfied: s.basically_satisfied,
        dissatisfied: s.dissatisfied,
        recorded_at: s.recorded_at,
    })
}

/// Something that applies feed events: matching's tables, later the search index.
///
/// `apply` runs inside the consumer's transaction (with the cursor's move); it must be
/// idempotent by entity, guarded by `change.seq`. `after_batch` runs after a batch has
/// been committed (e.g. to commit an index).
pub trait Sink: Send + Sync + 'static {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
        event: &'a Event,
    ) -> BoxFuture<'a, anyhow::Result<()>>;

    fn after_batch(&self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// Applies one feed's changes to every sink, in order. The catalog's session facts (topic
/// `session`) go to matching's session tables.
pub struct Follower {
    source: Source,
    sinks: Vec<Arc<dyn Sink>>,
}

impl Follower {
    pub fn new(source: Source, sinks: Vec<Arc<dyn Sink>>) -> Self {
        Self { source, sinks }
    }
}

impl Apply for Follower {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            if self.source == Source::Catalog && change.topic == shared::session::TOPIC {
                shared::session::apply(conn, change).await?;
                return Ok(());
            }
            // Sinks see every change, also those matching keeps no table of (`Ignored`):
            // the notifications read some topics (questions, invitations, complaints)
            // straight from the change.
            let event = Event::read(self.source, change);
            for sink in &self.sinks {
                sink.apply(conn, change, &event).await?;
            }
            Ok(())
        })
    }

    fn after_batch(&self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            for sink in &self.sinks {
                sink.after_batch().await?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(topic: &str, kind: &str, payload: Value) -> Change {
        Change {
            seq: 7,
            topic: topic.into(),
            entity_id: "e1".into(),
            kind: kind.into(),
            payload,
            at: 0,
        }
    }

    #[test]
    fn topics_are_read_per_source() {
        assert_eq!(
            Event::read(Source::Catalog, &change("street", "created", json!({}))),
            Event::Place
        );
        assert_eq!(
            Event::read(Source::Tender, &change("street", "created", json!({}))),
            Event::Ignored
        );
        assert_eq!(
            Event::read(Source::Catalog, &change("contract", "signed", json!({}))),
            Event::Ignored
        );
        assert_eq!(
            Event::read(Source::Catalog, &change("compound", "deleted", json!(null))),
            Event::Removed {
                entity: Entity::Compound,
                id: "e1".into()
            }
        );
    }

    #[test]
    fn contracts_and_surveys_are_read_from_tender_s_shapes() {
        let c = json!({"id": "k1", "tender_id": "t1", "compound_id": "c1", "firm_id": "f1",
            "firm_name": "锦城物业", "service_model": "professional", "fee_model": "commission",
            "fee": 150, "annual_price_fen": 1, "term_months": 36, "start_date": "2026-03-01",
            "end_date": "2029-02-28", "signed_on": "2026-02-20", "signed_at": "2026-02-20T10:00:00+08:00",
            "status": "terminated", "terminated_on": "2026-06-30", "termination_reason": "黑名单"});
        let Event::Contract(k) = Event::read(Source::Tender, &change("contract", "terminated", c))
        else {
            panic!("not a contract")
        };
        assert_eq!(k.end_date, time::macros::date!(2029 - 02 - 28));
        assert_eq!(k.terminated_on, Some(time::macros::date!(2026 - 06 - 30)));
        let bad = json!({"id": "k1", "start_date": "2026-02-30"});
        assert_eq!(
            Event::read(Source::Tender, &change("contract", "signed", bad)),
            Event::Ignored
        );
        let s = json!({"id": "s1", "compound_id": "c1", "street_code": "510104017",
            "district_code": "510104", "contract_id": null, "firm_id": null, "period": "2026-Q3",
            "satisfied": 30, "basically_satisfied": 10, "dissatisfied": 5, "recorded_at": "2026-09-30T10:00:00+08:00"});
        let Event::Satisfaction(s) =
            Event::read(Source::Tender, &change("satisfaction", "recorded", s))
        else {
            panic!("not a survey")
        };
        assert_eq!(s.period.to_string(), "2026-Q3");
        assert_eq!(s.satisfied + s.basically_satisfied + s.dissatisfied, 45);
        let negative = json!({"id": "s1", "compound_id": "c1", "street_code": "510104017",
            "district_code": "510104", "period": "2026-Q3", "satisfied": -1, "basically_satisfied": 0, "dissatisfied": 0});
        assert_eq!(
            Event::read(
                Source::Tender,
                &change("satisfaction", "recorded", negative)
            ),
            Event::Ignored
        );
    }

    #[test]
    fn votes_are_read_from_tender_s_typed_and_ballot_shapes() {
        let typed = json!({"id": "v1", "compound_id": "c1", "matter": "choose_firm",
            "subject": "选聘物业服务企业", "total_owners": 300, "total_area_m2": 30000,
            "participating_owners": 200, "participating_area_m2": 20000, "approving_owners": 101,
            "approving_area_m2": 10001, "held_on": "2026-03-05", "document_ref": "〔2026〕1号",
            "tender_id": null, "chosen_bid_id": null, "passed": true, "reasons": [],
            "recorded_at": "2026-03-05T10:00:00+08:00", "verified": false,
            "verified_label": "未经名册核验"});
        let Event::Vote(v) = Event::read(Source::Tender, &change("vote", "recorded", typed)) else {
            panic!("not a vote")
        };
        assert_eq!(
            (v.passed, v.decided_on, v.matter.as_str()),
            (true, time::macros::date!(2026 - 03 - 05), "choose_firm")
        );
        let opened = json!({"id": "b1", "compound_id": "c1", "matter": "choose_service_model",
            "state": "scheduled", "opens_at": "2026-03-01T09:00:00+08:00"});
        assert_eq!(
            Event::read(Source::Tender, &change("ballot_vote", "opened", opened)),
            Event::Ignored
        );
        // Closed at 23:30 UTC on 31 March: 1 April in Chengdu.
        let closed = json!({"id": "b1", "compound_id": "c1", "matter": "choose_service_model",
            "state": "closed", "closed_at": "2026-03-31T23:30:00Z",
            "result": {"passed": false, "participating_owners": 10}});
        let Event::Vote(v) = Event::read(Source::Tender, &change("ballot_vote", "closed", closed))
        else {
            panic!("not a vote")
        };
        assert_eq!(
            (v.passed, v.decided_on),
            (false, time::macros::date!(2026 - 04 - 01))
        );
        assert_eq!(
            Event::read(Source::Catalog, &change("vote", "recorded", json!({}))),
            Event::Ignored
        );
    }

    #[test]
    fn a_firm_without_a_readable_record_is_an_applicant() {
        let Event::Firm(f) = Event::read(
            Source::Catalog,
            &change(
                "firm",
                "applied",
                json!({"name": "某物业", "districts_served": ["510104"]}),
            ),
        ) else {
            panic!("not a firm")
        };
        assert_eq!(f.standing_record, StandingRecord::applicant());
        assert_eq!(f.districts_served, vec!["510104"]);
    }
}

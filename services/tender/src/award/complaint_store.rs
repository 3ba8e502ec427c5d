//! Complaints (质疑) and their escalations (复核) as stored and read: the complaint with the
//! committee's answer, then at most one escalation per level (street, then district), each
//! with its decision. Where a complaint stands ([`Stage`]) and whether it still holds the
//! contract back are derived from these rows.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::clock::to_rfc3339;
use crate::rows::undecodable;

/// The level an escalation goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The street official of the compound's street (街道).
    Street,
    /// The district official of the compound's district (区县).
    District,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Street => "street",
            Level::District => "district",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Level::Street, Level::District]
            .into_iter()
            .find(|l| l.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::Street => "街道",
            Level::District => "区县",
        }
    }
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the committee's answer.
    #[default]
    Lodged,
    /// Answered by the committee (or the association).
    Answered,
    /// Escalated to the street, waiting for its decision.
    EscalatedToStreet,
    /// Decided by the street.
    StreetDecided,
    /// Escalated to the district, waiting for its decision.
    EscalatedToDistrict,
    /// Decided by the district (final).
    DistrictDecided,
}

/// An escalation (复核) of a complaint to one level, with its decision once made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Escalation {
    pub level: Level,
    /// Why the bidder is not satisfied.
    pub grounds: String,
    pub escalated_at: String,
    /// The decision's reasons; absent until decided.
    pub decision: Option<String>,
    /// Whether the complaint is upheld at this level; absent until decided.
    pub upheld: Option<bool>,
    pub decided_at: Option<String>,
    /// When it was decided, in ms (not sent).
    #[serde(skip)]
    pub decided_at_ms: Option<i64>,
}

/// A complaint (质疑) about an award, with its answer and escalations. The complaining
/// firm's id and name are absent from what the public reads (see [`Complaint::redacted`]).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Complaint {
    pub id: String,
    pub tender_id: String,
    pub award_id: String,
    /// The complaining bidder: shown to itself, the compound's committee, the association
    /// and the officials in reach; absent from public reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firm_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firm_name: Option<String>,
    pub grounds: String,
    pub lodged_at: String,
    pub answer: Option<String>,
    /// Whether the committee upheld it; absent until answered.
    pub upheld: Option<bool>,
    pub answered_at: Option<String>,
    /// Where it stands.
    #[serde(default)]
    pub stage: Stage,
    /// The latest decision (the committee's answer, or the last level's): upheld or not;
    /// absent while waiting for one.
    #[serde(default)]
    pub outcome: Option<bool>,
    /// Escalations, street first.
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    /// When it was answered, in ms (not sent).
    #[serde(skip)]
    pub answered_at_ms: Option<i64>,
}

impl Complaint {
    /// The complaint without the complainant's id and name (public reads).
    pub fn redacted(mut self) -> Self {
        self.firm_id = None;
        self.firm_name = None;
        self
    }

    /// Whether a decision has been made on it (the committee answered): from then on it is
    /// public.
    pub fn decided(&self) -> bool {
        self.answer.is_some()
    }

    /// The escalation waiting for a decision, if any.
    pub fn pending(&self) -> Option<&Escalation> {
        self.escalations.iter().find(|e| e.decided_at.is_none())
    }

    /// The instant (ms) of the latest decision, if the latest step is a decision.
    pub fn last_decided_ms(&self) -> Option<i64> {
        match self.escalations.last() {
            Some(e) => e.decided_at_ms,
            None => self.answered_at_ms,
        }
    }

    /// The level an escalation would go to next (`None`: the district has it already);
    /// a compound outside any street goes straight to the district.
    pub fn next_level(&self, has_street: bool) -> Option<Level> {
        let has = |l: Level| self.escalations.iter().any(|e| e.level == l);
        if has(Level::District) {
            None
        } else if has(Level::Street) || !has_street {
            Some(Level::District)
        } else {
            Some(Level::Street)
        }
    }

    /// Until when (ms) the complaining firm may still escalate: the latest decision was
    /// "not upheld", a level is left and the window after it is still open.
    pub fn escalable_until(&self, window_ms: i64, has_street: bool) -> Option<i64> {
        if self.outcome != Some(false) || self.next_level(has_street).is_none() {
            return None;
        }
        self.last_decided_ms()
            .map(|at| at.saturating_add(window_ms))
    }

    /// Whether it still holds the contract back at `now`: not answered, an escalation
    /// waiting, or the window to escalate still open.
    pub fn holds_contract(&self, now: i64, window_ms: i64, has_street: bool) -> bool {
        self.answer.is_none()
            || self.pending().is_some()
            || self
                .escalable_until(window_ms, has_street)
                .is_some_and(|until| now < until)
    }

    /// Stage and outcome, from the answer and the escalations.
    fn derive(&mut self) {
        let last = self.escalations.last();
        (self.stage, self.outcome) = match last {
            None if self.answer.is_none() => (Stage::Lodged, None),
            None => (Stage::Answered, self.upheld),
            Some(e) => {
                let stage = match (e.level, e.decided_at.is_some()) {
                    (Level::Street, false) => Stage::EscalatedToStreet,
                    (Level::Street, true) => Stage::StreetDecided,
                    (Level::District, false) => Stage::EscalatedToDistrict,
                    (Level::District, true) => Stage::DistrictDecided,
                };
                (stage, e.upheld)
            }
        };
    }
}

/// `upheld` is written with the answer, so it is read as a flag
/// ([`shared::bool_column!`]) only for an answered complaint.
const COMPLAINT_SELECT: &str = concat!(
    "id, tender_id, award_id, firm_id, firm_name, grounds, lodged_at, answer, ",
    shared::bool_column!("upheld", "upheld"),
    ", answered_at"
);

const ESCALATION_SELECT: &str = concat!(
    "complaint_id, level, grounds, escalated_at, decision, ",
    shared::bool_column!("upheld", "upheld"),
    ", decided_at"
);

fn complaint_from_row(r: &sqlx::any::AnyRow) -> Result<Complaint, sqlx::Error> {
    let answered: Option<i64> = r.try_get("answered_at")?;
    let upheld = match answered {
        Some(_) => Some(shared::db::flag(r, "upheld")?),
        None => None,
    };
    Ok(Complaint {
        id: r.try_get("id")?,
        tender_id: r.try_get("tender_id")?,
        award_id: r.try_get("award_id")?,
        firm_id: Some(r.try_get("firm_id")?),
        firm_name: Some(r.try_get("firm_name")?),
        grounds: r.try_get("grounds")?,
        lodged_at: to_rfc3339(r.try_get("lodged_at")?),
        answer: r.try_get("answer")?,
        upheld,
        answered_at: answered.map(to_rfc3339),
        stage: Stage::Lodged,
        outcome: None,
        escalations: Vec::new(),
        answered_at_ms: answered,
    })
}

fn escalation_from_row(r: &sqlx::any::AnyRow) -> Result<(String, Escalation), sqlx::Error> {
    let complaint: String = r.try_get("complaint_id")?;
    let level: String = r.try_get("level")?;
    let level = Level::parse(&level)
        .ok_or_else(|| undecodable("complaint_escalation", &complaint, "level", &level))?;
    let decided: Option<i64> = r.try_get("decided_at")?;
    let upheld = match decided {
        Some(_) => Some(shared::db::flag(r, "upheld")?),
        None => None,
    };
    Ok((
        complaint,
        Escalation {
            level,
            grounds: r.try_get("grounds")?,
            escalated_at: to_rfc3339(r.try_get("escalated_at")?),
            decision: r.try_get("decision")?,
            upheld,
            decided_at: decided.map(to_rfc3339),
            decided_at_ms: decided,
        },
    ))
}

/// Complaints selected by `condition` (on `complaint c`, binding `$1`), oldest first, with
/// their escalations.
async fn select(
    conn: &mut AnyConnection,
    condition: &str,
    bind: &str,
) -> Result<Vec<Complaint>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COMPLAINT_SELECT} FROM complaint WHERE {condition} ORDER BY lodged_at, id"
    )))
    .bind(bind)
    .fetch_all(&mut *conn)
    .await?;
    let mut complaints = rows
        .iter()
        .map(complaint_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let escalations = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ESCALATION_SELECT} FROM complaint_escalation WHERE complaint_id IN \
         (SELECT id FROM complaint WHERE {condition}) ORDER BY escalated_at, level DESC"
    )))
    .bind(bind)
    .fetch_all(&mut *conn)
    .await?;
    for row in &escalations {
        let (complaint, e) = escalation_from_row(row)?;
        if let Some(c) = complaints.iter_mut().find(|c| c.id == complaint) {
            c.escalations.push(e);
        }
    }
    for c in &mut complaints {
        c.derive();
    }
    Ok(complaints)
}

/// The complaints of a tender, oldest first.
pub async fn of_tender(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Vec<Complaint>, sqlx::Error> {
    select(conn, "tender_id = $1", tender_id).await
}

/// The complaints about one award.
pub async fn of_award(
    conn: &mut AnyConnection,
    award_id: &str,
) -> Result<Vec<Complaint>, sqlx::Error> {
    select(conn, "award_id = $1", award_id).await
}

/// A firm's own complaints, oldest first.
pub async fn of_firm(
    conn: &mut AnyConnection,
    firm_id: &str,
) -> Result<Vec<Complaint>, sqlx::Error> {
    select(conn, "firm_id = $1", firm_id).await
}

/// One complaint of a tender.
pub async fn one(
    conn: &mut AnyConnection,
    tender_id: &str,
    id: &str,
) -> Result<Option<Complaint>, sqlx::Error> {
    let found = select(conn, "id = $1", id).await?;
    Ok(found.into_iter().find(|c| c.tender_id == tender_id))
}

/// The complaints escalated to `level` in an area (`area_column` of `tender`, `street_code`
/// or `district_code`, equal to `code`; `None`: the whole city), newest first, at most 200.
pub async fn escalated(
    conn: &mut AnyConnection,
    level: Level,
    area: Option<(&str, &str)>,
) -> Result<Vec<Complaint>, sqlx::Error> {
    let area_condition = match area {
        Some(("street", _)) => "t.street_code = $2",
        Some(_) => "t.district_code = $2",
        None => "CAST($2 AS TEXT) = ''",
    };
    let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT e.complaint_id FROM complaint_escalation e JOIN tender t ON t.id = e.tender_id \
         WHERE e.level = $1 AND {area_condition} ORDER BY e.escalated_at DESC LIMIT 200"
    )))
    .bind(level.as_str())
    .bind(area.map_or("", |(_, code)| code))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(select(conn, "id = $1", &id).await?);
    }
    Ok(out)
}

/// Stores a new complaint (unanswered).
pub async fn insert(
    conn: &mut AnyConnection,
    c: &Complaint,
    lodged_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO complaint (id, tender_id, award_id, firm_id, firm_name, grounds, lodged_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&c.id)
    .bind(&c.tender_id)
    .bind(&c.award_id)
    .bind(c.firm_id.as_deref().unwrap_or_default())
    .bind(c.firm_name.as_deref().unwrap_or_default())
    .bind(&c.grounds)
    .bind(lodged_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records the answer to a complaint.
pub async fn answer(
    conn: &mut AnyConnection,
    id: &str,
    answer: &str,
    upheld: bool,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE complaint SET answer = $2, upheld = $3, answered_by = $4, answered_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(answer)
    .bind(upheld)
    .bind(by)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records an escalation; `false` if this level has one already (the primary key).
pub async fn escalate(
    conn: &mut AnyConnection,
    c: &Complaint,
    level: Level,
    grounds: &str,
    by: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO complaint_escalation (complaint_id, level, tender_id, grounds, escalated_by, escalated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (complaint_id, level) DO NOTHING",
    )
    .bind(&c.id)
    .bind(level.as_str())
    .bind(&c.tender_id)
    .bind(grounds)
    .bind(by)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a level's decision on its pending escalation; `false` if it was decided already.
pub async fn decide(
    conn: &mut AnyConnection,
    complaint_id: &str,
    level: Level,
    decision: &str,
    upheld: bool,
    by: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE complaint_escalation SET decision = $3, upheld = $4, decided_by = $5, decided_at = $6 \
         WHERE complaint_id = $1 AND level = $2 AND decided_at IS NULL",
    )
    .bind(complaint_id)
    .bind(level.as_str())
    .bind(decision)
    .bind(upheld)
    .bind(by)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complaint() -> Complaint {
        Complaint {
            id: "c".into(),
            tender_id: "t".into(),
            award_id: "a".into(),
            firm_id: Some("f".into()),
            firm_name: Some("某物业".into()),
            grounds: "理由".into(),
            lodged_at: to_rfc3339(0),
            answer: None,
            upheld: None,
            answered_at: None,
            stage: Stage::Lodged,
            outcome: None,
            escalations: Vec::new(),
            answered_at_ms: None,
        }
    }

    fn escalation(level: Level, decided: Option<(i64, bool)>) -> Escalation {
        Escalation {
            level,
            grounds: "不服".into(),
            escalated_at: to_rfc3339(0),
            decision: decided.map(|_| "决定".into()),
            upheld: decided.map(|(_, u)| u),
            decided_at: decided.map(|(at, _)| to_rfc3339(at)),
            decided_at_ms: decided.map(|(at, _)| at),
        }
    }

    #[test]
    fn stages_and_windows_follow_the_records() {
        let mut c = complaint();
        c.derive();
        assert_eq!((c.stage, c.outcome), (Stage::Lodged, None));
        assert!(c.holds_contract(10, 100, true));
        assert_eq!(c.escalable_until(100, true), None);

        c.answer = Some("不成立".into());
        c.upheld = Some(false);
        c.answered_at_ms = Some(1_000);
        c.derive();
        assert_eq!((c.stage, c.outcome), (Stage::Answered, Some(false)));
        assert_eq!(c.next_level(true), Some(Level::Street));
        assert_eq!(c.next_level(false), Some(Level::District));
        assert_eq!(c.escalable_until(100, true), Some(1_100));
        assert!(c.holds_contract(1_099, 100, true));
        assert!(!c.holds_contract(1_100, 100, true));

        c.escalations.push(escalation(Level::Street, None));
        c.derive();
        assert_eq!((c.stage, c.outcome), (Stage::EscalatedToStreet, None));
        assert!(c.holds_contract(1_000_000, 100, true));

        c.escalations[0] = escalation(Level::Street, Some((2_000, false)));
        c.derive();
        assert_eq!((c.stage, c.outcome), (Stage::StreetDecided, Some(false)));
        assert_eq!(c.next_level(true), Some(Level::District));
        assert_eq!(c.escalable_until(100, true), Some(2_100));

        c.escalations
            .push(escalation(Level::District, Some((3_000, true))));
        c.derive();
        assert_eq!((c.stage, c.outcome), (Stage::DistrictDecided, Some(true)));
        assert_eq!(c.next_level(true), None);
        assert_eq!(c.escalable_until(100, true), None);
        assert!(!c.holds_contract(3_001, 100, true));

        let public = serde_json::to_value(c.redacted()).unwrap();
        assert!(public.get("firm_id").is_none() && public.get("firm_name").is_none());
        assert_eq!(public["stage"], "district_decided");
    }

    #[test]
    fn an_upheld_answer_leaves_nothing_to_escalate() {
        let mut c = complaint();
        c.answer = Some("成立".into());
        c.upheld = Some(true);
        c.answered_at_ms = Some(1_000);
        c.derive();
        assert_eq!(c.escalable_until(100, true), None);
        assert!(!c.holds_contract(1_001, 100, true));
    }
}

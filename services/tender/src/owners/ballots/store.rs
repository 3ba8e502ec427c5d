//! Votes from ballots as stored: `ballot_vote` (with its sealed result), the units that may
//! vote (`ballot_vote_unit`, the register when the vote was opened), the ballots (one per
//! unit: the primary key) and the owners' objections.

use serde::{Deserialize, Serialize};
use shared::db::{Filter, ListQuery};
use shared::domain::{ExclusiveArea, OwnerKey};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use super::count::{BallotChoice, CountedBallot, VoteResult, VoteUnit};
use super::vote::{RegisterTotals, StoredVote, Turnout};
use crate::rows::{Conditions, undecodable};
use crate::votes::VoteMatter;

pub(super) const VOTE_COLUMNS: &str = "id, compound_id, matter, question, opens_at, closes_at, tender_id, \
    options, closed_at, result";

pub(super) fn vote_from_row(r: &sqlx::any::AnyRow) -> Result<StoredVote, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let matter: String = r.try_get("matter")?;
    let options: String = r.try_get("options")?;
    let result: Option<String> = r.try_get("result")?;
    Ok(StoredVote {
        compound_id: r.try_get("compound_id")?,
        matter: VoteMatter::parse(&matter)
            .map_err(|e| undecodable("ballot_vote", &id, "matter", e.message))?,
        question: r.try_get("question")?,
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        tender_id: r.try_get("tender_id")?,
        options: serde_json::from_str(&options)
            .map_err(|e| undecodable("ballot_vote", &id, "options", e))?,
        closed_at: r.try_get("closed_at")?,
        result: result
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| undecodable("ballot_vote", &id, "result", e))?,
        id,
    })
}

/// Stores a new vote (inside the write transaction).
pub async fn insert_vote(
    conn: &mut AnyConnection,
    v: &StoredVote,
    created_by: &str,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO ballot_vote (id, compound_id, matter, question, opens_at, closes_at, \
         tender_id, options, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&v.id)
    .bind(&v.compound_id)
    .bind(v.matter.as_str())
    .bind(&v.question)
    .bind(v.opens_at)
    .bind(v.closes_at)
    .bind(&v.tender_id)
    .bind(serde_json::to_string(&v.options)?)
    .bind(created_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores the units that may vote, 500 to a statement.
pub async fn insert_units(
    conn: &mut AnyConnection,
    vote_id: &str,
    units: &[VoteUnit],
) -> Result<(), sqlx::Error> {
    for chunk in units.chunks(500) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = i * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO ballot_vote_unit (vote_id, unit_id, unit_label, owner_key, area_centi) \
             VALUES {}",
            rows.join(", ")
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for u in chunk {
            insert = insert
                .bind(vote_id.to_string())
                .bind(u.unit_id.clone())
                .bind(u.label.clone())
                .bind(u.owner_key.as_str().to_string())
                .bind(u.area.centi() as i64);
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One vote.
pub async fn vote(conn: &mut AnyConnection, id: &str) -> Result<Option<StoredVote>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VOTE_COLUMNS} FROM ballot_vote WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(vote_from_row).transpose()
}

/// A compound's votes, the latest opening first: one page.
pub async fn votes_of(
    conn: &mut AnyConnection,
    compound_id: &str,
    page: Pagination,
) -> Result<Page<StoredVote>, sqlx::Error> {
    let mut filter = Filter::default();
    filter.equal([("compound_id", Some(compound_id))]);
    ListQuery {
        columns: VOTE_COLUMNS,
        from: "ballot_vote",
        filter: &filter,
        order_by: "opens_at DESC, id DESC",
    }
    .page(conn, page, vote_from_row)
    .await
}

/// The closed votes choosing a firm on this tender, the latest closed first.
pub async fn closed_firm_votes(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Vec<StoredVote>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VOTE_COLUMNS} FROM ballot_vote WHERE tender_id = $1 AND matter = 'choose_firm' \
         AND closed_at IS NOT NULL ORDER BY closed_at DESC, id DESC"
    )))
    .bind(tender_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(vote_from_row).collect()
}

/// The units that may vote, by label.
pub async fn units(conn: &mut AnyConnection, vote_id: &str) -> Result<Vec<VoteUnit>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT unit_id, unit_label, owner_key, area_centi FROM ballot_vote_unit \
         WHERE vote_id = $1 ORDER BY unit_label, unit_id",
    )
    .bind(vote_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let unit_id: String = r.try_get("unit_id")?;
            let key = format!("{vote_id}/{unit_id}");
            let area = u64::try_from(r.try_get::<i64, _>("area_centi")?)
                .ok()
                .and_then(|c| ExclusiveArea::from_centi(c).ok())
                .ok_or_else(|| undecodable("ballot_vote_unit", &key, "area_centi", "no area"))?;
            Ok(VoteUnit {
                label: r.try_get("unit_label")?,
                owner_key: OwnerKey::from_stored(r.try_get("owner_key")?),
                area,
                unit_id,
            })
        })
        .collect()
}

/// The totals of the units that may vote (counted in the database: a list of votes does
/// not read every unit): units, owners by head (SPC interpretation art. 9: the register's
/// owner keys), area.
pub async fn register_totals(
    conn: &mut AnyConnection,
    vote_id: &str,
) -> Result<RegisterTotals, sqlx::Error> {
    let (units, owners, area): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT owner_key), CAST(COALESCE(SUM(area_centi), 0) AS BIGINT) \
         FROM ballot_vote_unit WHERE vote_id = $1",
    )
    .bind(vote_id)
    .fetch_one(&mut *conn)
    .await?;
    let bad = |column: &str| undecodable("ballot_vote_unit", vote_id, column, "out of range");
    Ok(RegisterTotals {
        units: u32::try_from(units).map_err(|_| bad("units"))?,
        owners: u32::try_from(owners).map_err(|_| bad("owner_key"))?,
        area_centi: u64::try_from(area).map_err(|_| bad("area_centi"))?,
    })
}

/// One unit that may vote.
pub async fn unit(
    conn: &mut AnyConnection,
    vote_id: &str,
    unit_id: &str,
) -> Result<Option<VoteUnit>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT unit_label, owner_key, area_centi FROM ballot_vote_unit \
         WHERE vote_id = $1 AND unit_id = $2",
    )
    .bind(vote_id)
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let area = u64::try_from(r.try_get::<i64, _>("area_centi")?)
            .ok()
            .and_then(|c| ExclusiveArea::from_centi(c).ok())
            .ok_or_else(|| undecodable("ballot_vote_unit", unit_id, "area_centi", "no area"))?;
        Ok(VoteUnit {
            unit_id: unit_id.to_string(),
            label: r.try_get("unit_label")?,
            owner_key: OwnerKey::from_stored(r.try_get("owner_key")?),
            area,
        })
    })
    .transpose()
}

/// `online` or `paper`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Cast by the owner with the unit's code.
    Online,
    /// A paper ballot recorded by the committee.
    Paper,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Paper => "paper",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "online" => Some(Self::Online),
            "paper" => Some(Self::Paper),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Online => "网上表决",
            Self::Paper => "纸质表决票",
        }
    }
}

/// A ballot as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBallot {
    pub unit_id: String,
    pub channel: Channel,
    pub choice: BallotChoice,
    pub option_id: Option<String>,
    pub paper_ref: Option<String>,
    pub recorded_by: Option<String>,
    pub cast_at: i64,
}

impl StoredBallot {
    pub fn counted(&self) -> CountedBallot {
        CountedBallot {
            unit_id: self.unit_id.clone(),
            choice: self.choice,
            option_id: self.option_id.clone(),
        }
    }
}

const BALLOT_COLUMNS: &str = "unit_id, channel, choice, option_id, paper_ref, recorded_by, cast_at";

fn ballot_from_row(r: &sqlx::any::AnyRow) -> Result<StoredBallot, sqlx::Error> {
    let unit_id: String = r.try_get("unit_id")?;
    let channel: String = r.try_get("channel")?;
    let choice: String = r.try_get("choice")?;
    Ok(StoredBallot {
        channel: Channel::from_stored(&channel)
            .ok_or_else(|| undecodable("ballot", &unit_id, "channel", &channel))?,
        choice: BallotChoice::from_stored(&choice)
            .ok_or_else(|| undecodable("ballot", &unit_id, "choice", &choice))?,
        option_id: r.try_get("option_id")?,
        paper_ref: r.try_get("paper_ref")?,
        recorded_by: r.try_get("recorded_by")?,
        cast_at: r.try_get("cast_at")?,
        unit_id,
    })
}

/// A vote's ballots, in the order cast.
pub async fn ballots(
    conn: &mut AnyConnection,
    vote_id: &str,
) -> Result<Vec<StoredBallot>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BALLOT_COLUMNS} FROM ballot WHERE vote_id = $1 ORDER BY cast_at, unit_id"
    )))
    .bind(vote_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(ballot_from_row).collect()
}

/// The ballot of one unit, if it voted.
pub async fn ballot(
    conn: &mut AnyConnection,
    vote_id: &str,
    unit_id: &str,
) -> Result<Option<StoredBallot>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {BALLOT_COLUMNS} FROM ballot WHERE vote_id = $1 AND unit_id = $2"
    )))
    .bind(vote_id)
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(ballot_from_row).transpose()
}

/// Stores a ballot (inside the write transaction, after checking the unit has none: the
/// primary key refuses a second one anyway).
pub async fn insert_ballot(
    conn: &mut AnyConnection,
    vote_id: &str,
    b: &StoredBallot,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ballot (vote_id, unit_id, channel, choice, option_id, paper_ref, recorded_by, \
         cast_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(vote_id)
    .bind(&b.unit_id)
    .bind(b.channel.as_str())
    .bind(b.choice.as_str())
    .bind(&b.option_id)
    .bind(&b.paper_ref)
    .bind(&b.recorded_by)
    .bind(b.cast_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many units voted, and how.
pub async fn turnout(conn: &mut AnyConnection, vote_id: &str) -> Result<Turnout, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT channel, COUNT(*) FROM ballot WHERE vote_id = $1 GROUP BY channel")
            .bind(vote_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut t = Turnout::default();
    for (channel, n) in rows {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        match Channel::from_stored(&channel) {
            Some(Channel::Online) => t.online = n,
            Some(Channel::Paper) => t.paper = n,
            None => return Err(undecodable("ballot", vote_id, "channel", &channel)),
        }
    }
    t.units_voted = t.online + t.paper;
    Ok(t)
}

/// Seals the vote with its result; `false` when it was already closed.
pub async fn close(
    conn: &mut AnyConnection,
    vote_id: &str,
    closed_by: &str,
    at: i64,
    result: &VoteResult,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE ballot_vote SET closed_at = $1, closed_by = $2, result = $3 \
         WHERE id = $4 AND closed_at IS NULL",
    )
    .bind(at)
    .bind(closed_by)
    .bind(serde_json::to_string(result)?)
    .bind(vote_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An owner's objection to the participation list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Objection {
    pub id: String,
    pub vote_id: String,
    pub unit_id: String,
    pub unit_label: String,
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
}

/// Stores an objection.
pub async fn insert_objection(
    conn: &mut AnyConnection,
    o: &Objection,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ballot_objection (id, vote_id, unit_id, unit_label, text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&o.id)
    .bind(&o.vote_id)
    .bind(&o.unit_id)
    .bind(&o.unit_label)
    .bind(&o.text)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A vote's objections, oldest first: one page.
pub async fn objections(
    conn: &mut AnyConnection,
    vote_id: &str,
    page: Pagination,
) -> Result<Page<Objection>, sqlx::Error> {
    let mut filter = Filter::default();
    filter.equal([("vote_id", Some(vote_id))]);
    ListQuery {
        columns: "id, vote_id, unit_id, unit_label, text, created_at",
        from: "ballot_objection",
        filter: &filter,
        order_by: "created_at, id",
    }
    .page(conn, page, |r| {
        Ok(Objection {
            id: r.try_get("id")?,
            vote_id: r.try_get("vote_id")?,
            unit_id: r.try_get("unit_id")?,
            unit_label: r.try_get("unit_label")?,
            text: r.try_get("text")?,
            created_at: crate::clock::to_rfc3339(r.try_get("created_at")?),
        })
    })
    .await
}

/// The passing ballot vote an `owners_vote` award of `tender_id` rests on: the latest
/// closed, passed `choose_firm` vote of the tender, with the bid it chose.
pub async fn passing_firm_vote(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    Ok(closed_firm_votes(conn, tender_id)
        .await?
        .into_iter()
        .find_map(|v| {
            let chosen = v
                .result
                .as_ref()
                .filter(|r| r.passed)?
                .chosen_option
                .clone()?;
            Some((v.id, chosen))
        }))
}

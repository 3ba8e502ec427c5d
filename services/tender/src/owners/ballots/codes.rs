//! One-time owner codes (业主表决码) as stored: for one unit of one vote or survey, kept
//! only as the digest of [`OwnerCode`]; at most one live code per unit and subject (a new
//! notice revokes the unit's earlier code). [`resolve_code`] is how every owner-code
//! request (and the documents' inspection request) finds the unit a code belongs to.

use serde::Serialize;
use shared::clock::now_ms;
use shared::domain::OwnerCode;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A vote from ballots (`ballot_vote`).
    Vote,
    /// A residents' survey per unit (`unit_survey`).
    Survey,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vote => "vote",
            Self::Survey => "survey",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Vote => "ballot_vote",
            Self::Survey => "unit_survey",
        }
    }
}

/// Whom a valid, live code belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeHolder {
    pub unit_id: String,
    pub compound_id: String,
    pub subject: Subject,
    /// The vote's or the survey's id.
    pub subject_id: String,
    /// Whether its vote or survey takes answers now (opened, not past its closing, not
    /// closed).
    pub valid_now: bool,
}

/// The unit, compound and vote or survey of a code as an owner typed it, or `None` for a
/// code that is malformed, unknown or replaced by a newer notice (the same answer for all,
/// so nothing tells a guess from a revoked code).
pub async fn resolve_code(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<CodeHolder>, sqlx::Error> {
    let Ok(code) = OwnerCode::parse(code) else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT subject_kind, subject_id, unit_id, compound_id FROM owner_code \
         WHERE digest = $1 AND revoked_at IS NULL",
    )
    .bind(code.digest())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let kind: String = row.try_get("subject_kind")?;
    let subject = match kind.as_str() {
        "vote" => Subject::Vote,
        "survey" => Subject::Survey,
        other => {
            return Err(crate::rows::undecodable(
                "owner_code",
                "(digest)",
                "subject_kind",
                other,
            ));
        }
    };
    let subject_id: String = row.try_get("subject_id")?;
    let window: Option<(i64, i64, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT opens_at, closes_at, closed_at FROM {} WHERE id = $1",
        subject.table()
    )))
    .bind(&subject_id)
    .fetch_optional(&mut *conn)
    .await?;
    let now = now_ms();
    let valid_now = window
        .is_some_and(|(opens, closes, closed)| closed.is_none() && opens <= now && now < closes);
    Ok(Some(CodeHolder {
        unit_id: row.try_get("unit_id")?,
        compound_id: row.try_get("compound_id")?,
        subject,
        subject_id,
        valid_now,
    }))
}

/// One printed notice: a unit and its fresh code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notice {
    pub unit_id: String,
    pub unit_label: String,
    /// As printed: `7KQ2-M9XD-4HTC`. Answered once; only its digest is kept.
    pub code: String,
}

/// Issues a fresh code for each of `units` (`(unit id, label)`) of the subject, revoking
/// each unit's earlier code; answers the notices. Call inside the write transaction.
pub async fn issue(
    conn: &mut AnyConnection,
    (subject, subject_id): (Subject, &str),
    compound_id: &str,
    units: &[(String, String)],
    issued_by: &str,
) -> anyhow::Result<Vec<Notice>> {
    let now = now_ms();
    let mut notices = Vec::with_capacity(units.len());
    for (unit_id, label) in units {
        sqlx::query(
            "UPDATE owner_code SET revoked_at = $1 WHERE subject_id = $2 AND unit_id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(subject_id)
        .bind(unit_id)
        .execute(&mut *conn)
        .await?;
        let code = OwnerCode::generate().map_err(|e| anyhow::anyhow!(e.message))?;
        sqlx::query(
            "INSERT INTO owner_code (digest, subject_kind, subject_id, unit_id, compound_id, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(code.digest())
        .bind(subject.as_str())
        .bind(subject_id)
        .bind(unit_id)
        .bind(compound_id)
        .bind(issued_by)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        notices.push(Notice {
            unit_id: unit_id.clone(),
            unit_label: label.clone(),
            code: code.printed(),
        });
    }
    Ok(notices)
}

//! Surveys per unit as stored: `unit_survey`, its units, the answers (one per unit).

use shared::db::{Filter, ListQuery};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};

use super::survey::{AnswerCounts, Rating, StoredSurvey};
use crate::owners::ballots::Channel;
use crate::rows::{Conditions, undecodable};

const COLUMNS: &str = "id, compound_id, period, opens_at, closes_at, closed_at, satisfaction_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<StoredSurvey, sqlx::Error> {
    Ok(StoredSurvey {
        id: r.try_get("id")?,
        compound_id: r.try_get("compound_id")?,
        period: r.try_get("period")?,
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        closed_at: r.try_get("closed_at")?,
        satisfaction_id: r.try_get("satisfaction_id")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    s: &StoredSurvey,
    units: &[(String, String)],
    created_by: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO unit_survey (id, compound_id, period, opens_at, closes_at, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&s.id)
    .bind(&s.compound_id)
    .bind(&s.period)
    .bind(s.opens_at)
    .bind(s.closes_at)
    .bind(created_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for chunk in units.chunks(500) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
            .collect();
        let sql = format!(
            "INSERT INTO unit_survey_unit (survey_id, unit_id, unit_label) VALUES {}",
            rows.join(", ")
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (unit_id, label) in chunk {
            insert = insert
                .bind(s.id.clone())
                .bind(unit_id.clone())
                .bind(label.clone());
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn survey(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<StoredSurvey>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM unit_survey WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Whether the compound has a survey (per unit) or a typed one for the period.
pub async fn period_taken(
    conn: &mut AnyConnection,
    compound_id: &str,
    period: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM unit_survey WHERE compound_id = $1 AND period = $2) + \
         (SELECT COUNT(*) FROM satisfaction_survey WHERE compound_id = $1 AND period = $2)",
    )
    .bind(compound_id)
    .bind(period)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// A compound's surveys, the latest period first: one page.
pub async fn surveys_of(
    conn: &mut AnyConnection,
    compound_id: &str,
    page: Pagination,
) -> Result<Page<StoredSurvey>, sqlx::Error> {
    let mut filter = Filter::default();
    filter.equal([("compound_id", Some(compound_id))]);
    surveys_where(conn, &filter, page).await
}

/// The surveys a filter keeps, the latest period first: one page.
pub async fn surveys_where(
    conn: &mut AnyConnection,
    filter: &Filter,
    page: Pagination,
) -> Result<Page<StoredSurvey>, sqlx::Error> {
    ListQuery {
        columns: COLUMNS,
        from: "unit_survey",
        filter,
        order_by: "period DESC, id DESC",
    }
    .page(conn, page, from_row)
    .await
}

/// `(unit id, label)` of the units that may answer, by label.
pub async fn units(
    conn: &mut AnyConnection,
    survey_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT unit_id, unit_label FROM unit_survey_unit WHERE survey_id = $1 \
         ORDER BY unit_label, unit_id",
    )
    .bind(survey_id)
    .fetch_all(&mut *conn)
    .await
}

/// How many units may answer.
pub async fn unit_count(conn: &mut AnyConnection, survey_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM unit_survey_unit WHERE survey_id = $1")
        .bind(survey_id)
        .fetch_one(&mut *conn)
        .await
}

/// One answer as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    pub id: String,
    pub unit_id: String,
    pub channel: Channel,
    pub rating: Rating,
    pub comment: Option<String>,
    pub paper_ref: Option<String>,
    pub recorded_by: Option<String>,
    pub answered_at: i64,
    pub reply: Option<String>,
    pub replied_at: Option<i64>,
}

const ANSWER_COLUMNS: &str = "id, unit_id, channel, rating, comment, paper_ref, recorded_by, \
    answered_at, reply, replied_at";

fn answer_from_row(r: &sqlx::any::AnyRow) -> Result<StoredAnswer, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let channel: String = r.try_get("channel")?;
    let rating: String = r.try_get("rating")?;
    Ok(StoredAnswer {
        unit_id: r.try_get("unit_id")?,
        channel: Channel::from_stored(&channel)
            .ok_or_else(|| undecodable("survey_answer", &id, "channel", &channel))?,
        rating: Rating::from_stored(&rating)
            .ok_or_else(|| undecodable("survey_answer", &id, "rating", &rating))?,
        comment: r.try_get("comment")?,
        paper_ref: r.try_get("paper_ref")?,
        recorded_by: r.try_get("recorded_by")?,
        answered_at: r.try_get("answered_at")?,
        reply: r.try_get("reply")?,
        replied_at: r.try_get("replied_at")?,
        id,
    })
}

pub async fn answers(
    conn: &mut AnyConnection,
    survey_id: &str,
) -> Result<Vec<StoredAnswer>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ANSWER_COLUMNS} FROM survey_answer WHERE survey_id = $1 ORDER BY answered_at, id"
    )))
    .bind(survey_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(answer_from_row).collect()
}

pub async fn answer_of_unit(
    conn: &mut AnyConnection,
    survey_id: &str,
    unit_id: &str,
) -> Result<Option<StoredAnswer>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ANSWER_COLUMNS} FROM survey_answer WHERE survey_id = $1 AND unit_id = $2"
    )))
    .bind(survey_id)
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(answer_from_row).transpose()
}

pub async fn answer(
    conn: &mut AnyConnection,
    survey_id: &str,
    answer_id: &str,
) -> Result<Option<StoredAnswer>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ANSWER_COLUMNS} FROM survey_answer WHERE survey_id = $1 AND id = $2"
    )))
    .bind(survey_id)
    .bind(answer_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(answer_from_row).transpose()
}

pub async fn insert_answer(
    conn: &mut AnyConnection,
    survey_id: &str,
    a: &StoredAnswer,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO survey_answer (id, survey_id, unit_id, channel, rating, comment, paper_ref, \
         recorded_by, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&a.id)
    .bind(survey_id)
    .bind(&a.unit_id)
    .bind(a.channel.as_str())
    .bind(a.rating.as_str())
    .bind(&a.comment)
    .bind(&a.paper_ref)
    .bind(&a.recorded_by)
    .bind(a.answered_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn reply(
    conn: &mut AnyConnection,
    answer_id: &str,
    text: &str,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE survey_answer SET reply = $1, replied_by = $2, replied_at = $3 WHERE id = $4",
    )
    .bind(text)
    .bind(by)
    .bind(at)
    .bind(answer_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The counts of the answers.
pub fn counts(answers: &[StoredAnswer]) -> AnswerCounts {
    let mut c = AnswerCounts::default();
    for a in answers {
        match a.rating {
            Rating::Satisfied => c.satisfied += 1,
            Rating::BasicallySatisfied => c.basically_satisfied += 1,
            Rating::Dissatisfied => c.dissatisfied += 1,
        }
        match a.channel {
            Channel::Online => c.online += 1,
            Channel::Paper => c.paper += 1,
        }
        c.respondents += 1;
    }
    c
}

pub async fn close(
    conn: &mut AnyConnection,
    survey_id: &str,
    at: i64,
    satisfaction_id: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE unit_survey SET closed_at = $1, satisfaction_id = $2 WHERE id = $3 \
         AND closed_at IS NULL",
    )
    .bind(at)
    .bind(satisfaction_id)
    .bind(survey_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

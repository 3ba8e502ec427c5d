//! Time-driven notifications, from a periodic sweep over matching's tables: a bid deadline
//! within 48 hours (for the firms invited to the tender: bids are sealed, so who bid is
//! known only at the opening), and an award's notice period (公示期) that has ended (for
//! the compound's committee), and the officials' kinds of `officials.rs`. Idempotent by each notification's `dedup_key`: several
//! matching replicas may sweep at once and each fact is written once.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use shared::clock::{china_instant, now_ms};
use shared::db::Db;
use tokio_util::sync::CancellationToken;

use super::derive::note;
use super::officials;
use super::recipient::Recipient;
use super::store::{self, NewNotification};
use crate::policy::MatchingPolicy;

/// How far ahead a bid deadline is announced.
pub const DEADLINE_AHEAD_MS: i64 = 48 * 3600 * 1000;

/// How often the sweep runs.
pub const EVERY: Duration = Duration::from_secs(2);

fn instant_ms(v: &Value) -> Option<i64> {
    let s = v.as_str()?;
    let at = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some(shared::clock::ms_of(at))
}

fn title(p: &Value) -> String {
    p["title"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map_or_else(|| "物业服务招标".to_string(), str::to_string)
}

/// What is due at `now`.
pub async fn due(
    db: &Db,
    policy: &MatchingPolicy,
    now: i64,
    officials: bool,
) -> anyhow::Result<Vec<NewNotification>> {
    let mut out = Vec::new();
    let invited: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT t.id, i.firm_id, t.payload FROM tender_tender t \
         JOIN notify_invitation i ON i.tender_id = t.id WHERE t.status = 'open'",
    )
    .fetch_all(&db.pool)
    .await?;
    for (tender, firm, payload) in invited {
        let p: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
        let Some(deadline) = instant_ms(&p["bid_deadline"]) else {
            continue;
        };
        if deadline > now && deadline - now <= DEADLINE_AHEAD_MS {
            out.push(note(
                &format!("deadline:{tender}"),
                Recipient::Firm(firm),
                "deadline_soon",
                format!("投标即将截止：{}", title(&p)),
                format!(
                    "投标截止时间为 {}，距今不足 48 小时。",
                    p["bid_deadline"].as_str().unwrap_or_default()
                ),
                format!("/firm/tenders/{tender}"),
            ));
        }
    }
    let awarded: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, compound_id, payload FROM tender_tender WHERE status = 'awarded'",
    )
    .fetch_all(&db.pool)
    .await?;
    for (tender, compound, payload) in awarded {
        let p: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
        let award = &p["award"];
        let (Some(award_id), Some(ends)) =
            (award["id"].as_str(), instant_ms(&award["notice_ends_at"]))
        else {
            continue;
        };
        if ends <= now {
            out.push(note(
                &format!("notice_ended:{award_id}"),
                Recipient::Committee(compound),
                "notice_ended",
                format!("公示期已结束：{}", title(&p)),
                "中标结果公示期已结束，可与中标企业签订合同。".into(),
                format!("/committee/tenders/{tender}"),
            ));
        }
    }
    if officials {
        let mut conn = db.pool.acquire().await?;
        out.extend(officials::due(&mut conn, policy, china_instant(now).date()).await);
    }
    Ok(out)
}

/// One sweep: writes what is due (each fact once), the officials' kinds too when
/// `officials`; answers how many were new.
pub async fn run_once(
    db: &Db,
    policy: &MatchingPolicy,
    now: i64,
    officials: bool,
) -> anyhow::Result<usize> {
    let found = due(db, policy, now, officials).await?;
    if found.is_empty() {
        return Ok(0);
    }
    let mut tx = db.pool.begin().await?;
    let mut new = 0;
    for n in &found {
        if store::insert(&mut tx, n, now).await? {
            new += 1;
        }
    }
    tx.commit().await?;
    Ok(new)
}

/// Sweeps every [`EVERY`] until cancelled; the officials' kinds every
/// `notify_officials_every_secs` (the first sweep included).
pub async fn run(db: Db, policy: Arc<MatchingPolicy>, cancel: CancellationToken) {
    let every = Duration::from_secs(policy.notify_officials_every_secs);
    let mut officials_at: Option<std::time::Instant> = None;
    loop {
        let officials = officials_at.is_none_or(|at| at.elapsed() >= every);
        if officials {
            officials_at = Some(std::time::Instant::now());
        }
        let started = std::time::Instant::now();
        match run_once(&db, &policy, now_ms(), officials).await {
            // What the officials' checks cost (they read every plan, suspended firm and the
            // quarter's surveys) is logged, so a deployment sees it grow with its data.
            Ok(new) if officials => tracing::info!(
                elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                new,
                "notification sweep with the officials' checks"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notification sweep failed"),
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}

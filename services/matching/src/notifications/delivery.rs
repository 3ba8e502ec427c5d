//! The webhook delivery worker: every due delivery is POSTed as JSON to its webhook, signed
//! (`X-Wuye-Signature: sha256=<hex>` = HMAC-SHA256 with the webhook's secret over
//! `<X-Wuye-Timestamp>.<body>`), with the notification's id as its idempotency id
//! (`X-Wuye-Delivery`; the body's `id` too): delivery is at-least-once, so a receiver
//! drops an id it has seen. A 2xx answer delivers it; anything else (another status, a
//! timeout, a refused connection, a redirect, which is never followed) is logged
//! (`webhook_attempt`) and retried after 1 s, 2 s, 4 s, … up to [`MAX_ATTEMPTS`] attempts,
//! then the delivery is `failed`. A delivery is claimed (its due time moved by [`LEASE_MS`])
//! before it is sent, so replicas sharing the database rarely send one twice.

use std::time::Duration;

use serde::Serialize;
use shared::clock::{now_ms, rfc3339_utc};
use shared::db::Db;
use sqlx::Row;
use tokio_util::sync::CancellationToken;

use super::secret::signature;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 6;
/// The first retry's delay; each later one doubles it.
pub const FIRST_RETRY_MS: i64 = 1_000;
/// How long a claimed delivery is left to its sender before another may take it.
pub const LEASE_MS: i64 = 60_000;
/// Deliveries sent at once.
const BATCH: i64 = 20;
/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The body of a delivery.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// The notification's id: the idempotency id.
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The page where the thing is (a site path).
    pub link: String,
    /// The organisation it is for (`firm:<id>`, `committee:<compound>`, …).
    pub recipient: String,
    pub created_at: String,
}

/// The HTTP client deliveries go through: time-bounded, never following a redirect.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("wuye-webhooks/1")
        .build()?)
}

struct Due {
    id: String,
    attempts: i64,
    next_at: i64,
    url: String,
    secret: String,
    delivery: Delivery,
}

async fn due(db: &Db, now: i64) -> anyhow::Result<Vec<Due>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, d.attempts, d.next_at, w.url, w.secret, n.id AS notification_id, n.kind, \
         n.title, n.body, n.link, n.recipient, n.created_at \
         FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id \
         JOIN notification n ON n.id = d.notification_id \
         WHERE d.state = 'pending' AND d.next_at <= $1 AND w.revoked_at IS NULL \
         ORDER BY d.next_at, d.id LIMIT {BATCH}"
    )))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.try_get("id")?,
                attempts: r.try_get("attempts")?,
                next_at: r.try_get("next_at")?,
                url: r.try_get("url")?,
                secret: r.try_get("secret")?,
                delivery: Delivery {
                    id: r.try_get("notification_id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    link: r.try_get("link")?,
                    recipient: r.try_get("recipient")?,
                    created_at: rfc3339_utc(r.try_get("created_at")?),
                },
            })
        })
        .collect()
}

/// Sends one attempt; answers the status code (if any) and the error (if it failed).
async fn send(client: &reqwest::Client, d: &Due) -> (Option<i64>, Option<String>) {
    let body = match serde_json::to_vec(&d.delivery) {
        Ok(b) => b,
        Err(e) => return (None, Some(e.to_string())),
    };
    let timestamp = now_ms() / 1000;
    let answer = client
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Wuye-Delivery", &d.delivery.id)
        .header("X-Wuye-Event", &d.delivery.kind)
        .header("X-Wuye-Timestamp", timestamp.to_string())
        .header(
            "X-Wuye-Signature",
            format!("sha256={}", signature(&d.secret, timestamp, &body)),
        )
        .body(body)
        .send()
        .await;
    match answer {
        Ok(r) if r.status().is_success() => (Some(i64::from(r.status().as_u16())), None),
        Ok(r) => (
            Some(i64::from(r.status().as_u16())),
            Some(format!("接收方答复 HTTP {}", r.status().as_u16())),
        ),
        Err(e) => (None, Some(describe(&e))),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "超时"
    } else if e.is_connect() {
        "无法连接"
    } else {
        "发送失败"
    };
    let mut text = format!("{what}：{e}");
    text.truncate(text.floor_char_boundary(500));
    text
}

/// Claims, sends and logs the due deliveries once; answers how many were attempted.
pub async fn deliver_due(db: &Db, client: &reqwest::Client) -> anyhow::Result<usize> {
    let now = now_ms();
    let mut claimed = Vec::new();
    for d in due(db, now).await? {
        let took = sqlx::query(
            "UPDATE webhook_delivery SET next_at = $3 WHERE id = $1 AND state = 'pending' AND next_at = $2",
        )
        .bind(&d.id)
        .bind(d.next_at)
        .bind(now + LEASE_MS)
        .execute(&db.pool)
        .await?;
        if took.rows_affected() == 1 {
            claimed.push(d);
        }
    }
    let sent = futures::future::join_all(claimed.iter().map(|d| send(client, d))).await;
    for (d, (status, error)) in claimed.iter().zip(sent) {
        let attempt = d.attempts + 1;
        let at = now_ms();
        let (state, next_at) = match (&error, attempt >= MAX_ATTEMPTS) {
            (None, _) => ("delivered", at),
            (Some(_), true) => ("failed", at),
            (Some(_), false) => (
                "pending",
                at + FIRST_RETRY_MS * (1 << (attempt - 1).min(20)),
            ),
        };
        let mut tx = db.pool.begin().await?;
        sqlx::query(
            "INSERT INTO webhook_attempt (delivery_id, attempt, at, status_code, error) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (delivery_id, attempt) DO NOTHING",
        )
        .bind(&d.id)
        .bind(attempt)
        .bind(at)
        .bind(status)
        .bind(&error)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE webhook_delivery SET state = $2, attempts = $3, next_at = $4 WHERE id = $1 AND state = 'pending'",
        )
        .bind(&d.id)
        .bind(state)
        .bind(attempt)
        .bind(next_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(claimed.len())
}

/// Delivers every half second until cancelled.
pub async fn run(db: Db, client: reqwest::Client, cancel: CancellationToken) {
    loop {
        if let Err(e) = deliver_due(&db, &client).await {
            tracing::warn!(error = %e, "webhook deliveries failed");
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

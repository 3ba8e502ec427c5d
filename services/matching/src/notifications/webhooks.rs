//! Webhooks of an organisation (firms and the other organisations): a URL checked before
//! it is kept ([`check_url`]: HTTPS, or HTTP on loopback only; no credentials, no private
//! address literals, at most [`MAX_URL`] bytes), a secret answered once, at most
//! [`MAX_LIVE`] live ones each. What was delivered is the delivery log
//! ([`deliveries`]); the deliveries themselves are [`super::delivery`]'s.

use std::net::IpAddr;

use reqwest::Url;
use serde::Serialize;
use shared::clock::rfc3339_utc;
use shared::db::new_id;
use shared::error::{FieldError, Problem};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use super::recipient::Recipient;
use super::secret::random;

/// Longest URL kept.
pub const MAX_URL: usize = 2000;
/// Live webhooks per organisation.
pub const MAX_LIVE: i64 = 5;

fn refuse(code: &str, message: &str) -> Problem {
    Problem::validation(vec![FieldError::new("url", code, message)])
}

/// Whether an address is on this machine.
fn loopback(host: &url_host::Host) -> bool {
    match host {
        url_host::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url_host::Host::Ip(ip) => ip.is_loopback(),
    }
}

/// Addresses a webhook may not reach over HTTPS either: unspecified, private, link-local,
/// multicast, shared (100.64/10), documentation and unique-local ones.
fn internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_unspecified()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| internal(IpAddr::V4(v4)))
        }
    }
}

/// The host of a URL, as a domain or an address (the URL parser has already normalised
/// address literals: `0x7f.1` is `127.0.0.1` by then).
mod url_host {
    use std::net::IpAddr;

    pub enum Host {
        Domain(String),
        Ip(IpAddr),
    }

    pub fn of(url: &reqwest::Url) -> Option<Host> {
        let host = url.host_str()?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        Some(match bare.parse::<IpAddr>() {
            Ok(ip) => Host::Ip(ip),
            Err(_) => Host::Domain(host.to_string()),
        })
    }
}

/// A URL a webhook may have, or the 422 naming why not.
pub fn check_url(raw: &str) -> Result<Url, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(refuse("required", "请填写接收地址"));
    }
    if raw.len() > MAX_URL {
        return Err(refuse("too_long", "接收地址不能超过 2000 个字符"));
    }
    let url = Url::parse(raw).map_err(|_| refuse("invalid_url", "接收地址不是有效的网址"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("credentials_in_url", "接收地址不能包含用户名或密码"));
    }
    if !matches!(url.scheme(), "https" | "http") {
        return Err(refuse("scheme", "接收地址只能使用 HTTPS"));
    }
    let host = url_host::of(&url)
        .filter(|h| !matches!(h, url_host::Host::Domain(d) if d.is_empty()))
        .ok_or_else(|| refuse("invalid_url", "接收地址缺少主机名"))?;
    match url.scheme() {
        "https" => {
            if let url_host::Host::Ip(ip) = host
                && !ip.is_loopback()
                && internal(ip)
            {
                return Err(refuse("internal_address", "接收地址不能指向内部网络地址"));
            }
        }
        "http" if loopback(&host) => {}
        "http" => {
            return Err(refuse(
                "https_required",
                "接收地址必须使用 HTTPS（本机地址除外）",
            ));
        }
        _ => return Err(refuse("scheme", "接收地址只能使用 HTTPS")),
    }
    Ok(url)
}

/// A webhook as its owner sees it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub created_at: String,
    /// Deliveries waiting (to be retried).
    pub pending: i64,
    pub delivered: i64,
    /// Given up after the last attempt.
    pub failed: i64,
}

/// A new webhook: its secret, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewWebhookAnswer {
    pub id: String,
    pub url: String,
    /// Signs every delivery (`X-Wuye-Signature`); shown only now.
    pub secret: String,
    pub created_at: String,
}

/// Keeps a checked webhook for the organisation (409 `too_many_webhooks` past [`MAX_LIVE`]).
pub async fn create(
    conn: &mut AnyConnection,
    recipient: &Recipient,
    url: &Url,
    account_id: &str,
    now: i64,
) -> anyhow::Result<Result<NewWebhookAnswer, Problem>> {
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhook WHERE recipient = $1 AND revoked_at IS NULL",
    )
    .bind(recipient.key())
    .fetch_one(&mut *conn)
    .await?;
    if live >= MAX_LIVE {
        return Ok(Err(Problem::conflict(
            "too_many_webhooks",
            "每个单位最多可登记 5 个接收地址，请先停用不再使用的地址。",
        )));
    }
    let answer = NewWebhookAnswer {
        id: new_id(),
        url: url.to_string(),
        secret: random("whsec_")?,
        created_at: rfc3339_utc(now),
    };
    sqlx::query(
        "INSERT INTO webhook (id, recipient, url, secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&answer.id)
    .bind(recipient.key())
    .bind(&answer.url)
    .bind(&answer.secret)
    .bind(account_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(answer))
}

/// The organisation's live webhooks with their delivery counts.
pub async fn list(
    conn: &mut AnyConnection,
    recipient: &Recipient,
) -> Result<Vec<WebhookView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT w.id, w.url, w.created_at, \
         COALESCE(SUM(CASE WHEN d.state = 'pending' THEN 1 ELSE 0 END), 0) AS pending, \
         COALESCE(SUM(CASE WHEN d.state = 'delivered' THEN 1 ELSE 0 END), 0) AS delivered, \
         COALESCE(SUM(CASE WHEN d.state = 'failed' THEN 1 ELSE 0 END), 0) AS failed \
         FROM webhook w LEFT JOIN webhook_delivery d ON d.webhook_id = w.id \
         WHERE w.recipient = $1 AND w.revoked_at IS NULL \
         GROUP BY w.id, w.url, w.created_at ORDER BY w.created_at, w.id",
    )
    .bind(recipient.key())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(WebhookView {
                id: r.try_get("id")?,
                url: r.try_get("url")?,
                created_at: rfc3339_utc(r.try_get("created_at")?),
                pending: r.try_get("pending")?,
                delivered: r.try_get("delivered")?,
                failed: r.try_get("failed")?,
            })
        })
        .collect()
}

/// Whether the organisation has this live webhook.
pub async fn owns(
    conn: &mut AnyConnection,
    recipient: &Recipient,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM webhook WHERE id = $1 AND recipient = $2 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(recipient.key())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// Stops a webhook: nothing more is delivered to it (waiting deliveries are cancelled).
pub async fn revoke(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE webhook SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE webhook_delivery SET state = 'cancelled' WHERE webhook_id = $1 AND state = 'pending'")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One attempt of the delivery log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    pub delivery_id: String,
    /// The notification delivered (also its idempotency id, `X-Wuye-Delivery`).
    pub notification_id: String,
    pub kind: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    pub at: String,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i64>,
    /// Why the attempt failed, if it did.
    pub error: Option<String>,
    /// The delivery's state now: `pending`, `delivered`, `failed` or `cancelled`.
    pub state: String,
}

/// The webhook's latest attempts, newest first (at most `limit`, after `offset`), and how
/// many there are.
pub async fn deliveries(
    conn: &mut AnyConnection,
    webhook_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AttemptView>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id \
         WHERE d.webhook_id = $1",
    )
    .bind(webhook_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(
        "SELECT a.delivery_id, d.notification_id, n.kind, a.attempt, a.at, a.status_code, a.error, d.state \
         FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id \
         JOIN notification n ON n.id = d.notification_id \
         WHERE d.webhook_id = $1 ORDER BY a.at DESC, a.attempt DESC LIMIT $2 OFFSET $3",
    )
    .bind(webhook_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(AttemptView {
                delivery_id: r.try_get("delivery_id")?,
                notification_id: r.try_get("notification_id")?,
                kind: r.try_get("kind")?,
                attempt: r.try_get("attempt")?,
                at: rfc3339_utc(r.try_get("at")?),
                status_code: r.try_get("status_code")?,
                error: r.try_get("error")?,
                state: r.try_get("state")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> String {
        let p = check_url(raw).unwrap_err();
        p.errors[0].code.clone()
    }

    #[test]
    fn urls_are_refused_for_what_they_are() {
        assert!(check_url("https://hooks.example.com/wuye?x=1").is_ok());
        assert!(check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_url("http://localhost/hook").is_ok());
        assert!(check_url("http://[::1]:9/hook").is_ok());
        assert_eq!(code("http://hooks.example.com/"), "https_required");
        assert_eq!(code("ftp://hooks.example.com/"), "scheme");
        assert_eq!(code("file:///etc/passwd"), "scheme");
        assert_eq!(code("javascript:alert(1)"), "scheme");
        assert_eq!(
            code("https://user:pw@hooks.example.com/"),
            "credentials_in_url"
        );
        assert_eq!(code("https://10.0.0.5/"), "internal_address");
        assert_eq!(code("https://169.254.169.254/latest"), "internal_address");
        assert_eq!(code("https://[fd00::1]/"), "internal_address");
        assert_eq!(code("https://[::ffff:192.168.1.1]/"), "internal_address");
        assert_eq!(
            code(&format!("https://a.example/{}", "x".repeat(2000))),
            "too_long"
        );
        assert_eq!(code("not a url"), "invalid_url");
        assert_eq!(code(""), "required");
    }
}

//! Each account's private Atom feed (`GET /match/inbox/atom/{token}`): the token is random,
//! shown once and kept only as its SHA-256 (`inbox_feed_token`); making a new one replaces
//! the old. The feed answers 404 for an unknown or revoked token, 410 when the account was
//! disabled or its sessions were ended (password change, reset, disabling: the catalog's
//! session cutoff) after the token was made. At most [`ENTRIES`] entries, newest first.

use shared::clock::rfc3339_utc;
use sqlx::AnyConnection;

use super::recipient::Recipient;
use super::secret::{digest, random};
use super::store::NotificationView;

/// Entries in the feed.
pub const ENTRIES: i64 = 50;

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    pub account_id: String,
    pub recipient: String,
    pub created_at: i64,
}

/// A new token for the account (replacing any earlier one); answered once.
pub async fn issue(
    conn: &mut AnyConnection,
    account_id: &str,
    recipient: &Recipient,
    now: i64,
) -> anyhow::Result<String> {
    let token = random("")?;
    sqlx::query("DELETE FROM inbox_feed_token WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO inbox_feed_token (account_id, token_hash, recipient, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(digest(&token))
    .bind(recipient.key())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// Revokes the account's token; `false` when it had none.
pub async fn revoke(conn: &mut AnyConnection, account_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM inbox_feed_token WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether the account has a token, and since when.
pub async fn issued_at(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT created_at FROM inbox_feed_token WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await
}

/// What a token opens.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    Feed(Holder),
    /// No such token (never made, or revoked or replaced).
    Unknown,
    /// The account was disabled, or its sessions ended, after the token was made.
    Gone,
}

/// The holder of `token`, if it still opens the feed. A token that is not 64 hex digits is
/// unknown without a look-up.
pub async fn open(conn: &mut AnyConnection, token: &str) -> Result<Opened, sqlx::Error> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Opened::Unknown);
    }
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT account_id, recipient, created_at FROM inbox_feed_token WHERE token_hash = $1",
    )
    .bind(digest(token))
    .fetch_optional(&mut *conn)
    .await?;
    let Some((account_id, recipient, created_at)) = row else {
        return Ok(Opened::Unknown);
    };
    let state: Option<(i64, i64)> =
        sqlx::query_as("SELECT valid_after, disabled FROM session_account WHERE account_id = $1")
            .bind(&account_id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((valid_after, disabled)) = state
        && (disabled != 0 || valid_after > created_at)
    {
        return Ok(Opened::Gone);
    }
    Ok(Opened::Feed(Holder {
        account_id,
        recipient,
        created_at,
    }))
}

/// `text` with XML's five special characters escaped, and characters XML 1.0 cannot carry
/// dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The Atom 1.0 document of `entries` (newest first) for the holder. Links are site paths
/// (the pages'), as the API answers them. The document never repeats the token (no
/// `rel="self"` link, which Atom recommends but does not require), so a feed pasted into a
/// validator or kept by a reader's cache does not carry the secret.
pub fn render(holder: &Holder, entries: &[NotificationView], now: i64) -> String {
    let updated = entries
        .first()
        .map_or_else(|| rfc3339_utc(now), |e| e.created_at.clone());
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str(&format!(
        "  <id>urn:wuye:inbox:{}</id>\n  <title>物业通 · 通知</title>\n  <updated>{}</updated>\n  \
         <author><name>物业通</name></author>\n",
        escape(&holder.account_id),
        escape(&updated)
    ));
    for e in entries {
        xml.push_str(&format!(
            "  <entry>\n    <id>urn:uuid:{}</id>\n    <title>{}</title>\n    <updated>{}</updated>\n    \
             <category term=\"{}\"/>\n    <link rel=\"alternate\" href=\"{}\"/>\n    \
             <summary type=\"text\">{}</summary>\n  </entry>\n",
            escape(&e.id),
            escape(&e.title),
            escape(&e.created_at),
            escape(&e.kind),
            escape(&e.link),
            escape(&e.body)
        ));
    }
    xml.push_str("</feed>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'\u{1}</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        let holder = Holder {
            account_id: "a&1".into(),
            recipient: "firm:f1".into(),
            created_at: 0,
        };
        let entry = NotificationView {
            id: "n1".into(),
            kind: "invited".into(),
            title: "<script>alert(1)</script>".into(),
            body: "]]> & <b>".into(),
            link: "/firm/tenders/t1?a=1&b=2".into(),
            created_at: "2026-12-07T01:00:00Z".into(),
            read: false,
        };
        let xml = render(&holder, &[entry], 0);
        assert!(!xml.contains("<script>") && !xml.contains("<b>"));
        assert!(xml.contains("a=1&amp;b=2") && xml.contains("urn:wuye:inbox:a&amp;1"));
    }
}

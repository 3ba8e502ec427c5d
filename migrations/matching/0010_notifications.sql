-- Notifications (站内通知, `services/matching/src/notifications/`): derived from the catalog
-- and tender feeds by the follower (in the transaction that moves its cursor) and by a
-- periodic sweep (deadlines); never written by the request that caused them.

-- One notification for one organisation (`recipient`: `firm:<id>`, `committee:<compound>`,
-- `street:<code>`, `district:<code>`, `association`, `city`): every account of it sees it.
-- `dedup_key` names the fact (e.g. `invitation:<id>`), so a replayed change or a sweep run by
-- several replicas writes it once.
CREATE TABLE notification (
    id TEXT PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The page where the thing is (a site path, e.g. `/tenders/<id>`).
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notification_inbox ON notification (recipient, created_at);

-- Read state is per account.
CREATE TABLE notification_read (
    notification_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    read_at BIGINT NOT NULL,
    PRIMARY KEY (notification_id, account_id)
);
CREATE INDEX notification_read_account ON notification_read (account_id);

-- An account's private Atom feed token: only its SHA-256 (hex) is kept; the token is shown
-- once. `recipient` is the account's organisation when the token was made.
CREATE TABLE inbox_feed_token (
    account_id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Firms that were invited to a tender (topic `tender_invitation`), for the deadline sweep.
CREATE TABLE notify_invitation (
    tender_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    PRIMARY KEY (tender_id, firm_id)
);

-- Webhooks of an organisation. The secret signs each delivery (HMAC-SHA256), so it is
-- kept as given (shown to the owner once).
CREATE TABLE webhook (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX webhook_recipient ON webhook (recipient);

-- One notification to deliver to one webhook: `pending` (due at `next_at`), `delivered`
-- or `failed` (attempts exhausted).
CREATE TABLE webhook_delivery (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (webhook_id, notification_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (state, next_at);

-- The delivery log: every attempt with its answer.
CREATE TABLE webhook_attempt (
    delivery_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

-- The catalog's session facts (topic `session` of its feed), kept by the follower so a
-- signed-out, password-changed or disabled account's token is refused here too, also
-- after a restart. See `shared::session`.
CREATE TABLE session_revoked (
    jti TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);

CREATE INDEX session_revoked_expiry ON session_revoked (expires_at);

CREATE TABLE session_account (
    account_id TEXT PRIMARY KEY,
    valid_after BIGINT NOT NULL,
    -- 1 when the account is disabled (BIGINT: SQLite booleans do not decode through Any).
    disabled BIGINT NOT NULL,
    seq BIGINT NOT NULL
);

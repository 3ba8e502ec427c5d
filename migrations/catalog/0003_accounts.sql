-- Accounts (账号) and their roles. A role acts on a scope: the city (association staff),
-- a district, a street, one compound (its committee) or one firm.
CREATE TABLE account (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX account_scope ON account (scope_kind, scope_id);
CREATE INDEX account_role ON account (role);

-- Signed-out sessions (已注销的登录凭证): a token's id (`jti`) is kept until the token
-- itself expires; the catalog refuses any token listed here.
CREATE TABLE revoked_token (
    jti TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);

CREATE INDEX revoked_token_expiry ON revoked_token (expires_at);

-- Accounts managed on the pages (账号管理): a password reset by whoever manages the account
-- gives a one-time password that must be changed at the next sign-in (until then the
-- catalog refuses the account's other requests with `password_change_required`).
ALTER TABLE account ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

-- Append-only history of every change to an account (创建, 停用, 启用, 重置密码, 修改显示名称,
-- 修改密码): who did it, when, and the value before and after (never a password or hash).
-- Never updated or deleted.
CREATE TABLE account_event (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (id),
    kind TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX account_event_account ON account_event (account_id, at);

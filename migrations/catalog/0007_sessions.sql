-- Sessions end everywhere (登录凭证在所有服务失效): the catalog publishes session facts on
-- its feed (topic `session`), and an account's tokens issued before `sessions_valid_after`
-- (ms since the Unix epoch; set by a password change and by disabling) are refused.
ALTER TABLE account ADD COLUMN sessions_valid_after BIGINT NOT NULL DEFAULT 0;

-- Whether a signed-out token has been published on the feed (1) or not yet (0: signed out
-- before the `session` topic existed; published at the next start-up).
ALTER TABLE revoked_token ADD COLUMN published BIGINT NOT NULL DEFAULT 0;

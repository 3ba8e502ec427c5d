-- An account whose password was reset and not yet changed (the catalog feed's `session` /
-- `cutoff` payload's `must_change_password`): its tokens are answered 403
-- `password_change_required` here too. 1 or 0 (BIGINT: SQLite booleans do not decode
-- through Any). See `shared::session`.
ALTER TABLE session_account ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

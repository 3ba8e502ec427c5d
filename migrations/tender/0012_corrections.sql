-- Corrections (更正) of published budgets and accounts: a correction is a new version of
-- the same contract, kind and period that supersedes the earlier one. Neither is ever
-- deleted; both stay public with their times and authors (services/tender/src/disclosure.rs).
ALTER TABLE disclosure ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
-- The version this one corrects (NULL for a first publication).
ALTER TABLE disclosure ADD COLUMN supersedes TEXT;
-- The version that corrected this one, and when (NULL while it is the current one).
ALTER TABLE disclosure ADD COLUMN superseded_by TEXT;
ALTER TABLE disclosure ADD COLUMN superseded_at BIGINT;
-- Why it was corrected (on the correcting version).
ALTER TABLE disclosure ADD COLUMN correction_reason TEXT;
-- The publishing account's display name (NULL for rows published before it was kept).
ALTER TABLE disclosure ADD COLUMN published_by_name TEXT;

-- One budget and one set of accounts per contract and period, in numbered versions.
DROP INDEX disclosure_one_per_period;
CREATE UNIQUE INDEX disclosure_one_version_per_period ON disclosure (contract_id, kind, period, version);
CREATE INDEX disclosure_superseded ON disclosure (contract_id, superseded_by);

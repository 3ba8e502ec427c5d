-- The progress list (动态推进清单): the streets' work plans (topic `work_plan` of the
-- catalog's feed, payload `shared::domain::plan::WorkPlan`), the owners' decisions (tender's
-- `vote` and `ballot_vote` topics) and the day each tender was first published (its first
-- change out of draft). Matching writes these only from the feeds.
CREATE TABLE catalog_work_plan (
    id TEXT PRIMARY KEY,
    street_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    payload TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX catalog_work_plan_year ON catalog_work_plan (year, district_code);

-- A decided owners' vote: a typed vote as recorded, a vote from ballots once closed.
-- `passed` is 0/1 (BIGINT: SQLite booleans do not decode through Any).
CREATE TABLE tender_vote_decision (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    matter TEXT NOT NULL,
    passed BIGINT NOT NULL,
    decided_on TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tender_vote_decision_compound ON tender_vote_decision (compound_id);

-- The China date of each tender's first change out of draft (招标 published).
CREATE TABLE tender_published (
    tender_id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    published_on TEXT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX tender_published_compound ON tender_published (compound_id);

-- Votes and tenders published before these tables existed are read again: the tender feed
-- is replayed from the start (every table's upsert is guarded by its `seq`, the index
-- applies by entity, so nothing else changes).
UPDATE feed_cursor SET seq = 0 WHERE source = 'tender';

-- 月结 (services/tender/src/money/fund/rollover.rs): the month through which each commission
-- or trust contract's fund months were last published by the monthly rollover, so a fund
-- nobody writes to still gets each new month (and its deficit and pooling flags) on the feed.
CREATE TABLE fund_rollover (
    contract_id TEXT PRIMARY KEY,
    -- YYYY-MM
    month TEXT NOT NULL,
    rolled_at BIGINT NOT NULL
);

-- 以奖代补 subsidies (topic `subsidy` of /catalog/feed, payload
-- `shared::events::catalog::SubsidyPublished`). A record is never changed at its source:
-- a correction is a new row naming the one it replaces (`corrects`), so the records that
-- count are those no other row corrects; a chain counts in the month of its first record
-- (`first_recorded_on`, YYYY-MM-DD). The monthly report sums them per street or district.
CREATE TABLE catalog_subsidy (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    street_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    corrects TEXT,
    first_recorded_on TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX catalog_subsidy_corrects ON catalog_subsidy (corrects);
CREATE INDEX catalog_subsidy_month ON catalog_subsidy (first_recorded_on);

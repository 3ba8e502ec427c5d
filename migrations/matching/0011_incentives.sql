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

-- The annual 百佳示范小区 list: the city official's selection for a year from the
-- candidates matching ranks (by satisfaction in the year's surveys, then by months
-- continuously served without a termination, from the contracts), each entry with the
-- compound's figures at selection time; published once (`published_at`), then fixed.
CREATE TABLE best_list (
    year BIGINT PRIMARY KEY,
    published_at BIGINT,
    published_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE best_list_entry (
    year BIGINT NOT NULL REFERENCES best_list (year),
    compound_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    compound_name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    street_code TEXT NOT NULL,
    candidate_rank BIGINT NOT NULL,
    satisfaction_basis_points BIGINT NOT NULL,
    respondents BIGINT NOT NULL,
    months_served BIGINT NOT NULL,
    served_since TEXT NOT NULL,
    as_of TEXT NOT NULL,
    PRIMARY KEY (year, compound_id)
);

-- The annual 百佳示范小区 list, tender's record: the city official's selection for a year
-- from the candidates tender ranks from its own contracts and satisfaction surveys (by
-- the year's satisfaction rate, then months continuously served without a termination),
-- each entry with the compound's figures at selection time; published once
-- (`published_at`), then fixed. Topic `best_list` of /tenders/feed.
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

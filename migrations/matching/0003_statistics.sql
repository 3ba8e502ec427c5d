-- Matching's copies of catalog firms and compounds and of tender contracts and satisfaction
-- surveys, kept by following both feeds (services/matching/src/follow.rs and copy.rs).
-- Every row carries the feed `seq` that wrote it: an upsert only replaces a row with an
-- older seq, so replaying a page changes nothing.

-- Firms (topic `firm`, payload FirmSnapshot). Standing on any day is
-- `StandingRecord::effective(day)` of `standing_record`, never a stored flag.
CREATE TABLE catalog_firm (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- JSON list of district codes.
    districts_served TEXT NOT NULL,
    -- JSON StandingRecord.
    standing_record TEXT NOT NULL,
    -- The whole snapshot, for readers that need more.
    payload TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Compounds as they are now (topic `compound`).
CREATE TABLE catalog_compound (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    street_code TEXT NOT NULL,
    households BIGINT NOT NULL,
    management TEXT NOT NULL,
    governance_body TEXT NOT NULL,
    eligible_and_willing BOOLEAN NOT NULL,
    is_old BOOLEAN NOT NULL,
    payload TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every version of every compound with the day it took effect (the China date of the
-- change's `at`): coverage "as of" a day reads the latest version effective by then.
-- `removed` marks a compound taken out of the ledger from that day.
CREATE TABLE catalog_compound_version (
    compound_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    effective_on TEXT NOT NULL,
    district_code TEXT NOT NULL,
    street_code TEXT NOT NULL,
    management TEXT NOT NULL,
    governance_body TEXT NOT NULL,
    eligible_and_willing BOOLEAN NOT NULL,
    is_old BOOLEAN NOT NULL,
    removed BOOLEAN NOT NULL,
    PRIMARY KEY (compound_id, seq)
);
CREATE INDEX catalog_compound_version_district ON catalog_compound_version (district_code);
CREATE INDEX catalog_compound_version_street ON catalog_compound_version (street_code);

-- Contracts (topic `contract`, payload tender's Contract), latest state; their dates say
-- when each covered its compound. Dates are `YYYY-MM-DD`.
CREATE TABLE tender_contract (
    id TEXT PRIMARY KEY,
    tender_id TEXT NOT NULL,
    compound_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    service_model TEXT NOT NULL,
    fee_model TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    status TEXT NOT NULL,
    terminated_on TEXT,
    termination_reason TEXT,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tender_contract_compound ON tender_contract (compound_id);
CREATE INDEX tender_contract_firm ON tender_contract (firm_id);

-- Residents' satisfaction surveys (topic `satisfaction`), one row per survey record; the
-- street and district are those the survey was recorded under.
CREATE TABLE tender_satisfaction (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    street_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    contract_id TEXT,
    firm_id TEXT,
    period TEXT NOT NULL,
    satisfied BIGINT NOT NULL,
    basically_satisfied BIGINT NOT NULL,
    dissatisfied BIGINT NOT NULL,
    recorded_at TEXT,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tender_satisfaction_period ON tender_satisfaction (period);

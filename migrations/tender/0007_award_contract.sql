-- Evaluation (评标), award (定标) with its public notice (公示) and complaints (质疑),
-- and contracts (合同), whose signing and termination make a compound covered or not.

-- The committee's scores of a rated evaluation: JSON {bid_id: {criterion: points}}.
CREATE TABLE tender_scores (
    tender_id TEXT PRIMARY KEY,
    scores TEXT NOT NULL,
    scored_by TEXT NOT NULL,
    scored_at BIGINT NOT NULL
);

CREATE TABLE award (
    id TEXT PRIMARY KEY,
    tender_id TEXT NOT NULL,
    bid_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    fee BIGINT NOT NULL,
    annual_price_fen BIGINT NOT NULL,
    -- The ranking the award was made on, and the bids skipped with their reasons (JSON).
    ranking TEXT NOT NULL,
    skipped TEXT NOT NULL,
    vote_id TEXT,
    awarded_by TEXT NOT NULL,
    awarded_at BIGINT NOT NULL,
    notice_ends_at BIGINT NOT NULL,
    -- in_notice | revoked | final
    status TEXT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT
);

CREATE INDEX award_tender ON award (tender_id, awarded_at);

CREATE TABLE complaint (
    id TEXT PRIMARY KEY,
    tender_id TEXT NOT NULL,
    award_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    grounds TEXT NOT NULL,
    lodged_at BIGINT NOT NULL,
    answer TEXT,
    -- NULL until answered.
    upheld BOOLEAN,
    answered_by TEXT,
    answered_at BIGINT
);

CREATE INDEX complaint_tender ON complaint (tender_id, lodged_at);

CREATE TABLE contract (
    id TEXT PRIMARY KEY,
    tender_id TEXT NOT NULL UNIQUE,
    compound_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    service_model TEXT NOT NULL,
    fee_model TEXT NOT NULL,
    fee BIGINT NOT NULL,
    annual_price_fen BIGINT NOT NULL,
    term_months BIGINT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    -- active | terminated
    status TEXT NOT NULL,
    terminated_on TEXT,
    termination_reason TEXT
);

CREATE INDEX contract_compound ON contract (compound_id, status);
CREATE INDEX contract_firm ON contract (firm_id, status);

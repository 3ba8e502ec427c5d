-- Tenders (招标), their questions and answers (答疑), sealed bids (投标) and opening
-- records (开标记录). Instants are ms since the epoch.
CREATE TABLE tender (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    compound_name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    street_code TEXT,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    service_model TEXT NOT NULL,
    fee_model TEXT NOT NULL,
    grade BIGINT NOT NULL,
    term_months BIGINT NOT NULL,
    annual_budget_fen BIGINT NOT NULL,
    proposed_fee BIGINT NOT NULL,
    needs TEXT NOT NULL,
    enquiry_deadline BIGINT NOT NULL,
    bid_deadline BIGINT NOT NULL,
    opening_at BIGINT NOT NULL,
    evaluation_method TEXT NOT NULL,
    price_weight BIGINT,
    criteria TEXT NOT NULL,
    -- Bumped on every change of the terms while open; bids remember the version they answer.
    terms_version BIGINT NOT NULL,
    cancel_reason TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    opened_at BIGINT,
    closed_at BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE INDEX tender_status_opening ON tender (status, opening_at);
CREATE INDEX tender_compound ON tender (compound_id, status);
CREATE INDEX tender_district ON tender (district_code, status);

CREATE TABLE tender_question (
    id TEXT PRIMARY KEY,
    tender_id TEXT NOT NULL,
    -- Never shown to anyone but the asking firm itself.
    asker_firm_id TEXT NOT NULL,
    question TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    answer TEXT,
    answered_at BIGINT,
    answered_by TEXT
);

CREATE INDEX tender_question_tender ON tender_question (tender_id, asked_at);

CREATE TABLE bid (
    id TEXT PRIMARY KEY,
    tender_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    -- submitted | needs_reconfirmation | withdrawn | opened | invalid
    status TEXT NOT NULL,
    fee BIGINT NOT NULL,
    annual_price_fen BIGINT NOT NULL,
    staffing_plan TEXT NOT NULL,
    service_plan TEXT NOT NULL,
    criteria_answers TEXT NOT NULL,
    -- How many times the firm has replaced it (1 for the first submission).
    revision BIGINT NOT NULL,
    terms_version BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    invalid_reason TEXT
);

-- One live bid per firm per tender.
CREATE UNIQUE INDEX bid_one_live ON bid (tender_id, firm_id) WHERE status <> 'withdrawn';
CREATE INDEX bid_tender ON bid (tender_id, status);

CREATE TABLE tender_opening (
    tender_id TEXT PRIMARY KEY,
    opened_at BIGINT NOT NULL,
    record TEXT NOT NULL
);

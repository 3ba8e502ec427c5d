-- 信息公开 (transparency): a contract's open annual budgets (开放式年度预算) and periodic
-- accounts, published by its firm or its compound's committee, and residents'
-- satisfaction surveys (满意度调查) recorded by committees. Amounts are 分 (fen).

CREATE TABLE disclosure (
    id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL,
    tender_id TEXT NOT NULL,
    compound_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    -- budget | accounts
    kind TEXT NOT NULL,
    -- `2026` (a year), `2026-Q3` (a quarter) or `2026-07` (a month)
    period TEXT NOT NULL,
    -- The period's first and last day, YYYY-MM-DD.
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    -- JSON {category: fen}: income (fee, parking, advertising, other) and spending
    -- (personnel, cleaning, greening, security, maintenance, energy, other).
    income TEXT NOT NULL,
    spending TEXT NOT NULL,
    total_income_fen BIGINT NOT NULL,
    total_spending_fen BIGINT NOT NULL,
    opening_balance_fen BIGINT NOT NULL,
    closing_balance_fen BIGINT NOT NULL,
    note TEXT,
    -- firm | committee
    published_by TEXT NOT NULL,
    published_by_account TEXT NOT NULL,
    published_at BIGINT NOT NULL
);

-- One budget and one set of accounts per contract and period.
CREATE UNIQUE INDEX disclosure_one_per_period ON disclosure (contract_id, kind, period);
CREATE INDEX disclosure_compound ON disclosure (compound_id, published_at);
CREATE INDEX disclosure_firm ON disclosure (firm_id, published_at);

CREATE TABLE satisfaction_survey (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    -- From tender's copy of the compound when the survey was recorded.
    street_code TEXT,
    district_code TEXT NOT NULL,
    -- The compound's active contract (and so its firm) at the time, if any.
    contract_id TEXT,
    firm_id TEXT,
    -- A quarter, e.g. `2026-Q3`.
    period TEXT NOT NULL,
    satisfied BIGINT NOT NULL,
    basically_satisfied BIGINT NOT NULL,
    dissatisfied BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

-- One survey per compound per period.
CREATE UNIQUE INDEX satisfaction_one_per_period ON satisfaction_survey (compound_id, period);
CREATE INDEX satisfaction_firm ON satisfaction_survey (firm_id, period);
CREATE INDEX satisfaction_street ON satisfaction_survey (street_code, period);

-- OCDS 1.1 releases (see services/tender/src/ocds.rs), stored in the write transaction
-- of the step they publish. `seq` is the public cursor of /tenders/ocds/releases: writers
-- hold the feed-head lock, so MAX(seq) + 1 is monotonic in commit order.
CREATE TABLE ocds_release (
    seq BIGINT PRIMARY KEY,
    ocid TEXT NOT NULL,
    release_id TEXT NOT NULL,
    tender_id TEXT NOT NULL,
    -- The release's tags, space-separated (e.g. `planning tender`).
    tag TEXT NOT NULL,
    date BIGINT NOT NULL,
    release TEXT NOT NULL
);

CREATE UNIQUE INDEX ocds_release_id ON ocds_release (ocid, release_id);
CREATE INDEX ocds_release_ocid ON ocds_release (ocid, seq);

-- The budget sets the fee (issue 17, part A). A compound's annual budget (年度预算) is
-- drafted by its committee or the firm serving it and put to the owners through a vote
-- from ballots on `approve_budget`; only a passing vote approves it, and the fee standard
-- (分/㎡·月) it implies is derived from it and the register the vote was measured against,
-- never typed. Bills per unit and month follow the approved fee; payments are recorded
-- one by one or imported. Amounts are 分; the register's areas 0.01 ㎡.
-- See services/tender/src/money/.
CREATE TABLE fee_budget (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    -- JSON disclosure::Spending {personnel_fen, …}: spending by category.
    spending TEXT NOT NULL,
    -- JSON {parking_fen, advertising_fen, other_fen}: expected common revenue (公共收益).
    common_revenue TEXT NOT NULL,
    -- The firm's remuneration under 酬金制 (0 under 包干制).
    remuneration_fen BIGINT NOT NULL,
    -- The surplus of earlier years planned to be carried in (结转).
    carry_in_fen BIGINT NOT NULL,
    note TEXT,
    -- Counts revisions of the draft (1 when drafted).
    version BIGINT NOT NULL,
    drafted_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- The owners' vote (ballot_vote, matter approve_budget) it was put to, latest first.
    vote_id TEXT,
    vote_linked_at BIGINT
);

CREATE UNIQUE INDEX fee_budget_year ON fee_budget (compound_id, year);
CREATE UNIQUE INDEX fee_budget_vote ON fee_budget (vote_id);

-- One bill per unit and month (the primary rule of generation: idempotent).
CREATE TABLE fee_bill (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    unit_label TEXT NOT NULL,
    -- YYYY-MM.
    month TEXT NOT NULL,
    area_centi BIGINT NOT NULL,
    fee_fen_per_m2 BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    budget_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX fee_bill_unit_month ON fee_bill (unit_id, month);
CREATE INDEX fee_bill_compound_month ON fee_bill (compound_id, month);

-- Payments against bills; a payment's reference (收据号 / 流水号) is unique in its
-- compound, so the same payment recorded or imported twice is recognised.
CREATE TABLE fee_payment (
    id TEXT PRIMARY KEY,
    bill_id TEXT NOT NULL,
    compound_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- YYYY-MM-DD.
    paid_on TEXT NOT NULL,
    reference TEXT NOT NULL,
    -- `recorded`, or `import:<id>`.
    source TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX fee_payment_reference ON fee_payment (compound_id, reference);
CREATE INDEX fee_payment_bill ON fee_payment (bill_id);

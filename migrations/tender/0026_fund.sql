-- The service fund's accounts (酬金制 and 信托制), see services/tender/src/money/fund/.
-- Amounts are 分 (fen), days TEXT YYYY-MM-DD, instants BIGINT ms.

-- The remuneration (酬金) a contract agrees: `fixed` (a yearly amount, value in 分) or
-- `percentage` (of fee income, value in basis points); NULL when none was agreed.
ALTER TABLE contract ADD COLUMN remuneration_kind TEXT;
ALTER TABLE contract ADD COLUMN remuneration_value BIGINT;
-- The remuneration a commission or trust tender states (what the committee proposes).
ALTER TABLE tender ADD COLUMN remuneration_kind TEXT;
ALTER TABLE tender ADD COLUMN remuneration_value BIGINT;
-- The remuneration a bid offers (a commission or trust tender), the same way.
ALTER TABLE bid ADD COLUMN remuneration_kind TEXT;
ALTER TABLE bid ADD COLUMN remuneration_value BIGINT;

-- The compound's fund ledger: append-only. A correction is a new row that `reverses`
-- another (the opposite direction, same category and amount); rows are never changed.
CREATE TABLE fund_transaction (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    -- The commission or trust contract under which it was recorded.
    contract_id TEXT NOT NULL,
    day TEXT NOT NULL,
    -- income | spending
    direction TEXT NOT NULL,
    -- fee, parking, advertising, other_common, carried_in, personnel, cleaning, greening,
    -- security, maintenance, energy, other_spending, remuneration
    category TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    counterparty TEXT NOT NULL,
    memo TEXT,
    -- A 凭证 in the documents store.
    voucher_id TEXT,
    -- The bank's reference of the movement, when known.
    bank_reference TEXT,
    reverses TEXT,
    -- firm | committee
    recorded_by TEXT NOT NULL,
    recorded_by_account TEXT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

-- A transaction is reversed at most once.
CREATE UNIQUE INDEX fund_transaction_reverses ON fund_transaction (reverses);
CREATE INDEX fund_transaction_compound ON fund_transaction (compound_id, day);
CREATE INDEX fund_transaction_contract ON fund_transaction (contract_id, category);

-- An imported bank statement (银行对账单) and the reconciliation made when it was imported.
CREATE TABLE fund_bank_statement (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    lines BIGINT NOT NULL,
    -- The bank's balance after the statement's last line.
    closing_balance_fen BIGINT NOT NULL,
    -- The ledger's balance at the end of `last_day` when imported.
    ledger_balance_fen BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_by_account TEXT NOT NULL,
    imported_by_name TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE INDEX fund_bank_statement_compound ON fund_bank_statement (compound_id, imported_at);

-- One line of an imported statement; `amount_fen` is signed (credit +, debit −).
CREATE TABLE fund_bank_line (
    id TEXT PRIMARY KEY,
    statement_id TEXT NOT NULL,
    compound_id TEXT NOT NULL,
    line BIGINT NOT NULL,
    day TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    counterparty TEXT NOT NULL,
    memo TEXT,
    reference TEXT,
    balance_fen BIGINT,
    -- The ledger transaction it matched when imported.
    transaction_id TEXT
);

-- A bank reference is imported once per compound (NULLs are not compared).
CREATE UNIQUE INDEX fund_bank_line_reference ON fund_bank_line (compound_id, reference);
CREATE INDEX fund_bank_line_statement ON fund_bank_line (statement_id, line);
CREATE INDEX fund_bank_line_day ON fund_bank_line (compound_id, day);

-- 查阅 (the owners' right to inspect): a request to inspect the accounts, vouchers or
-- contract of a compound's firm, asked by an owner with the unit's code or by the
-- committee; its due date and its answer. See services/tender/src/inspections/.
CREATE TABLE inspection_request (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    compound_name TEXT NOT NULL,
    -- Where the compound lies (copied when asked), so officials list their area's requests.
    district_code TEXT NOT NULL,
    street_code TEXT,
    -- `accounts`, `vouchers` or `contract`; optionally the disclosure meant.
    what TEXT NOT NULL,
    disclosure_id TEXT,
    -- `owner_code` (with the unit) or `committee` (with the account).
    asked_by TEXT NOT NULL,
    unit_id TEXT,
    asked_by_account TEXT,
    text TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    -- The last day to answer (China date, YYYY-MM-DD).
    due_on TEXT NOT NULL,
    answered_at BIGINT,
    answered_by TEXT,
    answered_by_role TEXT,
    answer TEXT,
    -- JSON array of document ids given with the answer.
    answer_documents TEXT
);

CREATE INDEX inspection_compound ON inspection_request (compound_id, asked_at);
CREATE INDEX inspection_open ON inspection_request (answered_at, due_on);

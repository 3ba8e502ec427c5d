-- 复核 (escalation) of a complaint (质疑) whose answer did not satisfy the complaining
-- bidder: first to the street official of the compound's street, then to the district
-- official; each level decides once (upheld or not, with reasons). One row per level:
-- the primary key is the "one escalation per level" rule. The tender's street and
-- district are read from `tender` (the officials in reach).
CREATE TABLE complaint_escalation (
    complaint_id TEXT NOT NULL,
    -- street | district
    level TEXT NOT NULL,
    tender_id TEXT NOT NULL,
    grounds TEXT NOT NULL,
    escalated_by TEXT NOT NULL,
    escalated_at BIGINT NOT NULL,
    -- NULL until decided.
    decision TEXT,
    upheld BOOLEAN,
    decided_by TEXT,
    decided_at BIGINT,
    PRIMARY KEY (complaint_id, level)
);

CREATE INDEX complaint_escalation_tender ON complaint_escalation (tender_id);
CREATE INDEX complaint_escalation_pending ON complaint_escalation (level, decided_at);

-- A complaint lists fast by firm (a firm's own complaints).
CREATE INDEX complaint_firm ON complaint (firm_id, lodged_at);

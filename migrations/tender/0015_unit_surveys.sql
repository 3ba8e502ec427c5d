-- Residents' surveys per unit (满意度调查): a committee opens a quarter's survey of its
-- compound; each unit of the register (as it stood when the survey opened) answers at most
-- once, online with the code on the notice the street printed (owner_code, subject
-- `survey`) or on paper, recorded by the committee. The counts are derived from the
-- answers; closing publishes them as the quarter's satisfaction_survey (verified).
-- See services/tender/src/owners/surveys/.
CREATE TABLE unit_survey (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    -- A quarter: 2026-Q4.
    period TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    -- The satisfaction_survey row published when closed.
    satisfaction_id TEXT
);

CREATE UNIQUE INDEX unit_survey_period ON unit_survey (compound_id, period);

CREATE TABLE unit_survey_unit (
    survey_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    unit_label TEXT NOT NULL,
    PRIMARY KEY (survey_id, unit_id)
);

-- One answer per unit and survey.
CREATE TABLE survey_answer (
    id TEXT PRIMARY KEY,
    survey_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    -- online | paper
    channel TEXT NOT NULL,
    -- satisfied | basically_satisfied | dissatisfied
    rating TEXT NOT NULL,
    comment TEXT,
    paper_ref TEXT,
    recorded_by TEXT,
    answered_at BIGINT NOT NULL,
    -- The serving firm's public reply to the comment.
    reply TEXT,
    replied_by TEXT,
    replied_at BIGINT
);

CREATE UNIQUE INDEX survey_answer_unit ON survey_answer (survey_id, unit_id);

-- Whether a published survey was counted from per-unit answers (true) or typed as totals
-- by the committee (false: 未经名册核验).
ALTER TABLE satisfaction_survey ADD COLUMN verified BOOLEAN NOT NULL DEFAULT FALSE;

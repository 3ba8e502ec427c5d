-- Work plans (工作方案): per street and year the target, the compounds planned, each
-- stage's due date, and the stages only people know (动员, 自治组织) as the street recorded
-- them. Published whole on the feed's `work_plan` topic (`shared::domain::plan::WorkPlan`).
-- `id` is `{street}-{year}`. Dates are `YYYY-MM-DD`; instants BIGINT milliseconds.
CREATE TABLE work_plan (
    id TEXT PRIMARY KEY,
    street_code TEXT NOT NULL REFERENCES street (code),
    district_code TEXT NOT NULL REFERENCES district (code),
    year BIGINT NOT NULL,
    target_compounds BIGINT NOT NULL,
    target_rate_percent BIGINT NOT NULL,
    due_survey TEXT NOT NULL,
    due_mobilisation TEXT NOT NULL,
    due_self_governance TEXT NOT NULL,
    due_owners_vote TEXT NOT NULL,
    due_tender TEXT NOT NULL,
    due_contract TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (street_code, year)
);

-- The compounds a plan takes on, in the order the street listed them.
CREATE TABLE work_plan_compound (
    plan_id TEXT NOT NULL REFERENCES work_plan (id),
    compound_id TEXT NOT NULL REFERENCES compound (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (plan_id, compound_id)
);

-- A stage the street recorded for a planned compound (mobilisation, self_governance);
-- recording it again replaces the date and note.
CREATE TABLE work_plan_stage (
    plan_id TEXT NOT NULL REFERENCES work_plan (id),
    compound_id TEXT NOT NULL REFERENCES compound (id),
    stage TEXT NOT NULL,
    done_on TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (plan_id, compound_id, stage)
);

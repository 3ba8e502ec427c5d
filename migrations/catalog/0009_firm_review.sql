-- Profile changes under review (资料变更待复核) and rejected applications (驳回申请).
-- See services/catalog/src/firms/review.rs.

-- Since when a material profile change of a firm on the roster awaits the association's
-- review; NULL when nothing is pending.
ALTER TABLE firm ADD COLUMN review_pending_since BIGINT;
-- A rejected application: when, why, and the credit code it was made with. The row's
-- `credit_code` is then replaced by `rejected:<id>` so that the real firm can apply with
-- its code (the column is UNIQUE); the API still shows the code it applied with.
ALTER TABLE firm ADD COLUMN rejected_at BIGINT;
ALTER TABLE firm ADD COLUMN rejection_reason TEXT;
ALTER TABLE firm ADD COLUMN rejected_credit_code TEXT;

CREATE INDEX firm_review_pending ON firm (review_pending_since);

-- Append-only history of what the other history tables do not hold: material profile
-- changes (`profile_changed`, with `changes` = JSON [{field, label, old, new}]), their
-- review (`profile_reviewed`) and rejections (`rejected`). Never updated or deleted.
CREATE TABLE firm_history_event (
    id TEXT PRIMARY KEY,
    firm_id TEXT NOT NULL REFERENCES firm (id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    changes TEXT NOT NULL,
    author_id TEXT,
    author_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX firm_history_event_firm ON firm_history_event (firm_id, at);

-- Requests to inspect (查阅申请) as they stand now (topic `inspection` of /tenders/feed,
-- payload `shared::events::tender::InspectionPublished`: no owner, unit or text). The
-- officials' attention lists name the unanswered ones of their area; "overdue" is decided
-- from `due_on` and the day asked about, never stored.
CREATE TABLE tender_inspection (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    compound_name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    street_code TEXT,
    what TEXT NOT NULL,
    what_label TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    -- The last day to answer (China date, YYYY-MM-DD).
    due_on TEXT NOT NULL,
    -- RFC 3339; NULL while unanswered.
    answered_at TEXT,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tender_inspection_unanswered ON tender_inspection (answered_at, due_on);

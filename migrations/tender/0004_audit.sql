-- The audit trail (审计记录): one row per change, never updated or deleted. `actor` is
-- the account id (or `system:scheduler`). Rows about sealed bids carry `sealed = TRUE`
-- and `tender_id`: anything that ever shows audit rows must hide them until that
-- tender's bids are opened.
CREATE TABLE audit_event (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    tender_id TEXT,
    action TEXT NOT NULL,
    sealed BOOLEAN NOT NULL,
    detail TEXT NOT NULL
);

CREATE INDEX audit_event_entity ON audit_event (entity, entity_id, at);
CREATE INDEX audit_event_tender ON audit_event (tender_id, at);

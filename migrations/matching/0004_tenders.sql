-- Tenders as they are now (topic `tender` of /tenders/feed, payload tender's public
-- `TenderView`; sealed bids are never part of it). The search index indexes the open ones
-- with their compound's place from `catalog_compound`, and is rebuilt from this table.
CREATE TABLE tender_tender (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    status TEXT NOT NULL,
    payload TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tender_tender_compound ON tender_tender (compound_id);

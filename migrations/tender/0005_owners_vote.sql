-- Owners' common decisions (业主共同决定) recorded by a compound's committee, with the
-- tally and the service's verdict under Civil Code art. 278.
CREATE TABLE owners_vote (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    matter TEXT NOT NULL,
    subject TEXT NOT NULL,
    total_owners BIGINT NOT NULL,
    total_area_m2 BIGINT NOT NULL,
    participating_owners BIGINT NOT NULL,
    participating_area_m2 BIGINT NOT NULL,
    approving_owners BIGINT NOT NULL,
    approving_area_m2 BIGINT NOT NULL,
    held_on TEXT NOT NULL,
    document_ref TEXT NOT NULL,
    tender_id TEXT,
    chosen_bid_id TEXT,
    passed BOOLEAN NOT NULL,
    reasons TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

CREATE INDEX owners_vote_compound ON owners_vote (compound_id, held_on);
CREATE INDEX owners_vote_tender ON owners_vote (tender_id);

-- The live coverage history (`live_coverage.rs`) reads, on every coverage view, the compound
-- versions and contracts whose `seq` is above the highest it has read: without these indexes
-- each view scanned every version (220,000+ rows at national size).
CREATE INDEX catalog_compound_version_seq ON catalog_compound_version (seq);
CREATE INDEX tender_contract_seq ON tender_contract (seq);

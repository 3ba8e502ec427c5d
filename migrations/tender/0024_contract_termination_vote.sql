-- A contract is ended early on a passing owners' decision to dismiss the firm
-- (解聘物业服务企业, matter `dismiss_firm`): the vote it rests on is linked in the
-- termination record and published with the contract. `ballot` is a closed vote from
-- ballots (ballot_vote), `typed` a recorded tally (owners_vote). Contracts terminated
-- before this rule have neither.
ALTER TABLE contract ADD COLUMN termination_vote_id TEXT;
ALTER TABLE contract ADD COLUMN termination_vote_kind TEXT;

-- 引导解除 (guided termination): when a compound's firm is blacklisted, the street official
-- of the compound's street notifies its committee; each notice is recorded here. The other
-- steps are derived from records (the owners' passing `dismiss_firm` vote, the contract's
-- termination).
CREATE TABLE committee_notice (
    id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL,
    compound_id TEXT NOT NULL,
    note TEXT NOT NULL,
    notified_by TEXT NOT NULL,
    notified_at BIGINT NOT NULL
);

CREATE INDEX committee_notice_contract ON committee_notice (contract_id, notified_at);

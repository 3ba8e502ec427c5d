-- Invitations to bid (邀请投标): a compound's committee invites a recommended firm to bid
-- for its open tender. One invitation per firm per tender. Instants are ms since the epoch.
CREATE TABLE tender_invitation (
    id TEXT PRIMARY KEY,
    tender_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    message TEXT,
    invited_by TEXT NOT NULL,
    invited_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX tender_invitation_one ON tender_invitation (tender_id, firm_id);
CREATE INDEX tender_invitation_firm ON tender_invitation (firm_id, invited_at);

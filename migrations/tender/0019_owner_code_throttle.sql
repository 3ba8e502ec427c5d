-- 表决码限流: one row per request carrying an owner code, per client address, so every
-- tender replica counts the same requests and a restart forgets nothing (see
-- services/tender/src/owners/ballots/throttle.rs). Instants are ms since the Unix epoch.
CREATE TABLE owner_code_request (
    id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE INDEX owner_code_request_client ON owner_code_request (client, at);
CREATE INDEX owner_code_request_at ON owner_code_request (at);

-- Sign-in throttling and the anonymous application window (限流), shared by every catalog
-- replica (see services/catalog/src/throttle). Instants are ms since the Unix epoch.

-- Failures of one (username, client) pair and its last attempt.
CREATE TABLE throttle_pair (
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (username, client)
);

CREATE INDEX throttle_pair_last ON throttle_pair (last_at);

-- Sliding windows: one row per counted event of a `subject`. `kind` is `client` (a sign-in
-- attempt from a client address), `username` (a wrong password for a username) or
-- `application` (an anonymous firm application from a client address).
CREATE TABLE throttle_event (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE INDEX throttle_event_key ON throttle_event (kind, subject, at);
CREATE INDEX throttle_event_at ON throttle_event (at);

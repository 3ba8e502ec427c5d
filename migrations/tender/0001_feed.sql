-- The change feed (see shared/src/feed.rs): a one-row head that serialises writers and
-- numbers changes in commit order, the outbox of changes, and the cursors of the feeds
-- this service follows. The same three tables open every service's migrations.
CREATE TABLE feed_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL);
INSERT INTO feed_head (id, seq) VALUES (1, 0);

CREATE TABLE outbox (
    seq BIGINT PRIMARY KEY,
    topic TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE feed_cursor (
    source TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

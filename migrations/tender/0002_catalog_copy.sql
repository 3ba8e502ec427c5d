-- Tender's own copy of what it needs from the catalog, kept current by following
-- /catalog/feed (see services/tender/src/follow.rs). It keeps tender working while the
-- catalog is down.
CREATE TABLE catalog_district (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seq BIGINT NOT NULL
);

CREATE TABLE catalog_street (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    seq BIGINT NOT NULL
);

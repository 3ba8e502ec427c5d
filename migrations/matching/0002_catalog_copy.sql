-- Matching's copy of the catalog places, kept current by following /catalog/feed
-- (see services/matching/src/follow.rs); statistics group by them.
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

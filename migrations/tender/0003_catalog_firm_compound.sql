-- Tender's copy of the catalog's firms and compounds, applied from the `firm` and
-- `compound` topics of /catalog/feed (mapping in services/tender/src/follow.rs). The
-- columns are what tender queries; `payload` keeps the catalog's whole snapshot (roster
-- standing, credit, …). JSON lists are stored as JSON text.
CREATE TABLE catalog_firm (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    service_radius_km DOUBLE PRECISION NOT NULL,
    districts_served TEXT NOT NULL,
    service_models TEXT NOT NULL,
    fee_models TEXT NOT NULL,
    grades TEXT NOT NULL,
    capacity_households BIGINT NOT NULL,
    households_served BIGINT NOT NULL,
    payload TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE catalog_compound (
    id TEXT PRIMARY KEY,
    code TEXT,
    name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    street_code TEXT,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    households BIGINT NOT NULL,
    floor_area_m2 BIGINT NOT NULL,
    payload TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX catalog_compound_district ON catalog_compound (district_code);

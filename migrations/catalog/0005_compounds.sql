-- Compounds (小区/院落): the districts' old-compound ledger (老旧小区台账). `code` is the
-- ledger's own compound code, unique, and the key by which a re-import finds the compound
-- it already holds. Counts are BIGINT so both backends decode them as 64-bit integers;
-- `governance_formed_on` is a `YYYY-MM-DD` date, NULL when there is no governance body.
CREATE TABLE compound (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    district_code TEXT NOT NULL REFERENCES district (code),
    street_code TEXT NOT NULL REFERENCES street (code),
    community TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    year_built BIGINT NOT NULL,
    buildings BIGINT NOT NULL,
    households BIGINT NOT NULL,
    floor_area_m2 BIGINT NOT NULL,
    management TEXT NOT NULL,
    fire_safety BOOLEAN NOT NULL,
    video_surveillance BOOLEAN NOT NULL,
    access_control BOOLEAN NOT NULL,
    garbage_sorting_points BIGINT NOT NULL,
    parking_spaces BIGINT NOT NULL,
    elevators BIGINT NOT NULL,
    governance_body TEXT NOT NULL,
    governance_formed_on TEXT,
    eligible_and_willing BOOLEAN NOT NULL,
    is_old BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX compound_district ON compound (district_code, code);
CREATE INDEX compound_street ON compound (street_code, code);

-- Places (地点): Chengdu's districts (区县, GB/T 2260 codes) and streets/towns (镇街道,
-- 9-digit statistical codes), loaded from shared/data at start-up.
CREATE TABLE district (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE street (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    district_code TEXT NOT NULL REFERENCES district (code),
    updated_at BIGINT NOT NULL
);

CREATE INDEX street_district ON street (district_code);

-- Incentives (激励): demonstration compounds (标杆示范) and 以奖代补 subsidies.
--
-- A demonstration is proposed by the street official of the compound's street for one
-- service model, with what makes it exemplary (`merits`) and its concrete points (`points`,
-- a JSON array of strings); the district official of its district confirms or declines it;
-- either may withdraw it later. `status` is the current one (proposed, confirmed, declined,
-- withdrawn); every step is a row of `demonstration_event`, never changed or removed.
CREATE TABLE demonstration (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL REFERENCES compound (id),
    street_code TEXT NOT NULL REFERENCES street (code),
    district_code TEXT NOT NULL REFERENCES district (code),
    model_code TEXT NOT NULL REFERENCES service_model (code),
    merits TEXT NOT NULL,
    points TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX demonstration_model ON demonstration (model_code, status);
CREATE INDEX demonstration_compound ON demonstration (compound_id);
CREATE INDEX demonstration_street ON demonstration (street_code, status);

CREATE TABLE demonstration_event (
    demonstration_id TEXT NOT NULL REFERENCES demonstration (id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_account TEXT NOT NULL,
    by_role TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (demonstration_id, position)
);

-- 以奖代补 subsidies, recorded by the district official of the compound's district: the
-- amount (fen, > 0), the reason, the period it rewards (from–to, `YYYY-MM-DD`) and the
-- approval document's number (文号). Never changed: a correction is a new row naming the
-- one it replaces (`corrects`, each row corrected at most once), with why. A chain of
-- corrections counts in the month its first record was made (`first_recorded_on`).
CREATE TABLE subsidy (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL REFERENCES compound (id),
    street_code TEXT NOT NULL REFERENCES street (code),
    district_code TEXT NOT NULL REFERENCES district (code),
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    document_number TEXT NOT NULL,
    corrects TEXT REFERENCES subsidy (id),
    correction_reason TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    first_recorded_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX subsidy_corrects ON subsidy (corrects);
CREATE INDEX subsidy_compound ON subsidy (compound_id, recorded_at);
CREATE INDEX subsidy_district ON subsidy (district_code, recorded_on);

-- 业主名册 (owner register): each compound's units (专有部分) with the exclusive area
-- registered for each (in 0.01 m², an integer) and who holds it, and every change to a unit
-- as a numbered version. The register's totals (units, owners by head, area) are derived from
-- these rows (shared::domain::RegisterCount), never typed. See services/tender/src/owners/.
CREATE TABLE register_unit (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    -- The normalised label (shared::domain::UnitLabel): building, unit and room joined by
    -- '|'. One row per unit of a compound, so an import is idempotent by unit.
    unit_key TEXT NOT NULL,
    building TEXT NOT NULL,
    unit TEXT NOT NULL,
    room TEXT NOT NULL,
    -- 专有部分面积 in hundredths of a square metre.
    area_centi BIGINT NOT NULL,
    -- shared::domain::Holder as JSON: the owners (names, phones) or the developer.
    holder TEXT NOT NULL,
    -- shared::domain::OwnerKey of the holder: whom the count treats as one owner.
    owner_key TEXT NOT NULL,
    -- 1 on creation, +1 on every change.
    version BIGINT NOT NULL,
    -- A unit taken out of the register keeps its row and its history.
    removed BOOLEAN NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX register_unit_key ON register_unit (compound_id, unit_key);
CREATE INDEX register_unit_owner ON register_unit (compound_id, owner_key);

-- Every version of every unit: what it was before (NULL when created) and after, as JSON,
-- who changed it, when, and how (`edit`, `remove`, or `import:<import id>`).
CREATE TABLE register_unit_history (
    unit_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    compound_id TEXT NOT NULL,
    before_state TEXT,
    after_state TEXT NOT NULL,
    source TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (unit_id, version)
);

CREATE INDEX register_unit_history_compound ON register_unit_history (compound_id, changed_at);

-- Firms (物业服务企业) and the association's recommended supplier roster (优选供应商推荐名录).
-- See services/catalog/src/firms/ and shared/src/domain/roster.rs.

-- Service models (物业服务方式) are data, not an enum: the plan lets owners choose other
-- models, so the association can add more (POST /catalog/service-models).
CREATE TABLE service_model (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

INSERT INTO service_model (code, name_zh, description_zh, created_at) VALUES
    ('professional', '专业化物业服务', '由市场化物业服务企业经招标选聘，按合同提供专业化物业服务。', 0),
    ('trust', '信托制物业', '物业费作为业主共有的信托资金，物业服务企业作为受托人按约定比例提取酬金，每笔收支向业主公开。', 0),
    ('community', '公益/保障型物业', '由社区或国有企业兜底提供的公益性、保障性物业服务，无偿或微利。', 0),
    ('self_managed', '业主自治管理', '由业主组织（业主委员会、物业管理委员会或院委会）自行管理，可单项购买专业服务。', 0);

-- A firm's profile, its roster standing record (stage + dates, decided by date: see
-- StandingRecord::effective), its net credit points and whether it is whitelisted.
CREATE TABLE firm (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    legal_representative TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    ownership TEXT NOT NULL,
    base_address TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    service_radius_km DOUBLE PRECISION NOT NULL,
    capacity_households BIGINT NOT NULL,
    households_served BIGINT NOT NULL,
    staff_count BIGINT NOT NULL,
    profile TEXT NOT NULL,
    low_profit_commitment BOOLEAN NOT NULL,
    stage TEXT NOT NULL,
    review_date TEXT,
    rectify_by TEXT,
    blacklist_from TEXT,
    blacklist_to TEXT,
    blacklist_reason TEXT,
    -- Σ good points − Σ bad points of firm_credit_event; the score adds the policy's base.
    credit_net BIGINT NOT NULL DEFAULT 0,
    whitelisted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX firm_blacklist ON firm (blacklist_from, blacklist_to);

-- The lists of a firm's profile, as child tables so the roster can be filtered by them.
CREATE TABLE firm_district (
    firm_id TEXT NOT NULL REFERENCES firm (id),
    district_code TEXT NOT NULL REFERENCES district (code),
    PRIMARY KEY (firm_id, district_code)
);
CREATE INDEX firm_district_code ON firm_district (district_code);

CREATE TABLE firm_service_model (
    firm_id TEXT NOT NULL REFERENCES firm (id),
    model_code TEXT NOT NULL REFERENCES service_model (code),
    PRIMARY KEY (firm_id, model_code)
);
CREATE INDEX firm_service_model_code ON firm_service_model (model_code);

CREATE TABLE firm_fee_model (
    firm_id TEXT NOT NULL REFERENCES firm (id),
    fee_model TEXT NOT NULL,
    PRIMARY KEY (firm_id, fee_model)
);

CREATE TABLE firm_grade (
    firm_id TEXT NOT NULL REFERENCES firm (id),
    grade BIGINT NOT NULL,
    PRIMARY KEY (firm_id, grade)
);

-- Append-only audit of every standing transition (and the application itself). No
-- statement of the service ever updates or deletes these rows.
CREATE TABLE firm_standing_event (
    id TEXT PRIMARY KEY,
    firm_id TEXT NOT NULL REFERENCES firm (id),
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    on_date TEXT NOT NULL,
    review_date TEXT,
    rectify_by TEXT,
    blacklist_from TEXT,
    blacklist_to TEXT,
    standing_before TEXT,
    standing_after TEXT NOT NULL,
    author_id TEXT,
    author_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX firm_standing_event_firm ON firm_standing_event (firm_id, at);

-- Credit events (信用加分/扣分), append-only.
CREATE TABLE firm_credit_event (
    id TEXT PRIMARY KEY,
    firm_id TEXT NOT NULL REFERENCES firm (id),
    kind TEXT NOT NULL,
    points BIGINT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    event_date TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX firm_credit_event_firm ON firm_credit_event (firm_id, at);

-- Whitelist (检查白名单) on/off history, append-only.
CREATE TABLE firm_whitelist_event (
    id TEXT PRIMARY KEY,
    firm_id TEXT NOT NULL REFERENCES firm (id),
    listed BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    on_date TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX firm_whitelist_event_firm ON firm_whitelist_event (firm_id, at);

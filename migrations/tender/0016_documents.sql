-- Files attached where the plan and practice expect them (管理规约, 议事规则, 表决公告, 招标文件,
-- 投标文件, 物业服务合同, 凭证 …). The bytes live in the file store, content-addressed by their
-- SHA-256 (the same bytes are stored once); a row names them. Removal keeps the row.
-- See services/tender/src/documents/.
CREATE TABLE document (
    id TEXT PRIMARY KEY,
    -- What it is attached to: `compound`, `ballot_vote`, `tender`, `bid`, `contract`,
    -- `disclosure`, and that thing's id.
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    -- The compound the owner belongs to, and its tender when it has one (derived when
    -- attached, so lists and scopes need no join).
    compound_id TEXT NOT NULL,
    tender_id TEXT,
    -- `management_covenant`, `assembly_rules`, … (documents::DocumentKind).
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    -- Lower-case hex SHA-256 of the bytes: the key in the file store.
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    -- Decided from the content (magic bytes), never from the name or the client's type.
    media_type TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_by_name TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    removed BOOLEAN NOT NULL,
    removed_by TEXT,
    removed_at BIGINT
);

CREATE INDEX document_owner ON document (owner_kind, owner_id, uploaded_at);
CREATE INDEX document_compound ON document (compound_id, uploaded_at);

-- Compounds' service funds month by month (topic `fund_month` of /tenders/feed, payload
-- `shared::events::tender::FundMonth`): the latest change per compound and month. The
-- officials' attention lists and the monthly report name the compounds whose fund is in
-- deficit for `[tender] fund_deficit_months` months running or pools no common revenue.
-- Flags are BIGINT 0/1.
CREATE TABLE tender_fund_month (
    -- `{compound_id}:{month}`.
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL,
    -- YYYY-MM.
    month TEXT NOT NULL,
    contract_id TEXT NOT NULL,
    fee_model TEXT NOT NULL,
    closing_balance_fen BIGINT NOT NULL,
    deficit_months BIGINT NOT NULL,
    deficit_flagged BIGINT NOT NULL,
    common_revenue_not_pooled BIGINT NOT NULL,
    payload TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tender_fund_month_compound ON tender_fund_month (compound_id, month);

//! Officials' pages: ledger, import preview, coverage dashboard, satisfaction ranking, bundles.

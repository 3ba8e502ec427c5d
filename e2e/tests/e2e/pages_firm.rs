//! Firm pages: application, nearby tenders, sealed bids with countdown, results, contracts, accounts.

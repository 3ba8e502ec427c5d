//! wuye's end-to-end tests: one binary (one compile unit), one module per capability.
//! Every scenario runs on SQLite and, with `WUYE_TEST_POSTGRES_URL`, on PostgreSQL.

mod e2e {
    pub mod access_matrix;
    pub mod accounts;
    pub mod backups;
    pub mod ballots;
    pub mod browser;
    pub mod city_official;
    pub mod complaints;
    pub mod compounds;
    pub mod control_chars;
    pub mod demo;
    pub mod documents;
    pub mod feed;
    pub mod firms;
    pub mod foundation;
    pub mod hostile_uploads;
    pub mod incentives;
    pub mod matching;
    pub mod metrics;
    pub mod notifications;
    pub mod ocds;
    pub mod owners;
    pub mod pages_accounts;
    pub mod pages_association;
    pub mod pages_ballots;
    pub mod pages_committee;
    pub mod pages_complaints;
    pub mod pages_disclosures;
    pub mod pages_firm;
    pub mod pages_official;
    pub mod pages_register;
    pub mod plans;
    pub mod replicas;
    pub mod review_and_audit;
    pub mod rules;
    pub mod sessions;
    pub mod statistics;
    pub mod synthetic;
    pub mod tender;
    pub mod termination;
    pub mod throttling;
    pub mod transparency;
    pub mod web;
    pub mod web_hardening;
}

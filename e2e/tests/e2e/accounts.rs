//! End-to-end tests of the catalog's accounts (to be written).

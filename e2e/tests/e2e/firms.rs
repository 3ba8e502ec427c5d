//! End-to-end tests of the catalog's firms (to be written).

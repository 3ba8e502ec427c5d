//! End-to-end tests of the catalog's compounds (to be written).

//! The catalog's rules that are configuration rather than code (credit base and grade
//! thresholds, …), with the defaults the association starts from.

use serde::{Deserialize, Serialize};

/// Configurable catalog rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CatalogPolicy {}

//! The catalog's rules that are configuration rather than code (credit base and grade
//! thresholds, …), with the defaults the association starts from.

use serde::{Deserialize, Serialize};
use shared::domain::roster::CreditGrade;

/// Configurable catalog rules. Every part has a default, so a settings file may name only
/// what it changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogPolicy {
    /// How credit scores are made and graded.
    pub credit: CreditPolicy,
}

impl CatalogPolicy {
    /// Checks the rules are coherent; a message in English for the operator otherwise.
    pub fn validate(&self) -> Result<(), String> {
        self.credit.validate()
    }
}

/// 信用 (credit): score = `base` + Σ good points − Σ bad points, graded by `thresholds`.
///
/// The default base is 80: a firm without any credit event stands at grade AA, the grade
/// of a firm in good standing, one good event of 5 points lifts it to AAA, and it takes 21
/// bad points to drop below B. (The policy text gives no base; 80 matches the middle of the
/// example thresholds and is configuration.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditPolicy {
    /// The score of a firm with no credit events.
    pub base: i64,
    pub thresholds: GradeThresholds,
}

impl Default for CreditPolicy {
    fn default() -> Self {
        Self {
            base: 80,
            thresholds: GradeThresholds::default(),
        }
    }
}

impl CreditPolicy {
    pub fn validate(&self) -> Result<(), String> {
        self.thresholds.validate()
    }
}

/// The lowest score of each grade; below `b` is C. Defaults: AAA ≥ 85, AA ≥ 80, A ≥ 70,
/// B ≥ 60, else C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradeThresholds {
    pub aaa: i64,
    pub aa: i64,
    pub a: i64,
    pub b: i64,
}

impl Default for GradeThresholds {
    fn default() -> Self {
        Self {
            aaa: 85,
            aa: 80,
            a: 70,
            b: 60,
        }
    }
}

impl GradeThresholds {
    /// The thresholds must fall strictly from AAA to B.
    pub fn validate(&self) -> Result<(), String> {
        if self.aaa > self.aa && self.aa > self.a && self.a > self.b {
            Ok(())
        } else {
            Err(format!(
                "credit grade thresholds must fall strictly from AAA to B (got AAA {}, AA {}, A {}, B {})",
                self.aaa, self.aa, self.a, self.b
            ))
        }
    }

    /// The grade of a score: the highest grade whose threshold the score reaches.
    pub fn grade(&self, score: i64) -> CreditGrade {
        if score >= self.aaa {
            CreditGrade::Aaa
        } else if score >= self.aa {
            CreditGrade::Aa
        } else if score >= self.a {
            CreditGrade::A
        } else if score >= self.b {
            CreditGrade::B
        } else {
            CreditGrade::C
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_coherent() {
        let policy = CatalogPolicy::default();
        assert_eq!(policy.credit.base, 80);
        assert_eq!(policy.credit.thresholds, GradeThresholds::default());
        assert!(policy.validate().is_ok());
    }

    #[test]
    fn a_settings_file_may_name_only_what_it_changes() {
        let policy: CatalogPolicy =
            serde_json::from_str(r#"{"credit": {"thresholds": {"aaa": 90}}}"#).unwrap();
        assert_eq!(policy.credit.base, 80);
        assert_eq!(policy.credit.thresholds.aaa, 90);
        assert_eq!(policy.credit.thresholds.aa, 80);
        let empty: CatalogPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, CatalogPolicy::default());
    }

    #[test]
    fn thresholds_must_fall() {
        let bad = GradeThresholds {
            aaa: 80,
            aa: 80,
            a: 70,
            b: 60,
        };
        assert!(bad.validate().is_err());
    }
}

//! 业主共同决定 (owners' common decisions) under art. 278 of the Civil Code (《民法典》第二百七十八条).

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::DomainError;

/// The kind of matter put to the owners, which fixes the majority it needs
/// (《民法典》第二百七十八条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Matter {
    /// 一般事项 (art. 278 (1)–(5) and (9)): choosing or dismissing the 物业服务企业
    /// (property service company) or another manager, choosing how the compound is managed,
    /// the owners' assembly rules and management covenant, electing the owners' committee,
    /// and *using* the 维修资金 (maintenance fund). Needs more than half of the participating
    /// area and of the participating owners.
    Ordinary,
    /// 重大事项 (art. 278 (6)–(8)): *raising* the 维修资金 (maintenance fund), rebuilding or
    /// reconstructing buildings and facilities, and changing the use of common parts or using
    /// them for business. Needs three quarters of the participating area and of the
    /// participating owners.
    ///
    /// (Using the fund is an [`Matter::Ordinary`] matter since the Civil Code took effect in
    /// 2021; the former Property Law art. 76 required two thirds of all owners for it.)
    MaintenanceFund,
}

/// The result of [`VoteTally::decide`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoteOutcome {
    /// Whether the decision is taken.
    pub passed: bool,
    /// One Chinese sentence per condition that was not met; empty when `passed`.
    pub reasons: Vec<String>,
}

/// Every problem found in an impossible tally, as `(field, error)` pairs; `field` is the
/// snake_case name of the [`VoteTally::new`] argument (and JSON field) at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteError {
    /// `(field, error)` for each problem, in argument order.
    pub errors: Vec<(&'static str, DomainError)>,
}

impl fmt::Display for VoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (_, error)) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("；")?;
            }
            f.write_str(&error.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for VoteError {}

impl From<VoteError> for validator::ValidationErrors {
    fn from(error: VoteError) -> Self {
        let mut errors = validator::ValidationErrors::new();
        for (field, problem) in error.errors {
            errors.add(field, problem.into());
        }
        errors
    }
}

/// The count of a vote of the 业主大会 (owners' assembly) on a common decision: how many
/// owners (业主人数) and how much exclusive floor area (专有部分面积, whole m²) there are in
/// all, took part in the vote, and approved.
///
/// A `VoteTally` is always possible: nobody approves without taking part, nobody takes part
/// who is not an owner, owners and area are zero together. [`VoteTally::decide`] applies the
/// majorities of art. 278 with exact integer arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "RawVoteTally")]
#[schema(example = json!({
    "total_owners": 480, "total_area_m2": 42000,
    "participating_owners": 330, "participating_area_m2": 29500,
    "approving_owners": 250, "approving_area_m2": 22300
}))]
pub struct VoteTally {
    /// 业主总人数: all owners of the compound.
    #[schema(minimum = 1)]
    total_owners: u32,
    /// 专有部分总面积: the exclusive area of all owners, m².
    #[schema(minimum = 1)]
    total_area_m2: u64,
    /// 参与表决的业主人数.
    participating_owners: u32,
    /// 参与表决的业主的专有部分面积, m².
    participating_area_m2: u64,
    /// 同意的业主人数.
    approving_owners: u32,
    /// 同意的业主的专有部分面积, m².
    approving_area_m2: u64,
}

/// Unchecked wire form of [`VoteTally`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVoteTally {
    total_owners: u32,
    total_area_m2: u64,
    participating_owners: u32,
    participating_area_m2: u64,
    approving_owners: u32,
    approving_area_m2: u64,
}

impl TryFrom<RawVoteTally> for VoteTally {
    type Error = VoteError;

    fn try_from(raw: RawVoteTally) -> Result<Self, Self::Error> {
        Self::new(
            raw.total_owners,
            raw.total_area_m2,
            raw.participating_owners,
            raw.participating_area_m2,
            raw.approving_owners,
            raw.approving_area_m2,
        )
    }
}

/// `part / whole ≥ numerator / denominator`, exactly.
fn at_least(part: u64, whole: u64, numerator: u64, denominator: u64) -> bool {
    u128::from(part) * u128::from(denominator) >= u128::from(whole) * u128::from(numerator)
}

/// `part / whole > numerator / denominator`, exactly.
fn more_than(part: u64, whole: u64, numerator: u64, denominator: u64) -> bool {
    u128::from(part) * u128::from(denominator) > u128::from(whole) * u128::from(numerator)
}

impl VoteTally {
    /// Checks that the tally is possible and reports every problem at once: totals must be
    /// positive, participants at most the totals, approvals at most the participants, and
    /// owners and area zero together.
    pub fn new(
        total_owners: u32,
        total_area_m2: u64,
        participating_owners: u32,
        participating_area_m2: u64,
        approving_owners: u32,
        approving_area_m2: u64,
    ) -> Result<Self, VoteError> {
        let mut errors = Vec::new();
        let mut problem = |field, code, message: String| {
            errors.push((field, DomainError::new(code, message)));
        };
        if total_owners == 0 {
            problem(
                "total_owners",
                "vote_total_zero",
                "业主总人数必须大于 0".to_owned(),
            );
        }
        if total_area_m2 == 0 {
            problem(
                "total_area_m2",
                "vote_total_zero",
                "专有部分总面积必须大于 0".to_owned(),
            );
        }
        if participating_owners > total_owners {
            problem(
                "participating_owners",
                "vote_exceeds_total",
                format!(
                    "参与表决的业主人数（{participating_owners}）不能超过业主总人数（{total_owners}）"
                ),
            );
        }
        if participating_area_m2 > total_area_m2 {
            problem(
                "participating_area_m2",
                "vote_exceeds_total",
                format!(
                    "参与表决的专有部分面积（{participating_area_m2} 平方米）不能超过专有部分总面积（{total_area_m2} 平方米）"
                ),
            );
        }
        if (participating_owners == 0) != (participating_area_m2 == 0) {
            problem(
                "participating_area_m2",
                "vote_owners_area_mismatch",
                "参与表决的业主人数与专有部分面积必须同时为 0 或同时大于 0".to_owned(),
            );
        }
        if approving_owners > participating_owners {
            problem(
                "approving_owners",
                "vote_exceeds_participating",
                format!(
                    "同意的业主人数（{approving_owners}）不能超过参与表决的业主人数（{participating_owners}）"
                ),
            );
        }
        if approving_area_m2 > participating_area_m2 {
            problem(
                "approving_area_m2",
                "vote_exceeds_participating",
                format!(
                    "同意的专有部分面积（{approving_area_m2} 平方米）不能超过参与表决的专有部分面积（{participating_area_m2} 平方米）"
                ),
            );
        }
        if (approving_owners == 0) != (approving_area_m2 == 0) {
            problem(
                "approving_area_m2",
                "vote_owners_area_mismatch",
                "同意的业主人数与专有部分面积必须同时为 0 或同时大于 0".to_owned(),
            );
        }
        if errors.is_empty() {
            Ok(Self {
                total_owners,
                total_area_m2,
                participating_owners,
                participating_area_m2,
                approving_owners,
                approving_area_m2,
            })
        } else {
            Err(VoteError { errors })
        }
    }

    /// 业主总人数.
    pub fn total_owners(&self) -> u32 {
        self.total_owners
    }

    /// 专有部分总面积, m².
    pub fn total_area_m2(&self) -> u64 {
        self.total_area_m2
    }

    /// 参与表决的业主人数.
    pub fn participating_owners(&self) -> u32 {
        self.participating_owners
    }

    /// 参与表决的专有部分面积, m².
    pub fn participating_area_m2(&self) -> u64 {
        self.participating_area_m2
    }

    /// 同意的业主人数.
    pub fn approving_owners(&self) -> u32 {
        self.approving_owners
    }

    /// 同意的专有部分面积, m².
    pub fn approving_area_m2(&self) -> u64 {
        self.approving_area_m2
    }

    /// Whether the owners decided `matter`, and if not, why.
    ///
    /// Participation: owners holding at least two thirds of the total area *and* at least two
    /// thirds of the owners took part (“以上” includes the bound). Approval: for
    /// [`Matter::Ordinary`], more than half of the participating area and of the
    /// participating owners (过半数); for [`Matter::MaintenanceFund`], at least three quarters
    /// of both.
    pub fn decide(&self, matter: Matter) -> VoteOutcome {
        Counts {
            total_owners: u64::from(self.total_owners),
            total_area: self.total_area_m2,
            participating_owners: u64::from(self.participating_owners),
            participating_area: self.participating_area_m2,
            approving_owners: u64::from(self.approving_owners),
            approving_area: self.approving_area_m2,
        }
        .decide(matter, &|area| area.to_string())
    }
}

/// The six numbers art. 278 is applied to, with the area in any unit (whole ㎡ for typed
/// tallies, 0.01 ㎡ for counts from ballots): the rule is the same, only how the reasons
/// show an area differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub total_owners: u64,
    pub total_area: u64,
    pub participating_owners: u64,
    pub participating_area: u64,
    pub approving_owners: u64,
    pub approving_area: u64,
}

impl Counts {
    /// See [`VoteTally::decide`]; `area` writes an area in square metres for the reasons.
    pub fn decide(&self, matter: Matter, area: &dyn Fn(u64) -> String) -> VoteOutcome {
        let t_owners = self.total_owners;
        let p_owners = self.participating_owners;
        let a_owners = self.approving_owners;
        let (t_area, p_area, a_area) = (
            self.total_area,
            self.participating_area,
            self.approving_area,
        );
        let (ts, ps, as_) = (area(t_area), area(p_area), area(a_area));
        let mut reasons = Vec::new();
        if !at_least(p_area, t_area, 2, 3) {
            reasons.push(format!(
                "参与表决的业主专有部分面积未达到总面积的三分之二（{ps}/{ts} 平方米）"
            ));
        }
        if !at_least(p_owners, t_owners, 2, 3) {
            reasons.push(format!(
                "参与表决的业主人数未达到业主总人数的三分之二（{p_owners}/{t_owners} 人）"
            ));
        }
        match matter {
            Matter::Ordinary => {
                if !more_than(a_area, p_area, 1, 2) {
                    reasons.push(format!(
                        "同意的业主专有部分面积未超过参与表决面积的半数（{as_}/{ps} 平方米）"
                    ));
                }
                if !more_than(a_owners, p_owners, 1, 2) {
                    reasons.push(format!(
                        "同意的业主人数未超过参与表决人数的半数（{a_owners}/{p_owners} 人）"
                    ));
                }
            }
            Matter::MaintenanceFund => {
                // With nobody taking part, "at least three quarters of nobody" would hold
                // vacuously; the participation condition has already failed then.
                if !at_least(a_area, p_area, 3, 4) {
                    reasons.push(format!(
                        "同意的业主专有部分面积未达到参与表决面积的四分之三（{as_}/{ps} 平方米）"
                    ));
                }
                if !at_least(a_owners, p_owners, 3, 4) {
                    reasons.push(format!(
                        "同意的业主人数未达到参与表决人数的四分之三（{a_owners}/{p_owners} 人）"
                    ));
                }
            }
        }
        VoteOutcome {
            passed: reasons.is_empty(),
            reasons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 300 owners with 30 000 m² in all.
    fn tally(participating: (u32, u64), approving: (u32, u64)) -> VoteTally {
        VoteTally::new(
            300,
            30_000,
            participating.0,
            participating.1,
            approving.0,
            approving.1,
        )
        .unwrap()
    }

    #[test]
    fn exactly_two_thirds_participation_is_enough() {
        let outcome = tally((200, 20_000), (101, 10_001)).decide(Matter::Ordinary);
        assert_eq!(
            outcome,
            VoteOutcome {
                passed: true,
                reasons: vec![]
            }
        );
    }

    #[test]
    fn just_under_two_thirds_participation_fails_with_its_reason() {
        let outcome = tally((199, 20_000), (199, 20_000)).decide(Matter::Ordinary);
        assert!(!outcome.passed);
        assert_eq!(outcome.reasons.len(), 1);
        assert!(
            outcome.reasons[0].contains("参与表决的业主人数未达到"),
            "{outcome:?}"
        );

        let outcome = tally((200, 19_999), (200, 19_999)).decide(Matter::Ordinary);
        assert_eq!(outcome.reasons.len(), 1);
        assert!(outcome.reasons[0].contains("专有部分面积未达到总面积的三分之二"));
    }

    #[test]
    fn exactly_half_approval_fails_an_ordinary_matter() {
        let outcome = tally((200, 20_000), (100, 10_000)).decide(Matter::Ordinary);
        assert!(!outcome.passed);
        assert_eq!(outcome.reasons.len(), 2, "{outcome:?}");
        assert!(outcome.reasons[0].contains("面积未超过参与表决面积的半数"));
        assert!(outcome.reasons[1].contains("人数未超过参与表决人数的半数"));

        let outcome = tally((200, 20_000), (101, 10_000)).decide(Matter::Ordinary);
        assert_eq!(outcome.reasons.len(), 1);
        let outcome = tally((200, 20_000), (100, 10_001)).decide(Matter::Ordinary);
        assert_eq!(outcome.reasons.len(), 1);
    }

    #[test]
    fn exactly_three_quarters_passes_a_maintenance_fund_matter() {
        let outcome = tally((200, 20_000), (150, 15_000)).decide(Matter::MaintenanceFund);
        assert!(outcome.passed, "{outcome:?}");

        let outcome = tally((200, 20_000), (149, 15_000)).decide(Matter::MaintenanceFund);
        assert_eq!(outcome.reasons.len(), 1);
        assert!(outcome.reasons[0].contains("人数未达到参与表决人数的四分之三"));

        let outcome = tally((200, 20_000), (150, 14_999)).decide(Matter::MaintenanceFund);
        assert_eq!(outcome.reasons.len(), 1);
        assert!(outcome.reasons[0].contains("面积未达到参与表决面积的四分之三"));

        // Enough for an ordinary matter, not for the maintenance fund.
        let tally = tally((200, 20_000), (120, 12_000));
        assert!(tally.decide(Matter::Ordinary).passed);
        assert!(!tally.decide(Matter::MaintenanceFund).passed);
    }

    #[test]
    fn every_failed_condition_has_a_reason() {
        let outcome = tally((0, 0), (0, 0)).decide(Matter::Ordinary);
        assert_eq!(outcome.reasons.len(), 4, "{outcome:?}");
        let outcome = tally((100, 10_000), (10, 1_000)).decide(Matter::MaintenanceFund);
        assert_eq!(outcome.reasons.len(), 4, "{outcome:?}");
        assert!(outcome.reasons.iter().all(|reason| !reason.is_empty()));
    }

    #[test]
    fn impossible_tallies_report_every_problem() {
        let error = VoteTally::new(0, 0, 5, 500, 6, 600).unwrap_err();
        let fields: Vec<&str> = error.errors.iter().map(|(field, _)| *field).collect();
        assert_eq!(
            fields,
            [
                "total_owners",
                "total_area_m2",
                "participating_owners",
                "participating_area_m2",
                "approving_owners",
                "approving_area_m2",
            ]
        );
        assert_eq!(error.errors[0].1.message, "业主总人数必须大于 0");
        assert!(error.to_string().contains("；"));

        let error = VoteTally::new(10, 1_000, 5, 0, 0, 0).unwrap_err();
        assert_eq!(error.errors.len(), 1);
        assert_eq!(error.errors[0].0, "participating_area_m2");
        assert_eq!(error.errors[0].1.code, "vote_owners_area_mismatch");
    }

    #[test]
    fn vote_error_converts_to_validation_errors() {
        let error = VoteTally::new(10, 1_000, 11, 500, 3, 300).unwrap_err();
        let errors: validator::ValidationErrors = error.into();
        let fields = errors.field_errors();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields["participating_owners"][0].code, "vote_exceeds_total");
    }

    #[test]
    fn serde_validates() {
        let tally = tally((200, 20_000), (150, 15_000));
        let json = serde_json::to_value(tally).unwrap();
        assert_eq!(json["participating_area_m2"], 20_000);
        assert_eq!(
            serde_json::from_value::<VoteTally>(json.clone()).unwrap(),
            tally
        );
        let mut impossible = json;
        impossible["approving_owners"] = 201.into();
        let error = serde_json::from_value::<VoteTally>(impossible).unwrap_err();
        assert!(error.to_string().contains("同意的业主人数"), "{error}");
        assert_eq!(
            serde_json::to_value(Matter::MaintenanceFund).unwrap(),
            "maintenance_fund"
        );
    }

    /// Reference thresholds: the smallest counts that satisfy each condition, from ceiling
    /// division (a formulation independent of the cross-multiplication in `decide`).
    fn two_thirds_of(whole: u64) -> u64 {
        (2 * whole).div_ceil(3)
    }
    fn more_than_half_of(whole: u64) -> u64 {
        whole / 2 + 1
    }
    fn three_quarters_of(whole: u64) -> u64 {
        (3 * whole).div_ceil(4)
    }

    /// Any possible tally: totals positive, participants ≤ totals, approvals ≤ participants,
    /// owners and area zero together.
    fn possible_tally() -> impl Strategy<Value = VoteTally> {
        (1u32..=2_000, 1u64..=200_000)
            .prop_flat_map(|(owners, area)| (Just(owners), Just(area), 0..=owners, 1..=area))
            .prop_map(|(owners, area, p_owners, p_area)| {
                (
                    owners,
                    area,
                    p_owners,
                    if p_owners == 0 { 0 } else { p_area },
                )
            })
            .prop_flat_map(|(owners, area, p_owners, p_area)| {
                (
                    Just((owners, area, p_owners, p_area)),
                    0..=p_owners,
                    1..=p_area.max(1),
                )
            })
            .prop_map(|((owners, area, p_owners, p_area), a_owners, a_area)| {
                let a_area = if a_owners == 0 { 0 } else { a_area.min(p_area) };
                VoteTally::new(owners, area, p_owners, p_area, a_owners, a_area).unwrap()
            })
    }

    proptest! {
        #[test]
        fn decide_matches_the_reference(tally in possible_tally()) {
            let (t_o, t_a) = (u64::from(tally.total_owners()), tally.total_area_m2());
            let (p_o, p_a) =
                (u64::from(tally.participating_owners()), tally.participating_area_m2());
            let (a_o, a_a) = (u64::from(tally.approving_owners()), tally.approving_area_m2());
            let quorum = [p_a >= two_thirds_of(t_a), p_o >= two_thirds_of(t_o)];
            let ordinary = [a_a >= more_than_half_of(p_a), a_o >= more_than_half_of(p_o)];
            let fund = [a_a >= three_quarters_of(p_a), a_o >= three_quarters_of(p_o)];
            let cases = [(Matter::Ordinary, ordinary), (Matter::MaintenanceFund, fund)];
            for (matter, approval) in cases {
                let outcome = tally.decide(matter);
                let failed = quorum.iter().chain(&approval).filter(|ok| !**ok).count();
                prop_assert_eq!(outcome.passed, failed == 0);
                prop_assert_eq!(outcome.reasons.len(), failed);
            }
        }

        #[test]
        fn maintenance_fund_passing_implies_ordinary_passing(tally in possible_tally()) {
            if tally.decide(Matter::MaintenanceFund).passed {
                prop_assert!(tally.decide(Matter::Ordinary).passed);
            }
        }

        #[test]
        fn more_participants_than_owners_is_refused(owners in 1u32..1_000, extra in 1u32..1_000) {
            let error = VoteTally::new(owners, 10_000, owners + extra, 5_000, 0, 0).unwrap_err();
            prop_assert!(error.errors.iter().any(|(field, _)| *field == "participating_owners"));
        }

        #[test]
        fn possible_tallies_round_trip_through_json(tally in possible_tally()) {
            let json = serde_json::to_string(&tally).unwrap();
            prop_assert_eq!(serde_json::from_str::<VoteTally>(&json).unwrap(), tally);
        }
    }
}

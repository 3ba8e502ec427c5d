//! The result of a vote from its ballots (pure): art. 278 applied by
//! [`shared::domain::BallotCount`] to the ballots against the units that could vote.
//!
//! By head an owner of several units is one owner (the register's [`OwnerKey`]; the
//! developer's unsold units together are one owner too): the owner takes part when any
//! of the units voted, and makes a choice only when every ballot cast for the owner's
//! units made it; an owner whose ballots differ takes part and approves (opposes,
//! abstains) nothing. By area every unit counts its own registered area for its own
//! ballot. For `choose_firm` a ballot approves one option (a bid); the option held by
//! more than half of the participants by head and by area (art. 278's ordinary majority)
//! is chosen; when none is, the leading option (most area, then most owners) is shown with
//! the reasons it fails, and `approving_*` are its counts.

use serde::{Deserialize, Serialize};
use shared::domain::{BallotCount, Choice, ExclusiveArea, OwnerKey, RegisterCount};
use utoipa::ToSchema;

use crate::votes::VoteMatter;

/// 同意 / 反对 / 弃权, as a ballot says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BallotChoice {
    Approve,
    Oppose,
    Abstain,
}

impl BallotChoice {
    pub const ALL: [BallotChoice; 3] = [Self::Approve, Self::Oppose, Self::Abstain];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Oppose => "oppose",
            Self::Abstain => "abstain",
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Approve => "同意",
            Self::Oppose => "反对",
            Self::Abstain => "弃权",
        }
    }
}

/// One option of a `choose_firm` vote: an opened valid bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BallotOption {
    /// The bid id.
    pub id: String,
    /// The firm's name and the annual price (`锦城物业 · 年报价 967,680.00 元`).
    pub label: String,
}

/// A unit that may vote, as the register held it when the vote was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteUnit {
    pub unit_id: String,
    pub label: String,
    pub owner_key: OwnerKey,
    pub area: ExclusiveArea,
}

/// A ballot as the count reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedBallot {
    pub unit_id: String,
    pub choice: BallotChoice,
    /// For `choose_firm` with `approve`: the option (bid id).
    pub option_id: Option<String>,
}

/// How many owners and how much area chose one option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OptionCount {
    pub id: String,
    pub label: String,
    pub owners: u32,
    /// 0.01 ㎡.
    pub area_centi: u64,
}

/// The sealed result of a closed vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoteResult {
    pub participating_owners: u32,
    /// 0.01 ㎡.
    pub participating_area_centi: u64,
    /// For `choose_firm`, the counts of the chosen (or leading) option.
    pub approving_owners: u32,
    pub approving_area_centi: u64,
    pub opposing_owners: u32,
    pub opposing_area_centi: u64,
    pub abstaining_owners: u32,
    pub abstaining_area_centi: u64,
    /// Owners of several units whose ballots differ: they take part and make no choice.
    pub split_owners: u32,
    /// Per option (`choose_firm` only).
    pub options: Vec<OptionCount>,
    /// The option the owners chose (`choose_firm`, when passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_option: Option<String>,
    pub passed: bool,
    /// Why not, one Chinese sentence per unmet condition.
    pub reasons: Vec<String>,
}

/// The register's totals over the units that may vote.
pub fn register_of(units: &[VoteUnit]) -> RegisterCount {
    RegisterCount::of(units.iter().map(|u| (&u.owner_key, u.area)))
}

fn as_choice(matter: VoteMatter, b: &CountedBallot) -> Choice {
    match (b.choice, &b.option_id) {
        (BallotChoice::Approve, Some(option)) if matter == VoteMatter::ChooseFirm => {
            Choice::Option(option.clone())
        }
        (BallotChoice::Approve, _) => Choice::Approve,
        (BallotChoice::Oppose, _) => Choice::Oppose,
        (BallotChoice::Abstain, _) => Choice::Abstain,
    }
}

/// Counts `ballots` (one per unit; ballots of units not in `units` are not counted) and
/// decides the vote.
pub fn result(
    matter: VoteMatter,
    units: &[VoteUnit],
    options: &[BallotOption],
    ballots: &[CountedBallot],
) -> VoteResult {
    let register = register_of(units);
    let choices: Vec<(&VoteUnit, Choice)> = ballots
        .iter()
        .filter_map(|b| {
            units
                .iter()
                .find(|u| u.unit_id == b.unit_id)
                .map(|u| (u, as_choice(matter, b)))
        })
        .collect();
    let count = BallotCount::of(
        register,
        choices.iter().map(|(u, c)| (&u.owner_key, u.area, c)),
    );
    let (opposing_owners, opposing_area_centi) = count.of_choice(&Choice::Oppose);
    let (abstaining_owners, abstaining_area_centi) = count.of_choice(&Choice::Abstain);
    let option_counts: Vec<OptionCount> = options
        .iter()
        .map(|o| {
            let (owners, area_centi) = count.of_choice(&Choice::Option(o.id.clone()));
            OptionCount {
                id: o.id.clone(),
                label: o.label.clone(),
                owners,
                area_centi,
            }
        })
        .collect();
    let (approving, outcome, chosen_option) = if matter == VoteMatter::ChooseFirm {
        let choices: Vec<Choice> = options
            .iter()
            .map(|o| Choice::Option(o.id.clone()))
            .collect();
        match count.decide_options(matter.matter(), &choices) {
            Some((choice, outcome)) => {
                let chosen = match (outcome.passed, choice) {
                    (true, Choice::Option(id)) => Some(id.clone()),
                    _ => None,
                };
                (count.of_choice(choice), outcome, chosen)
            }
            None => (
                (0, 0),
                count.decide(matter.matter(), &Choice::Approve),
                None,
            ),
        }
    } else {
        let outcome = count.decide(matter.matter(), &Choice::Approve);
        (count.of_choice(&Choice::Approve), outcome, None)
    };
    VoteResult {
        participating_owners: count.participating_owners,
        participating_area_centi: count.participating_area_centi_m2,
        approving_owners: approving.0,
        approving_area_centi: approving.1,
        opposing_owners,
        opposing_area_centi,
        abstaining_owners,
        abstaining_area_centi,
        split_owners: count.split_owners,
        options: option_counts,
        chosen_option,
        passed: outcome.passed,
        reasons: outcome.reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unit(i: usize, owner: &str, centi: u64) -> VoteUnit {
        VoteUnit {
            unit_id: format!("u{i}"),
            label: format!("1栋{i}"),
            owner_key: OwnerKey::from_stored(owner.to_string()),
            area: ExclusiveArea::from_centi(centi).unwrap(),
        }
    }

    fn ballot(i: usize, choice: BallotChoice, option: Option<&str>) -> CountedBallot {
        CountedBallot {
            unit_id: format!("u{i}"),
            choice,
            option_id: option.map(str::to_string),
        }
    }

    /// Owner a holds units 0–2 (50 ㎡ each), the developer 3–4 (unsold, 100 ㎡ each), and
    /// owners b…g one unit each of 100 ㎡: 11 units, 8 owners by head, 950 ㎡.
    fn units() -> Vec<VoteUnit> {
        let mut u = vec![
            unit(0, "a", 5_000),
            unit(1, "a", 5_000),
            unit(2, "a", 5_000),
            unit(3, "developer", 10_000),
            unit(4, "developer", 10_000),
        ];
        for (i, o) in ["b", "c", "d", "e", "f", "g"].iter().enumerate() {
            u.push(unit(5 + i, o, 10_000));
        }
        u
    }

    #[test]
    fn owners_count_once_and_area_by_unit() {
        let units = units();
        let register = register_of(&units);
        assert_eq!((register.units, register.owners), (11, 8));
        assert_eq!(register.area_centi_m2, 95_000);
        use BallotChoice::*;
        // a votes two units the same way, the developer one unit, b–d approve, e and f
        // oppose: 7 of 8 owners, 700 of 950 ㎡ take part.
        let ballots = [
            ballot(0, Approve, None),
            ballot(1, Approve, None),
            ballot(3, Approve, None),
            ballot(5, Approve, None),
            ballot(6, Approve, None),
            ballot(7, Approve, None),
            ballot(8, Oppose, None),
            ballot(9, Oppose, None),
        ];
        let r = result(VoteMatter::Other, &units, &[], &ballots);
        assert_eq!(r.participating_owners, 7);
        assert_eq!(r.participating_area_centi, 70_000);
        assert_eq!((r.approving_owners, r.approving_area_centi), (5, 50_000));
        assert_eq!((r.opposing_owners, r.opposing_area_centi), (2, 20_000));
        assert!(r.passed, "{r:?}");
        // a's units now differ: a takes part, approves nothing.
        let mut split = ballots.to_vec();
        split[1] = ballot(1, Oppose, None);
        let r = result(VoteMatter::Other, &units, &[], &split);
        assert_eq!(r.split_owners, 1);
        assert_eq!(r.participating_owners, 7);
        assert_eq!((r.approving_owners, r.approving_area_centi), (4, 45_000));
        assert_eq!((r.opposing_owners, r.opposing_area_centi), (2, 25_000));
        assert!(r.passed, "4 of 7 owners, 450 of 700 ㎡: {r:?}");
    }

    #[test]
    fn the_three_quarter_matters_need_three_quarters() {
        let units: Vec<VoteUnit> = (0..4).map(|i| unit(i, &format!("o{i}"), 10_000)).collect();
        use BallotChoice::*;
        let three = [
            ballot(0, Approve, None),
            ballot(1, Approve, None),
            ballot(2, Approve, None),
            ballot(3, Oppose, None),
        ];
        for matter in [VoteMatter::CommonPartsUse, VoteMatter::MaintenanceFund] {
            assert!(result(matter, &units, &[], &three).passed);
        }
        let two = [
            ballot(0, Approve, None),
            ballot(1, Approve, None),
            ballot(2, Oppose, None),
            ballot(3, Abstain, None),
        ];
        assert!(!result(VoteMatter::CommonPartsUse, &units, &[], &two).passed);
        assert!(!result(VoteMatter::DismissFirm, &units, &[], &two).passed);
        let more = [
            ballot(0, Approve, None),
            ballot(1, Approve, None),
            ballot(2, Approve, None),
        ];
        assert!(result(VoteMatter::AmendCovenant, &units, &[], &more).passed);
    }

    #[test]
    fn a_firm_is_chosen_by_more_than_half_of_the_participants() {
        let units: Vec<VoteUnit> = (0..6).map(|i| unit(i, &format!("o{i}"), 10_000)).collect();
        let options = [
            BallotOption {
                id: "x".into(),
                label: "X".into(),
            },
            BallotOption {
                id: "y".into(),
                label: "Y".into(),
            },
        ];
        use BallotChoice::*;
        let ballots = [
            ballot(0, Approve, Some("x")),
            ballot(1, Approve, Some("x")),
            ballot(2, Approve, Some("x")),
            ballot(3, Approve, Some("y")),
            ballot(4, Oppose, None),
        ];
        // 3 of 5 participants is more than half.
        let r = result(VoteMatter::ChooseFirm, &units, &options, &ballots);
        assert!(r.passed, "{r:?}");
        assert_eq!(r.chosen_option.as_deref(), Some("x"));
        assert_eq!(r.options[0].owners, 3);
        assert_eq!(r.options[1].area_centi, 10_000);
        assert_eq!((r.approving_owners, r.opposing_owners), (3, 1));
        // 3 of 6: exactly half is not enough.
        let mut half = ballots.to_vec();
        half.push(ballot(5, Abstain, None));
        let r = result(VoteMatter::ChooseFirm, &units, &options, &half);
        assert!(!r.passed);
        assert_eq!(r.chosen_option, None);
        assert_eq!(r.approving_owners, 3);
    }

    fn any_case() -> impl Strategy<Value = (Vec<VoteUnit>, Vec<CountedBallot>)> {
        prop::collection::vec((0u8..6, 1u64..50_000, prop::option::of(0u8..4)), 1..40).prop_map(
            |rows| {
                let units: Vec<VoteUnit> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, (owner, area, _))| unit(i, &format!("o{owner}"), *area))
                    .collect();
                let ballots = rows
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, _, vote))| {
                        vote.map(|v| match v {
                            0 => ballot(i, BallotChoice::Approve, Some("x")),
                            1 => ballot(i, BallotChoice::Approve, Some("y")),
                            2 => ballot(i, BallotChoice::Oppose, None),
                            _ => ballot(i, BallotChoice::Abstain, None),
                        })
                    })
                    .collect();
                (units, ballots)
            },
        )
    }

    proptest! {
        #[test]
        fn counts_never_exceed_the_register((units, ballots) in any_case()) {
            let options = [
                BallotOption { id: "x".into(), label: "X".into() },
                BallotOption { id: "y".into(), label: "Y".into() },
            ];
            let register = register_of(&units);
            for matter in [VoteMatter::ChooseFirm, VoteMatter::Other, VoteMatter::CommonPartsUse] {
                let r = result(matter, &units, &options, &ballots);
                prop_assert!(r.participating_owners <= register.owners);
                prop_assert!(r.participating_area_centi <= register.area_centi_m2);
                let chosen = r.approving_owners + r.opposing_owners + r.abstaining_owners;
                let options: u32 = r.options.iter().map(|o| o.owners).sum();
                prop_assert!(r.approving_owners <= r.participating_owners);
                let by_head = if matter == VoteMatter::ChooseFirm {
                    options + r.opposing_owners + r.abstaining_owners
                } else {
                    chosen
                };
                prop_assert_eq!(by_head + r.split_owners, r.participating_owners);
                prop_assert!(r.approving_area_centi + r.opposing_area_centi
                    + r.abstaining_area_centi <= r.participating_area_centi);
                prop_assert_eq!(r.passed, r.reasons.is_empty());
                prop_assert!(r.chosen_option.is_none() || r.passed);
            }
        }
    }
}

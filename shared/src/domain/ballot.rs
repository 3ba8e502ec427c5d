//! Counting an owners' vote (表决) from its ballots against the owner register.
//!
//! Each unit casts at most one ballot. Area is counted by unit (the unit's registered
//! exclusive area goes to its ballot's choice); owners are counted by head as the register
//! counts them ([`super::register::Holder::key`]): an owner of several units is one head,
//! who takes part when any of the units does and approves a choice when every ballot cast
//! for the owner's units made it (an owner whose ballots differ takes part and approves
//! nothing). The result is art. 278's rule ([`super::VoteTally::decide`]) applied to these
//! counts, in hundredths of a square metre.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::register::{Centi, ExclusiveArea, OwnerKey, RegisterCount};
use super::vote::{Counts, Matter, VoteOutcome};

/// What a ballot says: 同意 / 反对 / 弃权 on a question, or, when the owners choose among
/// options (e.g. the opened bids of a tender), the option chosen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// 同意.
    Approve,
    /// 反对.
    Oppose,
    /// 弃权.
    Abstain,
    /// The option chosen (its id).
    Option(String),
}

impl Choice {
    pub fn label(&self) -> &str {
        match self {
            Choice::Approve => "同意",
            Choice::Oppose => "反对",
            Choice::Abstain => "弃权",
            Choice::Option(_) => "选择",
        }
    }
}

/// How many owners (by head) and how much area made one choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChoiceCount {
    pub choice: Choice,
    pub owners: u32,
    /// In 0.01 ㎡.
    pub area_centi_m2: u64,
    /// Units whose ballot made this choice.
    pub units: u32,
}

/// The count of a vote's ballots against its register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BallotCount {
    /// The register's totals when the vote was counted.
    pub register: RegisterCount,
    /// Units that cast a ballot.
    pub participating_units: u32,
    /// Owners (by head) who took part.
    pub participating_owners: u32,
    /// The area of the units that took part, 0.01 ㎡.
    pub participating_area_centi_m2: u64,
    /// Per choice made, in the order first seen: approve, oppose, abstain, options.
    pub choices: Vec<ChoiceCount>,
    /// Owners of several units whose ballots differ (they took part and approved nothing).
    pub split_owners: u32,
}

impl BallotCount {
    /// Counts ballots given as (the unit's owner key, its area, its choice). Every unit must
    /// be in `register` and vote once; the caller (the store) guarantees both.
    pub fn of<'a>(
        register: RegisterCount,
        ballots: impl IntoIterator<Item = (&'a OwnerKey, ExclusiveArea, &'a Choice)>,
    ) -> Self {
        // Per owner: the one choice of all their ballots, or None when they differ.
        let mut owners: HashMap<&OwnerKey, Option<&Choice>> = HashMap::new();
        let mut by_choice: Vec<ChoiceCount> = Vec::new();
        let mut count = Self {
            register,
            participating_units: 0,
            participating_owners: 0,
            participating_area_centi_m2: 0,
            choices: Vec::new(),
            split_owners: 0,
        };
        for (owner, area, choice) in ballots {
            count.participating_units += 1;
            count.participating_area_centi_m2 += area.centi();
            let slot = match by_choice.iter_mut().find(|c| &c.choice == choice) {
                Some(slot) => slot,
                None => {
                    by_choice.push(ChoiceCount {
                        choice: choice.clone(),
                        owners: 0,
                        area_centi_m2: 0,
                        units: 0,
                    });
                    by_choice.last_mut().expect("just pushed")
                }
            };
            slot.area_centi_m2 += area.centi();
            slot.units += 1;
            owners
                .entry(owner)
                .and_modify(|c| {
                    if *c != Some(choice) {
                        *c = None;
                    }
                })
                .or_insert(Some(choice));
        }
        count.participating_owners = owners.len() as u32;
        for choice in owners.values() {
            match choice {
                Some(choice) => {
                    if let Some(slot) = by_choice.iter_mut().find(|c| &c.choice == *choice) {
                        slot.owners += 1;
                    }
                }
                None => count.split_owners += 1,
            }
        }
        let rank = |c: &Choice| match c {
            Choice::Approve => 0,
            Choice::Oppose => 1,
            Choice::Abstain => 2,
            Choice::Option(_) => 3,
        };
        by_choice.sort_by_key(|c| rank(&c.choice));
        count.choices = by_choice;
        count
    }

    /// The owners and area that made `choice`.
    pub fn of_choice(&self, choice: &Choice) -> (u32, u64) {
        self.choices
            .iter()
            .find(|c| &c.choice == choice)
            .map_or((0, 0), |c| (c.owners, c.area_centi_m2))
    }

    /// Whether `choice` is the owners' decision under art. 278 for `matter`, and if not,
    /// why (areas in the reasons in square metres with two decimals).
    pub fn decide(&self, matter: Matter, choice: &Choice) -> VoteOutcome {
        let (owners, area) = self.of_choice(choice);
        Counts {
            total_owners: u64::from(self.register.owners),
            total_area: self.register.area_centi_m2,
            participating_owners: u64::from(self.participating_owners),
            participating_area: self.participating_area_centi_m2,
            approving_owners: u64::from(owners),
            approving_area: area,
        }
        .decide(matter, &|a| Centi(a).to_string())
    }

    /// Among options, the one the owners chose: the option that passes (at most one can
    /// hold more than half of the participants by head and by area), with its outcome; or,
    /// when none passes, the leading option (most area, then most owners) and why it fails.
    pub fn decide_options<'o>(
        &self,
        matter: Matter,
        options: &'o [Choice],
    ) -> Option<(&'o Choice, VoteOutcome)> {
        let mut best: Option<(&Choice, VoteOutcome, (u64, u32))> = None;
        for option in options {
            let outcome = self.decide(matter, option);
            let (owners, area) = self.of_choice(option);
            let better = match &best {
                None => true,
                Some((_, o, weight)) => {
                    (outcome.passed && !o.passed)
                        || (o.passed == outcome.passed && (area, owners) > *weight)
                }
            };
            if better {
                best = Some((option, outcome, (area, owners)));
            }
        }
        best.map(|(choice, outcome, _)| (choice, outcome))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> OwnerKey {
        OwnerKey::from_stored(s.to_string())
    }

    fn area(m2: u64) -> ExclusiveArea {
        ExclusiveArea::from_centi(m2 * 100).unwrap()
    }

    /// 300 units of 100 ㎡, one owner each: 300 owners, 30,000 ㎡.
    fn register() -> (Vec<OwnerKey>, RegisterCount) {
        let keys: Vec<OwnerKey> = (0..300).map(|i| key(&format!("o{i}"))).collect();
        let count = RegisterCount::of(keys.iter().map(|k| (k, area(100))));
        (keys, count)
    }

    fn ballots<'a>(
        keys: &'a [OwnerKey],
        choices: &'a [(usize, Choice)],
    ) -> Vec<(&'a OwnerKey, ExclusiveArea, &'a Choice)> {
        choices
            .iter()
            .map(|(i, c)| (&keys[*i], area(100), c))
            .collect()
    }

    fn cast(n: usize, from: usize, choice: Choice) -> Vec<(usize, Choice)> {
        (from..from + n).map(|i| (i, choice.clone())).collect()
    }

    #[test]
    fn exactly_two_thirds_taking_part_and_more_than_half_approving_passes() {
        let (keys, register) = register();
        // 200 of 300 take part (exactly 2/3); 101 approve, 99 oppose.
        let mut choices = cast(101, 0, Choice::Approve);
        choices.extend(cast(99, 101, Choice::Oppose));
        let count = BallotCount::of(register, ballots(&keys, &choices));
        assert_eq!(count.participating_owners, 200);
        assert_eq!(count.participating_area_centi_m2, 2_000_000);
        assert!(count.decide(Matter::Ordinary, &Choice::Approve).passed);

        // One unit fewer taking part: 199 of 300 is under two thirds, by head and by area.
        let count = BallotCount::of(register, ballots(&keys, &choices[..199]));
        let outcome = count.decide(Matter::Ordinary, &Choice::Approve);
        assert!(!outcome.passed);
        assert_eq!(outcome.reasons.len(), 2, "{outcome:?}");
        assert!(
            outcome.reasons[0].contains("19900.00/30000.00 平方米"),
            "{outcome:?}"
        );
    }

    #[test]
    fn exactly_half_approving_fails_and_abstentions_count_as_taking_part() {
        let (keys, register) = register();
        let mut choices = cast(100, 0, Choice::Approve);
        choices.extend(cast(50, 100, Choice::Oppose));
        choices.extend(cast(50, 150, Choice::Abstain));
        let count = BallotCount::of(register, ballots(&keys, &choices));
        let outcome = count.decide(Matter::Ordinary, &Choice::Approve);
        assert!(!outcome.passed);
        assert_eq!(outcome.reasons.len(), 2, "{outcome:?}");
        assert_eq!(count.of_choice(&Choice::Abstain), (50, 500_000));
    }

    #[test]
    fn three_quarters_for_the_major_matters() {
        let (keys, register) = register();
        let mut choices = cast(150, 0, Choice::Approve);
        choices.extend(cast(50, 150, Choice::Oppose));
        let count = BallotCount::of(register, ballots(&keys, &choices));
        assert!(
            count
                .decide(Matter::MaintenanceFund, &Choice::Approve)
                .passed
        );
        let mut fewer = cast(149, 0, Choice::Approve);
        fewer.extend(cast(51, 149, Choice::Oppose));
        let count = BallotCount::of(register, ballots(&keys, &fewer));
        assert!(
            !count
                .decide(Matter::MaintenanceFund, &Choice::Approve)
                .passed
        );
        assert!(count.decide(Matter::Ordinary, &Choice::Approve).passed);
    }

    #[test]
    fn an_owner_of_several_units_is_one_head_and_area_counts_by_unit() {
        // Owner a holds 3 units of 50 ㎡; b and c one unit of 100 ㎡ each: 3 owners, 350 ㎡.
        let (a, b, c) = (key("a"), key("b"), key("c"));
        let units = [
            (&a, area(50)),
            (&a, area(50)),
            (&a, area(50)),
            (&b, area(100)),
            (&c, area(100)),
        ];
        let register = RegisterCount::of(units.iter().copied());
        assert_eq!((register.owners, register.area_centi_m2), (3, 35_000));
        let yes = Choice::Approve;
        let no = Choice::Oppose;
        // a votes two of three units (100 ㎡), b approves too, c opposes.
        let count = BallotCount::of(
            register,
            [
                (&a, area(50), &yes),
                (&a, area(50), &yes),
                (&b, area(100), &yes),
                (&c, area(100), &no),
            ],
        );
        assert_eq!(count.participating_owners, 3);
        assert_eq!(count.participating_units, 4);
        assert_eq!(count.of_choice(&yes), (2, 20_000));
        assert!(count.decide(Matter::Ordinary, &yes).passed);

        // a's ballots differ: a takes part, approves nothing.
        let count = BallotCount::of(
            register,
            [
                (&a, area(50), &yes),
                (&a, area(50), &no),
                (&b, area(100), &yes),
                (&c, area(100), &no),
            ],
        );
        assert_eq!(count.split_owners, 1);
        assert_eq!(count.of_choice(&yes), (1, 15_000));
        assert!(!count.decide(Matter::Ordinary, &yes).passed);
    }

    #[test]
    fn the_owners_choose_at_most_one_option() {
        let (keys, register) = register();
        let x = Choice::Option("bid-x".into());
        let y = Choice::Option("bid-y".into());
        let mut choices = cast(120, 0, x.clone());
        choices.extend(cast(80, 120, y.clone()));
        let count = BallotCount::of(register, ballots(&keys, &choices));
        let options = [x.clone(), y.clone()];
        let (chosen, outcome) = count.decide_options(Matter::Ordinary, &options).unwrap();
        assert_eq!(chosen, &x);
        assert!(outcome.passed);
        // A split field: nobody has more than half; the leader and its reasons are answered.
        let mut split = cast(100, 0, x.clone());
        split.extend(cast(100, 100, y.clone()));
        let count = BallotCount::of(register, ballots(&keys, &split));
        let (_, outcome) = count.decide_options(Matter::Ordinary, &options).unwrap();
        assert!(!outcome.passed);
    }

    #[test]
    fn nobody_voting_fails_every_condition() {
        let (_, register) = register();
        let count = BallotCount::of(register, std::iter::empty());
        assert_eq!(
            count
                .decide(Matter::Ordinary, &Choice::Approve)
                .reasons
                .len(),
            4
        );
    }
}

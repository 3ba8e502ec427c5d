//! Every parser of the domain newtypes against hostile input: arbitrary strings (any
//! Unicode, near misses, and long ones), both through the constructors and through serde
//! (the path every JSON body takes). None may panic, and the cost is bounded by checking
//! the output rather than the clock: an accepted value has its canonical, bounded size,
//! and a refusal's message is bounded whatever the input's length (it quotes at most
//! [`QUOTED_CHARS`] characters of it).

use proptest::prelude::*;
use serde::Deserialize;

use super::roster::{
    self, CreditGrade, FeeModel, FirmSnapshot, Ownership, RosterStage, RosterStanding,
    ServiceGrade, StandingRecord,
};
use super::*;

/// The longest refusal message any parser may give (characters), beyond the quoted input.
const MESSAGE_CHARS: usize = 200;

/// Arbitrary strings: any printable Unicode, near misses of every format, and long ones.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "\\PC{0,48}",
        4 => "[0-9A-Za-z .:+\\-元/\\t\\n]{0,32}",
        1 => "\\PC{1000,4000}",
        1 => "[0-9]{100,2000}",
    ]
}

fn bounded(error: &DomainError) -> Result<(), TestCaseError> {
    let chars = error.message.chars().count();
    prop_assert!(
        chars <= MESSAGE_CHARS + QUOTED_CHARS + 1,
        "{} has a {chars}-character message",
        error.code
    );
    prop_assert!(!error.code.is_empty() && error.code.len() <= 40);
    Ok(())
}

/// A parser's answer: a bounded value or a bounded refusal.
fn check<T>(
    parsed: Result<T, DomainError>,
    size: impl FnOnce(&T) -> usize,
    max: usize,
) -> Result<(), TestCaseError> {
    match parsed {
        Ok(value) => {
            prop_assert!(size(&value) <= max);
            Ok(())
        }
        Err(error) => bounded(&error),
    }
}

/// serde on arbitrary text (as a JSON document, and as a JSON string holding it): no
/// panic, and an accepted value re-serialises to a bounded document.
fn serde_bounded<T: Deserialize<'static> + serde::Serialize>(
    input: &str,
    max_json: usize,
) -> Result<(), TestCaseError> {
    let as_string = serde_json::to_string(input).unwrap();
    for text in [input, as_string.as_str()] {
        // Through a `Value`, which every `Deserialize<'static>` (the place codes) accepts.
        let Ok(document) = serde_json::from_str::<serde_json::Value>(text) else {
            continue;
        };
        if let Ok(value) = T::deserialize(document) {
            let json = serde_json::to_string(&value).unwrap();
            prop_assert!(json.len() <= max_json, "{json}");
        }
    }
    Ok(())
}

fn every_serde_parser(input: &str) -> Result<(), TestCaseError> {
    serde_bounded::<CreditCode>(input, 20)?;
    serde_bounded::<DistrictCode>(input, 8)?;
    serde_bounded::<StreetCode>(input, 11)?;
    serde_bounded::<PhoneNumber>(input, 16)?;
    serde_bounded::<Coordinates>(input, 80)?;
    serde_bounded::<Households>(input, 8)?;
    serde_bounded::<FloorArea>(input, 10)?;
    serde_bounded::<Buildings>(input, 6)?;
    serde_bounded::<Fen>(input, 21)?;
    serde_bounded::<FeeRate>(input, 6)?;
    serde_bounded::<VoteTally>(input, 400)?;
    serde_bounded::<ServiceGrade>(input, 1)?;
    serde_bounded::<CreditGrade>(input, 5)?;
    serde_bounded::<Ownership>(input, 20)?;
    serde_bounded::<FeeModel>(input, 20)?;
    serde_bounded::<RosterStanding>(input, 20)?;
    serde_bounded::<RosterStage>(input, 20)?;
    serde_bounded::<PhoneKind>(input, 20)?;
    serde_bounded::<StandingRecord>(input, 400)?;
    serde_bounded::<FirmSnapshot>(input, 8_000)?;
    Ok(())
}

proptest! {
    #[test]
    fn string_constructors_never_panic_and_answer_in_bounded_size(input in hostile()) {
        check(CreditCode::parse(&input), |c| c.as_str().len(), 18)?;
        check(DistrictCode::parse(&input), |c| c.as_str().len(), 6)?;
        check(StreetCode::parse(&input), |c| c.as_str().len(), 9)?;
        check(PhoneNumber::parse(&input), |p| p.as_str().len(), 13)?;
        check(Fen::parse_yuan(&input), |_| 0, 0)?;
        check(FeeRate::parse_yuan(&input), |r| r.get() as usize, 2_000)?;
        check(roster::parse_date(&input), |d| roster::format_date(*d).len(), 10)?;
        check(Ownership::parse(&input), |v| v.as_str().len(), 20)?;
        check(FeeModel::parse(&input), |v| v.as_str().len(), 20)?;
        check(RosterStanding::parse(&input), |v| v.as_str().len(), 20)?;
        check(RosterStage::parse(&input), |v| v.as_str().len(), 20)?;
    }

    #[test]
    fn serde_parsers_never_panic_and_answer_in_bounded_size(input in hostile()) {
        every_serde_parser(&input)?;
    }

    #[test]
    fn serde_parsers_survive_json_shaped_near_misses(
        key in "[a-z_]{1,24}",
        value in prop_oneof![
            "-?[0-9]{1,30}(\\.[0-9]{0,20})?(e-?[0-9]{1,4})?".prop_map(|s| s),
            "\\PC{0,40}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            Just("null".to_string()),
            Just("[]".to_string()),
            Just("{}".to_string()),
        ],
    ) {
        every_serde_parser(&value)?;
        every_serde_parser(&format!("{{\"{key}\": {value}}}"))?;
        every_serde_parser(&format!("[{value}, {value}]"))?;
    }

    #[test]
    fn integer_constructors_never_panic(value in any::<i64>()) {
        check(Households::try_from(value), |v| v.get() as usize, 100_000)?;
        check(FloorArea::try_from(value), |v| v.get() as usize, 10_000_000)?;
        check(Buildings::try_from(value), |v| v.get() as usize, 1_000)?;
        check(FeeRate::try_from(value), |v| v.get() as usize, 2_000)?;
        check(ServiceGrade::new(value), |v| usize::from(v.get()), 5)?;
        let _ = Fen::new(value).to_yuan_string();
    }

    #[test]
    fn coordinates_never_panic_on_any_float(lon in any::<f64>(), lat in any::<f64>()) {
        check(Coordinates::new(lon, lat), |_| 0, 0)?;
    }

    #[test]
    fn vote_tallies_never_panic(
        counts in proptest::array::uniform3(any::<u32>()),
        areas in proptest::array::uniform3(any::<u64>()),
    ) {
        if let Ok(tally) = VoteTally::new(counts[0], areas[0], counts[1], areas[1], counts[2], areas[2]) {
            for matter in [Matter::Ordinary, Matter::MaintenanceFund] {
                let outcome = tally.decide(matter);
                prop_assert!(outcome.reasons.len() <= 4);
            }
        }
    }
}

#[test]
fn a_refusal_quotes_at_most_a_bounded_excerpt_of_a_huge_input() {
    let huge = "日".repeat(1_000_000);
    for error in [
        roster::parse_date(&huge).unwrap_err(),
        Ownership::parse(&huge).unwrap_err(),
        RosterStanding::parse(&huge).unwrap_err(),
        CreditCode::parse(&huge).unwrap_err(),
        PhoneNumber::parse(&huge).unwrap_err(),
        Fen::parse_yuan(&huge).unwrap_err(),
    ] {
        assert!(
            error.message.chars().count() <= MESSAGE_CHARS + QUOTED_CHARS + 1,
            "{}: {} characters",
            error.code,
            error.message.chars().count()
        );
    }
    let json = serde_json::to_string(&huge).unwrap();
    let error = serde_json::from_str::<FeeModel>(&json).unwrap_err();
    assert!(error.to_string().chars().count() <= MESSAGE_CHARS + QUOTED_CHARS + 1);
}

#[test]
fn quoted_keeps_short_inputs_and_cuts_long_ones_on_a_character_boundary() {
    assert_eq!(quoted("2026-13-40"), "2026-13-40");
    let long = "成都".repeat(100);
    let cut = quoted(&long);
    assert_eq!(cut.chars().count(), QUOTED_CHARS + 1);
    assert!(cut.ends_with('…'));
}

//! Money in 分 (fen, 1/100 yuan) and the 物业费单价 (property fee rate). No floats anywhere.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::KnownFormat;
use utoipa::openapi::{RefOr, Schema};

use super::error::DomainError;
use super::measure::FloorArea;
use super::schema::IntegerSchema;

/// An amount of money in 分 (fen; 100 fen = 1 元 yuan).
///
/// Any `i64` is a valid amount (balances can be negative); use [`Fen::non_negative`] where a
/// negative amount makes no sense. Arithmetic is checked. Serialises as a bare integer number
/// of fen; displays as yuan with two decimals, e.g. `1234.50 元`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(i64);

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);

    /// An amount of `fen` 分; every value is accepted.
    pub const fn new(fen: i64) -> Self {
        Self(fen)
    }

    /// An amount of `fen` 分 that must not be negative (error code `negative_amount`).
    pub fn non_negative(fen: i64) -> Result<Self, DomainError> {
        if fen < 0 {
            Err(DomainError::new("negative_amount", "金额不能为负数"))
        } else {
            Ok(Self(fen))
        }
    }

    /// A whole number of 元 (yuan), if it fits.
    pub const fn from_yuan(yuan: i64) -> Option<Self> {
        match yuan.checked_mul(100) {
            Some(fen) => Some(Self(fen)),
            None => None,
        }
    }

    /// The amount in 分.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self + other`, or `None` on overflow.
    pub const fn checked_add(self, other: Fen) -> Option<Fen> {
        match self.0.checked_add(other.0) {
            Some(fen) => Some(Fen(fen)),
            None => None,
        }
    }

    /// `self − other`, or `None` on overflow.
    pub const fn checked_sub(self, other: Fen) -> Option<Fen> {
        match self.0.checked_sub(other.0) {
            Some(fen) => Some(Fen(fen)),
            None => None,
        }
    }

    /// `self × factor`, or `None` on overflow.
    pub const fn checked_mul(self, factor: i64) -> Option<Fen> {
        match self.0.checked_mul(factor) {
            Some(fen) => Some(Fen(fen)),
            None => None,
        }
    }

    /// Sum of `amounts`, or `None` if any partial sum overflows.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Fen>) -> Option<Fen> {
        amounts
            .into_iter()
            .try_fold(Fen::ZERO, |total, amount| total.checked_add(amount))
    }

    /// Parses a decimal amount of 元 such as `"12.34"`, `"-5"`, `"0.5"` or `"12.34 元"`
    /// exactly, without going through floating point.
    ///
    /// At most two decimals are accepted (error code `invalid_amount_precision`); other
    /// malformed input gives `invalid_amount`, and amounts beyond `i64` fen give
    /// `amount_out_of_range`.
    pub fn parse_yuan(input: &str) -> Result<Fen, DomainError> {
        let malformed =
            || DomainError::new("invalid_amount", "金额格式不正确，请填写如 12.34 的数字");
        let text = input.trim();
        let text = text.strip_suffix('元').unwrap_or(text).trim_end();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "00"));
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || !all_digits(fraction) {
            return Err(malformed());
        }
        if fraction.len() > 2 {
            return Err(DomainError::new(
                "invalid_amount_precision",
                "金额最多只能有两位小数（精确到分）",
            ));
        }
        let out_of_range = || DomainError::new("amount_out_of_range", "金额超出允许的范围");
        let whole: i128 = whole.parse().map_err(|_| out_of_range())?;
        let cents: i128 = fraction.parse().map_err(|_| malformed())?;
        let cents = if fraction.len() == 1 {
            cents * 10
        } else {
            cents
        };
        let magnitude = whole
            .checked_mul(100)
            .and_then(|fen| fen.checked_add(cents))
            .ok_or_else(out_of_range)?;
        let fen = if negative { -magnitude } else { magnitude };
        i64::try_from(fen).map(Fen).map_err(|_| out_of_range())
    }

    /// The amount in 元 with exactly two decimals and no unit, e.g. `"1234.50"`, `"-0.05"`.
    /// [`Fen::parse_yuan`] reads it back.
    pub fn to_yuan_string(self) -> String {
        let sign = if self.is_negative() { "-" } else { "" };
        format!("{sign}{}", yuan_digits(self.0.unsigned_abs(), false))
    }

    /// The amount in 元 with thousands separators and two decimals, no unit, as pages show
    /// it: `"12,345.60"`, `"-0.05"`.
    pub fn to_yuan_grouped(self) -> String {
        let sign = if self.is_negative() { "-" } else { "" };
        format!("{sign}{}", yuan_digits(self.0.unsigned_abs(), true))
    }
}

/// `magnitude` 分 as 元 with two decimals, optionally with thousands separators: the one
/// place money is written as text.
fn yuan_digits(magnitude: u64, grouped: bool) -> String {
    let whole = (magnitude / 100).to_string();
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 3);
    for (i, c) in whole.chars().enumerate() {
        if grouped && i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{:02}", magnitude % 100)
}

impl fmt::Display for Fen {
    /// Formats as `1234.50 元`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 元", self.to_yuan_string())
    }
}

impl From<Fen> for i64 {
    fn from(amount: Fen) -> Self {
        amount.0
    }
}

impl utoipa::PartialSchema for Fen {
    fn schema() -> RefOr<Schema> {
        IntegerSchema {
            description: "金额，单位：分（1 元 = 100 分）",
            format: KnownFormat::Int64,
            minimum: None,
            maximum: None,
            example: 123_450,
        }
        .build()
    }
}

impl utoipa::ToSchema for Fen {}

/// 物业费单价 (property service fee rate) in 分 per square metre of floor area per month
/// (分/㎡·月), from 1 (0.01 元) to 2 000 (20.00 元).
///
/// Serialises as a bare integer number of fen; displays as `1.50 元/㎡·月`. Error code:
/// `invalid_fee_rate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "i64")]
pub struct FeeRate(u32);

impl FeeRate {
    /// Smallest accepted rate: 0.01 元/㎡·月.
    pub const MIN: u32 = 1;
    /// Largest accepted rate: 20.00 元/㎡·月.
    pub const MAX: u32 = 2_000;

    /// A rate of `fen_per_m2_month` 分/㎡·月, which must lie in `1..=2000`.
    pub fn new(fen_per_m2_month: u32) -> Result<Self, DomainError> {
        if (Self::MIN..=Self::MAX).contains(&fen_per_m2_month) {
            Ok(Self(fen_per_m2_month))
        } else {
            Err(Self::out_of_range())
        }
    }

    fn out_of_range() -> DomainError {
        DomainError::new(
            "invalid_fee_rate",
            "物业费单价须在 0.01 至 20.00 元/㎡·月之间",
        )
    }

    /// Parses a rate written in 元/㎡·月, such as `"1.5"` or `"0.80"` (see [`Fen::parse_yuan`]).
    pub fn parse_yuan(input: &str) -> Result<Self, DomainError> {
        Self::try_from(Fen::parse_yuan(input)?.get())
    }

    /// The rate in 分/㎡·月.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Fee for one month on `area` (rate × area), exact.
    pub fn monthly_fee(self, area: FloorArea) -> Fen {
        // At most 2 000 × 10 000 000 = 2 × 10¹⁰ fen: far from overflowing an i64.
        Fen(i64::from(self.0) * area.get() as i64)
    }

    /// Fee for one year on `area` (12 × the monthly fee), exact.
    pub fn annual_fee(self, area: FloorArea) -> Fen {
        Fen(self.monthly_fee(area).0 * 12)
    }
}

impl TryFrom<i64> for FeeRate {
    type Error = DomainError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        u32::try_from(value)
            .map_err(|_| Self::out_of_range())
            .and_then(Self::new)
    }
}

impl From<FeeRate> for u32 {
    fn from(rate: FeeRate) -> Self {
        rate.0
    }
}

impl fmt::Display for FeeRate {
    /// Formats as `1.50 元/㎡·月`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 元/㎡·月", yuan_digits(u64::from(self.0), false))
    }
}

impl Serialize for FeeRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

impl utoipa::PartialSchema for FeeRate {
    fn schema() -> RefOr<Schema> {
        IntegerSchema {
            description: "物业费单价，单位：分/平方米·月（1 = 0.01 元/㎡·月）",
            format: KnownFormat::Int32,
            minimum: Some(i64::from(Self::MIN)),
            maximum: Some(i64::from(Self::MAX)),
            example: 150,
        }
        .build()
    }
}

impl utoipa::ToSchema for FeeRate {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_yuan_with_two_decimals() {
        assert_eq!(Fen::new(123_450).to_string(), "1234.50 元");
        assert_eq!(Fen::new(5).to_string(), "0.05 元");
        assert_eq!(Fen::new(-5).to_string(), "-0.05 元");
        assert_eq!(Fen::new(-123_456).to_yuan_string(), "-1234.56");
        assert_eq!(Fen::ZERO.to_yuan_string(), "0.00");
        assert_eq!(Fen::new(i64::MIN).to_yuan_string(), "-92233720368547758.08");
    }

    #[test]
    fn parses_yuan_exactly() {
        assert_eq!(Fen::parse_yuan("12.34").unwrap(), Fen::new(1234));
        assert_eq!(Fen::parse_yuan("12.3").unwrap(), Fen::new(1230));
        assert_eq!(Fen::parse_yuan("12").unwrap(), Fen::new(1200));
        assert_eq!(Fen::parse_yuan(" 0.05 ").unwrap(), Fen::new(5));
        assert_eq!(Fen::parse_yuan("-7.5").unwrap(), Fen::new(-750));
        assert_eq!(Fen::parse_yuan("+7.50").unwrap(), Fen::new(750));
        assert_eq!(Fen::parse_yuan("1234.50 元").unwrap(), Fen::new(123_450));
        assert_eq!(Fen::parse_yuan("0.29").unwrap(), Fen::new(29));
    }

    #[test]
    fn refuses_more_than_two_decimals() {
        let error = Fen::parse_yuan("12.345").unwrap_err();
        assert_eq!(error.code, "invalid_amount_precision");
        assert!(error.message.contains("两位小数"));
    }

    #[test]
    fn refuses_malformed_amounts() {
        for input in [
            "", "元", "abc", "12.", ".5", "1,234.50", "1e3", "--1", "1.2.3", "¥12",
        ] {
            assert_eq!(
                Fen::parse_yuan(input).unwrap_err().code,
                "invalid_amount",
                "{input:?}"
            );
        }
        assert_eq!(
            Fen::parse_yuan("99999999999999999999999").unwrap_err().code,
            "amount_out_of_range"
        );
    }

    #[test]
    fn non_negative_refuses_negative() {
        assert_eq!(Fen::non_negative(0).unwrap(), Fen::ZERO);
        let error = Fen::non_negative(-1).unwrap_err();
        assert_eq!(error.code, "negative_amount");
        assert_eq!(error.message, "金额不能为负数");
    }

    #[test]
    fn checked_arithmetic() {
        assert_eq!(Fen::new(1).checked_add(Fen::new(2)), Some(Fen::new(3)));
        assert_eq!(Fen::new(1).checked_sub(Fen::new(2)), Some(Fen::new(-1)));
        assert_eq!(Fen::new(i64::MAX).checked_add(Fen::new(1)), None);
        assert_eq!(Fen::new(i64::MIN).checked_sub(Fen::new(1)), None);
        assert_eq!(Fen::new(150).checked_mul(3), Some(Fen::new(450)));
        assert_eq!(Fen::from_yuan(12), Some(Fen::new(1200)));
        assert_eq!(Fen::from_yuan(i64::MAX), None);
        assert_eq!(
            Fen::checked_sum([Fen::new(100), Fen::new(-30), Fen::new(5)]),
            Some(Fen::new(75))
        );
        assert_eq!(Fen::checked_sum([Fen::new(i64::MAX), Fen::new(1)]), None);
        assert_eq!(Fen::checked_sum([]), Some(Fen::ZERO));
    }

    #[test]
    fn fen_serialises_as_an_integer() {
        assert_eq!(serde_json::to_string(&Fen::new(-250)).unwrap(), "-250");
        assert_eq!(serde_json::from_str::<Fen>("1234").unwrap(), Fen::new(1234));
        assert!(serde_json::from_str::<Fen>("12.5").is_err());
    }

    #[test]
    fn fee_rate_range() {
        assert_eq!(FeeRate::new(1).unwrap().get(), 1);
        assert_eq!(FeeRate::new(2_000).unwrap().get(), 2_000);
        let error = FeeRate::new(0).unwrap_err();
        assert_eq!(error.code, "invalid_fee_rate");
        assert!(error.message.contains("0.01 至 20.00"));
        assert!(FeeRate::new(2_001).is_err());
        assert!(FeeRate::try_from(-150).is_err());
    }

    #[test]
    fn fee_rate_parses_and_displays_yuan() {
        assert_eq!(FeeRate::parse_yuan("1.5").unwrap().get(), 150);
        assert_eq!(
            FeeRate::parse_yuan("0.80").unwrap().to_string(),
            "0.80 元/㎡·月"
        );
        assert_eq!(
            FeeRate::parse_yuan("1.505").unwrap_err().code,
            "invalid_amount_precision"
        );
        assert_eq!(
            FeeRate::parse_yuan("25").unwrap_err().code,
            "invalid_fee_rate"
        );
    }

    #[test]
    fn fee_rate_serde_validates() {
        let rate: FeeRate = serde_json::from_str("150").unwrap();
        assert_eq!(serde_json::to_string(&rate).unwrap(), "150");
        assert!(serde_json::from_str::<FeeRate>("0").is_err());
        assert!(serde_json::from_str::<FeeRate>("-1").is_err());
        assert!(serde_json::from_str::<FeeRate>("2001").is_err());
    }

    #[test]
    fn fees_for_an_old_compound() {
        // 1.50 元/㎡·月 on 42 000 ㎡: 63 000 元 a month, 756 000 元 a year.
        let rate = FeeRate::new(150).unwrap();
        let area = FloorArea::new(42_000).unwrap();
        assert_eq!(rate.monthly_fee(area), Fen::new(6_300_000));
        assert_eq!(rate.annual_fee(area), Fen::new(75_600_000));
        let largest = FeeRate::new(FeeRate::MAX).unwrap();
        let area = FloorArea::new(FloorArea::MAX).unwrap();
        assert_eq!(largest.annual_fee(area), Fen::new(240_000_000_000));
    }

    proptest! {
        #[test]
        fn yuan_string_round_trips(fen in any::<i64>()) {
            let amount = Fen::new(fen);
            prop_assert_eq!(Fen::parse_yuan(&amount.to_yuan_string()).unwrap(), amount);
            prop_assert_eq!(Fen::parse_yuan(&amount.to_string()).unwrap(), amount);
        }

        #[test]
        fn whole_yuan_parse_to_a_hundred_fen_each(
            yuan in -92_233_720_368_547_758i64..=92_233_720_368_547_758,
        ) {
            prop_assert_eq!(Fen::parse_yuan(&yuan.to_string()).unwrap(), Fen::new(yuan * 100));
            prop_assert_eq!(Fen::from_yuan(yuan), Some(Fen::new(yuan * 100)));
        }

        #[test]
        fn three_decimals_are_always_refused(whole in 0u32..100_000, fraction in 0u32..1_000) {
            let input = format!("{whole}.{fraction:03}");
            prop_assert_eq!(Fen::parse_yuan(&input).unwrap_err().code, "invalid_amount_precision");
        }

        #[test]
        fn parse_yuan_never_panics(input in "\\PC{0,30}") {
            let _ = Fen::parse_yuan(&input);
        }

        #[test]
        fn checked_sum_matches_wide_arithmetic(
            amounts in proptest::collection::vec(any::<i64>(), 0..8),
        ) {
            let mut wide = 0i128;
            let mut overflowed = false;
            for amount in &amounts {
                wide += i128::from(*amount);
                overflowed |= i64::try_from(wide).is_err();
            }
            let sum = Fen::checked_sum(amounts.into_iter().map(Fen::new));
            if overflowed {
                prop_assert_eq!(sum, None);
            } else {
                prop_assert_eq!(sum.map(Fen::get).map(i128::from), Some(wide));
            }
        }

        #[test]
        fn annual_fee_is_twelve_monthly_fees(rate in 1u32..=2_000, area in 1u64..=10_000_000) {
            let rate = FeeRate::new(rate).unwrap();
            let area = FloorArea::new(area).unwrap();
            let monthly = rate.monthly_fee(area);
            prop_assert_eq!(monthly.get(), i64::from(rate.get()) * area.get() as i64);
            prop_assert_eq!(rate.annual_fee(area), monthly.checked_mul(12).unwrap());
        }
    }

    #[test]
    fn grouped_yuan() {
        assert_eq!(Fen::new(1_234_560).to_yuan_grouped(), "12,345.60");
        assert_eq!(Fen::new(-5).to_yuan_grouped(), "-0.05");
        assert_eq!(Fen::new(100_000_000).to_yuan_grouped(), "1,000,000.00");
        assert_eq!(Fen::new(i64::MIN).to_yuan_string(), "-92233720368547758.08");
    }
}

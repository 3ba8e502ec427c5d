//! 统一社会信用代码 (unified social credit code), GB 32100-2015.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::{RefOr, Schema};

use super::error::DomainError;
use super::schema::StringSchema;

/// The 31 characters a credit code may contain, in the order of their numeric values
/// (`'0'` is 0, `'A'` is 10, `'Y'` is 30). The letters I, O, S, V and Z are not used.
pub const CREDIT_CODE_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Number of characters of a credit code.
const LENGTH: usize = 18;

/// Weights of positions 1–17 in the check character computation (3^(i−1) mod 31).
const WEIGHTS: [u32; LENGTH - 1] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// [`CREDIT_CODE_ALPHABET`] as bytes, for indexing by value.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Numeric value of `c` in [`CREDIT_CODE_ALPHABET`], if it belongs to it.
fn value_of(c: char) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&b| char::from(b) == c)
        .map(|index| index as u32)
}

/// Character of [`CREDIT_CODE_ALPHABET`] whose value is `value` (`value < 31`).
fn char_of(value: u32) -> char {
    char::from(ALPHABET[value as usize])
}

/// Check character for the first 17 values of a credit code.
fn check_value(values: impl Iterator<Item = u32>) -> u32 {
    let sum: u32 = values
        .zip(WEIGHTS)
        .map(|(value, weight)| value * weight)
        .sum();
    (31 - sum % 31) % 31
}

/// Computes the 18th (check) character of a credit code from its first 17 characters.
///
/// Lowercase letters are accepted. Returns `None` unless `prefix17` has exactly 17
/// characters, all from [`CREDIT_CODE_ALPHABET`]. Appending the result to the prefix gives a
/// valid [`CreditCode`]; the demo-data generator uses this to make synthetic codes.
///
/// ```
/// # use shared::domain::check_char;
/// assert_eq!(check_char("91350100M000100Y4"), Some('3'));
/// ```
pub fn check_char(prefix17: &str) -> Option<char> {
    let values = prefix17
        .chars()
        .map(|c| value_of(c.to_ascii_uppercase()))
        .collect::<Option<Vec<u32>>>()?;
    (values.len() == LENGTH - 1).then(|| char_of(check_value(values.into_iter())))
}

/// A 统一社会信用代码 (unified social credit code) of a company or other organisation,
/// as defined by GB 32100-2015: 18 characters from [`CREDIT_CODE_ALPHABET`] whose last one
/// is a check character over the first 17.
///
/// Parsing trims surrounding whitespace and uppercases letters; the stored form is
/// uppercase. Error codes: `invalid_credit_code_length`, `invalid_credit_code_char`,
/// `invalid_credit_code_check`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a credit code, checking length, alphabet and check character.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim().to_uppercase();
        let length = code.chars().count();
        if length != LENGTH {
            return Err(DomainError::new(
                "invalid_credit_code_length",
                format!("统一社会信用代码应为 18 位，当前为 {length} 位"),
            ));
        }
        let mut values = Vec::with_capacity(LENGTH);
        for (position, c) in code.chars().enumerate() {
            match value_of(c) {
                Some(value) => values.push(value),
                None => {
                    return Err(DomainError::new(
                        "invalid_credit_code_char",
                        format!(
                            "统一社会信用代码第 {} 位的字符“{c}”无效（只能是数字和除 I、O、S、V、Z 以外的大写字母）",
                            position + 1
                        ),
                    ));
                }
            }
        }
        let expected = check_value(values.iter().copied());
        if values.last() != Some(&expected) {
            return Err(DomainError::new(
                "invalid_credit_code_check",
                "统一社会信用代码校验位错误",
            ));
        }
        Ok(Self(code))
    }

    /// The code as 18 uppercase characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理部门代码 (registration authority, 1st character), e.g. `'9'` for 工商.
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// 登记管理机关行政区划码 (administrative division, characters 3–8), e.g. `"510104"`.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CreditCode {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl utoipa::PartialSchema for CreditCode {
    fn schema() -> RefOr<Schema> {
        StringSchema {
            description: "统一社会信用代码（GB 32100-2015），18 位，末位为校验位",
            pattern: Some("^[0-9A-HJ-NP-RTUW-Y]{18}$"),
            min_length: Some(LENGTH),
            max_length: Some(LENGTH),
            example: "91350100M000100Y43",
        }
        .build()
    }
}

impl utoipa::ToSchema for CreditCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = "91350100M000100Y43";

    #[test]
    fn alphabet_constants_agree() {
        assert_eq!(CREDIT_CODE_ALPHABET.as_bytes(), ALPHABET);
    }

    #[test]
    fn accepts_a_known_valid_code() {
        let code = CreditCode::parse(VALID).unwrap();
        assert_eq!(code.as_str(), VALID);
        assert_eq!(code.to_string(), VALID);
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.division_code(), "350100");
    }

    #[test]
    fn trims_and_uppercases() {
        let code = CreditCode::parse("  91350100m000100y43\n").unwrap();
        assert_eq!(code.as_str(), VALID);
    }

    #[test]
    fn refuses_wrong_length() {
        let error = CreditCode::parse("91350100M000100Y4").unwrap_err();
        assert_eq!(error.code, "invalid_credit_code_length");
        assert!(error.message.contains("18 位"), "{}", error.message);
        assert_eq!(
            CreditCode::parse("").unwrap_err().code,
            "invalid_credit_code_length"
        );
    }

    #[test]
    fn refuses_illegal_characters() {
        // 'I' is not part of the alphabet, nor is a Chinese character.
        let error = CreditCode::parse("91350100I000100Y43").unwrap_err();
        assert_eq!(error.code, "invalid_credit_code_char");
        assert!(error.message.contains("第 9 位"), "{}", error.message);
        let error = CreditCode::parse("91350100中000100Y43").unwrap_err();
        assert_eq!(error.code, "invalid_credit_code_char");
    }

    #[test]
    fn refuses_wrong_check_character() {
        let error = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(error.code, "invalid_credit_code_check");
        assert_eq!(error.message, "统一社会信用代码校验位错误");
    }

    #[test]
    fn error_messages_are_distinct() {
        let messages = [
            "91350100M000100Y4",
            "91350100I000100Y43",
            "91350100M000100Y44",
        ]
        .map(|input| CreditCode::parse(input).unwrap_err().message);
        assert_ne!(messages[0], messages[1]);
        assert_ne!(messages[1], messages[2]);
        assert_ne!(messages[0], messages[2]);
    }

    #[test]
    fn check_char_needs_seventeen_alphabet_characters() {
        assert_eq!(check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(check_char("91350100m000100y4"), Some('3'));
        assert_eq!(check_char("91350100M000100Y"), None);
        assert_eq!(check_char("91350100M000100Y43"), None);
        assert_eq!(check_char("91350100O000100Y4"), None);
    }

    #[test]
    fn serde_goes_through_parse() {
        let code: CreditCode = serde_json::from_str("\"91350100m000100y43\"").unwrap();
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            format!("\"{VALID}\"")
        );
        assert!(serde_json::from_str::<CreditCode>("\"91350100M000100Y44\"").is_err());
    }

    #[test]
    fn every_single_character_change_is_refused() {
        // Exhaustive version of the property below: 18 positions × 30 other characters.
        for position in 0..LENGTH {
            for replacement in CREDIT_CODE_ALPHABET.chars() {
                let mut chars: Vec<char> = VALID.chars().collect();
                if chars[position] == replacement {
                    continue;
                }
                chars[position] = replacement;
                let mutated: String = chars.into_iter().collect();
                assert!(CreditCode::parse(&mutated).is_err(), "{mutated} accepted");
            }
        }
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        proptest::sample::select(CREDIT_CODE_ALPHABET.chars().collect::<Vec<_>>())
    }

    proptest! {
        #[test]
        fn any_prefix_with_its_check_char_is_valid(
            prefix in proptest::collection::vec(alphabet_char(), LENGTH - 1)
        ) {
            let prefix: String = prefix.into_iter().collect();
            let check = check_char(&prefix).unwrap();
            let code = CreditCode::parse(&format!("{prefix}{check}")).unwrap();
            prop_assert_eq!(code.as_str(), format!("{prefix}{check}"));
        }

        #[test]
        fn single_character_mutations_of_the_valid_code_are_refused(
            position in 0..LENGTH,
            replacement in alphabet_char(),
        ) {
            let mut chars: Vec<char> = VALID.chars().collect();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let mutated: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&mutated).is_err());
        }

        #[test]
        fn single_character_mutations_of_any_valid_code_are_refused(
            prefix in proptest::collection::vec(alphabet_char(), LENGTH - 1),
            position in 0..LENGTH,
            replacement in alphabet_char(),
        ) {
            let mut chars = prefix;
            chars.push(check_char(&chars.iter().collect::<String>()).unwrap());
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let mutated: String = chars.into_iter().collect();
            let error = CreditCode::parse(&mutated).unwrap_err();
            prop_assert_eq!(error.code, "invalid_credit_code_check");
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,24}") {
            let _ = CreditCode::parse(&input);
        }
    }
}

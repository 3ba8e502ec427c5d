//! 电话号码: mainland Chinese mobile (手机号) and landline (固定电话) numbers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::{RefOr, Schema};

use super::error::DomainError;
use super::schema::StringSchema;

/// Which kind of number a [`PhoneNumber`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// 手机号: 11 digits, `1[3-9]` followed by 9 digits.
    Mobile,
    /// 固定电话: area code (区号) and local number.
    Landline,
}

/// A mainland Chinese phone number in canonical form.
///
/// Accepted input: a mobile number `1[3-9]xxxxxxxxx` or a landline number made of an area
/// code (区号: `0` and 2–3 digits) and a 7–8 digit local number, e.g. `028-12345678`,
/// `02812345678` or `0838 1234567`. Spaces and dashes are ignored, and a leading
/// `+86`, `0086` or `86` country code is removed (after it a landline may omit the area
/// code's leading `0`, as in `+86 28 1234 5678`).
///
/// The area code is split off by the numbering plan, not by where the user put a dash:
/// `010` and `02x` are the only three-character area codes, all others have four
/// characters (`0xxx`).
///
/// Canonical form: 11 digits for a mobile (`13812345678`), `area-local` for a landline
/// (`028-12345678`). Error code: `invalid_phone`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct PhoneNumber(String);

fn invalid(message: &str) -> DomainError {
    DomainError::new("invalid_phone", message)
}

impl PhoneNumber {
    /// Parses and normalises a mobile or landline number.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.is_empty() {
            return Err(invalid("请填写电话号码"));
        }
        let (international, digits) = match compact.strip_prefix('+') {
            Some(rest) => match rest.strip_prefix("86") {
                Some(national) => (true, national),
                None => return Err(invalid("只支持中国大陆（+86）的电话号码")),
            },
            None => match compact.strip_prefix("0086") {
                Some(national) => (true, national),
                // A bare "86" prefix is a country code only in front of a full mobile number:
                // no national number starts with 8.
                None => match compact.strip_prefix("86") {
                    Some(national) if national.len() == 11 => (true, national),
                    _ => (false, compact.as_str()),
                },
            },
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("电话号码只能包含数字、空格和短横线"));
        }
        match digits.as_bytes().first() {
            Some(b'1') => Self::mobile(digits),
            Some(b'0') => Self::landline(digits),
            Some(_) if international => Self::landline(&format!("0{digits}")),
            _ => Err(invalid(
                "电话号码格式不正确：手机号以 1 开头，固定电话需带以 0 开头的区号",
            )),
        }
    }

    fn mobile(digits: &str) -> Result<Self, DomainError> {
        if digits.len() != 11 {
            return Err(invalid("手机号应为 11 位数字"));
        }
        if !matches!(digits.as_bytes()[1], b'3'..=b'9') {
            return Err(invalid("手机号号段不正确"));
        }
        Ok(Self(digits.to_owned()))
    }

    fn landline(digits: &str) -> Result<Self, DomainError> {
        let area_length = match digits.as_bytes().get(1) {
            Some(b'1' | b'2') => 3,
            Some(b'3'..=b'9') => 4,
            _ => return Err(invalid("固定电话区号不正确")),
        };
        let (area, local) = digits.split_at(area_length.min(digits.len()));
        if area.starts_with("01") && area != "010" {
            return Err(invalid("固定电话区号不正确"));
        }
        if !(7..=8).contains(&local.len()) {
            return Err(invalid("固定电话号码（不含区号）应为 7 到 8 位数字"));
        }
        if local.starts_with('0') {
            return Err(invalid("固定电话号码（不含区号）不能以 0 开头"));
        }
        Ok(Self(format!("{area}-{local}")))
    }

    /// The canonical form: `13812345678` or `028-12345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a mobile or a landline number.
    pub fn kind(&self) -> PhoneKind {
        if self.0.contains('-') {
            PhoneKind::Landline
        } else {
            PhoneKind::Mobile
        }
    }

    /// The number with its middle digits hidden, for showing to other users:
    /// `138****5678`, `028-****5678`.
    pub fn masked(&self) -> String {
        let tail = &self.0[self.0.len() - 4..];
        match self.0.split_once('-') {
            Some((area, _)) => format!("{area}-****{tail}"),
            None => format!("{}****{tail}", &self.0[..3]),
        }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for PhoneNumber {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.0
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl utoipa::PartialSchema for PhoneNumber {
    fn schema() -> RefOr<Schema> {
        StringSchema {
            description: "电话号码：手机号（11 位）或带区号的固定电话（如 028-12345678）",
            pattern: Some(r"^(1[3-9]\d{9}|0(10|2\d|[3-9]\d{2})-[1-9]\d{6,7})$"),
            min_length: Some(11),
            max_length: Some(13),
            example: "13812345678",
        }
        .build()
    }
}

impl utoipa::ToSchema for PhoneNumber {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn canonical(input: &str) -> String {
        PhoneNumber::parse(input)
            .unwrap_or_else(|error| panic!("{input:?} refused: {error}"))
            .to_string()
    }

    #[test]
    fn normalises_mobile_numbers() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "8613812345678",
            "0086 13812345678",
        ] {
            assert_eq!(canonical(input), "13812345678", "{input:?}");
        }
        let phone = PhoneNumber::parse("19912345678").unwrap();
        assert_eq!(phone.kind(), PhoneKind::Mobile);
        assert_eq!(phone.masked(), "199****5678");
    }

    #[test]
    fn normalises_landline_numbers() {
        for input in [
            "028-12345678",
            "02812345678",
            "028 1234 5678",
            "0281-2345678",
            "+86 28 1234 5678",
            "+86-028-12345678",
        ] {
            assert_eq!(canonical(input), "028-12345678", "{input:?}");
        }
        assert_eq!(canonical("010-62345678"), "010-62345678");
        assert_eq!(canonical("08381234567"), "0838-1234567");
        assert_eq!(canonical("0838-12345678"), "0838-12345678");
        let phone = PhoneNumber::parse("028-12345678").unwrap();
        assert_eq!(phone.kind(), PhoneKind::Landline);
        assert_eq!(phone.masked(), "028-****5678");
    }

    #[test]
    fn refuses_bad_numbers() {
        for input in [
            "",
            "   ",
            "12345678901",  // 12 is not a mobile prefix
            "1381234567",   // 10 digits
            "138123456789", // 12 digits
            "28-12345678",  // area code without 0
            "028-123456",   // local number too short
            "028-123456789",
            "028-02345678", // local number starting with 0
            "011-12345678", // no such area code
            "00-12345678",
            "+1 415 555 0100",
            "138一二345678",
            "(028)12345678",
            "12345",
        ] {
            let error = PhoneNumber::parse(input).unwrap_err();
            assert_eq!(error.code, "invalid_phone", "{input:?}");
        }
        assert_eq!(
            PhoneNumber::parse("1381234567").unwrap_err().message,
            "手机号应为 11 位数字"
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        let phone: PhoneNumber = serde_json::from_str("\"+86 138-1234-5678\"").unwrap();
        assert_eq!(serde_json::to_string(&phone).unwrap(), "\"13812345678\"");
        assert!(serde_json::from_str::<PhoneNumber>("\"110\"").is_err());
    }

    proptest! {
        #[test]
        fn any_mobile_number_is_accepted(number in "1[3-9][0-9]{9}") {
            let phone = PhoneNumber::parse(&number).unwrap();
            prop_assert_eq!(phone.as_str(), number.as_str());
            prop_assert_eq!(phone.kind(), PhoneKind::Mobile);
        }

        #[test]
        fn landline_normalisation_is_idempotent(
            area in "0(10|2[0-9]|[3-9][0-9]{2})",
            local in "[1-9][0-9]{6,7}",
            separator in "(-| |)",
        ) {
            let phone = PhoneNumber::parse(&format!("{area}{separator}{local}")).unwrap();
            let expected = format!("{area}-{local}");
            prop_assert_eq!(phone.as_str(), expected.as_str());
            prop_assert_eq!(PhoneNumber::parse(phone.as_str()).unwrap(), phone);
        }

        #[test]
        fn canonical_form_is_a_fixed_point(input in "\\+?[0-9 -]{0,16}") {
            if let Ok(phone) = PhoneNumber::parse(&input) {
                prop_assert_eq!(PhoneNumber::parse(phone.as_str()).unwrap(), phone);
            }
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,20}") {
            let _ = PhoneNumber::parse(&input);
        }
    }
}

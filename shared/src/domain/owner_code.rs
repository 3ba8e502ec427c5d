//! 业主表决码: the one-time code printed on the paper notice for one unit, with which its
//! owner takes part without an account (casts a ballot, answers a survey, asks to inspect,
//! checks that the ballot was counted).
//!
//! A code is 12 symbols of Crockford's base 32 (no I, L, O or U: nothing to misread on
//! paper), 60 random bits, printed in groups of four (`7KQ2-M9XD-4HTC`). Reading it back
//! forgives what people do when they type it: lower case, spaces, dashes, and O/I/L typed
//! for 0/1/1. Only its SHA-256 digest is stored; 2⁶⁰ guesses are out of reach online (and
//! the entry is throttled), and a stolen table of digests names no code.

use std::fmt;

use sha2::{Digest, Sha256};

use super::DomainError;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 12;

/// A valid code (as typed or as made), normalised to its 12 symbols.
#[derive(Clone, PartialEq, Eq)]
pub struct OwnerCode(String);

impl fmt::Debug for OwnerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnerCode([redacted])")
    }
}

impl OwnerCode {
    /// A new random code.
    pub fn generate() -> Result<Self, DomainError> {
        let mut bytes = [0u8; LEN];
        getrandom::fill(&mut bytes)
            .map_err(|_| DomainError::new("no_randomness", "无法生成表决码，请稍后再试"))?;
        Ok(Self(
            bytes
                .iter()
                .map(|b| ALPHABET[usize::from(b & 31)] as char)
                .collect(),
        ))
    }

    /// Reads a code as an owner types it.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let mut out = String::with_capacity(LEN);
        for c in input.chars() {
            if c.is_whitespace() || c == '-' || c == '－' {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !ALPHABET.contains(&(c as u32).try_into().unwrap_or(b'?')) || out.len() >= LEN {
                return Err(Self::invalid());
            }
            out.push(c);
        }
        if out.len() != LEN {
            return Err(Self::invalid());
        }
        Ok(Self(out))
    }

    fn invalid() -> DomainError {
        DomainError::new(
            "invalid_owner_code",
            "表决码应为通知单上的 12 位字母和数字（如 7KQ2-M9XD-4HTC）",
        )
    }

    /// The SHA-256 digest to store and look up, as 64 lowercase hex digits.
    pub fn digest(&self) -> String {
        let hash = Sha256::digest(self.0.as_bytes());
        hash.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The code as printed: `7KQ2-M9XD-4HTC`.
    pub fn printed(&self) -> String {
        let s = &self.0;
        format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_printed_code_reads_back_as_people_type_it() {
        let code = OwnerCode::generate().unwrap();
        let printed = code.printed();
        assert_eq!(printed.len(), 14);
        assert_eq!(OwnerCode::parse(&printed).unwrap(), code);
        assert_eq!(OwnerCode::parse(&printed.to_lowercase()).unwrap(), code);
        assert_eq!(
            OwnerCode::parse(&printed.replace('-', " "))
                .unwrap()
                .digest(),
            code.digest()
        );
        assert_eq!(
            OwnerCode::parse("7kq2 m9xd 4htc").unwrap(),
            OwnerCode::parse("7KQ2-M9XD-4HTC").unwrap()
        );
        assert_eq!(
            OwnerCode::parse("O1IL-0000-0000").unwrap(),
            OwnerCode::parse("0111-0000-0000").unwrap()
        );
        for bad in [
            "",
            "7KQ2-M9XD-4HT",
            "7KQ2-M9XD-4HTCX",
            "7KQ2-M9XD-4HTU",
            "表决码表决码表决码表决码",
        ] {
            assert!(OwnerCode::parse(bad).is_err(), "{bad}");
        }
        assert!(!format!("{code:?}").contains(&code.0));
    }

    #[test]
    fn codes_differ_and_digests_are_stable() {
        let a = OwnerCode::generate().unwrap();
        let b = OwnerCode::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.digest(), OwnerCode::parse(&a.printed()).unwrap().digest());
        assert_eq!(a.digest().len(), 64);
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in ".{0,64}") {
            if let Ok(code) = OwnerCode::parse(&s) {
                prop_assert_eq!(OwnerCode::parse(&code.printed()).unwrap(), code);
            }
        }
    }
}

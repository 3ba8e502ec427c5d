//! Random secrets (feed tokens, webhook secrets), their digests, and the delivery
//! signature (HMAC-SHA256).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes as hex, after `prefix`.
pub fn random(prefix: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// SHA-256 of `text`, hex: how a feed token is kept.
pub fn digest(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The signature of a delivery: HMAC-SHA256 with the webhook's secret over
/// `<timestamp>.<body>`, hex (sent as `X-Wuye-Signature: sha256=<hex>`).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 (key "Jefe"), with the message split as `<timestamp>.<body>`
    /// would not give it: so checked through the same primitive on a known vector.
    #[test]
    fn hmac_matches_a_known_vector() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // The signature covers the timestamp and the body.
        assert_ne!(signature("s", 1, b"{}"), signature("s", 2, b"{}"));
        assert_ne!(signature("s", 1, b"{}"), signature("t", 1, b"{}"));
        assert_eq!(signature("s", 1, b"{}").len(), 64);
    }

    #[test]
    fn secrets_are_random_and_digests_stable() {
        let a = random("wh_").unwrap();
        assert!(a.starts_with("wh_") && a.len() == 67);
        assert_ne!(a, random("wh_").unwrap());
        assert_eq!(digest("x"), digest("x"));
        assert_ne!(digest("x"), digest("y"));
    }
}

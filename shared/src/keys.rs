//! Token keys: one Ed25519 key pair per signing service, so a token says who signed it and
//! a service can only sign what it is entitled to.
//!
//! The catalog holds the accounts and signs sign-in tokens; tender and matching each sign
//! only their own service token (`service:tender`, `service:matching`) for reading feeds.
//! Every service verifies with the public keys alone, and the token header's `kid` names the
//! signer. A token whose claims its signer may not sign is refused like a forged one, so a
//! compromised tender or matching process cannot mint an association (or any account's)
//! token, and the pages, which sign nothing, hold no private key at all.
//!
//! Keys are kept as standard PEM files in a folder: `<signer>.pub` (SubjectPublicKeyInfo)
//! for every signer, and `<signer>.key` (PKCS#8, mode 0600) only where that signer runs.
//! `openssl genpkey -algorithm ed25519` makes the same private-key format.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use crate::error::Problem;
use crate::identity::{Claims, Identity, Role, Scope};

/// A service that signs tokens with a key of its own (the `kid` of its tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signer {
    /// Sign-in tokens of every account, and anything else (the catalog owns the accounts).
    Catalog,
    /// Only `service:tender`.
    Tender,
    /// Only `service:matching`.
    Matching,
}

impl Signer {
    pub const ALL: [Signer; 3] = [Signer::Catalog, Signer::Tender, Signer::Matching];

    pub fn as_str(self) -> &'static str {
        match self {
            Signer::Catalog => "catalog",
            Signer::Tender => "tender",
            Signer::Matching => "matching",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether this signer is entitled to sign these claims: the catalog signs for every
    /// account; another service only its own service token.
    pub fn may_sign(self, claims: &Claims) -> bool {
        match self {
            Signer::Catalog => true,
            other => {
                claims.role == Role::Service
                    && claims.scope == Scope::City
                    && claims.sub == format!("service:{}", other.as_str())
            }
        }
    }
}

/// The key pairs a process knows: every signer's public key, and the private keys of the
/// signers it runs as.
pub struct KeyRing {
    public: BTreeMap<Signer, VerifyingKey>,
    private: BTreeMap<Signer, SigningKey>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("public", &self.public.keys().collect::<Vec<_>>())
            .field("private", &self.private.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn random_key() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

impl KeyRing {
    /// A new key pair for every signer (tests, and tools that serve feeds to themselves).
    pub fn generate() -> anyhow::Result<Self> {
        let mut private = BTreeMap::new();
        for signer in Signer::ALL {
            private.insert(signer, random_key()?);
        }
        let public = private
            .iter()
            .map(|(s, k)| (*s, k.verifying_key()))
            .collect();
        Ok(Self { public, private })
    }

    /// The keys kept in `dir`: every signer's `<signer>.pub` (all required), and the private
    /// `<signer>.key` of each signer in `private` (each required, and refused when other
    /// users may read it or it does not match its public key). Other private keys in the
    /// folder are never read.
    pub fn load(dir: &Path, private: &[Signer]) -> anyhow::Result<Self> {
        let mut ring = Self {
            public: BTreeMap::new(),
            private: BTreeMap::new(),
        };
        for signer in Signer::ALL {
            let path = dir.join(format!("{}.pub", signer.as_str()));
            let pem = std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "reading {} (make the keys with `wuye admin keygen --keys-dir {}`)",
                    path.display(),
                    dir.display()
                )
            })?;
            let key = VerifyingKey::from_public_key_pem(pem.trim())
                .map_err(|e| anyhow::anyhow!("{} is no Ed25519 public key: {e}", path.display()))?;
            ring.public.insert(signer, key);
        }
        for &signer in private {
            let path = dir.join(format!("{}.key", signer.as_str()));
            refuse_shared_file(&path)?;
            let pem = secrecy::SecretString::from(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
            let key = SigningKey::from_pkcs8_pem(secrecy::ExposeSecret::expose_secret(&pem).trim())
                .map_err(|e| {
                    anyhow::anyhow!("{} is no Ed25519 private key: {e}", path.display())
                })?;
            anyhow::ensure!(
                Some(&key.verifying_key()) == ring.public.get(&signer),
                "{} does not belong to {}.pub",
                path.display(),
                signer.as_str()
            );
            ring.private.insert(signer, key);
        }
        Ok(ring)
    }

    /// The keys in `dir`, made first where missing (`wuye up`'s data folder, `wuye admin
    /// keygen`): every private key file is created with mode 0600 in the call that creates
    /// it. Answers the ring with every private key.
    pub fn create(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for signer in Signer::ALL {
            let key_path = dir.join(format!("{}.key", signer.as_str()));
            let pub_path = dir.join(format!("{}.pub", signer.as_str()));
            if key_path.exists() {
                continue;
            }
            let key = random_key()?;
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| anyhow::anyhow!("encoding a private key: {e}"))?;
            match create_private(&key_path) {
                Ok(mut file) => {
                    use std::io::Write;
                    file.write_all(pem.as_bytes())
                        .and_then(|()| file.sync_all())
                        .with_context(|| format!("writing {}", key_path.display()))?;
                }
                // Another process made it first: keep theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(
                        anyhow::Error::new(e).context(format!("creating {}", key_path.display()))
                    );
                }
            }
            let public = key
                .verifying_key()
                .to_public_key_pem(LineEnding::LF)
                .map_err(|e| anyhow::anyhow!("encoding a public key: {e}"))?;
            std::fs::write(&pub_path, public)
                .with_context(|| format!("writing {}", pub_path.display()))?;
        }
        // A public key lost beside its private key is written again from it.
        for signer in Signer::ALL {
            let pub_path = dir.join(format!("{}.pub", signer.as_str()));
            if !pub_path.exists() {
                let key_path = dir.join(format!("{}.key", signer.as_str()));
                let pem = std::fs::read_to_string(&key_path)
                    .with_context(|| format!("reading {}", key_path.display()))?;
                let key = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|e| {
                    anyhow::anyhow!("{} is no Ed25519 private key: {e}", key_path.display())
                })?;
                let public = key
                    .verifying_key()
                    .to_public_key_pem(LineEnding::LF)
                    .map_err(|e| anyhow::anyhow!("encoding a public key: {e}"))?;
                std::fs::write(&pub_path, public)
                    .with_context(|| format!("writing {}", pub_path.display()))?;
            }
        }
        Self::load(dir, &Signer::ALL)
    }

    /// The token keys of a process that signs as `signer` (`None`: verifies only, as the
    /// pages do), with sign-ins lasting `ttl_secs`.
    pub fn token_keys(&self, signer: Option<Signer>, ttl_secs: i64) -> anyhow::Result<TokenKeys> {
        let signing = match signer {
            None => None,
            Some(s) => {
                let key = self
                    .private
                    .get(&s)
                    .with_context(|| format!("no private key for {}", s.as_str()))?;
                let der = key
                    .to_pkcs8_der()
                    .map_err(|e| anyhow::anyhow!("encoding a private key: {e}"))?;
                Some((s, EncodingKey::from_ed_der(der.as_bytes())))
            }
        };
        let verifying = self
            .public
            .iter()
            .map(|(s, k)| (*s, DecodingKey::from_ed_der(k.as_bytes())))
            .collect();
        Ok(TokenKeys {
            signing,
            verifying,
            ttl_secs,
        })
    }
}

/// Refuses a private key file that others may read.
fn refuse_shared_file(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("reading {}", path.display()))?
            .permissions()
            .mode();
        anyhow::ensure!(
            mode & 0o077 == 0,
            "{} may be read by other users (mode {:o}): `chmod 600` it",
            path.display(),
            mode & 0o777
        );
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A new file only its owner can read and write (fails if it exists).
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// What one process signs and verifies with.
pub struct TokenKeys {
    signing: Option<(Signer, EncodingKey)>,
    verifying: BTreeMap<Signer, DecodingKey>,
    ttl_secs: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("signs_as", &self.signing.as_ref().map(|(s, _)| s))
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

impl TokenKeys {
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Who this process signs as.
    pub fn signer(&self) -> Option<Signer> {
        self.signing.as_ref().map(|(s, _)| *s)
    }

    /// Signs a token for an identity, valid for the configured time.
    pub fn issue(&self, identity: &Identity) -> anyhow::Result<String> {
        self.issue_for(identity, self.ttl_secs)
    }

    /// Signs a token valid for `ttl_secs`; refused when this process has no private key or
    /// its signer may not sign for this identity.
    pub fn issue_for(&self, identity: &Identity, ttl_secs: i64) -> anyhow::Result<String> {
        let (signer, key) = self
            .signing
            .as_ref()
            .context("this process holds no private key and signs no tokens")?;
        let now_ms = crate::db::now_ms();
        let now = now_ms.div_euclid(1000);
        let claims = Claims {
            sub: identity.account_id.clone(),
            name: identity.name.clone(),
            role: identity.role,
            scope: identity.scope.clone(),
            iat: now,
            iat_ms: Some(now_ms),
            exp: now + ttl_secs,
            jti: if identity.token_id.is_empty() {
                uuid::Uuid::new_v4().to_string()
            } else {
                identity.token_id.clone()
            },
        };
        anyhow::ensure!(
            signer.may_sign(&claims),
            "the {} key may not sign a token for {} ({:?})",
            signer.as_str(),
            claims.sub,
            claims.role
        );
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(signer.as_str().to_string());
        Ok(jsonwebtoken::encode(&header, &claims, key)?)
    }

    /// A token for another wuye service to call with (feeds, internal look-ups). Tender and
    /// matching may only name themselves.
    pub fn service_token(&self, service: &str) -> anyhow::Result<String> {
        self.issue_for(
            &Identity {
                account_id: format!("service:{service}"),
                name: service.to_string(),
                role: Role::Service,
                scope: Scope::City,
                token_id: String::new(),
            },
            365 * 24 * 3600,
        )
    }

    /// Verifies signature and expiry (not whether the session has ended: see
    /// [`crate::auth::Auth::identify`]).
    pub fn verify(&self, token: &str) -> Result<Identity, Problem> {
        self.verify_claims(token).map(Claims::into_identity)
    }

    /// Verifies the signature with the key of the signer the header names, the expiry, and
    /// that the signer may sign these claims; answers the claims.
    pub fn verify_claims(&self, token: &str) -> Result<Claims, Problem> {
        let invalid = || Problem::unauthorized().with_detail("登录已失效或凭证无效，请重新登录。");
        // The header is read before any signature check only to pick the key.
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::EdDSA {
            return Err(invalid());
        }
        let signer = header
            .kid
            .as_deref()
            .and_then(Signer::parse)
            .ok_or_else(invalid)?;
        let key = self.verifying.get(&signer).ok_or_else(invalid)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        // The expiry is required, and checked below on the platform's clock (the one that
        // signed it; see `crate::clock::Travel`), 5 s of leeway.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp"]);
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|_| invalid())?;
        if claims.exp + 5 < crate::clock::now_ms().div_euclid(1000) {
            return Err(invalid());
        }
        if !signer.may_sign(&claims) {
            tracing::warn!(
                signer = signer.as_str(),
                sub = %claims.sub,
                "a token signed by a key not entitled to its claims was refused"
            );
            return Err(invalid());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firm() -> Identity {
        Identity {
            account_id: "a1".into(),
            name: "某物业".into(),
            role: Role::Firm,
            scope: Scope::Firm("f1".into()),
            token_id: String::new(),
        }
    }

    fn association() -> Identity {
        Identity {
            account_id: "x".into(),
            name: "协会".into(),
            role: Role::Association,
            scope: Scope::City,
            token_id: String::new(),
        }
    }

    #[test]
    fn round_trip() {
        let ring = KeyRing::generate().unwrap();
        let k = ring.token_keys(Some(Signer::Catalog), 3600).unwrap();
        let t = k.issue(&firm()).unwrap();
        let id = k.verify(&t).unwrap();
        assert_eq!(id.role, Role::Firm);
        assert_eq!(id.scope, Scope::Firm("f1".into()));
        assert!(!id.token_id.is_empty());
        // Any process with the public keys verifies it.
        let pages = ring.token_keys(None, 3600).unwrap();
        assert_eq!(pages.verify(&t).unwrap().account_id, "a1");
        assert!(pages.issue(&firm()).is_err(), "the pages sign nothing");
    }

    #[test]
    fn expired_and_forged_tokens_are_refused() {
        let ring = KeyRing::generate().unwrap();
        let k = ring.token_keys(Some(Signer::Catalog), 3600).unwrap();
        let expired = k.issue_for(&firm(), -60).unwrap();
        assert_eq!(k.verify(&expired).unwrap_err().status, 401);
        let other = KeyRing::generate().unwrap();
        let forged = other
            .token_keys(Some(Signer::Catalog), 3600)
            .unwrap()
            .issue(&firm())
            .unwrap();
        assert_eq!(k.verify(&forged).unwrap_err().status, 401);
        assert_eq!(k.verify("garbage").unwrap_err().status, 401);
    }

    #[test]
    fn a_service_key_signs_only_its_own_service_token() {
        let ring = KeyRing::generate().unwrap();
        let catalog = ring.token_keys(Some(Signer::Catalog), 3600).unwrap();
        let tender = ring.token_keys(Some(Signer::Tender), 3600).unwrap();
        let own = tender.service_token("tender").unwrap();
        assert_eq!(catalog.verify(&own).unwrap().role, Role::Service);
        assert!(tender.issue(&association()).is_err());
        assert!(tender.service_token("catalog").is_err());
        let matching = ring.token_keys(Some(Signer::Matching), 3600).unwrap();
        assert!(matching.service_token("tender").is_err());
        assert!(matching.service_token("matching").is_ok());
    }

    #[test]
    fn claims_a_key_may_not_sign_are_refused_even_when_validly_signed() {
        // What a compromised tender process could do: sign association claims with its
        // own key, by hand.
        let ring = KeyRing::generate().unwrap();
        let key = ring.private.get(&Signer::Tender).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let now = crate::db::now_ms() / 1000;
        let claims = Claims {
            sub: "x".into(),
            name: "协会".into(),
            role: Role::Association,
            scope: Scope::City,
            iat: now,
            iat_ms: None,
            exp: now + 600,
            jti: "j".into(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some("tender".into());
        let minted =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(der.as_bytes()))
                .unwrap();
        let catalog = ring.token_keys(Some(Signer::Catalog), 3600).unwrap();
        assert_eq!(catalog.verify(&minted).unwrap_err().status, 401);
        // The same claims naming the catalog as signer fail the signature check.
        header.kid = Some("catalog".into());
        let relabelled =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(der.as_bytes()))
                .unwrap();
        assert_eq!(catalog.verify(&relabelled).unwrap_err().status, 401);
        // No kid, an unknown kid, or a symmetric algorithm: refused.
        header.kid = None;
        let anonymous =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(der.as_bytes()))
                .unwrap();
        assert_eq!(catalog.verify(&anonymous).unwrap_err().status, 401);
        let mut hs = Header::new(Algorithm::HS256);
        hs.kid = Some("catalog".into());
        let symmetric =
            jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(&[7u8; 32])).unwrap();
        assert_eq!(catalog.verify(&symmetric).unwrap_err().status, 401);
    }

    #[cfg(unix)]
    #[test]
    fn keys_kept_in_a_folder_are_private_and_load_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("wuye-keys-{}", uuid::Uuid::new_v4()));
        let made = KeyRing::create(&dir).unwrap();
        for signer in Signer::ALL {
            let path = dir.join(format!("{}.key", signer.as_str()));
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{} mode {mode:o}", path.display());
        }
        let token = made
            .token_keys(Some(Signer::Catalog), 60)
            .unwrap()
            .issue(&firm())
            .unwrap();
        // Made again: kept, not replaced.
        let again = KeyRing::create(&dir).unwrap();
        assert!(again.token_keys(None, 60).unwrap().verify(&token).is_ok());
        // A tender process reads the public keys and its own private key only.
        let tender = KeyRing::load(&dir, &[Signer::Tender]).unwrap();
        assert!(tender.token_keys(Some(Signer::Catalog), 60).is_err());
        let keys = tender.token_keys(Some(Signer::Tender), 60).unwrap();
        assert!(keys.verify(&token).is_ok());
        // A private key others may read is refused.
        let path = dir.join("tender.key");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(KeyRing::load(&dir, &[Signer::Tender]).is_err());
        // Missing public keys are an error that says how to make them.
        let empty = std::env::temp_dir().join(format!("wuye-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&empty).unwrap();
        let err = KeyRing::load(&empty, &[]).unwrap_err().to_string();
        assert!(err.contains("keygen"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&empty);
    }
}

//! Configuration pieces every service shares, and the layered loader: built-in defaults,
//! then an optional TOML file, then `WUYE_…` environment variables (nested keys with `__`,
//! e.g. `WUYE_AUTH__TOKEN_TTL_SECS`). Secrets are [`SecretString`]s: they never print.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Token signing shared by all services.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthConfig {
    /// HS256 key shared by the services (at least 32 bytes).
    pub token_secret: SecretString,
    /// How long a sign-in lasts.
    #[serde(default = "default_ttl")]
    pub token_ttl_secs: i64,
}

fn default_ttl() -> i64 {
    12 * 3600
}

/// Loads `T` from defaults, an optional TOML file and the environment.
pub fn load<T: DeserializeOwned + Serialize>(
    defaults: &T,
    file: Option<&Path>,
) -> anyhow::Result<T> {
    let mut figment = Figment::from(Serialized::defaults(defaults));
    if let Some(path) = file {
        anyhow::ensure!(
            path.exists(),
            "configuration file {} not found",
            path.display()
        );
        figment = figment.merge(Toml::file(path));
    }
    figment = figment.merge(Env::prefixed("WUYE_").split("__"));
    Ok(figment.extract()?)
}

//! Configuration pieces every service shares, and the layered loader: built-in defaults,
//! then an optional TOML file, then `WUYE_…` environment variables (nested keys with `__`,
//! e.g. `WUYE_CATALOG__CREDIT__BASE`).

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Serialize, de::DeserializeOwned};

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

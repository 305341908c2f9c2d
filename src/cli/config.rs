//! The config file: TOML in the platform config dir, or `--config PATH`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{CliError, ExitCode, OutputFormat};

/// Settings a user can keep in the config file. Every key is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Broker address used by client commands.
    pub broker: Option<String>,
    /// Default output format.
    pub output: Option<OutputFormat>,
    /// Data dir used by `serve`.
    pub data_dir: Option<PathBuf>,
    /// Fsync policy used by `serve`: always, interval:<ms> or never.
    pub fsync: Option<String>,
}

impl Config {
    /// The default config file path, if the platform has a config dir.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "flashq").map(|d| d.config_dir().join("config.toml"))
    }

    /// Loads `path`, or the default file when it exists; a missing default file is an empty config.
    pub fn load(path: Option<&Path>) -> Result<Config, CliError> {
        let (path, must_exist) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match Self::default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(CliError::new(
                    ExitCode::InvalidInput,
                    format!("cannot read config file {}: {e}", path.display()),
                ));
            }
        };
        toml::from_str(&text).map_err(|e| {
            CliError::new(
                ExitCode::InvalidInput,
                format!(
                    "config file {} is not valid: {}",
                    path.display(),
                    e.message()
                ),
            )
        })
    }
}

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
    /// Bearer token sent to brokers started with `--auth-tokens`.
    pub token: Option<String>,
    /// Client commands talk TLS, trusting the CA certificates in this PEM file.
    pub tls_ca: Option<PathBuf>,
    /// The client's certificate chain, for brokers that require one (`serve` ignores it).
    pub tls_cert: Option<PathBuf>,
    /// The private key of `tls_cert` (`serve` ignores it).
    pub tls_key: Option<PathBuf>,
}

/// The comment at the top of a file written by `flashq init`.
const FILE_HEADER: &str = "# FlashQ config, written by `flashq init`. Every key is optional.\n\
# Precedence: command-line flag > environment (FLASHQ_*) > this file > default.\n\
# See docs/operations.md for every key.\n";

impl Config {
    /// The default config file path, if the platform has a config dir.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "flashq").map(|d| d.config_dir().join("config.toml"))
    }

    /// The file's text: a header comment, then the keys that are set.
    pub fn to_toml(&self) -> Result<String, CliError> {
        let body = toml::to_string(self)
            .map_err(|e| CliError::new(ExitCode::Failure, format!("cannot encode config: {e}")))?;
        Ok(format!("{FILE_HEADER}{body}"))
    }

    /// Writes the file crash-safely: a temp file beside it, fsync, rename over, fsync the dir.
    /// A crash leaves either the old file or the new one, never a torn one. The file is
    /// readable by its owner only when it holds a token.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let text = self.to_toml()?;
        let failed = |what: &str, e: std::io::Error| {
            CliError::new(
                ExitCode::Failure,
                format!("cannot {what} {}: {e}", path.display()),
            )
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| failed("create the dir of", e))?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "config.toml".to_string());
        let temp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
        let written = (|| {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mode = if self.token.is_some() { 0o600 } else { 0o644 };
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(mode)
                .open(&temp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temp, path)?;
            std::fs::File::open(&dir)?.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(failed("write", e));
        }
        Ok(())
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

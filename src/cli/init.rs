//! `flashq init`: first-time setup that writes the config file.
//!
//! On a terminal it asks (dialoguer); with flags it asks nothing, for scripts. Without a
//! terminal and without flags it fails at once instead of waiting for answers that never come.
//! Prompts go to stderr; stdout carries the written config, the command's result.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Password, Select};
use serde::Serialize;

use crate::client::{Client, DEFAULT_BROKER};
use crate::storage::FsyncPolicy;

use super::config::Config;
use super::exit::prompt_failed;
use super::output::print_json;
use super::{CliError, Context, ExitCode, GlobalArgs, OutputFormat};

/// How long the connection check may take before it reports that nothing answered.
const PROBE_TIMEOUT_MS: u64 = 5_000;
/// The fsync interval offered when the user picks `interval`.
const DEFAULT_FSYNC_INTERVAL_MS: u64 = 1_000;

/// `flashq init` flags: any of the settings makes it non-interactive. The global `--broker`,
/// `--token`, `--tls-ca`, `--tls-cert` and `--tls-key`, typed on its command line, are saved as
/// `broker`, `token`, `tls_ca`, `tls_cert` and `tls_key` (from the environment they are not: a
/// variable set for every command is not a setting asked for).
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Output format client commands use (saved as `output`; -o is how init prints its result)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub default_output: Option<OutputFormat>,
    /// Data dir `flashq serve` uses (saved as `data_dir`)
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Fsync policy `flashq serve` uses: always, interval:<ms> or never (saved as `fsync`)
    #[arg(long, value_name = "POLICY")]
    pub fsync: Option<FsyncPolicy>,
    /// Ask nothing: write from the flags (and the existing file's other keys), overwriting it
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Do not try to reach the broker
    #[arg(long)]
    pub no_check: bool,
}

/// The global flags init saves, by clap id.
const SAVED_GLOBAL_FLAGS: [&str; 5] = ["broker", "token", "tls_ca", "tls_cert", "tls_key"];

impl InitArgs {
    fn has_values(&self, global: &GlobalArgs) -> bool {
        self.default_output.is_some()
            || self.data_dir.is_some()
            || self.fsync.is_some()
            || SAVED_GLOBAL_FLAGS
                .iter()
                .any(|id| global.given.contains(id))
    }
}

/// What init saves from the global flags: those typed on its command line.
struct SavedGlobals {
    broker: Option<String>,
    token: Option<String>,
    tls_ca: Option<PathBuf>,
    /// The client's certificate and key: both or neither.
    tls_identity: Option<(PathBuf, PathBuf)>,
}

impl SavedGlobals {
    fn of(global: &GlobalArgs) -> Result<SavedGlobals, CliError> {
        let typed = |id: &str| global.given.contains(id);
        let broker = match global.broker.as_deref().filter(|_| typed("broker")) {
            Some(address) => Some(crate::client::validate_address(address).map_err(|e| {
                CliError::new(ExitCode::Usage, format!("--broker {address:?}: {e}"))
            })?),
            None => None,
        };
        let cert = global.tls_cert.clone().filter(|_| typed("tls_cert"));
        let key = global.tls_key.clone().filter(|_| typed("tls_key"));
        let tls_identity = match (cert, key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => {
                return Err(CliError::new(
                    ExitCode::Usage,
                    "--tls-cert and --tls-key go together: the client's certificate and its key",
                ));
            }
        };
        Ok(SavedGlobals {
            broker,
            token: global.token.clone().filter(|_| typed("token")),
            tls_ca: global.tls_ca.clone().filter(|_| typed("tls_ca")),
            tls_identity,
        })
    }
}

/// What `-o json` prints: where the file went and what it holds (the token masked).
#[derive(Serialize)]
struct Written<'a> {
    path: &'a Path,
    written: bool,
    config: Config,
}

/// Runs `flashq init`; the global `--config` is where the file goes.
pub async fn run(args: InitArgs, ctx: &Context, global: &GlobalArgs) -> anyhow::Result<()> {
    let saved = SavedGlobals::of(global)?;
    let path = match global.config.as_deref() {
        Some(path) => path.to_path_buf(),
        None => Config::default_path().ok_or_else(|| {
            CliError::new(ExitCode::Failure, "this platform has no config dir")
                .with_hint("choose a file with --config PATH")
        })?,
    };
    let terminal = std::io::stdin().is_terminal();
    let interactive = !args.has_values(global) && !args.yes;
    if interactive && !terminal {
        return Err(CliError::new(
            ExitCode::Usage,
            "flashq init asks its questions on a terminal, and stdin is not one",
        )
        .with_hint(
            "for scripts, pass the settings as flags: flashq init --broker URL \
             --default-output text --data-dir DIR --fsync always --yes (see flashq init --help)",
        )
        .into());
    }
    let exists = path.exists();
    // The existing file's keys are the defaults; a broken file is what init is there to fix.
    let current = if exists {
        Config::load(Some(&path)).unwrap_or_default()
    } else {
        Config::default()
    };

    let config = if interactive {
        eprintln!("Setting up FlashQ: answers go to {}", path.display());
        ask(current, args.no_check).await?
    } else {
        let config = from_flags(current, &args, saved);
        if !args.no_check && !ctx.quiet {
            let address = config.broker.as_deref().unwrap_or(DEFAULT_BROKER);
            eprintln!("{}", probe(address).await);
        }
        config
    };

    let confirmed = if !exists || args.yes {
        true
    } else if terminal {
        Confirm::with_theme(&ColorfulTheme::default())
            .with_prompt(format!("{} exists. Overwrite it?", path.display()))
            .default(false)
            .interact()
            .map_err(prompt_failed)?
    } else {
        return Err(CliError::new(
            ExitCode::Conflict,
            format!("{} exists; not overwriting it", path.display()),
        )
        .with_hint("pass --yes to overwrite it")
        .into());
    };
    if confirmed {
        config.save(&path)?;
    }
    show(&path, confirmed, &config, ctx)
}

/// Prints the result: the file's text (or a JSON object) on stdout, a notice on stderr.
fn show(path: &Path, written: bool, config: &Config, ctx: &Context) -> anyhow::Result<()> {
    let mut shown = config.clone();
    if shown.token.is_some() {
        shown.token = Some("********".to_string());
    }
    if ctx.output.is_json() {
        return print_json(&Written {
            path,
            written,
            config: shown,
        });
    }
    if !written {
        if !ctx.quiet {
            eprintln!("kept {} unchanged", path.display());
        }
        return Ok(());
    }
    if !ctx.quiet {
        eprintln!("wrote {}:", path.display());
    }
    print!("{}", shown.to_toml()?);
    Ok(())
}

/// The existing file's keys overridden by the flags; keys still unset get their defaults, so
/// the file says what is in effect.
fn from_flags(current: Config, args: &InitArgs, saved: SavedGlobals) -> Config {
    let (tls_cert, tls_key) = match saved.tls_identity {
        Some((cert, key)) => (Some(cert), Some(key)),
        None => (current.tls_cert, current.tls_key),
    };
    with_defaults(Config {
        broker: saved.broker.or(current.broker),
        output: args.default_output.or(current.output),
        data_dir: args.data_dir.clone().or(current.data_dir),
        fsync: args.fsync.map(|f| f.to_string()).or(current.fsync),
        token: saved.token.or(current.token),
        tls_ca: saved.tls_ca.or(current.tls_ca),
        tls_cert,
        tls_key,
    })
}

fn with_defaults(config: Config) -> Config {
    Config {
        broker: config.broker.or_else(|| Some(DEFAULT_BROKER.to_string())),
        output: config.output.or(Some(OutputFormat::default())),
        data_dir: config
            .data_dir
            .or_else(|| Some(super::serve::default_data_dir())),
        fsync: config
            .fsync
            .or_else(|| Some(FsyncPolicy::default().to_string())),
        ..config
    }
}

/// Asks for every setting, offering the current ones as defaults.
async fn ask(current: Config, no_check: bool) -> anyhow::Result<Config> {
    let current = with_defaults(current);
    let theme = ColorfulTheme::default();

    let broker: String = Input::with_theme(&theme)
        .with_prompt("Broker address")
        .default(current.broker.unwrap_or_default())
        .validate_with(|address: &String| crate::client::validate_address(address).map(|_| ()))
        .interact_text()
        .map_err(prompt_failed)?;
    let broker = crate::client::normalize_address(broker.trim());
    if !no_check {
        eprintln!("{}", probe(&broker).await);
    }

    const FORMATS: [(OutputFormat, &str); 3] = [
        (OutputFormat::Text, "text: for people"),
        (OutputFormat::Table, "table"),
        (OutputFormat::Json, "json: for scripts (NDJSON for records)"),
    ];
    let current_format = current.output.unwrap_or_default();
    let format = Select::with_theme(&theme)
        .with_prompt("Default output format")
        .items(FORMATS.iter().map(|(_, label)| *label))
        .default(
            FORMATS
                .iter()
                .position(|(f, _)| *f == current_format)
                .unwrap_or(0),
        )
        .interact()
        .map_err(prompt_failed)?;
    let output = FORMATS.get(format).map_or(OutputFormat::default(), |f| f.0);

    let data_dir: String = Input::with_theme(&theme)
        .with_prompt("Data dir for `flashq serve`")
        .default(
            current
                .data_dir
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        )
        .validate_with(|dir: &String| {
            if dir.trim().is_empty() {
                Err("a data dir is needed")
            } else {
                Ok(())
            }
        })
        .interact_text()
        .map_err(prompt_failed)?;

    let fsync = ask_fsync(&theme, current.fsync.as_deref())?;

    let token = Password::with_theme(&theme)
        .with_prompt("Auth token (Enter for none)")
        .allow_empty_password(true)
        .interact()
        .map_err(prompt_failed)?;
    let token = match token.trim() {
        "" => current.token,
        token => Some(token.to_string()),
    };

    Ok(Config {
        broker: Some(broker),
        output: Some(output),
        data_dir: Some(PathBuf::from(data_dir.trim())),
        fsync: Some(fsync.to_string()),
        token,
        // Not asked for: kept as the file has them.
        tls_ca: current.tls_ca,
        tls_cert: current.tls_cert,
        tls_key: current.tls_key,
    })
}

fn ask_fsync(theme: &ColorfulTheme, current: Option<&str>) -> anyhow::Result<FsyncPolicy> {
    let current = current
        .and_then(|text| text.parse::<FsyncPolicy>().ok())
        .unwrap_or_default();
    let choices = [
        "always: acknowledged means on disk (safest)",
        "interval: flush every N ms (may lose the last interval on power loss)",
        "never: the OS decides (survives a crash of flashq, not of the machine)",
    ];
    let default = match current {
        FsyncPolicy::Always => 0,
        FsyncPolicy::Interval { .. } => 1,
        FsyncPolicy::Never => 2,
    };
    let choice = Select::with_theme(theme)
        .with_prompt("Fsync policy")
        .items(choices)
        .default(default)
        .interact()
        .map_err(prompt_failed)?;
    Ok(match choice {
        1 => {
            let default_ms = match current {
                FsyncPolicy::Interval { interval_ms } => interval_ms,
                _ => DEFAULT_FSYNC_INTERVAL_MS,
            };
            let interval_ms: u64 = Input::with_theme(theme)
                .with_prompt("Fsync interval in ms")
                .default(default_ms)
                .validate_with(|ms: &u64| if *ms == 0 { Err("must be > 0") } else { Ok(()) })
                .interact_text()
                .map_err(prompt_failed)?;
            FsyncPolicy::Interval { interval_ms }
        }
        2 => FsyncPolicy::Never,
        _ => FsyncPolicy::Always,
    })
}

/// Tries the broker and says what it found, in one line.
async fn probe(address: &str) -> String {
    let attempt = async {
        let client = Client::connect(address).await?;
        client.list_topics().await
    };
    match tokio::time::timeout(Duration::from_millis(PROBE_TIMEOUT_MS), attempt).await {
        Ok(Ok(topics)) => {
            let partitions: u32 = topics.iter().map(|t| t.partitions).sum();
            format!(
                "found a broker at {address}: {} topic(s), {partitions} partition(s)",
                topics.len()
            )
        }
        Ok(Err(e)) => format!(
            "nothing answered at {address} ({e}); saving it anyway (start one with `flashq serve`)"
        ),
        Err(_) => {
            format!("nothing answered at {address} within {PROBE_TIMEOUT_MS} ms; saving it anyway")
        }
    }
}

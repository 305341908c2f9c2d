//! The command line: clap definitions, one file per subcommand, and how results are printed.
//!
//! Every subcommand but `serve` and `inspect-log` talks to a broker through `crate::client`.
//! clap types stay in this module; nothing below it knows the command line exists.

pub mod bench;
pub mod cluster;
pub mod completions;
pub mod config;
pub mod consume;
pub mod demo;
pub mod exit;
pub mod group;
pub mod group_consumer;
pub mod init;
pub mod inspect_log;
pub mod man;
pub mod moves;
pub mod output;
pub mod produce;
pub mod record_format;
pub mod serve;
pub mod shutdown;
pub mod start_args;
pub mod subscribe;
pub mod topic;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::client::BrokerTarget;
use crate::tls::{ClientTls, read_certificates, read_identity};

pub use exit::{CliError, ExitCode};
pub use output::OutputFormat;

/// FlashQ: a Kafka-class record log broker in one executable.
#[derive(Debug, Parser)]
#[command(name = "flashq", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes. Precedence: flag > environment > config file > default.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]
    #[arg(long, global = true, env = "FLASHQ_BROKER", value_name = "URL")]
    pub broker: Option<String>,
    /// Output format [default: text]
    #[arg(short = 'o', long, global = true, env = "FLASHQ_OUTPUT", value_enum)]
    pub output: Option<OutputFormat>,
    /// Config file [default: the platform config dir's flashq/config.toml]
    #[arg(long, global = true, env = "FLASHQ_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Bearer token for brokers that require one [default: the config file's token]
    #[arg(
        long,
        global = true,
        env = "FLASHQ_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the
    /// config file's tls_ca, else plain text]
    #[arg(long, global = true, env = "FLASHQ_TLS_CA", value_name = "PATH")]
    pub tls_ca: Option<PathBuf>,
    /// PEM certificate chain: for serve, the broker's (turns TLS on); for client commands, the
    /// client's, for brokers that require one (mutual TLS, with --tls-ca)
    #[arg(long, global = true, env = "FLASHQ_TLS_CERT", value_name = "PATH")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)
    #[arg(long, global = true, env = "FLASHQ_TLS_KEY", value_name = "PATH")]
    pub tls_key: Option<PathBuf>,
    /// Print only results, no notices
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output on stderr (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log line format on stderr: text for people, json (one object per line) for collectors
    #[arg(long, global = true, env = "FLASHQ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The flags typed on the command line (not from the environment or a default), set by
    /// [`Cli::parse_args`]: a command refuses those it would not use, and `init` saves them.
    #[arg(skip)]
    pub given: GivenFlags,
}

/// Flags given on the command line, by clap id (`broker`, `tls_ca`, ...).
#[derive(Debug, Clone, Default)]
pub struct GivenFlags(std::collections::BTreeSet<String>);

impl GivenFlags {
    /// The command-line flags of `matches` and of every subcommand under it.
    pub fn of(matches: &clap::ArgMatches) -> GivenFlags {
        let mut given = std::collections::BTreeSet::new();
        let mut level = Some(matches);
        while let Some(m) = level {
            for id in m.ids() {
                if m.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine) {
                    given.insert(id.as_str().to_string());
                }
            }
            level = m.subcommand().map(|(_, sub)| sub);
        }
        GivenFlags(given)
    }

    /// Whether the flag with clap id `id` was typed.
    pub fn contains(&self, id: &str) -> bool {
        self.0.contains(id)
    }
}

/// A flag a command does not use, with what to do instead: given on the command line it is
/// refused (exit 2), never silently ignored. From the environment it is no error, as the
/// environment is set for every command alike.
pub struct UnusedFlag {
    /// The clap id (`tls_ca`); the error spells it as typed (`--tls-ca`).
    pub id: &'static str,
    pub hint: &'static str,
}

/// The client-side connection flags, which commands that talk to no broker do not use.
fn connection_flags(hint: &'static str) -> Vec<UnusedFlag> {
    ["broker", "token", "tls_ca", "tls_cert", "tls_key"]
        .into_iter()
        .map(|id| UnusedFlag { id, hint })
        .collect()
}

/// How log lines on stderr are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines
    #[default]
    Text,
    /// One JSON object per line (timestamp, level, target, fields)
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the broker
    Serve(Box<serve::ServeArgs>),
    /// Append records to a topic
    Produce(produce::ProduceArgs),
    /// Read records from a topic
    Consume(consume::ConsumeArgs),
    /// Stream records as they are appended, until Ctrl-C
    Subscribe(subscribe::SubscribeArgs),
    /// Create, list, describe, configure and delete topics
    #[command(subcommand)]
    Topic(topic::TopicCommand),
    /// List, describe, reset and delete consumer groups, or commit offsets for one
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Cluster members, liveness, partition leaders and in-sync replicas
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// Measure throughput and latency of a broker or of the log alone
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Summarise, dump and verify segment files offline (read-only)
    InspectLog(inspect_log::InspectLogArgs),
    /// Write the config file: interactive on a terminal, or from flags for scripts
    Init(init::InitArgs),
    /// Explore FlashQ from a menu, on a throwaway in-memory broker
    Demo(demo::DemoArgs),
    /// Print a shell completion script, or write every shell's script to a dir
    Completions(completions::CompletionsArgs),
    /// Write man pages: flashq.1 and one page per subcommand
    Man(man::ManArgs),
}

/// PEM file paths for TLS, as resolved; the files are read when a command uses them.
#[derive(Debug, Clone, Default)]
pub struct TlsFiles {
    /// CA certificates a client trusts the broker's certificate by; set means TLS.
    pub ca: Option<PathBuf>,
    /// A certificate chain: the broker's for `serve`, the client's for mutual TLS.
    pub cert: Option<PathBuf>,
    /// The private key of `cert`.
    pub key: Option<PathBuf>,
}

impl TlsFiles {
    /// From flags and environment only.
    pub fn from_flags(global: &GlobalArgs) -> TlsFiles {
        TlsFiles {
            ca: global.tls_ca.clone(),
            cert: global.tls_cert.clone(),
            key: global.tls_key.clone(),
        }
    }

    /// Flags and environment over the config file. The certificate and key are taken as a
    /// pair from one source, so a flag's certificate is never matched with the file's key.
    fn resolve(global: &GlobalArgs, config: &config::Config) -> TlsFiles {
        let flags = Self::from_flags(global);
        let (cert, key) = if flags.cert.is_some() || flags.key.is_some() {
            (flags.cert, flags.key)
        } else {
            (config.tls_cert.clone(), config.tls_key.clone())
        };
        TlsFiles {
            ca: flags.ca.or_else(|| config.tls_ca.clone()),
            cert,
            key,
        }
    }

    /// Reads the client's files: `None` without a CA (plain text).
    fn client_tls(&self) -> Result<Option<ClientTls>, CliError> {
        let identity_files = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => {
                return Err(CliError::new(
                    ExitCode::Usage,
                    "--tls-cert and --tls-key go together: the client's certificate and its key",
                ));
            }
        };
        let Some(ca) = &self.ca else {
            if identity_files.is_some() {
                return Err(CliError::new(
                    ExitCode::Usage,
                    "--tls-cert and --tls-key need --tls-ca: the CA to trust the broker by",
                ));
            }
            return Ok(None);
        };
        let ca = read_certificates(ca).map_err(|e| {
            CliError::new(ExitCode::InvalidInput, format!("cannot use --tls-ca: {e}"))
        })?;
        let identity = match identity_files {
            Some((cert, key)) => Some(read_identity(cert, key).map_err(|e| {
                CliError::new(
                    ExitCode::InvalidInput,
                    format!("cannot use --tls-cert/--tls-key: {e}"),
                )
            })?),
            None => None,
        };
        Ok(Some(ClientTls::new(ca, identity)))
    }
}

/// The settings every command resolves from flags, environment, config file and defaults.
#[derive(Debug, Clone)]
pub struct Context {
    pub broker: String,
    pub output: OutputFormat,
    pub quiet: bool,
    pub log_format: LogFormat,
    /// Bearer token sent to the broker, if any.
    pub token: Option<String>,
    /// TLS files for client commands.
    pub tls: TlsFiles,
    pub config: config::Config,
}

/// The broker to use when none is named: the local one, over TLS when a CA is set.
fn default_broker(tls: &TlsFiles) -> String {
    match tls.ca {
        Some(_) => crate::client::DEFAULT_TLS_BROKER.to_string(),
        None => crate::client::DEFAULT_BROKER.to_string(),
    }
}

impl Context {
    /// Resolves the global flags against the config file.
    pub fn resolve(global: &GlobalArgs) -> Result<Context, CliError> {
        let config = config::Config::load(global.config.as_deref())?;
        let tls = TlsFiles::resolve(global, &config);
        Ok(Context {
            broker: global
                .broker
                .clone()
                .or_else(|| config.broker.clone())
                .unwrap_or_else(|| default_broker(&tls)),
            output: global.output.or(config.output).unwrap_or_default(),
            quiet: global.quiet,
            log_format: global.log_format,
            token: global.token.clone().or_else(|| config.token.clone()),
            tls,
            config,
        })
    }

    /// The broker these settings name, with their token and TLS files (read here).
    pub fn target(&self) -> Result<BrokerTarget, CliError> {
        Ok(BrokerTarget {
            address: self.broker.clone(),
            token: self.token.clone(),
            tls: self.tls.client_tls()?,
            acks: crate::client::Acks::default(),
        })
    }

    /// Connects to the broker these settings name.
    pub async fn connect(&self) -> anyhow::Result<crate::client::Client> {
        Ok(self.target()?.connect().await?)
    }

    /// The settings without any config file: flags, environment and defaults only.
    pub fn without_config(global: &GlobalArgs) -> Context {
        let tls = TlsFiles::from_flags(global);
        Context {
            broker: global
                .broker
                .clone()
                .unwrap_or_else(|| default_broker(&tls)),
            output: global.output.unwrap_or_default(),
            quiet: global.quiet,
            log_format: global.log_format,
            token: global.token.clone(),
            tls,
            config: config::Config::default(),
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    cli.command.check_flags(&cli.global.given)?;
    let ctx = match Context::resolve(&cli.global) {
        Ok(ctx) => ctx,
        // `init` is how a broken config file gets rewritten; completions and man never read it.
        Err(_) if !cli.command.reads_config() => Context::without_config(&cli.global),
        Err(e) => return Err(e.into()),
    };
    init_logging(&cli.global, matches!(cli.command, Command::Serve(_)));
    match cli.command {
        Command::Serve(args) => serve::run(*args, &ctx, &TlsFiles::from_flags(&cli.global)).await,
        Command::Produce(args) => produce::run(args, &ctx).await,
        Command::Consume(args) => consume::run(args, &ctx).await,
        Command::Subscribe(args) => subscribe::run(args, &ctx).await,
        Command::Topic(cmd) => topic::run(cmd, &ctx).await,
        Command::Group(cmd) => group::run(cmd, &ctx).await,
        Command::Cluster(cmd) => cluster::run(cmd, &ctx).await,
        Command::Bench(cmd) => bench::run(cmd, &ctx).await,
        Command::InspectLog(args) => inspect_log::run(args, &ctx),
        Command::Init(args) => init::run(args, &ctx, &cli.global).await,
        Command::Demo(args) => demo::run(args, &ctx).await,
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

impl Cli {
    /// Parses the process's arguments (exiting on a usage error, as clap does) and records
    /// which flags were typed.
    pub fn parse_args() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        cli.global.given = GivenFlags::of(&matches);
        cli
    }
}

impl Command {
    /// The command's name as typed after `flashq`.
    fn name(&self) -> &'static str {
        match self {
            Command::Serve(_) => "serve",
            Command::Produce(_) => "produce",
            Command::Consume(_) => "consume",
            Command::Subscribe(_) => "subscribe",
            Command::Topic(_) => "topic",
            Command::Group(_) => "group",
            Command::Cluster(_) => "cluster",
            Command::Bench(cmd) => cmd.name(),
            Command::InspectLog(_) => "inspect-log",
            Command::Init(_) => "init",
            Command::Demo(_) => "demo",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }

    /// The flags this command does not use.
    fn unused_flags(&self) -> Vec<UnusedFlag> {
        const OFFLINE: &str =
            "this command talks to no broker; the connection flags are for the client commands";
        let mut unused = match self {
            Command::Serve(_) => vec![
                UnusedFlag {
                    id: "broker",
                    hint: "serve listens where --listen says; --broker names a broker for the client commands",
                },
                UnusedFlag {
                    id: "token",
                    hint: "serve checks the tokens of --auth-tokens; --token is what a client sends",
                },
                UnusedFlag {
                    id: "tls_ca",
                    hint: "the CA serve trusts client certificates by is --tls-client-ca; --tls-ca is a client's",
                },
                UnusedFlag {
                    id: "output",
                    hint: "serve prints its address and logs (--log-format); -o formats the client commands' results",
                },
            ],
            Command::InspectLog(_) => {
                let mut unused = connection_flags(OFFLINE);
                unused.push(UnusedFlag {
                    id: "config",
                    hint: "inspect-log reads the files it is given and no config file",
                });
                unused
            }
            Command::Completions(_) | Command::Man(_) => {
                let mut unused = connection_flags(OFFLINE);
                unused.push(UnusedFlag {
                    id: "config",
                    hint: "the generated scripts and pages do not depend on a config file",
                });
                unused.push(UnusedFlag {
                    id: "output",
                    hint: "the generated scripts and pages have one format",
                });
                unused
            }
            Command::Demo(_) => connection_flags(
                "the demo runs its own broker in this process; point the other commands at yours",
            ),
            Command::Bench(cmd) => cmd.unused_flags(),
            _ => Vec::new(),
        };
        // Every command sets up its stderr from -q, -v and --log-format.
        unused.retain(|f| !matches!(f.id, "quiet" | "verbose" | "log_format"));
        unused
    }

    /// Refuses a flag given on the command line that this command would not use.
    fn check_flags(&self, given: &GivenFlags) -> Result<(), CliError> {
        match self
            .unused_flags()
            .into_iter()
            .find(|f| given.contains(f.id))
        {
            Some(flag) => Err(CliError::new(
                ExitCode::Usage,
                format!(
                    "--{} has no effect on `flashq {}`",
                    flag.id.replace('_', "-"),
                    self.name()
                ),
            )
            .with_hint(flag.hint)),
            None => Ok(()),
        }
    }

    /// Whether the command needs a valid config file.
    fn reads_config(&self) -> bool {
        !matches!(
            self,
            Command::Init(_) | Command::Completions(_) | Command::Man(_)
        )
    }
}

/// Logs go to stderr. RUST_LOG wins; otherwise `-v` raises the level from the command's default.
fn init_logging(global: &GlobalArgs, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let base = if serving { 2 } else { 1 };
    let level = match (base + global.verbose as usize).saturating_sub(global.quiet as usize) {
        0 => "error",
        1 => "warn",
        2 => "info",
        3 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // try_init: a second call (tests, embedded use) keeps the first subscriber instead of failing.
    let _ = match global.log_format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
}

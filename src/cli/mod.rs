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
    /// Broker address [default: http://127.0.0.1:50051]
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
    /// Print only results, no notices
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output on stderr (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log line format on stderr: text for people, json (one object per line) for collectors
    #[arg(long, global = true, env = "FLASHQ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
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
    Serve(serve::ServeArgs),
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

/// The settings every command resolves from flags, environment, config file and defaults.
#[derive(Debug, Clone)]
pub struct Context {
    pub broker: String,
    pub output: OutputFormat,
    pub quiet: bool,
    pub log_format: LogFormat,
    /// Bearer token sent to the broker, if any.
    pub token: Option<String>,
    pub config: config::Config,
}

impl Context {
    /// Resolves the global flags against the config file.
    pub fn resolve(global: &GlobalArgs) -> Result<Context, CliError> {
        let config = config::Config::load(global.config.as_deref())?;
        Ok(Context {
            broker: global
                .broker
                .clone()
                .or_else(|| config.broker.clone())
                .unwrap_or_else(|| crate::client::DEFAULT_BROKER.to_string()),
            output: global.output.or(config.output).unwrap_or_default(),
            quiet: global.quiet,
            log_format: global.log_format,
            token: global.token.clone().or_else(|| config.token.clone()),
            config,
        })
    }

    /// The broker these settings name, with their token.
    pub fn target(&self) -> crate::client::BrokerTarget {
        crate::client::BrokerTarget {
            address: self.broker.clone(),
            token: self.token.clone(),
        }
    }

    /// Connects to the broker these settings name.
    pub async fn connect(&self) -> Result<crate::client::Client, crate::client::ClientError> {
        self.target().connect().await
    }

    /// The settings without any config file: flags, environment and defaults only.
    pub fn without_config(global: &GlobalArgs) -> Context {
        Context {
            broker: global
                .broker
                .clone()
                .unwrap_or_else(|| crate::client::DEFAULT_BROKER.to_string()),
            output: global.output.unwrap_or_default(),
            quiet: global.quiet,
            log_format: global.log_format,
            token: global.token.clone(),
            config: config::Config::default(),
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = match Context::resolve(&cli.global) {
        Ok(ctx) => ctx,
        // `init` is how a broken config file gets rewritten; completions and man never read it.
        Err(_) if !cli.command.reads_config() => Context::without_config(&cli.global),
        Err(e) => return Err(e.into()),
    };
    init_logging(&cli.global, matches!(cli.command, Command::Serve(_)));
    match cli.command {
        Command::Serve(args) => serve::run(args, &ctx).await,
        Command::Produce(args) => produce::run(args, &ctx).await,
        Command::Consume(args) => consume::run(args, &ctx).await,
        Command::Subscribe(args) => subscribe::run(args, &ctx).await,
        Command::Topic(cmd) => topic::run(cmd, &ctx).await,
        Command::Group(cmd) => group::run(cmd, &ctx).await,
        Command::Cluster(cmd) => cluster::run(cmd, &ctx).await,
        Command::Bench(cmd) => bench::run(cmd, &ctx).await,
        Command::InspectLog(args) => inspect_log::run(args, &ctx),
        Command::Init(args) => init::run(args, &ctx, cli.global.config.as_deref()).await,
        Command::Demo(args) => demo::run(args, &ctx).await,
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

impl Command {
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

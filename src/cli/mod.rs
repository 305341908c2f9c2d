//! The command line: clap definitions, one file per subcommand, and how results are printed.
//!
//! Every subcommand but `serve` and `inspect-log` talks to a broker through `crate::client`.
//! clap types stay in this module; nothing below it knows the command line exists.

pub mod bench;
pub mod config;
pub mod consume;
pub mod exit;
pub mod inspect_log;
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
    /// Print only results, no notices
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output on stderr (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
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
    /// Measure throughput and latency of a broker or of the log alone
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Summarise, dump and verify segment files offline (read-only)
    InspectLog(inspect_log::InspectLogArgs),
}

/// The settings every command resolves from flags, environment, config file and defaults.
#[derive(Debug, Clone)]
pub struct Context {
    pub broker: String,
    pub output: OutputFormat,
    pub quiet: bool,
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
            config,
        })
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    init_logging(&cli.global, matches!(cli.command, Command::Serve(_)));
    match cli.command {
        Command::Serve(args) => serve::run(args, &ctx).await,
        Command::Produce(args) => produce::run(args, &ctx).await,
        Command::Consume(args) => consume::run(args, &ctx).await,
        Command::Subscribe(args) => subscribe::run(args, &ctx).await,
        Command::Topic(cmd) => topic::run(cmd, &ctx).await,
        Command::Bench(cmd) => bench::run(cmd, &ctx).await,
        Command::InspectLog(args) => inspect_log::run(args, &ctx),
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
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

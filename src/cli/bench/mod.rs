//! `flashq bench`: load a broker the way kafka-producer-perf-test and Iggy's bench do, with live
//! progress on a terminal and a results table (or one JSON object with `-o json`).
//!
//! Modes: `produce`, `consume`, `e2e` (latency from send to subscriber), `load` (many producers
//! and consumers at once, every acknowledged record checked) and `storage` (the log alone, no
//! network). `--embedded` runs an in-process broker on a temp dir, so `flashq bench`
//! works with no server running.

mod consume;
mod e2e;
mod load;
mod produce;
mod progress;
mod report;
mod storage;

use std::time::Duration;

use clap::{Args, Subcommand};

use crate::client::BrokerTarget;
use crate::node::{Node, NodeConfig, StorageChoice};
use crate::storage::FsyncPolicy;

use super::produce::AcksArg;
use super::{CliError, Context, ExitCode, UnusedFlag};

pub use report::BenchReport;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Producer throughput and acknowledgement latency
    Produce(BenchArgs),
    /// Consumer throughput (fills the topic first when it holds too few records)
    Consume(BenchArgs),
    /// End-to-end latency: produce -> subscriber has the record, at --rate
    E2e(BenchArgs),
    /// Many producers and consumers at once (--producers, --consumers, --duration); fails unless
    /// every acknowledged record is delivered once, in order
    Load(BenchArgs),
    /// The partition log alone, no network: append then read back
    Storage(BenchArgs),
}

/// The largest record value the bench sends: the broker's default record limit (1 MiB) less
/// room for a key and the record's framing.
const MAX_BENCH_RECORD_BYTES: usize = 1024 * 1024 - 1024;
/// The most value bytes one produce request carries: half the broker's default batch limit
/// (16 MiB), so large records go a few per request rather than past the limit.
const MAX_BENCH_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// Workload options shared by every mode.
#[derive(Debug, Args, Clone)]
pub struct BenchArgs {
    /// Records to send (per run, across all producers)
    #[arg(long, default_value_t = 1_000_000)]
    pub records: u64,
    /// Run for this long instead of a record count (like 30s)
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub duration: Option<Duration>,
    /// Value size in bytes
    #[arg(long, default_value_t = 100, value_name = "BYTES")]
    pub record_size: usize,
    /// Records per produce request
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// Partitions of the benchmark topic
    #[arg(long, default_value_t = 1)]
    pub partitions: u32,
    /// Parallel producer connections
    #[arg(long, default_value_t = 1)]
    pub producers: usize,
    /// Parallel consumer connections
    #[arg(long, default_value_t = 1)]
    pub consumers: usize,
    /// Target records per second across producers (default: as fast as possible; e2e: 10000)
    #[arg(long)]
    pub rate: Option<u64>,
    /// Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never
    #[arg(long, default_value = "always")]
    pub fsync: FsyncPolicy,
    /// Start an in-process broker on a temp dir instead of using --broker
    #[arg(long)]
    pub embedded: bool,
    /// Topic to use [default: bench-<mode>-<pid>]
    #[arg(long)]
    pub topic: Option<String>,
    /// In a cluster: when a produce is acknowledged
    #[arg(long, value_enum, default_value_t = AcksArg::All)]
    pub acks: AcksArg,
    /// Produce without idempotent producer sessions (bench produce), to measure what they cost
    #[arg(long)]
    pub no_idempotence: bool,
    /// Keyed records (bench produce): cycle through this many keys, each record to its key's
    /// partition, so a batch splits into one per partition, as a keyed workload's does [default:
    /// no keys, whole batches to one partition in turn]
    #[arg(long, value_name = "N")]
    pub keys: Option<u64>,
    /// In a cluster: replicas per partition of the topic the bench creates [default: the
    /// broker's]
    #[arg(long, value_name = "N")]
    pub replication_factor: Option<u32>,
}

impl BenchArgs {
    fn topic(&self, mode: &str) -> String {
        self.topic
            .clone()
            .unwrap_or_else(|| format!("bench-{mode}-{}", std::process::id()))
    }
}

impl BenchCommand {
    /// `bench <mode>`, as typed.
    pub(super) fn name(&self) -> &'static str {
        match self {
            BenchCommand::Produce(_) => "bench produce",
            BenchCommand::Consume(_) => "bench consume",
            BenchCommand::E2e(_) => "bench e2e",
            BenchCommand::Load(_) => "bench load",
            BenchCommand::Storage(_) => "bench storage",
        }
    }

    /// The flags this mode does not use (every mode shares [`BenchArgs`]).
    pub(super) fn unused_flags(&self) -> Vec<UnusedFlag> {
        let flag = |id, hint| UnusedFlag { id, hint };
        let (_, args) = self.mode_and_args();
        let mut unused = match self {
            BenchCommand::Produce(_) => vec![flag("consumers", "bench produce only produces")],
            BenchCommand::Consume(_) => vec![
                flag(
                    "producers",
                    "bench consume fills the topic from one producer",
                ),
                flag("duration", "bench consume reads --records records"),
                flag("rate", "bench consume reads as fast as it can"),
            ],
            BenchCommand::E2e(_) => vec![
                flag("producers", "bench e2e has one producer, paced by --rate"),
                flag("consumers", "bench e2e has one subscriber"),
            ],
            BenchCommand::Load(_) => Vec::new(),
            BenchCommand::Storage(_) => vec![
                flag("duration", "bench storage appends --records records"),
                flag("partitions", "bench storage writes one partition log"),
                flag("producers", "bench storage appends from one thread"),
                flag("consumers", "bench storage reads back from one thread"),
                flag("rate", "bench storage appends as fast as it can"),
                flag("embedded", "bench storage uses no broker"),
                flag(
                    "topic",
                    "bench storage writes a log in a temp dir, in no topic",
                ),
                flag("acks", "bench storage uses no broker"),
                flag("replication_factor", "bench storage uses no broker"),
            ],
        };
        if !matches!(self, BenchCommand::Produce(_)) {
            unused.push(flag("keys", "only bench produce writes keyed records"));
            unused.push(flag(
                "no_idempotence",
                "only bench produce measures idempotent producers; the other modes produce without sessions",
            ));
        }
        let offline = matches!(self, BenchCommand::Storage(_)) || args.embedded;
        if offline {
            unused.extend(super::connection_flags(
                "bench storage and bench --embedded talk to no broker of yours",
            ));
        } else {
            unused.push(flag(
                "fsync",
                "--fsync sets the embedded broker's or the storage mode's policy; a running broker has its own (serve --fsync)",
            ));
        }
        unused
    }

    fn mode_and_args(&self) -> (&'static str, &BenchArgs) {
        match self {
            BenchCommand::Produce(a) => ("produce", a),
            BenchCommand::Consume(a) => ("consume", a),
            BenchCommand::E2e(a) => ("e2e", a),
            BenchCommand::Load(a) => ("load", a),
            BenchCommand::Storage(a) => ("storage", a),
        }
    }
}

pub async fn run(command: BenchCommand, ctx: &Context) -> anyhow::Result<()> {
    let (mode, args) = command.mode_and_args();
    if args.record_size < 8
        || args.record_size > MAX_BENCH_RECORD_BYTES
        || args.batch_size == 0
        || args.producers == 0
        || args.consumers == 0
    {
        return Err(CliError::new(
            ExitCode::Usage,
            format!(
                "--record-size must be between 8 and {MAX_BENCH_RECORD_BYTES} (1 MiB less the key and headers a record may carry) and --batch-size, --producers, --consumers at least 1"
            ),
        )
        .into());
    }
    // Large records: fewer per request, so a request stays within the broker's batch limit.
    let mut args = args.clone();
    let fitting = (MAX_BENCH_REQUEST_BYTES / args.record_size).max(1);
    if args.batch_size > fitting {
        if !ctx.quiet && !ctx.output.is_json() {
            eprintln!(
                "--batch-size {} of {}-byte records is over {} MiB a request: sending {fitting} per request",
                args.batch_size,
                args.record_size,
                MAX_BENCH_REQUEST_BYTES >> 20
            );
        }
        args.batch_size = fitting;
    }
    let args = &args;
    let show_progress = !ctx.output.is_json() && !ctx.quiet;
    // The storage mode needs no broker; the others use --broker or an embedded one.
    let embedded = match (&command, args.embedded) {
        (BenchCommand::Storage(_), _) | (_, false) => None,
        (_, true) => Some(start_embedded(args.fsync).await?),
    };
    // An embedded broker is plain text on loopback and needs no token.
    let target = BrokerTarget {
        acks: args.acks.into(),
        ..match &embedded {
            Some((broker, _)) => BrokerTarget::plain(&broker.url()),
            None => ctx.target()?,
        }
    };
    let topic = args.topic(mode);
    let mut report = match &command {
        BenchCommand::Produce(_) => produce::run(&target, &topic, args, show_progress).await?,
        BenchCommand::Consume(_) => consume::run(&target, &topic, args, show_progress).await?,
        BenchCommand::E2e(_) => e2e::run(&target, &topic, args, show_progress).await?,
        BenchCommand::Load(_) => load::run(&target, &topic, args, show_progress).await?,
        BenchCommand::Storage(_) => storage::run(args, show_progress).await?,
    };
    if let Some((broker, temp)) = embedded {
        report.notes.push(format!(
            "embedded broker (fsync {}); peak RSS covers broker and bench client together",
            args.fsync
        ));
        broker.stop().await?;
        drop(temp);
    }
    report.print(ctx.output)?;
    match report.failure {
        // Lost or reordered records: the data failed verification.
        Some(failure) => Err(CliError::new(ExitCode::Corrupt, failure).into()),
        None => Ok(()),
    }
}

/// An in-process broker on file storage in a fresh temp dir.
async fn start_embedded(fsync: FsyncPolicy) -> anyhow::Result<(Node, tempfile::TempDir)> {
    let temp = tempfile::tempdir()?;
    let storage = StorageChoice::File {
        data_dir: temp.path().to_path_buf(),
        fsync,
    };
    let broker = Node::start(NodeConfig::embedded(storage)).await?;
    Ok((broker, temp))
}

/// Paces one of `--producers` producers to its share of `--rate`, one batch per tick; `None`
/// when there is no rate (as fast as acknowledgements allow).
pub(crate) fn batch_ticker(args: &BenchArgs) -> Option<tokio::time::Interval> {
    args.rate.map(|rate| {
        let batches_per_second =
            (rate as f64 / args.producers as f64 / args.batch_size as f64).max(0.001);
        let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / batches_per_second));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        ticker
    })
}

/// How many records a producer's next batch carries, having sent `sent` of its `share` (or
/// running until `deadline`); `None` once it is done.
pub(crate) fn next_batch_len(
    args: &BenchArgs,
    deadline: Option<std::time::Instant>,
    sent: u64,
    share: u64,
) -> Option<u64> {
    match deadline {
        Some(deadline) if std::time::Instant::now() >= deadline => None,
        Some(_) => Some(args.batch_size as u64),
        None if sent >= share => None,
        None => Some((share - sent).min(args.batch_size as u64)),
    }
}

/// A value of `size` bytes whose first 8 bytes carry a send time (ns), for latency.
pub(crate) fn stamped_value(size: usize, sent_ns: u64) -> bytes::Bytes {
    let mut value = vec![b'x'; size];
    value[..8].copy_from_slice(&sent_ns.to_be_bytes());
    bytes::Bytes::from(value)
}

/// This process's peak resident memory in KiB (Linux), if known.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

//! `flashq consume`: read records by offset, by time, from either end, once or following.
//!
//! Each partition is read by its own task; records reach stdout in order per partition.
//! Without `--follow` each partition stops at the end offset seen at start, so scripts end.
//! With `--group` the group decides which partitions are read and from where: see
//! [`super::group_consumer`].

use std::time::Duration;

use clap::Args;

use crate::client::{Client, ConsumedRecord, Offset};

use super::group_consumer::{
    self, AssignorArg, DEFAULT_AUTO_COMMIT_INTERVAL_MS, GroupConsumeOptions, ResetPolicy,
};
use super::record_format::{Encoding, RecordPrinter, write_or_closed};
use super::start_args::StartArgs;
use super::{CliError, Context, ExitCode};

/// How long a following fetch waits at the end of the log before asking again.
const FOLLOW_WAIT_MS: u32 = 1_000;
/// Fetched batches that may wait for stdout; bounds memory when output is slow.
const PENDING_BATCHES: usize = 4;

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// Topic to read
    #[arg(short, long)]
    pub topic: String,
    /// Partition to read (repeatable; default: all)
    #[arg(short, long)]
    pub partition: Vec<u32>,
    /// Where to start [default: --from-beginning]
    #[command(flatten)]
    pub start: StartArgs,
    /// Stop after N records
    #[arg(short = 'n', long, value_name = "N")]
    pub max: Option<u64>,
    /// Keep waiting for new records instead of stopping at the end
    #[arg(short, long)]
    pub follow: bool,
    /// kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \n \t
    #[arg(long)]
    pub format: Option<String>,
    /// How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    pub value_encoding: Encoding,
    /// Read as a member of this consumer group: only the partitions the group assigns, from the
    /// group's committed offsets, committing as records are printed
    #[arg(short, long, value_name = "GROUP", conflicts_with_all = ["partition", "start"])]
    pub group: Option<String>,
    /// With --group: where to start in a partition without a committed offset (or whose
    /// committed offset is no longer in the log)
    #[arg(long, value_enum, default_value_t = ResetPolicy::Earliest, value_name = "POLICY")]
    pub reset: ResetPolicy,
    /// With --group: commit offsets this often, and always on exit and before a rebalance
    #[arg(long, default_value_t = DEFAULT_AUTO_COMMIT_INTERVAL_MS, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub auto_commit_interval_ms: u64,
    /// With --group: never commit offsets (the group's offsets stay where they are)
    #[arg(long, requires = "group")]
    pub no_commit: bool,
    /// With --group: the member's session timeout; a member silent this long is removed
    #[arg(long, value_name = "MS", requires = "group")]
    pub session_timeout_ms: Option<u32>,
    /// With --group: how the group splits partitions among members
    #[arg(long, value_enum, requires = "group")]
    pub assignor: Option<AssignorArg>,
}

pub async fn run(args: ConsumeArgs, ctx: &Context) -> anyhow::Result<()> {
    let printer = RecordPrinter::new(
        args.format.as_deref(),
        ctx.output.is_json(),
        args.value_encoding,
    )?;
    if let Some(group) = &args.group {
        let client = Client::connect(&ctx.broker).await?;
        let options = GroupConsumeOptions {
            group: group.clone(),
            topic: args.topic.clone(),
            follow: args.follow,
            max: args.max.unwrap_or(u64::MAX),
            reset: args.reset,
            commit_interval: (!args.no_commit)
                .then(|| Duration::from_millis(args.auto_commit_interval_ms)),
            join: crate::client::JoinOptions {
                session_timeout_ms: args.session_timeout_ms,
                assignor: args.assignor.map(|a| a.name().to_string()),
                ..Default::default()
            },
        };
        return group_consumer::run(client, options, &printer).await;
    }
    let start = args.start.position(Offset::Earliest)?;
    let client = Client::connect(&ctx.broker).await?;
    let topic = client.describe_topic(&args.topic).await?;
    let partitions: Vec<u32> = if args.partition.is_empty() {
        (0..topic.partitions).collect()
    } else {
        for &p in &args.partition {
            if p >= topic.partitions {
                return Err(CliError::new(
                    ExitCode::NotFound,
                    format!(
                        "topic {:?} has no partition {p} (it has {})",
                        args.topic, topic.partitions
                    ),
                )
                .into());
            }
        }
        args.partition.clone()
    };

    let (batches_tx, mut batches_rx) =
        tokio::sync::mpsc::channel(PENDING_BATCHES * partitions.len().max(1));
    let mut readers = tokio::task::JoinSet::new();
    for partition in partitions {
        let client = client.clone();
        let topic = args.topic.clone();
        let tx = batches_tx.clone();
        let follow = args.follow;
        readers.spawn(
            async move { read_partition(client, topic, partition, start, follow, tx).await },
        );
    }
    drop(batches_tx);

    let mut out = std::io::stdout().lock();
    let mut buffer = Vec::new();
    let mut printed = 0u64;
    let max = args.max.unwrap_or(u64::MAX);
    while let Some(batch) = batches_rx.recv().await {
        buffer.clear();
        for record in batch?.iter().take((max - printed) as usize) {
            printer.write(&mut buffer, &args.topic, record);
            printed += 1;
        }
        // One write per batch: records reach a pipe promptly when following.
        if !write_or_closed(&mut out, &buffer)? || printed >= max {
            break;
        }
    }
    readers.abort_all();
    Ok(())
}

/// Reads one partition from `start` and sends its batches, in order, until the end offset seen
/// at start (or forever when following).
pub(super) async fn read_partition(
    client: Client,
    topic: String,
    partition: u32,
    start: Offset,
    follow: bool,
    batches: tokio::sync::mpsc::Sender<anyhow::Result<Vec<ConsumedRecord>>>,
) {
    let result: anyhow::Result<()> = async {
        let bounds = client
            .list_offset(&topic, partition, Offset::Earliest)
            .await?;
        let mut next = match start {
            Offset::At(offset) => offset.clamp(bounds.start_offset, bounds.end_offset),
            other => client
                .list_offset(&topic, partition, other)
                .await?
                .resolved_offset
                .unwrap_or(bounds.start_offset),
        };
        let stop_at = bounds.end_offset;
        loop {
            if !follow && next >= stop_at {
                return Ok(());
            }
            let wait_ms = if follow { FOLLOW_WAIT_MS } else { 0 };
            let batch = client
                .fetch(&topic, partition, Offset::At(next), None, wait_ms)
                .await?;
            next = batch.next_offset;
            let mut records = batch.records;
            if !follow {
                records.retain(|r| r.offset < stop_at);
            }
            if !records.is_empty() && batches.send(Ok(records)).await.is_err() {
                return Ok(());
            }
        }
    }
    .await;
    if let Err(e) = result {
        let _ = batches.send(Err(e)).await;
    }
}

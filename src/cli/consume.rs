//! `flashq consume`: read records by offset, by time, from either end, once or following.
//!
//! Each partition is read by its own task; records reach stdout in order per partition.
//! Without `--follow` each partition stops at the end offset seen at start, so scripts end.
//! With `--group` the group decides which partitions are read and from where: see
//! [`super::group_consumer`].

use std::sync::Arc;

use clap::Args;

use crate::client::{ClusterRouter, ConsumedRecord, LeaderReader, Offset};

use super::group_consumer::{self, GroupArgs, Source};
use super::record_format::{PrintArgs, RecordPrinter, write_or_closed};
use super::start_args::StartArgs;
use super::{CliError, Context, ExitCode};

/// How long a following fetch waits at the end of the log before asking again.
const FOLLOW_WAIT_MS: u32 = 1_000;
/// Fetched batches that may wait for stdout; bounds memory when output is slow.
const PENDING_BATCHES: usize = 4;

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// Topic to read
    #[arg(short, long, add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
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
    #[command(flatten)]
    pub print: PrintArgs,
    #[command(flatten)]
    pub group: GroupArgs,
}

pub async fn run(args: ConsumeArgs, ctx: &Context) -> anyhow::Result<()> {
    let printer = args.print.printer(ctx.output.is_json())?;
    let source = Source::Fetch {
        follow: args.follow,
    };
    if let Some(options) = args.group.options(&args.topic, source, args.max) {
        let client = ctx.connect().await?;
        return group_consumer::run(client, options, &printer).await;
    }
    let start = args.start.position(Offset::Earliest)?;
    let client = ctx.connect().await?;
    // In a cluster each partition is read from its current leader, whose high watermark is the
    // newest (a follower would serve the same records, a little later).
    let router = Arc::new(ClusterRouter::new(client).await?);
    let partition_count = router.partition_count(&args.topic).await?;
    let partitions: Vec<u32> = if args.partition.is_empty() {
        (0..partition_count).collect()
    } else {
        for &p in &args.partition {
            if p >= partition_count {
                return Err(CliError::new(
                    ExitCode::NotFound,
                    format!(
                        "topic {:?} has no partition {p} (it has {partition_count})",
                        args.topic
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
        let reader = LeaderReader::new(router.clone(), &args.topic, partition);
        readers.spawn(read_partition(
            reader,
            start,
            args.follow,
            batches_tx.clone(),
        ));
    }
    drop(batches_tx);

    let printed = print_batches(
        &mut batches_rx,
        &printer,
        &args.topic,
        args.max,
        std::future::pending(),
    )
    .await;
    readers.abort_all();
    printed
}

/// Prints the readers' batches as they come, in order per partition, until every reader is
/// done, stdout is closed, `max` records are printed or `stop` resolves; a reader's error ends
/// the printing with that error.
pub(super) async fn print_batches(
    batches: &mut tokio::sync::mpsc::Receiver<anyhow::Result<Vec<ConsumedRecord>>>,
    printer: &RecordPrinter,
    topic: &str,
    max: Option<u64>,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    tokio::pin!(stop);
    let mut out = std::io::stdout().lock();
    let mut buffer = Vec::new();
    let mut printed = 0u64;
    let max = max.unwrap_or(u64::MAX);
    loop {
        let records = tokio::select! {
            _ = &mut stop => return Ok(()),
            batch = batches.recv() => match batch {
                Some(records) => records?,
                None => return Ok(()),
            },
        };
        buffer.clear();
        for record in records.iter().take((max - printed) as usize) {
            printer.write(&mut buffer, topic, record);
            printed += 1;
        }
        // One write per batch: records reach a pipe promptly when following.
        if !write_or_closed(&mut out, &buffer)? || printed >= max {
            return Ok(());
        }
    }
}

/// Reads one partition from `start` and sends its batches, in order, until the end offset seen
/// at start (or forever when following).
pub(super) async fn read_partition(
    mut reader: LeaderReader,
    start: Offset,
    follow: bool,
    batches: tokio::sync::mpsc::Sender<anyhow::Result<Vec<ConsumedRecord>>>,
) {
    let result: anyhow::Result<()> = async {
        let bounds = reader.list_offset(Offset::Earliest).await?;
        let mut next = match start {
            Offset::At(offset) => offset.clamp(bounds.start_offset, bounds.end_offset),
            other => reader
                .list_offset(other)
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
            let batch = reader.fetch(next, None, wait_ms).await?;
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
